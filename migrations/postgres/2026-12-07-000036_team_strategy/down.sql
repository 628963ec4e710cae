ALTER TABLE broker_teams DROP COLUMN routing_state;
ALTER TABLE broker_teams DROP COLUMN strategy;
