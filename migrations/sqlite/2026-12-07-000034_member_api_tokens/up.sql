-- A token a network member makes for themselves acts as them (issue 17, item 11): the API's
-- network routes answer with what that member may see, and nothing else.
ALTER TABLE api_tokens ADD COLUMN owner_id BIGINT REFERENCES users (id);
CREATE INDEX api_tokens_owner_idx ON api_tokens (owner_id);
