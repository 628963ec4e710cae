-- Security fixes of December 2026.

-- Which API token sent a lead: a token without leads:read reads back only its own leads.
ALTER TABLE leads ADD COLUMN api_token_id INTEGER REFERENCES api_tokens (id);

-- Sessions the server can end: the cookie carries a random secret, only its SHA-256 is kept here.
-- Signing out, "sign out everywhere", a password change and deactivation set ended_at.
CREATE TABLE user_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    end_reason TEXT
);
CREATE UNIQUE INDEX user_sessions_token_key ON user_sessions (token_hash);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id, ended_at);

-- Failed sign-ins counted per e-mail address and client address, for known and unknown addresses
-- alike: failures from one place slow down and lock only that place, and say nothing about
-- whether an account exists.
CREATE TABLE login_throttles (
    email TEXT NOT NULL,
    ip TEXT NOT NULL,
    failures INTEGER NOT NULL,
    locked_until TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (email, ip)
);
CREATE INDEX login_throttles_updated_idx ON login_throttles (updated_at);
