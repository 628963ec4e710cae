DROP INDEX notifications_subject_idx;
ALTER TABLE notifications DROP COLUMN outcome;
ALTER TABLE notifications DROP COLUMN subject;
