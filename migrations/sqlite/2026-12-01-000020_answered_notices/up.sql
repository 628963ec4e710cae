-- A notification can be about one thing that gets answered (an offer: "offer:<id>"). When it is
-- answered (accepted, declined, expired, withdrawn) the notification is marked read and says how.
ALTER TABLE notifications ADD COLUMN subject TEXT;
ALTER TABLE notifications ADD COLUMN outcome TEXT;
CREATE INDEX notifications_subject_idx ON notifications (subject);
