-- 0007: the steps in flight in the order the engine follows them, read
-- on every engine step without touching the finished ones (SQLite's
-- 0007_active_steps.sql).
CREATE INDEX steps_active ON steps (started_at, id) WHERE state IN ('issuing', 'running');
