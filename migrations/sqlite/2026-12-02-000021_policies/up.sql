-- Policies: the agency's book of business. Carriers and their products, policies with their
-- lifecycle history, endorsements, instalments and payments, documents, Scope of Appointment
-- records, book imports, and the rules that come from regulators (as data, with their source).
-- Money is integer cents; dates are calendar dates; times are UTC.

CREATE TABLE carriers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    naic_code TEXT,
    contact_name TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX carriers_name_key ON carriers (name);
CREATE UNIQUE INDEX carriers_naic_key ON carriers (naic_code);

-- A carrier's product: its line (the lead product lines) and, where the line has them, a sub-type
-- (auto: standard, comprehensive, …; see domain::policy::ProductSubType).
CREATE TABLE carrier_products (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    carrier_id INTEGER NOT NULL REFERENCES carriers (id),
    name TEXT NOT NULL,
    product_line TEXT NOT NULL,
    sub_type TEXT,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX carrier_products_key ON carrier_products (carrier_id, name);

-- Scope of Appointment (Medicare): what a beneficiary agreed to discuss, before the appointment.
-- A signed record is kept as it was signed (the text shown, time, address, browser) and is never
-- deleted before `retain_until`. An electronic one waits for the beneficiary with a one-time link
-- (only the token's hash is stored).
CREATE TABLE soa_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    agent_id INTEGER NOT NULL REFERENCES agents (id),
    lead_id INTEGER REFERENCES leads (id),
    product_types TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('in_person', 'phone', 'electronic')),
    status TEXT NOT NULL CHECK (status IN ('awaiting_signature', 'signed', 'withdrawn')),
    appointment_at TIMESTAMP,
    signed_at TIMESTAMP,
    valid_until TIMESTAMP,
    retain_until DATE NOT NULL,
    signed_name TEXT,
    signed_text TEXT,
    signed_ip TEXT,
    signed_user_agent TEXT,
    token_hash TEXT,
    token_expires_at TIMESTAMP,
    token_used_at TIMESTAMP,
    created_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX soa_records_contact_idx ON soa_records (contact_id, signed_at);
CREATE INDEX soa_records_agent_idx ON soa_records (agent_id, id);
CREATE UNIQUE INDEX soa_records_token_key ON soa_records (token_hash);
CREATE TRIGGER soa_records_signed_kept BEFORE UPDATE ON soa_records
WHEN OLD.signed_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a signed Scope of Appointment is kept as signed'); END;
CREATE TRIGGER soa_records_retained BEFORE DELETE ON soa_records
WHEN OLD.retain_until > date('now')
BEGIN SELECT RAISE(ABORT, 'a Scope of Appointment is retained until its retention date'); END;

CREATE TABLE policies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    agent_id INTEGER NOT NULL REFERENCES agents (id),
    carrier_id INTEGER NOT NULL REFERENCES carriers (id),
    product_id INTEGER NOT NULL REFERENCES carrier_products (id),
    lead_id INTEGER REFERENCES leads (id),
    soa_id INTEGER REFERENCES soa_records (id),
    -- The term this one renews (the previous term ends when this one is recorded).
    renewal_of_id INTEGER REFERENCES policies (id),
    policy_number TEXT NOT NULL,
    -- The insured's name as the lists show and search it (kept with the contact's on change).
    insured_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'pending_payment', 'active', 'cancelled', 'lapsed', 'expired', 'non_renewed')),
    product_line TEXT NOT NULL,
    submitted_on DATE NOT NULL,
    effective_on DATE NOT NULL,
    term_end_on DATE NOT NULL,
    premium_cents BIGINT NOT NULL CHECK (premium_cents >= 0),
    billing_frequency TEXT NOT NULL CHECK (billing_frequency IN ('monthly', 'quarterly', 'semi_annual', 'annual')),
    lives INTEGER NOT NULL DEFAULT 1 CHECK (lives >= 1),
    plan_year INTEGER,
    enrollment_type TEXT CHECK (enrollment_type IN ('new_to_medicare', 'like_for_like', 'unlike')),
    coverage TEXT NOT NULL DEFAULT '',
    insured_street TEXT NOT NULL DEFAULT '',
    insured_city TEXT NOT NULL DEFAULT '',
    insured_state TEXT NOT NULL,
    insured_zip TEXT NOT NULL DEFAULT '',
    cancel_reason TEXT,
    cancelled_on DATE,
    source TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'lead', 'import', 'api', 'renewal')),
    created_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    status_changed_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX policies_number_key ON policies (carrier_id, policy_number);
