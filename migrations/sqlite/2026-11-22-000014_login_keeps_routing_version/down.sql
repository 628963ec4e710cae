DROP TRIGGER users_routing_version_update;
CREATE TRIGGER users_routing_version_update AFTER UPDATE ON users BEGIN UPDATE routing_version SET version = version + 1 WHERE id = 1; END;
