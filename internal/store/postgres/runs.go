package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// SetRun records the current run of a cluster, with an audit entry when
// its state, stage or target changes.
func (s *Store) SetRun(ctx context.Context, r store.Run) error {
	if err := r.Validate(); err != nil {
		return fmt.Errorf("set run: %w", err)
	}
	return s.write(ctx, "set run", func(tx pgx.Tx) error {
		_, err := setRunTx(ctx, tx, r)
		return err
	})
}

// setRunTx records r, with an audit entry when its state, stage or target
// changes, and reports whether the stored run changed at all. The run's
// row is locked while it is compared and changed, so that two writers of
// one cluster's run take turns.
func setRunTx(ctx context.Context, tx pgx.Tx, r store.Run) (bool, error) {
	key := clusterKey(r.ClusterID)
	prev, err := lockRun(ctx, tx, key)
	if errors.Is(err, pgx.ErrNoRows) {
		var created bool
		created, err = affected(tx.Exec(ctx, `INSERT INTO runs (cluster_key, cluster_id, stage, target_kind, target_version, state, reason, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (cluster_key) DO NOTHING`,
			key, r.ClusterID, r.Stage, string(r.Target.Kind), r.Target.Version, string(r.State), r.Reason, formatTime(r.UpdatedAt)))
		if err != nil {
			return false, err
		}
		if created {
			return true, auditRun(ctx, tx, r)
		}
		// Another transaction created it since, and committed.
		prev, err = lockRun(ctx, tx, key)
	}
	if err != nil {
		return false, err
	}
	_, err = tx.Exec(ctx, `UPDATE runs SET cluster_id = $2, stage = $3, target_kind = $4, target_version = $5,
	state = $6, reason = $7, updated_at = $8 WHERE cluster_key = $1`,
		key, r.ClusterID, r.Stage, string(r.Target.Kind), r.Target.Version, string(r.State), r.Reason, formatTime(r.UpdatedAt))
	if err != nil {
		return false, err
	}
	if prev.State == r.State && prev.Stage == r.Stage && prev.Target == r.Target {
		return prev.Reason != r.Reason, nil
	}
	return true, auditRun(ctx, tx, r)
}

// lockRun returns the stored run of a cluster, locked until the
// transaction ends; pgx.ErrNoRows when there is none.
func lockRun(ctx context.Context, tx pgx.Tx, key string) (store.Run, error) {
	var (
		prev        store.Run
		kind, state string
	)
	err := tx.QueryRow(ctx, `SELECT stage, target_kind, target_version, state, reason FROM runs WHERE cluster_key = $1 FOR UPDATE`,
		key).Scan(&prev.Stage, &kind, &prev.Target.Version, &state, &prev.Reason)
	prev.Target.Kind, prev.State = aksupgrade.TargetKind(kind), store.RunState(state)
	return prev, err
}

// auditRun appends the audit entry of a run that changed state.
func auditRun(ctx context.Context, tx pgx.Tx, r store.Run) error {
	return insertAudit(ctx, tx, store.AuditEntry{
		At: r.UpdatedAt, Actor: store.ActorEngine, Kind: store.AuditKindRun,
		Stage: r.Stage, Target: r.Target, Cluster: r.ClusterID, Message: r.Describe(),
	})
}

// Runs returns the current run of every cluster, ordered by cluster ID
// (as compared: lower case, in byte order).
func (s *Store) Runs(ctx context.Context) ([]store.Run, error) {
	return queryAll(ctx, s, "read runs", `SELECT cluster_id, stage, target_kind, target_version, state, reason, updated_at
FROM runs ORDER BY cluster_key`, 0, func(rows pgx.Rows) (store.Run, error) {
		var (
			r               store.Run
			kind, state, at string
		)
		if err := rows.Scan(&r.ClusterID, &r.Stage, &kind, &r.Target.Version, &state, &r.Reason, &at); err != nil {
			return r, err
		}
		r.Target.Kind, r.State = aksupgrade.TargetKind(kind), store.RunState(state)
		var err error
		r.UpdatedAt, err = parseTime(at)
		return r, err
	})
}
