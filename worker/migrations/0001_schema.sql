-- Roster's D1 schema. Each record is one row holding the engine's JSON for it (`data`),
-- beside the columns the database enforces on its own: keys, emails unique per org, seats
-- only for active users, and (by triggers) never more seats held than purchased.

CREATE TABLE orgs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  seats_purchased INTEGER NOT NULL CHECK (seats_purchased BETWEEN 0 AND 1000000),
  settings TEXT NOT NULL,
  permissions TEXT NOT NULL,
  -- Counts changes: every write checks the version it read and adds one.
  version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE users (
  org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  email TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('invited', 'active', 'suspended', 'deactivated')),
  seat INTEGER NOT NULL CHECK (seat IN (0, 1) AND (seat = 0 OR status = 'active')),
  data TEXT NOT NULL,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, email)
);
CREATE INDEX users_seat ON users (org_id, seat);

CREATE TRIGGER users_seat_bound_insert BEFORE INSERT ON users
WHEN NEW.seat = 1
BEGIN
  SELECT RAISE(ABORT, 'seats_exhausted')
  WHERE (SELECT COUNT(*) FROM users WHERE org_id = NEW.org_id AND seat = 1)
     >= (SELECT seats_purchased FROM orgs WHERE id = NEW.org_id);
END;

CREATE TRIGGER users_seat_bound_update BEFORE UPDATE OF seat ON users
WHEN NEW.seat = 1 AND OLD.seat = 0
BEGIN
  SELECT RAISE(ABORT, 'seats_exhausted')
  WHERE (SELECT COUNT(*) FROM users WHERE org_id = NEW.org_id AND seat = 1)
     >= (SELECT seats_purchased FROM orgs WHERE id = NEW.org_id);
END;

CREATE TRIGGER orgs_seat_floor BEFORE UPDATE OF seats_purchased ON orgs
BEGIN
  SELECT RAISE(ABORT, 'seats_below_held')
  WHERE NEW.seats_purchased < (SELECT COUNT(*) FROM users WHERE org_id = NEW.id AND seat = 1);
END;

CREATE TABLE invitations (
  org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  -- No foreign key: revoking removes a user who never joined, and the invitation stays.
  user_id TEXT NOT NULL,
  email TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'revoked')),
  token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
  data TEXT NOT NULL,
  PRIMARY KEY (org_id, id)
);

CREATE TABLE roles (
  org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (org_id, key)
);

CREATE TABLE org_groups (
  org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (org_id, key)
);

CREATE TABLE devices (
  org_id TEXT NOT NULL,
  id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);

CREATE TABLE audit (
  org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  at TEXT NOT NULL,
  command TEXT NOT NULL,
  actor TEXT NOT NULL,
  target_kind TEXT NOT NULL,
  target_id TEXT NOT NULL,
  before TEXT,
  after TEXT,
  PRIMARY KEY (org_id, version, seq)
);

CREATE TABLE api_keys (
  org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT,
  PRIMARY KEY (org_id, id)
);

-- A write's first statement inserts 0 here when the org's version is not the one it read;
-- the CHECK fails and D1 rolls the whole batch back.
CREATE TABLE version_guard (ok INTEGER NOT NULL CHECK (ok = 1));
