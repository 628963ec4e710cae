DROP TABLE reminders_sent;
DROP TABLE certifications;
DROP TABLE agent_licenses;
DROP TABLE agents;
DROP TABLE teams;
