DROP INDEX offers_agent_created_idx;
CREATE INDEX offers_agent_created_idx ON offers (agent_id, created_at);
DROP INDEX leads_agent_status_closed_idx;
CREATE INDEX leads_agent_closed_idx ON leads (assigned_agent_id, closed_at);
