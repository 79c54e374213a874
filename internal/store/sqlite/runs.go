package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// SetRun records the current run of a cluster, with an audit entry when
// its state, stage or target changes.
func (s *Store) SetRun(ctx context.Context, r store.Run) error {
	if err := r.Validate(); err != nil {
		return fmt.Errorf("set run: %w", err)
	}
	return s.write(ctx, "set run", func(tx *sql.Tx) error {
		_, err := setRunTx(ctx, tx, r)
		return err
	})
}

// setRunTx records r, with an audit entry when its state, stage or target
// changes, and reports whether the stored run changed at all.
func setRunTx(ctx context.Context, tx *sql.Tx, r store.Run) (bool, error) {
	var prev store.Run
	err := tx.QueryRowContext(ctx, `SELECT stage, target_kind, target_version, state, reason FROM runs WHERE cluster_key = ?`,
		clusterKey(r.ClusterID)).Scan(&prev.Stage, &prev.Target.Kind, &prev.Target.Version, &prev.State, &prev.Reason)
	found := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO runs (cluster_key, cluster_id, stage, target_kind, target_version, state, reason, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (cluster_key) DO UPDATE SET cluster_id = excluded.cluster_id, stage = excluded.stage,
	target_kind = excluded.target_kind, target_version = excluded.target_version,
	state = excluded.state, reason = excluded.reason, updated_at = excluded.updated_at`,
		clusterKey(r.ClusterID), r.ClusterID, r.Stage, r.Target.Kind, r.Target.Version, r.State, r.Reason, formatTime(r.UpdatedAt))
	if err != nil {
		return false, err
	}
	if found && prev.State == r.State && prev.Stage == r.Stage && prev.Target == r.Target {
		return prev.Reason != r.Reason, nil
	}
	return true, insertAudit(ctx, tx, store.AuditEntry{
		At: r.UpdatedAt, Actor: store.ActorEngine, Kind: store.AuditKindRun,
		Stage: r.Stage, Target: r.Target, Cluster: r.ClusterID, Message: r.Describe(),
	})
}

// Runs returns the current run of every cluster, ordered by cluster ID.
func (s *Store) Runs(ctx context.Context) ([]store.Run, error) {
	var out []store.Run
	err := s.read(ctx, "read runs", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT cluster_id, stage, target_kind, target_version, state, reason, updated_at
FROM runs ORDER BY cluster_key`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				r  store.Run
				at string
			)
			if err := rows.Scan(&r.ClusterID, &r.Stage, &r.Target.Kind, &r.Target.Version, &r.State, &r.Reason, &at); err != nil {
				return err
			}
			if r.UpdatedAt, err = parseTime(at); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
