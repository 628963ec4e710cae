-- In-app notifications (the badge, the notifications page and the live event stream read them),
-- escalation of accepted leads that nobody contacted, and where an agent works (closest routing).
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,
    read_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notifications_user_unread_idx ON notifications (user_id, read_at);
CREATE INDEX notifications_created_idx ON notifications (created_at);

ALTER TABLE leads ADD COLUMN escalated_at TIMESTAMP;
CREATE INDEX leads_escalated_idx ON leads (escalated_at) WHERE escalated_at IS NOT NULL;
CREATE INDEX leads_waiting_idx ON leads (id) WHERE unassigned_reason IS NOT NULL;

ALTER TABLE agents ADD COLUMN office_zip TEXT;
