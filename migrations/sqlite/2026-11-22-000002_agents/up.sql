-- Agents: profiles, licences, certifications (readiness to sell), teams, and sent reminders.
CREATE TABLE teams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    leader_agent_id INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX teams_name_key ON teams (name);

CREATE TABLE agents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    npn TEXT,
    phone TEXT,
    photo_path TEXT,
    bio TEXT NOT NULL DEFAULT '',
    languages TEXT NOT NULL DEFAULT 'en',
    leads_per_day INTEGER NOT NULL DEFAULT 10,
    max_open_leads INTEGER NOT NULL DEFAULT 50,
    accepting_leads BOOLEAN NOT NULL DEFAULT 0,
    working_hours TEXT NOT NULL DEFAULT '',
    -- States named on import, before licences are entered; routing reads only licences.
    declared_states TEXT NOT NULL DEFAULT '',
    team_id INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX agents_user_key ON agents (user_id);
CREATE UNIQUE INDEX agents_slug_key ON agents (slug);
CREATE UNIQUE INDEX agents_npn_key ON agents (npn);
CREATE INDEX agents_team_idx ON agents (team_id);

CREATE TABLE agent_licenses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    number TEXT NOT NULL,
    resident BOOLEAN NOT NULL,
    lines TEXT NOT NULL,
    issued_on DATE NOT NULL,
    expires_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX agent_licenses_agent_idx ON agent_licenses (agent_id);
CREATE INDEX agent_licenses_state_idx ON agent_licenses (state, expires_on);
CREATE INDEX agent_licenses_expiry_idx ON agent_licenses (expires_on);

CREATE TABLE certifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    plan_year INTEGER NOT NULL,
    earned_on DATE NOT NULL,
    expires_on DATE NOT NULL,
    source TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'course')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX certifications_agent_idx ON certifications (agent_id);
CREATE INDEX certifications_expiry_idx ON certifications (expires_on);

-- One row per reminder e-mail ever queued, so none goes out twice (even from two servers).
CREATE TABLE reminders_sent (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX reminders_sent_key ON reminders_sent (key);
