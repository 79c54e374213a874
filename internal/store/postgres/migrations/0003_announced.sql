-- 0003: what people were told each region's catalogue offers, so that a
-- new-version event tells only what goes beyond it, across restarts
-- (SQLite's 0003_announced.sql).
ALTER TABLE fleet ADD COLUMN announced jsonb NOT NULL DEFAULT '{}'; -- map region -> ["1.31.5", "1.33.0 preview"]
