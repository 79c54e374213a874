-- 0002: the notification outbox (SQLite's 0002_outbox.sql).
--
-- One row per (receiver, key): a notification enqueued again for the same
-- receiver is skipped. id orders entries by enqueue; due_at says when to
-- try (again). Same conventions as 0001; message is json, kept as given.
CREATE TABLE outbox (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	receiver    text    NOT NULL,
	key         text    NOT NULL,
	message     json    NOT NULL, -- notify.Message
	created_at  utctime NOT NULL,
	due_at      utctime NOT NULL,
	state       text    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
	attempts    integer NOT NULL DEFAULT 0,
	last_error  text    NOT NULL DEFAULT '',
	done_at     utctime,
	UNIQUE (receiver, key)
);
CREATE INDEX outbox_due ON outbox (due_at, id) WHERE state = 'pending';
CREATE INDEX outbox_receiver_pending ON outbox (receiver, id) WHERE state = 'pending';
