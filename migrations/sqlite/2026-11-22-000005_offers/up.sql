-- Routing: rules (each a JSON definition: conditions, pool, strategy, caps) and offers with a
-- deadline and the explanation of why the agent was chosen.
CREATE TABLE routing_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    definition TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE offers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lead_id INTEGER NOT NULL REFERENCES leads (id),
    agent_id INTEGER NOT NULL REFERENCES agents (id),
    rule_id INTEGER,
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'expired', 'withdrawn')),
    deadline TIMESTAMP NOT NULL,
    responded_at TIMESTAMP,
    decline_reason TEXT,
    explanation TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX offers_agent_status_idx ON offers (agent_id, status);
CREATE INDEX offers_lead_idx ON offers (lead_id);
CREATE INDEX offers_created_idx ON offers (created_at);

ALTER TABLE leads ADD COLUMN unassigned_reason TEXT;
