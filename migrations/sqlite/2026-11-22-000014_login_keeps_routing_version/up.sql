-- Every sign-in writes users.last_login_at (and a failed one failed_logins), and the update trigger
-- of migration 8 moved routing_version on each: every server then read its whole agent directory
-- again. Only the columns the directory and the agent menus show move it now.
DROP TRIGGER users_routing_version_update;
CREATE TRIGGER users_routing_version_update AFTER UPDATE OF email, name, role, active, time_zone ON users BEGIN UPDATE routing_version SET version = version + 1 WHERE id = 1; END;
