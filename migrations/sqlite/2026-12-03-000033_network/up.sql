-- The broker network (issue 17): profiles, connections and their history, the active links both
-- ways (what reach walks), broker teams with their pool, referrals with their history, consent
-- links and ratings, network scores with their history, and the network rules with their sources.

-- One per user on the network: every broker, and any agent who opts in.
CREATE TABLE network_profiles (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    brokerage TEXT NOT NULL DEFAULT '',
    lines TEXT NOT NULL DEFAULT '',
    specialisations TEXT NOT NULL DEFAULT '',
    states TEXT NOT NULL DEFAULT '',
    counties TEXT NOT NULL DEFAULT '',
    zips TEXT NOT NULL DEFAULT '',
    radius_miles INTEGER,
    languages TEXT NOT NULL DEFAULT 'en',
    capacity_per_month INTEGER NOT NULL DEFAULT 10 CHECK (capacity_per_month >= 0),
    available BOOLEAN NOT NULL DEFAULT TRUE,
    bio TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- A request from one member to another, and what became of it. user_low/user_high name the pair
-- in either direction, so a pair has at most one open (pending or active) connection.
CREATE TABLE network_connections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    requester_id INTEGER NOT NULL REFERENCES users (id),
    addressee_id INTEGER NOT NULL REFERENCES users (id),
    user_low INTEGER NOT NULL,
    user_high INTEGER NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    responded_at TIMESTAMP,
    ended_at TIMESTAMP,
    ended_by INTEGER REFERENCES users (id),
    CHECK (requester_id <> addressee_id)
);
CREATE UNIQUE INDEX network_connections_open_pair ON network_connections (user_low, user_high)
    WHERE status IN ('pending', 'active');
CREATE INDEX network_connections_requester_idx ON network_connections (requester_id, status);
CREATE INDEX network_connections_addressee_idx ON network_connections (addressee_id, status);

CREATE TABLE network_connection_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    connection_id INTEGER NOT NULL REFERENCES network_connections (id),
    actor_id INTEGER REFERENCES users (id),
    kind TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX network_connection_events_idx ON network_connection_events (connection_id, id);
CREATE TRIGGER network_connection_events_no_update BEFORE UPDATE ON network_connection_events
BEGIN SELECT RAISE(ABORT, 'network_connection_events is append-only'); END;
CREATE TRIGGER network_connection_events_no_delete BEFORE DELETE ON network_connection_events
BEGIN SELECT RAISE(ABORT, 'network_connection_events is append-only'); END;

-- Each active connection, once from each side: the graph reach walks. Derived from
-- network_connections (a row goes when its connection ends; the history stays there).
CREATE TABLE network_links (
    user_id INTEGER NOT NULL REFERENCES users (id),
    other_id INTEGER NOT NULL REFERENCES users (id),
    connection_id INTEGER NOT NULL REFERENCES network_connections (id),
    since TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, other_id)
);

-- Broker teams: a leader, members (a broker in at most one), and the share of the members'
-- referral commissions the team pools, with how the pool is shared out.
CREATE TABLE broker_teams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    leader_id INTEGER NOT NULL REFERENCES users (id),
    pool_bps INTEGER NOT NULL DEFAULT 0 CHECK (pool_bps BETWEEN 0 AND 10000),
    pool_rule TEXT NOT NULL DEFAULT 'equal',
    pool_fixed TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE broker_team_members (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    team_id INTEGER NOT NULL REFERENCES broker_teams (id),
    joined_at TIMESTAMP NOT NULL
);
CREATE INDEX broker_team_members_team_idx ON broker_team_members (team_id);

-- A pool shared out for a month: its entries are in commission_entries.
CREATE TABLE broker_pool_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id INTEGER NOT NULL REFERENCES broker_teams (id),
    period DATE NOT NULL,
    pool_cents INTEGER NOT NULL,
    rule TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (team_id, period)
);

-- A person handed from one member to another member, a broker team or the agency.
CREATE TABLE referrals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    referrer_id INTEGER NOT NULL REFERENCES users (id),
    target_kind TEXT NOT NULL,
    target_id INTEGER,
    receiver_id INTEGER REFERENCES users (id),
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    source_lead_id INTEGER REFERENCES leads (id),
    lead_id INTEGER REFERENCES leads (id),
    product_line TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    split_kind TEXT NOT NULL,
    split_bps INTEGER NOT NULL DEFAULT 0 CHECK (split_bps BETWEEN 0 AND 10000),
    fee_cents INTEGER NOT NULL DEFAULT 0 CHECK (fee_cents >= 0),
    decline_reason TEXT,
    expires_at TIMESTAMP NOT NULL,
    policy_id INTEGER REFERENCES policies (id),
    created_at TIMESTAMP NOT NULL,
    responded_at TIMESTAMP,
    converted_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX referrals_referrer_idx ON referrals (referrer_id, id);
