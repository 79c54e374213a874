package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// Apply records one transition of the rollout history and its audit entry
// in one transaction. A transition that changes nothing writes nothing.
func (s *Store) Apply(ctx context.Context, t store.Transition) error {
	op := "apply " + string(t.Kind)
	if err := t.Validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return s.write(ctx, op, func(tx *sql.Tx) error {
		_, err := applyTx(ctx, tx, t)
		return err
	})
}

// applyTx changes the history as t says, with its audit entry, and
// reports whether it changed anything.
func applyTx(ctx context.Context, tx *sql.Tx, t store.Transition) (bool, error) {
	changed, soak, err := applyTransition(ctx, tx, t)
	if err != nil || !changed {
		return false, err
	}
	return true, insertAudit(ctx, tx, store.AuditEntry{
		At: t.At, Actor: t.Actor, Kind: string(t.Kind),
		Stage: t.Stage, Target: t.Target, Cluster: t.Cluster,
		Message: t.Describe(soak),
	})
}

// applyTransition changes the history as t says and reports whether it
// changed anything, and for a proof how long the target soaked.
func applyTransition(ctx context.Context, tx *sql.Tx, t store.Transition) (changed bool, soak time.Duration, err error) {
	at := formatTime(t.At)
	switch t.Kind {
	case store.TransitionRetried:
		changed, err = affected(tx.ExecContext(ctx, `-- A target halted after it was reached (a postflight gate failed)
-- is reached again, and soaks again, once its clusters pass.
UPDATE stage_progress SET
  evidence = CASE WHEN proven_at IS NULL AND reached_at IS NOT NULL AND halt_at >= reached_at THEN NULL ELSE evidence END,
  reached_at = CASE WHEN proven_at IS NULL AND reached_at IS NOT NULL AND halt_at >= reached_at THEN NULL ELSE reached_at END,
  halt_cluster = '', halt_reason = '', halt_at = NULL
WHERE stage = ? AND halt_at IS NOT NULL`, t.Stage))
		return changed, 0, err
	case store.TransitionResumed:
		id, err := rolloutID(ctx, tx, t.Target)
		if errors.Is(err, sql.ErrNoRows) {
			return false, 0, nil
		} else if err != nil {
			return false, 0, err
		}
		changed, err = affected(tx.ExecContext(ctx, `UPDATE rollouts SET paused_by = '', paused_at = NULL, paused_reason = ''
WHERE id = ? AND paused_at IS NOT NULL`, id))
		return changed, 0, err
	}

	id, err := ensureRollout(ctx, tx, t.Target, at)
	if err != nil {
		return false, 0, err
	}
	switch t.Kind {
	case store.TransitionPaused:
		changed, err = affected(tx.ExecContext(ctx, `UPDATE rollouts SET paused_by = ?, paused_at = ?, paused_reason = ?
WHERE id = ? AND paused_at IS NULL`, t.Actor, at, t.Reason, id))
		return changed, 0, err
	case store.TransitionAborted:
		changed, err = affected(tx.ExecContext(ctx, `UPDATE rollouts SET aborted_by = ?, aborted_at = ?, aborted_reason = ?
WHERE id = ? AND aborted_at IS NULL`, t.Actor, at, t.Reason, id))
		return changed, 0, err
	}

	sp, err := ensureStage(ctx, tx, id, t.Stage)
	if err != nil {
		return false, 0, err
	}
	evidence, err := marshalEvidence(t.Evidence)
	if err != nil {
		return false, 0, err
	}
	gates, err := marshalEvidence(t.Gates)
	if err != nil {
		return false, 0, err
	}
	switch t.Kind {
	case store.TransitionStarted:
		changed, err = affected(tx.ExecContext(ctx, `UPDATE stage_progress SET started_at = ?
WHERE rollout_id = ? AND stage = ? AND started_at IS NULL`, at, id, t.Stage))
	case store.TransitionReached:
		changed, err = affected(tx.ExecContext(ctx, `UPDATE stage_progress SET reached_at = ?, evidence = COALESCE(?, evidence)
WHERE rollout_id = ? AND stage = ? AND reached_at IS NULL`, at, evidence, id, t.Stage))
	case store.TransitionProven:
		changed, err = affected(tx.ExecContext(ctx, `UPDATE stage_progress SET proven_at = ?, evidence = COALESCE(?, evidence), gates = ?
WHERE rollout_id = ? AND stage = ? AND proven_at IS NULL`, at, evidence, gates, id, t.Stage))
		if sp.reachedAt != nil && t.At.After(*sp.reachedAt) {
			soak = t.At.Sub(*sp.reachedAt)
		}
	case store.TransitionApproved:
		changed, err = affected(tx.ExecContext(ctx, `UPDATE stage_progress SET approved_by = ?, approved_at = ?
WHERE rollout_id = ? AND stage = ? AND approved_at IS NULL`, t.Actor, at, id, t.Stage))
	case store.TransitionHalted:
		changed, err = affected(tx.ExecContext(ctx, `UPDATE stage_progress SET halt_cluster = ?, halt_reason = ?, halt_at = ?
WHERE rollout_id = ? AND stage = ? AND halt_at IS NULL`, t.Cluster, t.Reason, at, id, t.Stage))
		// Halted already: the first halt stays, another failure is
		// still worth an audit entry, the same one again is not.
		if err == nil && !changed {
			changed = !aksupgrade.SameID(sp.haltCluster, t.Cluster) || sp.haltReason != t.Reason
		}
	default:
		err = fmt.Errorf("unknown transition kind %q", t.Kind)
	}
	return changed, soak, err
}

// affected reports whether an UPDATE changed a row.
func affected(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func rolloutID(ctx context.Context, tx *sql.Tx, t aksupgrade.Target) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM rollouts WHERE target_kind = ? AND target_version = ?`,
		t.Kind, t.Version).Scan(&id)
	return id, err
}

// ensureRollout returns the row ID of the rollout of t, creating it at at.
func ensureRollout(ctx context.Context, tx *sql.Tx, t aksupgrade.Target, at string) (int64, error) {
	id, err := rolloutID(ctx, tx, t)
	if !errors.Is(err, sql.ErrNoRows) {
		return id, err
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO rollouts (target_kind, target_version, created_at) VALUES (?, ?, ?) RETURNING id`,
		t.Kind, t.Version, at).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create rollout of %s: %w", t, err)
	}
	return id, nil
}

// stageRow is what Apply needs to know of a stage before changing it.
type stageRow struct {
	reachedAt               *time.Time
	haltCluster, haltReason string
}

// ensureStage returns the progress of a rollout in stage, creating it
// after the rollout's other stages.
func ensureStage(ctx context.Context, tx *sql.Tx, rolloutID int64, stage string) (stageRow, error) {
	var (
		sp      stageRow
		reached sql.NullString
	)
	err := tx.QueryRowContext(ctx, `SELECT reached_at, halt_cluster, halt_reason FROM stage_progress
WHERE rollout_id = ? AND stage = ?`, rolloutID, stage).Scan(&reached, &sp.haltCluster, &sp.haltReason)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = tx.ExecContext(ctx, `INSERT INTO stage_progress (rollout_id, stage, position)
VALUES (?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM stage_progress WHERE rollout_id = ?))`, rolloutID, stage, rolloutID)
		if err != nil {
			return sp, fmt.Errorf("create progress in %s: %w", stage, err)
		}
		return sp, nil
	}
	if err != nil {
		return sp, err
	}
	sp.reachedAt, err = parseNullTime(reached)
	return sp, err
}
