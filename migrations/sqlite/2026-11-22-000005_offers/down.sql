ALTER TABLE leads DROP COLUMN unassigned_reason;
DROP TABLE offers;
DROP TABLE routing_rules;
