// Package postgres is the store.Store of aksupgrade in a PostgreSQL
// database (pgx v5, pgxpool), for replicas that share one database. It
// passes the same conformance suite (storetest) as package sqlite and
// keeps the same tables, columns, rules and migrations; what differs is
// below.
//
// # Connections and concurrency
//
// SQLite has one writer at a time; here any number of connections, in
// this process and others, write at once. Every write is one transaction
// at READ COMMITTED that locks the rows it reads before changing them, so
// that what it read stays true until it commits:
//
//	Apply, Record    the rollout's row (FOR NO KEY UPDATE), then the
//	                 stage's row (FOR UPDATE): transitions of one rollout
//	                 take turns; a rollout or run created by two writers
//	                 at once is INSERT ... ON CONFLICT DO NOTHING, then
//	                 locked
//	SetRun           the run's row
//	UpdateStep       the step's row
//	BeginStep        nothing: the partial unique index steps_one_active
//	                 refuses a second active step, and its violation is
//	                 store.ErrActiveStep
//
// A transaction that loses a deadlock or a serialization conflict runs
// again from the start (a few times, then store.ErrUnavailable). A write
// of one statement (PutEvent, Log, SaveFleet, MarkProcessed, the outbox
// marks) is its own transaction, one round trip. History reads its two
// queries in one REPEATABLE READ READ ONLY snapshot.
//
// # Schema
//
// Open applies the numbered migrations embedded from migrations/ (each in
// its own transaction: PostgreSQL's DDL is transactional), recorded in
// schema_migrations, in the first schema of the search path: put
// search_path in the DSN to keep the store in a schema of its own.
// Migration N is the same change as SQLite's migration N. Each migration
// takes an advisory lock on the schema, so that replicas starting at once
// take turns; a schema migrated by a newer version is refused
// (ErrNewerSchema).
//
//	table              holds
//	schema_migrations  the migrations applied
//	fleet              the last observation of the fleet (one row, jsonb)
//	rollouts           one per target: created_at, paused_*, aborted_*
//	stage_progress     per rollout and stage: started/reached/proven_at,
//	                   evidence and gates (jsonb, 0006), approved_*, halt_*
//	runs               the current run of each cluster
//	steps              every ARM operation; steps_one_active allows one
//	                   issuing or running step per cluster_key
//	audit              the append-only log: a trigger refuses UPDATE,
//	                   DELETE and TRUNCATE
//	events             the inbox, unique by (source, id), seq = commit order
//	outbox             notifications, unique by (receiver, key), id =
//	                   enqueue order; claimed_until (0005)
//	lease              one row: who leads, its epoch and expiry (0004);
//	                   fenced writes read it FOR SHARE
//
// Cluster IDs are stored as given and compared through cluster_key
// (aksupgrade.NormalizeID: lower case, no trailing '/'). JSON the store
// writes itself (the fleet, evidence) is jsonb; JSON kept as received
// (event data, notification messages) is json, which keeps the text byte
// for byte.
//
// # Times
//
// timestamptz keeps microseconds; the store promises nanoseconds. Times
// are the domain utctime instead: the same fixed-width RFC 3339 text in
// UTC with nine fraction digits as SQLite's, in the "C" collation (byte
// order, whatever the database's collation), so that text order is time
// order and every comparison and ORDER BY on it is a time comparison. A
// CHECK on the domain refuses any other shape. Unlike an integer of Unix
// nanoseconds it also holds the zero time (an event without a time) and
// years past 2262, as SQLite does.
//
// # The events cursor
//
// EventsAfter pages by events.seq. With concurrent writers a sequence
// alone is not enough: transaction A draws seq 7, B draws 8 and commits
// first, a reader sees 8 and moves its cursor past 7, and never sees 7.
// So the trigger that assigns seq first takes a transaction-level
// advisory lock on the events table: transactions that store events
// (PutEvent, Record) hold it from their first event to their commit, one
// at a time, and commit in seq order; a reader sees every event up to
// some seq and nothing after, and paging sees each event exactly once.
// Record writes its events last, so the lock is held only for the
// inserts and the commit. The cost is that event writes are serial: one
// commit at a time.
//
// # Errors
//
// As store's contract says: no row is store.ErrNotFound; a violation of
// steps_one_active store.ErrActiveStep; input the Validate methods refuse,
// and data PostgreSQL cannot hold (text with a NUL byte, invalid UTF-8,
// a time out of the layout) store.ErrInvalid; a server that cannot be
// reached, a lost connection, lock_timeout or statement_timeout (both
// may be set in the DSN), the server shutting down, and a closed store
// store.ErrUnavailable. No error the store returns holds the password:
// messages name the database as host:port/database.
//
// # States
//
// The same as SQLite's (see package sqlite for the rules):
//
//	stage:  (none) --started--> started --reached--> reached --proven--> proven
//	        approved: once, at any point; halted --retried--> not halted
//	run:    pending [-> gated] -> preflight -> controlPlane | nodeImage -> ... -> verifying -> done
//	        any state -> failed | skipped
//	step:   issuing --> running --> succeeded | failed
//	        issuing | running --> abandoned
package postgres
