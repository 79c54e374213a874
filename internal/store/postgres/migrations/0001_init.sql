-- 0001: the first schema of the store: PostgreSQL's copy of SQLite's
-- 0001_init.sql, the same tables, columns and meaning (and the same
-- numbering of migrations, so that version N is the same change in
-- both).
--
-- Differences, all for PostgreSQL's sake:
--   - Times are utctime: RFC 3339 text in UTC with all nine fraction
--     digits, as in SQLite. timestamptz would keep microseconds only. The
--     "C" collation makes text order byte order, hence time order, whatever
--     the database's collation; the CHECK refuses any other shape (which
--     would sort wrong).
--   - Text the store orders by (cluster_key, target_kind) is in "C" too,
--     as SQLite's BINARY.
--   - JSON the store writes itself is jsonb; JSON kept as received
--     (events.data, outbox.message) is json, which keeps the text as is.
--   - IDs are identity columns; events.seq is assigned by a trigger so
--     that it follows commit order (see events below).
--   - The audit log's append-only rule is a trigger function.
-- Optional times are NULL, optional text is ''. Cluster IDs are kept as
-- given in cluster_id and compared through cluster_key, the lower-cased
-- ID (without a trailing '/') computed by the application.

CREATE DOMAIN utctime AS text COLLATE "C"
	CHECK (VALUE ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z$');

-- fleet: the last observation of the fleet, one row.
CREATE TABLE fleet (
	id          integer NOT NULL PRIMARY KEY CHECK (id = 1),
	observed_at utctime NOT NULL,
	clusters    jsonb   NOT NULL, -- []aksupgrade.Cluster
	catalogs    jsonb   NOT NULL  -- map region -> catalogue
);

-- rollouts: one per target, with the rollout-level marks.
CREATE TABLE rollouts (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	target_kind    text COLLATE "C" NOT NULL,
	target_version text    NOT NULL,
	created_at     utctime NOT NULL,
	paused_by      text    NOT NULL DEFAULT '',
	paused_at      utctime,
	paused_reason  text    NOT NULL DEFAULT '',
	aborted_by     text    NOT NULL DEFAULT '',
	aborted_at     utctime,
	aborted_reason text    NOT NULL DEFAULT '',
	UNIQUE (target_kind, target_version)
);

-- stage_progress: what happened to a rollout in one stage.
CREATE TABLE stage_progress (
	rollout_id   bigint  NOT NULL REFERENCES rollouts (id),
	stage        text    NOT NULL,
	position     integer NOT NULL, -- order of first record within the rollout
	started_at   utctime,
	reached_at   utctime,
	proven_at    utctime,
	evidence     jsonb,            -- []string
	approved_by  text    NOT NULL DEFAULT '',
	approved_at  utctime,
	halt_cluster text    NOT NULL DEFAULT '',
	halt_reason  text    NOT NULL DEFAULT '',
	halt_at      utctime,
	PRIMARY KEY (rollout_id, stage)
);
CREATE INDEX stage_progress_halted ON stage_progress (stage) WHERE halt_at IS NOT NULL;

-- runs: the current run of each cluster; its changes are in audit.
CREATE TABLE runs (
	cluster_key    text COLLATE "C" NOT NULL PRIMARY KEY,
	cluster_id     text    NOT NULL,
	stage          text    NOT NULL DEFAULT '',
	target_kind    text    NOT NULL DEFAULT '',
	target_version text    NOT NULL DEFAULT '',
	state          text    NOT NULL,
	reason         text    NOT NULL DEFAULT '',
	updated_at     utctime NOT NULL
);

-- steps: every ARM operation the engine issued or was about to.
CREATE TABLE steps (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	cluster_id     text    NOT NULL,
	cluster_key    text COLLATE "C" NOT NULL,
	stage          text    NOT NULL,
	target_kind    text    NOT NULL,
	target_version text    NOT NULL,
	step_kind      text    NOT NULL,
	step_pool      text    NOT NULL DEFAULT '',
	step_version   text    NOT NULL DEFAULT '',
	state          text    NOT NULL CHECK (state IN ('issuing', 'running', 'succeeded', 'failed', 'abandoned')),
	resume_token   text    NOT NULL DEFAULT '',
	started_at     utctime NOT NULL,
	updated_at     utctime NOT NULL,
	error_code     text    NOT NULL DEFAULT '',
	error          text    NOT NULL DEFAULT ''
);
-- The database itself refuses a second operation in flight on a cluster
-- (the store maps the violation of this index to store.ErrActiveStep).
CREATE UNIQUE INDEX steps_one_active ON steps (cluster_key) WHERE state IN ('issuing', 'running');
CREATE INDEX steps_cluster ON steps (cluster_key, started_at);
CREATE INDEX steps_started ON steps (started_at);

-- audit: append-only; nothing updates, deletes or truncates it.
CREATE TABLE audit (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at             utctime NOT NULL,
	actor          text    NOT NULL,
	kind           text    NOT NULL,
	stage          text    NOT NULL DEFAULT '',
	target_kind    text    NOT NULL DEFAULT '',
	target_version text    NOT NULL DEFAULT '',
	cluster        text    NOT NULL DEFAULT '',
	cluster_key    text COLLATE "C" NOT NULL DEFAULT '',
	message        text    NOT NULL
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_stage ON audit (stage, at);
CREATE INDEX audit_cluster ON audit (cluster_key, at);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit is append-only: % refused', TG_OP;
END
$$;
-- Statement-level: refused even when no row would match.
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit
	FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- events: the inbox, deduplicated by (source, id); seq is the order of
-- storing, and the cursor of EventsAfter.
--
-- A reader pages by seq (WHERE seq > cursor), so no event may become
-- visible after one with a greater seq: a sequence alone hands values out
-- in call order, but transactions commit in any order, and a reader that
-- saw seq 8 committed before seq 7 would move its cursor past 7 for good.
-- So every insert first takes a transaction-level advisory lock on the
-- table (key: 'aksu' and the table's OID) and only then draws its seq:
-- transactions that store events hold the lock from their first event to
-- their commit, one at a time, so seq order is commit order and every seq
-- a reader can see is below every seq still in flight. The lock is taken
-- in this trigger, not by the application, so that nothing can insert
-- around it; it is released after the commit is visible (PostgreSQL ends
-- the transaction in the proc array before it releases locks). The
-- sequence must keep CACHE 1 (values in call order across sessions).
-- Rolled-back and duplicate inserts leave gaps, which readers skip.
CREATE SEQUENCE events_seq;
CREATE TABLE events (
	seq          bigint  NOT NULL PRIMARY KEY,
	source       text    NOT NULL,
	id           text    NOT NULL,
	type         text    NOT NULL,
	subject      text    NOT NULL DEFAULT '',
	time         utctime NOT NULL,
	data         json,
	received_at  utctime NOT NULL,
	processed_at utctime,
	UNIQUE (source, id)
);
ALTER SEQUENCE events_seq OWNED BY events.seq;
CREATE INDEX events_received ON events (received_at, seq);
CREATE INDEX events_pending ON events (received_at, seq) WHERE processed_at IS NULL;
CREATE FUNCTION events_in_commit_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(1634431861, TG_RELID::integer); -- 1634431861 = 'aksu'
	NEW.seq := nextval(format('%I.events_seq', TG_TABLE_SCHEMA)::regclass);
	RETURN NEW;
END
$$;
CREATE TRIGGER events_in_commit_order BEFORE INSERT ON events
	FOR EACH ROW EXECUTE FUNCTION events_in_commit_order();
CREATE FUNCTION events_seq_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'events.seq does not change';
END
$$;
CREATE TRIGGER events_seq_fixed BEFORE UPDATE OF seq ON events
	FOR EACH ROW WHEN (NEW.seq IS DISTINCT FROM OLD.seq) EXECUTE FUNCTION events_seq_fixed();
