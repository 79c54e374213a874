-- 0004: the leader lease (see store.Lease): one row, who runs the engine,
-- the lease's epoch, and until when (SQLite's 0004_lease.sql). Fenced
-- writes read the row FOR SHARE, so a takeover (an UPDATE of it) waits
-- for the writes of the old epoch in flight, and those after it see the
-- new epoch.
CREATE TABLE lease (
	id       integer PRIMARY KEY CHECK (id = 1),
	holder   text NOT NULL,
	epoch    bigint NOT NULL,
	acquired utctime NOT NULL,
	renewed  utctime NOT NULL,
	expires  utctime NOT NULL
);
-- The row is there from the start (nobody holds it, epoch 0), so that
-- taking the lease always locks and updates an existing row.
INSERT INTO lease (id, holder, epoch, acquired, renewed, expires) VALUES (1, '', 0,
	'0001-01-01T00:00:00.000000000Z', '0001-01-01T00:00:00.000000000Z', '0001-01-01T00:00:00.000000000Z');