CREATE INDEX policies_agent_idx ON policies (agent_id, id);
CREATE INDEX policies_agent_status_idx ON policies (agent_id, status, id);
CREATE INDEX policies_status_idx ON policies (status, id);
CREATE INDEX policies_status_carrier_idx ON policies (status, carrier_id, id);
CREATE INDEX policies_carrier_idx ON policies (carrier_id, id);
CREATE INDEX policies_term_end_idx ON policies (status, term_end_on);
CREATE INDEX policies_agent_term_end_idx ON policies (agent_id, term_end_on);
CREATE INDEX policies_contact_idx ON policies (contact_id);
CREATE INDEX policies_lead_idx ON policies (lead_id);
CREATE INDEX policies_renewal_of_idx ON policies (renewal_of_id);

-- A term's renewal: due N days before its term end (the renewal_notice_days rule), the agent told
-- once, the offer recorded, then renewed (the new term is a policy with renewal_of_id) or declined
-- (the term ends Non-renewed). One row per term, made when it first comes due.
CREATE TABLE policy_renewals (
    policy_id INTEGER PRIMARY KEY REFERENCES policies (id),
    status TEXT NOT NULL CHECK (status IN ('none', 'offered', 'renewed', 'declined')),
    offered_premium_cents BIGINT,
    offered_term_end_on DATE,
    notified_at TIMESTAMP,
    decided_at TIMESTAMP,
    renewed_policy_id INTEGER REFERENCES policies (id),
    decline_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX policy_renewals_status_idx ON policy_renewals (status);

-- The truth an auditor reads: every transition and change of a policy, only ever added (an owner's
-- licence override and a reason for activating without a Scope of Appointment are events too).
CREATE TABLE policy_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id INTEGER NOT NULL REFERENCES policies (id),
    actor_id INTEGER REFERENCES users (id),
    actor_label TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    details TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX policy_events_policy_idx ON policy_events (policy_id, id);
CREATE TRIGGER policy_events_no_update BEFORE UPDATE ON policy_events
BEGIN SELECT RAISE(ABORT, 'policy_events is append-only'); END;
CREATE TRIGGER policy_events_no_delete BEFORE DELETE ON policy_events
BEGIN SELECT RAISE(ABORT, 'policy_events is append-only'); END;

-- A change to an active policy from its own effective date, with the values before and after.
CREATE TABLE policy_endorsements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id INTEGER NOT NULL REFERENCES policies (id),
    kind TEXT NOT NULL CHECK (kind IN ('premium', 'lives', 'coverage', 'address')),
    effective_on DATE NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    before_value TEXT NOT NULL,
    after_value TEXT NOT NULL,
    premium_delta_cents BIGINT NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX policy_endorsements_policy_idx ON policy_endorsements (policy_id, id);
CREATE TRIGGER policy_endorsements_no_update BEFORE UPDATE ON policy_endorsements
BEGIN SELECT RAISE(ABORT, 'policy_endorsements is append-only'); END;
CREATE TRIGGER policy_endorsements_no_delete BEFORE DELETE ON policy_endorsements
BEGIN SELECT RAISE(ABORT, 'policy_endorsements is append-only'); END;

-- The premium schedule: one row per instalment of the term. `paid_cents` is the sum of the
-- allocations to it, kept in the same transaction as the payment.
CREATE TABLE policy_instalments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id INTEGER NOT NULL REFERENCES policies (id),
    seq INTEGER NOT NULL,
    due_on DATE NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
    paid_cents BIGINT NOT NULL DEFAULT 0 CHECK (paid_cents >= 0),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX policy_instalments_key ON policy_instalments (policy_id, seq);
CREATE INDEX policy_instalments_due_idx ON policy_instalments (due_on);

-- Payments received: a ledger, only ever added. Each is allocated to instalments (oldest first
-- unless one is named); the allocations add up to the payment.
CREATE TABLE policy_payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id INTEGER NOT NULL REFERENCES policies (id),
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    paid_on DATE NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('card', 'bank', 'check', 'cash', 'carrier', 'other')),
    reference TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX policy_payments_policy_idx ON policy_payments (policy_id, id);
