-- Qualification: every lead keeps its score, the factors behind it, intent, urgency and the
-- version of the model that scored it. Models are versioned rows; one is active.
ALTER TABLE leads ADD COLUMN score INTEGER;
ALTER TABLE leads ADD COLUMN score_factors TEXT NOT NULL DEFAULT '[]';
ALTER TABLE leads ADD COLUMN intent TEXT;
ALTER TABLE leads ADD COLUMN urgency TEXT;
ALTER TABLE leads ADD COLUMN scored_by TEXT;
CREATE INDEX leads_source_status_idx ON leads (source, status);

CREATE TABLE scoring_models (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    version TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('rules', 'logistic')),
    params TEXT NOT NULL,
    auc DOUBLE PRECISION,
    rules_auc DOUBLE PRECISION,
    calibration TEXT NOT NULL DEFAULT '[]',
    train_size INTEGER NOT NULL DEFAULT 0,
    holdout_size INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX scoring_models_version_key ON scoring_models (version);
