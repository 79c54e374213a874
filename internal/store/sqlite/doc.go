// Package sqlite is the store.Store of aksupgrade in one SQLite file
// (modernc.org/sqlite: pure Go, no cgo).
//
// # Connections
//
// The file is in WAL mode with synchronous=FULL: a commit is durable when
// it returns, and readers never wait for the writer. Writes go through one
// connection whose transactions begin IMMEDIATE, so concurrent writers,
// in this process or another, queue for the lock (busy_timeout) instead of
// failing half-way; reads use a small pool of query-only connections.
// Foreign keys are on.
//
// # Schema
//
// Open applies the numbered migrations embedded from migrations/ (each in
// its own transaction, recorded in schema_migrations) and refuses a file
// migrated by a newer version (ErrNewerSchema). The SQL stays portable to
// PostgreSQL: TEXT and INTEGER columns, times as fixed-width RFC 3339 text
// in UTC with nanoseconds (text order is time order), JSON as TEXT,
// INSERT ... ON CONFLICT, RETURNING. Cluster IDs are stored as given and
// compared through a cluster_key column (aksupgrade.NormalizeID).
//
//	table              holds
//	schema_migrations  the migrations applied
//	fleet              the last observation of the fleet (one row, JSON),
//	                   with what people were told each region offers (0003)
//	rollouts           one per target: created_at, paused_*, aborted_*
//	stage_progress     per rollout and stage: started/reached/proven_at,
//	                   evidence and gates (JSON, 0006), approved_*, halt_*
//	runs               the current run of each cluster
//	steps              every ARM operation: state, resume token, error
//	audit              the append-only log (triggers refuse UPDATE, DELETE)
//	events             the inbox, unique by (source, id), seq = arrival
//	outbox             notifications, unique by (receiver, key), id =
//	                   enqueue order; state, due_at, attempts (0002),
//	                   claimed_until (0005)
//	lease              one row: who leads, its epoch and expiry (0004)
//
// # States
//
// A stage's progress towards a target only moves forward; each time is
// set once and kept (recording it again changes nothing):
//
//	(none) --started--> started --reached--> reached --(soak)--proven--> proven
//	approved: set once, at any point
//	halted --retried--> (not halted)      the first halt is kept until retried;
//	                                      a halt after reached also undoes reached
//
// A rollout may be paused and resumed any number of times, and aborted
// once.
//
// A run is a cluster's current place on its way to a target (one row per
// cluster; every change of state is in the audit log). The engine moves
// it; the store records whatever state it is given:
//
//	pending [-> gated] -> preflight -> controlPlane -> nodePools -> verifying -> done   (Kubernetes)
//	pending [-> gated] -> preflight -> nodeImage -> verifying -> done                   (node image)
//	any state -> failed | skipped
//
// A step is one ARM operation:
//
//	issuing --(ARM accepted; resume token)--> running --> succeeded | failed
//	issuing | running --> abandoned  (not needed, or never issued)
//
// Issuing and running steps are active: the partial unique index
// steps_one_active allows one per cluster, so the database itself refuses a
// second operation in flight (store.ErrActiveStep). A step that has ended
// never changes again.
package sqlite
