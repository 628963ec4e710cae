-- Commissions (issue 16): schedules, the CMS limits, contract levels and uplines, splits, the
-- append-only ledger, licence holds and the monthly runs. Every versioned table is insert-only:
-- a change is a new row with its effective date, so what was computed from an older row stays
-- explainable.

-- Per carrier and product, optionally per state and age band, over an effective-date range.
-- The rate is basis points (percent) or cents per policy year (flat, per life); renewal bands are
-- JSON [{"from_year": 2, "rate": 500}, …].
CREATE TABLE commission_schedules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    carrier_id INTEGER NOT NULL REFERENCES carriers (id),
    product_id INTEGER NOT NULL REFERENCES carrier_products (id),
    state TEXT,
    min_age INTEGER,
    max_age INTEGER,
    effective_from DATE NOT NULL,
    effective_to DATE,
    basis TEXT NOT NULL,
    first_year_rate INTEGER NOT NULL CHECK (first_year_rate >= 0),
    renewal_bands TEXT NOT NULL DEFAULT '[]',
    pay_mode TEXT NOT NULL,
    advance_months INTEGER NOT NULL DEFAULT 0,
    replaces_id INTEGER REFERENCES commission_schedules (id),
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX commission_schedules_product_idx ON commission_schedules (product_id, effective_from);

CREATE TRIGGER commission_schedules_no_update BEFORE UPDATE ON commission_schedules
BEGIN SELECT RAISE(ABORT, 'commission_schedules is append-only'); END;
CREATE TRIGGER commission_schedules_no_delete BEFORE DELETE ON commission_schedules
BEGIN SELECT RAISE(ABORT, 'commission_schedules is append-only'); END;

-- CMS compensation limits per plan year, product and region, with their source. Owners edit them.
CREATE TABLE cms_limits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    year INTEGER NOT NULL,
    product TEXT NOT NULL,
    region TEXT NOT NULL,
    initial_cents INTEGER NOT NULL,
    renewal_cents INTEGER NOT NULL,
    referral_cents INTEGER,
    source TEXT NOT NULL,
    updated_by INTEGER REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (year, product, region)
);
INSERT INTO cms_limits (year, product, region, initial_cents, renewal_cents, referral_cents, source, updated_at) VALUES
(2026, 'medicare_advantage', 'national', 69400, 34700, 10000, 'CMS, CY 2026 Medicare Advantage and Part D agent and broker compensation limits (HPMS memo, 42 CFR 422.2274); referral fee limit 42 CFR 422.2274(f).', CURRENT_TIMESTAMP),
(2026, 'medicare_advantage', 'CT', 78100, 39100, NULL, 'CMS, CY 2026 agent and broker compensation limits: higher limit for Connecticut (42 CFR 422.2274).', CURRENT_TIMESTAMP),
(2026, 'medicare_advantage', 'PA', 78100, 39100, NULL, 'CMS, CY 2026 agent and broker compensation limits: higher limit for Pennsylvania (42 CFR 422.2274).', CURRENT_TIMESTAMP),
(2026, 'medicare_advantage', 'DC', 78100, 39100, NULL, 'CMS, CY 2026 agent and broker compensation limits: higher limit for the District of Columbia (42 CFR 422.2274).', CURRENT_TIMESTAMP),
(2026, 'medicare_advantage', 'CA', 86400, 43200, NULL, 'CMS, CY 2026 agent and broker compensation limits: higher limit for California (42 CFR 422.2274).', CURRENT_TIMESTAMP),
(2026, 'medicare_advantage', 'NJ', 86400, 43200, NULL, 'CMS, CY 2026 agent and broker compensation limits: higher limit for New Jersey (42 CFR 422.2274).', CURRENT_TIMESTAMP),
(2026, 'medicare_advantage', 'PR', 47400, 23700, NULL, 'CMS, CY 2026 agent and broker compensation limits: lower limit for Puerto Rico (42 CFR 422.2274).', CURRENT_TIMESTAMP),
(2026, 'medicare_advantage', 'VI', 47400, 23700, NULL, 'CMS, CY 2026 agent and broker compensation limits: lower limit for the U.S. Virgin Islands (42 CFR 422.2274).', CURRENT_TIMESTAMP),
(2026, 'part_d', 'national', 11400, 5700, 2500, 'CMS, CY 2026 Part D agent and broker compensation limits (HPMS memo, 42 CFR 423.2274); referral fee limit 42 CFR 423.2274(f).', CURRENT_TIMESTAMP);

