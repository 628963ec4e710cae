DROP TABLE login_throttles;
DROP TABLE user_sessions;
ALTER TABLE leads DROP COLUMN api_token_id;
