-- The renewals page's 12-month renewal rate counts an agent's (or everyone's) policies that
-- expired since a date: from the index alone, not a table read per expired policy.
CREATE INDEX policies_agent_status_changed_idx ON policies (agent_id, status, status_changed_at);
CREATE INDEX policies_status_changed_idx ON policies (status, status_changed_at);
