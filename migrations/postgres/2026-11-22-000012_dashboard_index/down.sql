DROP INDEX users_active_role_idx;