CREATE INDEX referrals_receiver_idx ON referrals (receiver_id, status, id);
CREATE INDEX referrals_status_idx ON referrals (status, expires_at);
CREATE INDEX referrals_contact_idx ON referrals (contact_id);
CREATE INDEX referrals_lead_idx ON referrals (lead_id);

CREATE TABLE referral_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    referral_id INTEGER NOT NULL REFERENCES referrals (id),
    actor_id INTEGER REFERENCES users (id),
    kind TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX referral_events_idx ON referral_events (referral_id, id);
CREATE TRIGGER referral_events_no_update BEFORE UPDATE ON referral_events
BEGIN SELECT RAISE(ABORT, 'referral_events is append-only'); END;
CREATE TRIGGER referral_events_no_delete BEFORE DELETE ON referral_events
BEGIN SELECT RAISE(ABORT, 'referral_events is append-only'); END;

-- The one-time link that asks the person for consent to the hand-off (only its hash is kept).
CREATE TABLE referral_consent_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    referral_id INTEGER NOT NULL REFERENCES referrals (id),
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX referral_consent_links_referral_idx ON referral_consent_links (referral_id);

-- One rating per referral, by the member who sent or received it, of the other.
CREATE TABLE referral_ratings (
    referral_id INTEGER NOT NULL REFERENCES referrals (id),
    rater_id INTEGER NOT NULL REFERENCES users (id),
    ratee_id INTEGER NOT NULL REFERENCES users (id),
    stars INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    comment TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (referral_id, rater_id)
);
CREATE INDEX referral_ratings_ratee_idx ON referral_ratings (ratee_id);

-- Each member's latest score (hundredths of a point) and tier, and every score ever computed.
CREATE TABLE network_scores (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    hundredths INTEGER NOT NULL,
    tier TEXT NOT NULL,
    inputs TEXT NOT NULL DEFAULT '{}',
    computed_at TIMESTAMP NOT NULL
);
CREATE INDEX network_scores_rank_idx ON network_scores (hundredths DESC, user_id);
CREATE TABLE network_score_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    hundredths INTEGER NOT NULL,
    tier TEXT NOT NULL,
    computed_at TIMESTAMP NOT NULL
);
CREATE INDEX network_score_history_idx ON network_score_history (user_id, computed_at);
CREATE TRIGGER network_score_history_no_update BEFORE UPDATE ON network_score_history
BEGIN SELECT RAISE(ABORT, 'network_score_history is append-only'); END;
CREATE TRIGGER network_score_history_no_delete BEFORE DELETE ON network_score_history
BEGIN SELECT RAISE(ABORT, 'network_score_history is append-only'); END;

-- The network's settings, each with its source (as policy_rules and commission_rules).
CREATE TABLE network_rules (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    label TEXT NOT NULL,
    source TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO network_rules (key, value, label, source, updated_at) VALUES
('referral_expiry_days', '30', 'Days a referral may wait for an answer before it expires', 'Agency practice (issue 17 default).', CURRENT_TIMESTAMP),
('consent_link_hours', '168', 'Hours the person''s consent link stays open', 'Agency practice (issue 17 default).', CURRENT_TIMESTAMP),
('tier_silver_points', '75', 'Network score from which a member is Silver', 'Agency practice (issue 17 default).', CURRENT_TIMESTAMP),
('tier_gold_points', '150', 'Network score from which a member is Gold', 'Agency practice (issue 17 default).', CURRENT_TIMESTAMP),
('tier_platinum_points', '300', 'Network score from which a member is Platinum', 'Agency practice (issue 17 default).', CURRENT_TIMESTAMP),
('tier_diamond_points', '500', 'Network score from which a member is Diamond', 'Agency practice (issue 17 default).', CURRENT_TIMESTAMP),
('tier_silver_bps', '500', 'Extra referral commission for Silver (basis points: 500 is 5 %)', 'Agency practice (issue 17 default).', CURRENT_TIMESTAMP),
('tier_gold_bps', '1000', 'Extra referral commission for Gold (basis points)', 'Agency practice (issue 17 default).', CURRENT_TIMESTAMP),
('tier_platinum_bps', '1500', 'Extra referral commission for Platinum (basis points)', 'Agency practice (issue 17 default).', CURRENT_TIMESTAMP),
('tier_diamond_bps', '2000', 'Extra referral commission for Diamond (basis points)', 'Agency practice (issue 17 default).', CURRENT_TIMESTAMP),
('second_degree_value_bps', '2500', 'Share of the commission earned through 2nd-degree connections counted in network value (basis points)', 'Agency practice (issue 17 default).', CURRENT_TIMESTAMP);
