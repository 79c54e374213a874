-- 0003: what people were told each region's catalogue offers, so that a
-- new-version event tells only what goes beyond it, across restarts.
ALTER TABLE fleet ADD COLUMN announced TEXT NOT NULL DEFAULT '{}'; -- JSON map region -> ["1.31.5", "1.33.0 preview"]
