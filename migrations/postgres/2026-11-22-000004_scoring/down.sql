DROP TABLE scoring_models;
DROP INDEX leads_source_status_idx;
ALTER TABLE leads DROP COLUMN scored_by;
ALTER TABLE leads DROP COLUMN urgency;
ALTER TABLE leads DROP COLUMN intent;
ALTER TABLE leads DROP COLUMN score_factors;
ALTER TABLE leads DROP COLUMN score;
