-- 0007: the steps in flight in the order the engine follows them. Without
-- it SQLite reads the whole steps table through steps_started on every
-- engine step (the partial index steps_one_active does not give the
-- order), a cost that grows with every upgrade ever made.
CREATE INDEX steps_active ON steps (started_at, id) WHERE state IN ('issuing', 'running');
