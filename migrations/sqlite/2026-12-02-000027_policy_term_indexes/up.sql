-- "My policies" and the renewals list by term end: an agent's policies of one status in term-end
-- order (Medicare terms all end on January 1, so the id tie-break must come from the index too),
-- and every agent's for staff.
CREATE INDEX policies_agent_status_term_idx ON policies (agent_id, status, term_end_on, id);
CREATE INDEX policies_status_term_idx ON policies (status, term_end_on, id);
