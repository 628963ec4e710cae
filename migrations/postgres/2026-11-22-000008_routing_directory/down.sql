DROP INDEX leads_agent_closed_idx;
DROP INDEX offers_agent_created_idx;
DROP TRIGGER agents_routing_version ON agents;
DROP TRIGGER users_routing_version ON users;
DROP TRIGGER agent_licenses_routing_version ON agent_licenses;
DROP TRIGGER certifications_routing_version ON certifications;
DROP FUNCTION bump_routing_version();
DROP TABLE routing_version;
