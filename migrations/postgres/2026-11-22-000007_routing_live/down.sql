ALTER TABLE agents DROP COLUMN office_zip;
DROP INDEX leads_waiting_idx;
DROP INDEX leads_escalated_idx;
ALTER TABLE leads DROP COLUMN escalated_at;
DROP TABLE notifications;
