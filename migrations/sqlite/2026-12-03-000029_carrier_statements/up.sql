-- Carrier commission statements (issue 16, item 6): each carrier's remembered column map, the
-- statements uploaded with their lines, and the reconciliation of each line against the book and
-- the ledger. Amounts in cents, times in UTC. A finalised statement is read-only (the triggers
-- refuse any change to it or its lines); what it received is booked in commission_entries then.

-- How a carrier's statement files are read: field → header, as JSON {"policy_number": "Policy #", …}.
CREATE TABLE carrier_statement_maps (
    carrier_id INTEGER PRIMARY KEY REFERENCES carriers (id),
    map TEXT NOT NULL,
    updated_by INTEGER REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL
);

-- One uploaded statement: a carrier's payments for a month (period = the first day).
CREATE TABLE carrier_statements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    carrier_id INTEGER NOT NULL REFERENCES carriers (id),
    period DATE NOT NULL,
    file_name TEXT NOT NULL,
    status TEXT NOT NULL,
    line_count INTEGER NOT NULL DEFAULT 0,
    received_cents INTEGER NOT NULL DEFAULT 0,
    expected_cents INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    finalised_by INTEGER REFERENCES users (id),
    finalised_at TIMESTAMP
);
CREATE INDEX carrier_statements_carrier_idx ON carrier_statements (carrier_id, period);

-- A statement's lines, and the policies the book expected that it did not pay (line_no NULL,
-- amount 0, exception 'not_paid'). The exception is what reconciliation found; the resolution is
-- what a person decided (linked, accepted, disputed), with their note.
CREATE TABLE carrier_statement_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    statement_id INTEGER NOT NULL REFERENCES carrier_statements (id),
    line_no INTEGER,
    policy_number TEXT NOT NULL DEFAULT '',
    insured_name TEXT NOT NULL DEFAULT '',
    birth_date DATE,
    agent TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT '',
    period DATE NOT NULL,
    amount_cents INTEGER NOT NULL DEFAULT 0,
    expected_cents INTEGER,
    policy_id INTEGER REFERENCES policies (id),
    match_method TEXT,
    exception TEXT,
    resolution TEXT,
    note TEXT NOT NULL DEFAULT '',
    resolved_by INTEGER REFERENCES users (id),
    resolved_at TIMESTAMP
);
CREATE INDEX carrier_statement_lines_statement_idx ON carrier_statement_lines (statement_id, line_no);
CREATE INDEX carrier_statement_lines_exception_idx ON carrier_statement_lines (statement_id, exception, resolution);
CREATE INDEX carrier_statement_lines_policy_idx ON carrier_statement_lines (policy_id, period);

CREATE TRIGGER carrier_statements_final_update BEFORE UPDATE ON carrier_statements
WHEN OLD.status = 'finalised'
BEGIN SELECT RAISE(ABORT, 'a finalised carrier statement is read-only'); END;
CREATE TRIGGER carrier_statements_final_delete BEFORE DELETE ON carrier_statements
WHEN OLD.status = 'finalised'
BEGIN SELECT RAISE(ABORT, 'a finalised carrier statement is read-only'); END;
CREATE TRIGGER carrier_statement_lines_final_update BEFORE UPDATE ON carrier_statement_lines
WHEN (SELECT status FROM carrier_statements WHERE id = OLD.statement_id) = 'finalised'
BEGIN SELECT RAISE(ABORT, 'a finalised carrier statement is read-only'); END;
CREATE TRIGGER carrier_statement_lines_final_delete BEFORE DELETE ON carrier_statement_lines
WHEN (SELECT status FROM carrier_statements WHERE id = OLD.statement_id) = 'finalised'
BEGIN SELECT RAISE(ABORT, 'a finalised carrier statement is read-only'); END;
CREATE TRIGGER carrier_statement_lines_final_insert BEFORE INSERT ON carrier_statement_lines
WHEN (SELECT status FROM carrier_statements WHERE id = NEW.statement_id) = 'finalised'
BEGIN SELECT RAISE(ABORT, 'a finalised carrier statement is read-only'); END;
