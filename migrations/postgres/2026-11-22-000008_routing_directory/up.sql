-- Routing keeps each server's picture of the agents (licences, certifications, hours, limits) in
-- memory and reloads it only when this counter moves; the triggers move it on any change to the
-- tables that picture is made of, whatever code path made the change.
CREATE TABLE routing_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO routing_version (id, version) VALUES (1, 1);

CREATE FUNCTION bump_routing_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE routing_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER agents_routing_version AFTER INSERT OR UPDATE OR DELETE ON agents FOR EACH STATEMENT EXECUTE FUNCTION bump_routing_version();
CREATE TRIGGER users_routing_version AFTER INSERT OR UPDATE OR DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION bump_routing_version();
CREATE TRIGGER agent_licenses_routing_version AFTER INSERT OR UPDATE OR DELETE ON agent_licenses FOR EACH STATEMENT EXECUTE FUNCTION bump_routing_version();
CREATE TRIGGER certifications_routing_version AFTER INSERT OR UPDATE OR DELETE ON certifications FOR EACH STATEMENT EXECUTE FUNCTION bump_routing_version();

-- Today's offers per agent, read for the few agents a lead could go to.
CREATE INDEX offers_agent_created_idx ON offers (agent_id, created_at);
-- Conversion over a window, for best-performer rules.
CREATE INDEX leads_agent_closed_idx ON leads (assigned_agent_id, closed_at);
