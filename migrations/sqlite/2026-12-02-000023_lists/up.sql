-- The policy lists' orders at 100,000 policies: each sort pages on its own index (keyset, ties by
-- id), and the renewal-month filter finds the month's term ends without a status.
CREATE INDEX policies_term_end_on_idx ON policies (term_end_on, id);
CREATE INDEX policies_effective_on_idx ON policies (effective_on, id);
CREATE INDEX policies_premium_idx ON policies (premium_cents, id);
CREATE INDEX policies_insured_idx ON policies (insured_name, id);
CREATE INDEX policies_number_idx ON policies (policy_number, id);
CREATE INDEX policies_agent_effective_idx ON policies (agent_id, effective_on, id);
