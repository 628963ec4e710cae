DROP INDEX leads_agent_status_closed_idx;
CREATE INDEX leads_agent_closed_idx ON leads (assigned_agent_id, closed_at);
