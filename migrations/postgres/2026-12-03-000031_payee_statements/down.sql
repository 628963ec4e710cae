DROP TABLE payee_statement_entries;
DROP TABLE payee_statements;
DROP TABLE payout_batches;
