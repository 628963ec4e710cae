-- Leads and contacts: people, their requests, consent, an append-only history, tasks,
-- idempotent API intake, imports, webhooks and small settings.
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    birth_date DATE,
    zip TEXT,
    state TEXT,
    city TEXT,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    do_not_call BOOLEAN NOT NULL DEFAULT 0,
    do_not_call_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX contacts_email_idx ON contacts (email);
CREATE INDEX contacts_phone_idx ON contacts (phone);
CREATE INDEX contacts_lat_idx ON contacts (lat, lon);

CREATE TABLE leads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    source TEXT NOT NULL,
    product_line TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    assigned_agent_id INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    external_id TEXT,
    has_consent BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    assigned_at TIMESTAMP,
    contacted_at TIMESTAMP,
    qualified_at TIMESTAMP,
    quoted_at TIMESTAMP,
    closed_at TIMESTAMP
);
CREATE INDEX leads_agent_idx ON leads (assigned_agent_id, id);
CREATE INDEX leads_agent_status_idx ON leads (assigned_agent_id, status, id);
CREATE INDEX leads_status_idx ON leads (status, id);
CREATE INDEX leads_contact_idx ON leads (contact_id);
CREATE INDEX leads_created_idx ON leads (created_at);
CREATE INDEX leads_external_idx ON leads (source, external_id);

CREATE TABLE lead_consents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lead_id INTEGER NOT NULL REFERENCES leads (id),
    text TEXT NOT NULL,
    given_at TIMESTAMP NOT NULL,
    ip TEXT,
    user_agent TEXT,
    page_url TEXT,
    sellers TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX lead_consents_lead_idx ON lead_consents (lead_id);

-- The truth an auditor reads: rows are only ever added.
CREATE TABLE lead_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lead_id INTEGER NOT NULL REFERENCES leads (id),
    actor_id INTEGER REFERENCES users (id),
    actor_label TEXT NOT NULL,
    kind TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX lead_events_lead_idx ON lead_events (lead_id, id);
CREATE TRIGGER lead_events_no_update BEFORE UPDATE ON lead_events
BEGIN SELECT RAISE(ABORT, 'lead_events is append-only'); END;
CREATE TRIGGER lead_events_no_delete BEFORE DELETE ON lead_events
BEGIN SELECT RAISE(ABORT, 'lead_events is append-only'); END;

CREATE TABLE lead_tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lead_id INTEGER NOT NULL REFERENCES leads (id),
    assignee_id INTEGER NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    done_at TIMESTAMP,
    created_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX lead_tasks_assignee_idx ON lead_tasks (assignee_id, done_at, due_at);
CREATE INDEX lead_tasks_lead_idx ON lead_tasks (lead_id);

-- A retried API request with the same Idempotency-Key gets the first answer.
CREATE TABLE api_idempotency (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_id INTEGER NOT NULL REFERENCES api_tokens (id),
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    response TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX api_idempotency_key ON api_idempotency (token_id, key);

CREATE TABLE lead_imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_by INTEGER REFERENCES users (id),
    file_name TEXT NOT NULL,
    file_path TEXT NOT NULL,
    mapping TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
    total_bytes BIGINT NOT NULL DEFAULT 0,
    processed_bytes BIGINT NOT NULL DEFAULT 0,
    processed_rows INTEGER NOT NULL DEFAULT 0,
    created_count INTEGER NOT NULL DEFAULT 0,
    attached_count INTEGER NOT NULL DEFAULT 0,
    rejected_count INTEGER NOT NULL DEFAULT 0,
    report_path TEXT,
    error TEXT,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);

CREATE TABLE webhook_endpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    events TEXT NOT NULL DEFAULT '*',
    active BOOLEAN NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints (id),
    event TEXT NOT NULL,
    lead_id INTEGER,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    response_status INTEGER,
    error TEXT,
    created_at TIMESTAMP NOT NULL,
    last_attempt_at TIMESTAMP,
    delivered_at TIMESTAMP
);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id);

-- Small named settings (the last lead-import mapping, later scoring weights).
CREATE TABLE app_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
