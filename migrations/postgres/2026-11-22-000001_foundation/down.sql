DROP TABLE audit_log;
DROP TABLE jobs;
DROP TABLE api_tokens;
DROP TABLE account_tokens;
DROP TABLE users;
