DROP INDEX api_tokens_owner_idx;
ALTER TABLE api_tokens DROP COLUMN owner_id;
