DROP INDEX policies_agent_effective_idx;
DROP INDEX policies_number_idx;
DROP INDEX policies_insured_idx;
DROP INDEX policies_premium_idx;
DROP INDEX policies_effective_on_idx;
DROP INDEX policies_term_end_on_idx;
