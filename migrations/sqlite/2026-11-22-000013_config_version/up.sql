-- Intake reads the routing rules and the scoring weights or model for every lead. Each server keeps
-- them in memory and reads them again only when this counter moves; the triggers move it on any
-- change to them, whatever code path (or server) made the change.
CREATE TABLE config_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO config_version (id, version) VALUES (1, 1);
CREATE TRIGGER routing_rules_config_version_insert AFTER INSERT ON routing_rules BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER routing_rules_config_version_update AFTER UPDATE ON routing_rules BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER routing_rules_config_version_delete AFTER DELETE ON routing_rules BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER scoring_models_config_version_insert AFTER INSERT ON scoring_models BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER scoring_models_config_version_update AFTER UPDATE ON scoring_models BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER scoring_models_config_version_delete AFTER DELETE ON scoring_models BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER scoring_weights_config_version_insert AFTER INSERT ON app_settings WHEN NEW.key = 'scoring_weights' BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER scoring_weights_config_version_update AFTER UPDATE ON app_settings WHEN NEW.key = 'scoring_weights' OR OLD.key = 'scoring_weights' BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER scoring_weights_config_version_delete AFTER DELETE ON app_settings WHEN OLD.key = 'scoring_weights' BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