-- Settings of the commission rules, each with its source (as policy_rules).
CREATE TABLE commission_rules (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    label TEXT NOT NULL,
    source TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO commission_rules (key, value, label, source, updated_at) VALUES
('rapid_disenrollment_months', '3', 'Months after the effective date within which a Medicare member''s leaving takes back the whole commission',
 'CMS rapid disenrollment: compensation is recovered when a member disenrolls within the first three months of enrollment (42 CFR 422.2274(d)(5), 423.2274(d)(5)).', CURRENT_TIMESTAMP),
('payout_minimum_cents', '2500', 'Smallest balance paid out (cents); below it the balance carries over',
 'Agency practice (issue 16 default).', CURRENT_TIMESTAMP),
('short_pay_tolerance_cents', '100', 'How far below the expected amount a carrier payment may be before it is short-paid (cents)',
 'Agency practice (issue 16 default).', CURRENT_TIMESTAMP);

-- Contract levels and their share of the gross commission (basis points), versioned.
CREATE TABLE commission_levels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE commission_level_rates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    level_id INTEGER NOT NULL REFERENCES commission_levels (id),
    share_bps INTEGER NOT NULL CHECK (share_bps BETWEEN 0 AND 10000),
    effective_from DATE NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX commission_level_rates_level_idx ON commission_level_rates (level_id, effective_from);
CREATE TRIGGER commission_level_rates_no_update BEFORE UPDATE ON commission_level_rates
BEGIN SELECT RAISE(ABORT, 'commission_level_rates is append-only'); END;
CREATE TRIGGER commission_level_rates_no_delete BEFORE DELETE ON commission_level_rates
BEGIN SELECT RAISE(ABORT, 'commission_level_rates is append-only'); END;

-- Each agent's level and upline (none: the agency), versioned by effective date.
CREATE TABLE agent_hierarchy (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id INTEGER NOT NULL REFERENCES agents (id),
    level_id INTEGER NOT NULL REFERENCES commission_levels (id),
    upline_agent_id INTEGER REFERENCES agents (id),
    effective_from DATE NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    CHECK (upline_agent_id IS NULL OR upline_agent_id <> agent_id)
);
CREATE INDEX agent_hierarchy_agent_idx ON agent_hierarchy (agent_id, effective_from);
CREATE TRIGGER agent_hierarchy_no_update BEFORE UPDATE ON agent_hierarchy
BEGIN SELECT RAISE(ABORT, 'agent_hierarchy is append-only'); END;
CREATE TRIGGER agent_hierarchy_no_delete BEFORE DELETE ON agent_hierarchy
BEGIN SELECT RAISE(ABORT, 'agent_hierarchy is append-only'); END;

-- A policy's split among payees, versioned by effective date; its shares total exactly 100 %.
CREATE TABLE commission_splits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id INTEGER NOT NULL REFERENCES policies (id),
    effective_from DATE NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX commission_splits_policy_idx ON commission_splits (policy_id, effective_from);
CREATE TABLE commission_split_shares (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    split_id INTEGER NOT NULL REFERENCES commission_splits (id),
    payee_kind TEXT NOT NULL,
    payee_id INTEGER NOT NULL,
    role TEXT NOT NULL,
    share_bps INTEGER NOT NULL CHECK (share_bps > 0 AND share_bps <= 10000),
    takes_remainder BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX commission_split_shares_split_idx ON commission_split_shares (split_id);
CREATE TRIGGER commission_splits_no_update BEFORE UPDATE ON commission_splits
BEGIN SELECT RAISE(ABORT, 'commission_splits is append-only'); END;
CREATE TRIGGER commission_splits_no_delete BEFORE DELETE ON commission_splits
BEGIN SELECT RAISE(ABORT, 'commission_splits is append-only'); END;
CREATE TRIGGER commission_split_shares_no_update BEFORE UPDATE ON commission_split_shares
BEGIN SELECT RAISE(ABORT, 'commission_split_shares is append-only'); END;
CREATE TRIGGER commission_split_shares_no_delete BEFORE DELETE ON commission_split_shares
BEGIN SELECT RAISE(ABORT, 'commission_split_shares is append-only'); END;

-- The ledger: every expected, received, adjusted, charged-back and paid amount, append-only.
-- A chargeback is always negative and an expected amount always positive; a correction is a new row.
CREATE TABLE commission_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id INTEGER REFERENCES policies (id),
    payee_kind TEXT NOT NULL,
    payee_id INTEGER NOT NULL DEFAULT 0,
    role TEXT NOT NULL,
    period DATE NOT NULL,
    kind TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    source TEXT NOT NULL,
    schedule_id INTEGER REFERENCES commission_schedules (id),
    run_id INTEGER,
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    CHECK (kind <> 'chargeback' OR amount_cents < 0),
    CHECK (kind <> 'expected' OR amount_cents > 0)
);
CREATE INDEX commission_entries_policy_idx ON commission_entries (policy_id, payee_kind, payee_id);
CREATE INDEX commission_entries_payee_idx ON commission_entries (payee_kind, payee_id, period);
CREATE INDEX commission_entries_period_idx ON commission_entries (period, kind);
CREATE TRIGGER commission_entries_no_update BEFORE UPDATE ON commission_entries
BEGIN SELECT RAISE(ABORT, 'commission_entries is append-only'); END;
CREATE TRIGGER commission_entries_no_delete BEFORE DELETE ON commission_entries
BEGIN SELECT RAISE(ABORT, 'commission_entries is append-only'); END;

-- A policy's commission held for an agent who was not licensed for it on its effective date,
-- until an owner releases it with a reason.
CREATE TABLE commission_holds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id INTEGER NOT NULL REFERENCES policies (id),
    agent_id INTEGER NOT NULL REFERENCES agents (id),
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    released_at TIMESTAMP,
    released_by INTEGER REFERENCES users (id),
    release_reason TEXT,
    UNIQUE (policy_id, agent_id)
);
CREATE INDEX commission_holds_open_idx ON commission_holds (released_at, created_at);

-- Each computation of a month's expected commissions.
CREATE TABLE commission_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    period DATE NOT NULL,
    status TEXT NOT NULL,
    policies INTEGER NOT NULL DEFAULT 0,
    entries INTEGER NOT NULL DEFAULT 0,
    last_policy_id INTEGER NOT NULL DEFAULT 0,
    requested_by INTEGER REFERENCES users (id),
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX commission_runs_period_idx ON commission_runs (period, id);
