-- "My commissions" at 100,000 policies: a payee's entries newest first from the index, and an
-- agent's open holds without sorting every hold.
CREATE INDEX commission_entries_payee_id_idx ON commission_entries (payee_kind, payee_id, id);
CREATE INDEX commission_holds_agent_idx ON commission_holds (agent_id, released_at);
