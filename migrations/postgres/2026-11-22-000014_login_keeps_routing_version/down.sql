DROP TRIGGER users_routing_version_update ON users;
DROP TRIGGER users_routing_version ON users;
CREATE TRIGGER users_routing_version AFTER INSERT OR UPDATE OR DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION bump_routing_version();
