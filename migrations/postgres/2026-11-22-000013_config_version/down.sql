DROP TRIGGER routing_rules_config_version ON routing_rules;
DROP TRIGGER scoring_models_config_version ON scoring_models;
DROP TRIGGER scoring_weights_config_version_insert ON app_settings;
DROP TRIGGER scoring_weights_config_version_update ON app_settings;
DROP TRIGGER scoring_weights_config_version_delete ON app_settings;
DROP FUNCTION bump_config_version();
DROP TABLE config_version;
