-- 0006: what the gates saw before a proof (one line per gate and
-- cluster), kept with it (SQLite's 0006_gate_evidence.sql).
ALTER TABLE stage_progress ADD COLUMN gates jsonb;