CREATE TRIGGER policy_payments_no_update BEFORE UPDATE ON policy_payments
BEGIN SELECT RAISE(ABORT, 'policy_payments is append-only'); END;
CREATE TRIGGER policy_payments_no_delete BEFORE DELETE ON policy_payments
BEGIN SELECT RAISE(ABORT, 'policy_payments is append-only'); END;

CREATE TABLE policy_payment_allocations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_id INTEGER NOT NULL REFERENCES policy_payments (id),
    instalment_id INTEGER NOT NULL REFERENCES policy_instalments (id),
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0)
);
CREATE INDEX policy_payment_allocations_payment_idx ON policy_payment_allocations (payment_id);
CREATE INDEX policy_payment_allocations_instalment_idx ON policy_payment_allocations (instalment_id);

CREATE TABLE policy_documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id INTEGER NOT NULL REFERENCES policies (id),
    kind TEXT NOT NULL CHECK (kind IN ('application', 'policy', 'id_card', 'correspondence', 'other')),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    storage_key TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    verified_at TIMESTAMP,
    verified_by INTEGER REFERENCES users (id)
);
CREATE INDEX policy_documents_policy_idx ON policy_documents (policy_id, id);

CREATE TABLE policy_imports (
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
    duplicate_count INTEGER NOT NULL DEFAULT 0,
    rejected_count INTEGER NOT NULL DEFAULT 0,
    report_path TEXT,
    error TEXT,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);

-- Rules that come from regulators or from the agency's practice: data, each with its source.
-- Owners change them at /admin/policies/rules; every change is audited.
CREATE TABLE policy_rules (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    label TEXT NOT NULL,
    source TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO policy_rules (key, value, label, source, updated_at) VALUES
('renewal_notice_days', '60', 'Days before term end a policy is due for renewal',
 'Agency practice (issue 15 default); many states require a non-renewal notice 30–60 days ahead.', CURRENT_TIMESTAMP),
('grace_days', '30', 'Days of grace after a missed instalment before the policy lapses',
 'Common state grace period for premium (e.g. NAIC Life Insurance Policy Model Law: 30 days); ACA plans with subsidy have 90 days (45 CFR 156.270(d)).', CURRENT_TIMESTAMP),
('soa_valid_months', '12', 'Months a Scope of Appointment stays valid',
 'CMS Medicare Communications and Marketing Guidelines: an SOA is valid for 12 months from signature (42 CFR 422.2264(c)(3)).', CURRENT_TIMESTAMP),
('soa_retention_years', '10', 'Years a Scope of Appointment is retained',
 'CMS record retention for Medicare Advantage and Part D marketing records: 10 years (42 CFR 422.504(d), 423.505(d)).', CURRENT_TIMESTAMP),
('soa_link_hours', '72', 'Hours an e-signature link stays usable',
 'Agency practice.', CURRENT_TIMESTAMP),
('soa_wording', 'I agree to meet with {agent}, a licensed insurance agent with {agency}, to discuss the types of products I checked: {products}. This is not an obligation to enroll in a plan, and my current or future Medicare enrollment will not be affected. The agent may be paid based on my enrollment in a plan.', 'The Scope of Appointment text the beneficiary signs',
 'CMS model Scope of Appointment form (Medicare Communications and Marketing Guidelines, 42 CFR 422.2264(c)(3)); {agent}, {agency}, {products} are filled in.', CURRENT_TIMESTAMP);

-- Webhook deliveries can be about a policy.
ALTER TABLE webhook_deliveries ADD COLUMN policy_id INTEGER;
