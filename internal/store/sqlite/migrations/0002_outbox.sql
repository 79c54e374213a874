-- 0002: the notification outbox.
--
-- One row per (receiver, key): a notification enqueued again for the same
-- receiver is skipped. id orders entries by enqueue; due_at says when to
-- try (again). Same conventions as 0001.
CREATE TABLE outbox (
	id          INTEGER PRIMARY KEY,
	receiver    TEXT    NOT NULL,
	key         TEXT    NOT NULL,
	message     TEXT    NOT NULL, -- JSON notify.Message
	created_at  TEXT    NOT NULL,
	due_at      TEXT    NOT NULL,
	state       TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
	attempts    INTEGER NOT NULL DEFAULT 0,
	last_error  TEXT    NOT NULL DEFAULT '',
	done_at     TEXT,
	UNIQUE (receiver, key)
);
CREATE INDEX outbox_due ON outbox (due_at, id) WHERE state = 'pending';
CREATE INDEX outbox_receiver_pending ON outbox (receiver, id) WHERE state = 'pending';
