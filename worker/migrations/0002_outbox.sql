-- Invitation emails waiting to be delivered to the webhook. A row is written in the same
-- batch as the invitation it announces, so an invitation never lacks its email and an email
-- never announces an invitation that was rolled back.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  -- The message. It holds the invitation link (with its token) until delivered; delivery
  -- replaces the link with a redacted one.
  payload TEXT NOT NULL,
  created_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  delivered_at TEXT,
  last_error TEXT
);
CREATE INDEX outbox_due ON outbox (delivered_at, next_attempt_at);
