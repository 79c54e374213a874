-- 0001: the first schema of the store.
--
-- Portable on purpose (PostgreSQL gets its own copy; only the triggers
-- that keep audit append-only are SQLite's own): TEXT and INTEGER only; times are RFC 3339 text in UTC with nine fraction digits, so that
-- they sort as text; JSON is TEXT; optional times are NULL, optional text
-- is ''. Cluster IDs are kept as given in cluster_id and compared through
-- cluster_key, the lower-cased ID computed by the application.

-- fleet: the last observation of the fleet, one row.
CREATE TABLE fleet (
	id          INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
	observed_at TEXT    NOT NULL,
	clusters    TEXT    NOT NULL, -- JSON []aksupgrade.Cluster
	catalogs    TEXT    NOT NULL  -- JSON map region -> catalogue
);

-- rollouts: one per target, with the rollout-level marks.
CREATE TABLE rollouts (
	id             INTEGER PRIMARY KEY,
	target_kind    TEXT NOT NULL,
	target_version TEXT NOT NULL,
	created_at     TEXT NOT NULL,
	paused_by      TEXT NOT NULL DEFAULT '',
	paused_at      TEXT,
	paused_reason  TEXT NOT NULL DEFAULT '',
	aborted_by     TEXT NOT NULL DEFAULT '',
	aborted_at     TEXT,
	aborted_reason TEXT NOT NULL DEFAULT '',
	UNIQUE (target_kind, target_version)
);

-- stage_progress: what happened to a rollout in one stage.
CREATE TABLE stage_progress (
	rollout_id   INTEGER NOT NULL REFERENCES rollouts (id),
	stage        TEXT    NOT NULL,
	position     INTEGER NOT NULL, -- order of first record within the rollout
	started_at   TEXT,
	reached_at   TEXT,
	proven_at    TEXT,
	evidence     TEXT,             -- JSON []string
	approved_by  TEXT NOT NULL DEFAULT '',
	approved_at  TEXT,
	halt_cluster TEXT NOT NULL DEFAULT '',
	halt_reason  TEXT NOT NULL DEFAULT '',
	halt_at      TEXT,
	PRIMARY KEY (rollout_id, stage)
);
CREATE INDEX stage_progress_halted ON stage_progress (stage) WHERE halt_at IS NOT NULL;

-- runs: the current run of each cluster; its changes are in audit.
CREATE TABLE runs (
	cluster_key    TEXT NOT NULL PRIMARY KEY,
	cluster_id     TEXT NOT NULL,
	stage          TEXT NOT NULL DEFAULT '',
	target_kind    TEXT NOT NULL DEFAULT '',
	target_version TEXT NOT NULL DEFAULT '',
	state          TEXT NOT NULL,
	reason         TEXT NOT NULL DEFAULT '',
	updated_at     TEXT NOT NULL
);

-- steps: every ARM operation the engine issued or was about to.
CREATE TABLE steps (
	id             INTEGER PRIMARY KEY,
	cluster_id     TEXT NOT NULL,
	cluster_key    TEXT NOT NULL,
	stage          TEXT NOT NULL,
	target_kind    TEXT NOT NULL,
	target_version TEXT NOT NULL,
	step_kind      TEXT NOT NULL,
	step_pool      TEXT NOT NULL DEFAULT '',
	step_version   TEXT NOT NULL DEFAULT '',
	state          TEXT NOT NULL CHECK (state IN ('issuing', 'running', 'succeeded', 'failed', 'abandoned')),
	resume_token   TEXT NOT NULL DEFAULT '',
	started_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL,
	error_code     TEXT NOT NULL DEFAULT '',
	error          TEXT NOT NULL DEFAULT ''
);
-- The database itself refuses a second operation in flight on a cluster.
CREATE UNIQUE INDEX steps_one_active ON steps (cluster_key) WHERE state IN ('issuing', 'running');
CREATE INDEX steps_cluster ON steps (cluster_key, started_at);
CREATE INDEX steps_started ON steps (started_at);

-- audit: append-only; nothing updates or deletes a row.
CREATE TABLE audit (
	id             INTEGER PRIMARY KEY,
	at             TEXT NOT NULL,
	actor          TEXT NOT NULL,
	kind           TEXT NOT NULL,
	stage          TEXT NOT NULL DEFAULT '',
	target_kind    TEXT NOT NULL DEFAULT '',
	target_version TEXT NOT NULL DEFAULT '',
	cluster        TEXT NOT NULL DEFAULT '',
	cluster_key    TEXT NOT NULL DEFAULT '',
	message        TEXT NOT NULL
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_stage ON audit (stage, at);
CREATE INDEX audit_cluster ON audit (cluster_key, at);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
	SELECT RAISE(ABORT, 'audit is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
	SELECT RAISE(ABORT, 'audit is append-only');
END;

-- events: the inbox, deduplicated by (source, id); seq keeps arrival order.
CREATE TABLE events (
	seq          INTEGER PRIMARY KEY,
	source       TEXT NOT NULL,
	id           TEXT NOT NULL,
	type         TEXT NOT NULL,
	subject      TEXT NOT NULL DEFAULT '',
	time         TEXT NOT NULL,
	data         TEXT,
	received_at  TEXT NOT NULL,
	processed_at TEXT,
	UNIQUE (source, id)
);
CREATE INDEX events_received ON events (received_at, seq);
CREATE INDEX events_pending ON events (received_at, seq) WHERE processed_at IS NULL;
