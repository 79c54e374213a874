-- 0006: what the gates saw before a proof (JSON []string, one line per
-- gate and cluster), kept with it.
ALTER TABLE stage_progress ADD COLUMN gates TEXT;
