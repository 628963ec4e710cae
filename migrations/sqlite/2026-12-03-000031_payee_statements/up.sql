-- Payee statements (issue 16 item 7): one per payee and month once the owner locks it, with the
-- balance brought forward, what the month's entries add, what is paid out (at least the minimum
-- payout) and what is carried forward (a negative balance is carried too). Each entry is on one
-- statement at most; a payout batch marks locked statements paid and writes the payout entries.
CREATE TABLE payout_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    period DATE NOT NULL,
    statements INTEGER NOT NULL,
    total_cents INTEGER NOT NULL,
    paid_by INTEGER REFERENCES users (id),
    paid_at TIMESTAMP NOT NULL
);

CREATE TABLE payee_statements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payee_kind TEXT NOT NULL,
    payee_id INTEGER NOT NULL,
    period DATE NOT NULL,
    opening_cents INTEGER NOT NULL,
    entries_cents INTEGER NOT NULL,
    closing_cents INTEGER NOT NULL,
    payout_cents INTEGER NOT NULL,
    carried_cents INTEGER NOT NULL,
    status TEXT NOT NULL,
    locked_by INTEGER REFERENCES users (id),
    locked_at TIMESTAMP NOT NULL,
    batch_id INTEGER REFERENCES payout_batches (id),
    paid_at TIMESTAMP,
    UNIQUE (payee_kind, payee_id, period),
    CHECK (closing_cents = opening_cents + entries_cents),
    CHECK (carried_cents = closing_cents - payout_cents)
);
CREATE INDEX payee_statements_period_idx ON payee_statements (period, status);

CREATE TABLE payee_statement_entries (
    statement_id INTEGER NOT NULL REFERENCES payee_statements (id),
    entry_id INTEGER NOT NULL PRIMARY KEY REFERENCES commission_entries (id)
);
CREATE INDEX payee_statement_entries_statement_idx ON payee_statement_entries (statement_id);
CREATE TRIGGER payee_statement_entries_no_update BEFORE UPDATE ON payee_statement_entries
BEGIN SELECT RAISE(ABORT, 'payee_statement_entries is append-only'); END;
CREATE TRIGGER payee_statement_entries_no_delete BEFORE DELETE ON payee_statement_entries
BEGIN SELECT RAISE(ABORT, 'payee_statement_entries is append-only'); END;
