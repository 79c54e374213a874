-- 0004: the leader lease (see store.Lease): one row, who runs the engine,
-- the lease's epoch, and until when.
CREATE TABLE lease (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	holder   TEXT NOT NULL,
	epoch    INTEGER NOT NULL,
	acquired TEXT NOT NULL,
	renewed  TEXT NOT NULL,
	expires  TEXT NOT NULL
);
-- The row is there from the start (nobody holds it, epoch 0), so that
-- taking the lease always locks and updates an existing row.
INSERT INTO lease (id, holder, epoch, acquired, renewed, expires) VALUES (1, '', 0,
	'0001-01-01T00:00:00.000000000Z', '0001-01-01T00:00:00.000000000Z', '0001-01-01T00:00:00.000000000Z');
