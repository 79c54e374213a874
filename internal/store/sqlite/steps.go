package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

const stepColumns = `id, cluster_id, stage, target_kind, target_version, step_kind, step_pool, step_version,
	state, resume_token, started_at, updated_at, error_code, error`

// BeginStep records that an ARM operation is about to be issued. The
// partial unique index steps_one_active makes the database itself refuse
// a second active step on a cluster.
func (s *Store) BeginStep(ctx context.Context, rec store.StepRecord) (store.StepRecord, error) {
	if err := rec.ValidateBegin(); err != nil {
		return store.StepRecord{}, fmt.Errorf("begin step: %w", err)
	}
	rec.State = store.StepIssuing
	rec.StartedAt = rec.StartedAt.UTC()
	if rec.UpdatedAt.IsZero() {
		rec.UpdatedAt = rec.StartedAt
	}
	rec.UpdatedAt = rec.UpdatedAt.UTC()
	key := clusterKey(rec.Step.ClusterID)
	err := s.write(ctx, "begin step", func(tx *sql.Tx) error {
		// Looked up first only to say which step is in the way.
		rows, err := tx.QueryContext(ctx, `SELECT `+stepColumns+` FROM steps WHERE cluster_key = ? AND state IN ('issuing', 'running')`, key)
		if err != nil {
			return err
		}
		active, err := scanSteps(rows)
		if err != nil {
			return err
		}
		if len(active) > 0 {
			return fmt.Errorf("%w: step %d, %s", store.ErrActiveStep, active[0].ID, active[0].Describe())
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO steps (cluster_id, cluster_key, stage, target_kind, target_version,
	step_kind, step_pool, step_version, state, resume_token, started_at, updated_at, error_code, error)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			rec.Step.ClusterID, key, rec.Stage, rec.Target.Kind, rec.Target.Version,
			rec.Step.Kind, rec.Step.Pool, rec.Step.Version, rec.State, rec.ResumeToken,
			formatTime(rec.StartedAt), formatTime(rec.UpdatedAt), rec.ErrorCode, rec.Error).Scan(&rec.ID)
		if uniqueViolation(err) {
			return store.ErrActiveStep
		}
		if err != nil {
			return err
		}
		return insertStepAudit(ctx, tx, rec)
	})
	if err != nil {
		return store.StepRecord{}, err
	}
	return rec, nil
}

// UpdateStep moves a step on; a step that has ended does not change any
// more.
func (s *Store) UpdateStep(ctx context.Context, u store.StepRecord) error {
	op := fmt.Sprintf("update step %d", u.ID)
	if err := u.ValidateUpdate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return s.write(ctx, op, func(tx *sql.Tx) error {
		_, err := updateStepTx(ctx, tx, u)
		return err
	})
}

// updateStepTx moves step u.ID on and reports whether it changed.
func updateStepTx(ctx context.Context, tx *sql.Tx, u store.StepRecord) (bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+stepColumns+` FROM steps WHERE id = ?`, u.ID)
	if err != nil {
		return false, err
	}
	found, err := scanSteps(rows)
	if err != nil {
		return false, err
	}
	if len(found) == 0 {
		return false, store.ErrNotFound
	}
	cur := found[0]
	if !cur.State.Active() {
		if u.State == cur.State {
			return false, nil
		}
		return false, fmt.Errorf("%w: the step has ended (%s)", store.ErrInvalid, cur.State)
	}
	next := cur
	next.State, next.UpdatedAt = u.State, u.UpdatedAt.UTC()
	next.ErrorCode, next.Error = u.ErrorCode, u.Error
	if u.ResumeToken != "" {
		next.ResumeToken = u.ResumeToken
	}
	if next.State == store.StepRunning && next.ResumeToken == "" {
		return false, fmt.Errorf("%w: a running step needs a resume token", store.ErrInvalid)
	}
	_, err = tx.ExecContext(ctx, `UPDATE steps SET state = ?, resume_token = ?, updated_at = ?, error_code = ?, error = ? WHERE id = ?`,
		next.State, next.ResumeToken, formatTime(next.UpdatedAt), next.ErrorCode, next.Error, next.ID)
	if uniqueViolation(err) {
		return false, store.ErrActiveStep
	}
	if err != nil {
		return false, err
	}
	if next.State == cur.State {
		return next.ResumeToken != cur.ResumeToken || next.Error != cur.Error, nil
	}
	return true, insertStepAudit(ctx, tx, next)
}

// insertStepAudit records that rec began or changed state, at its
// UpdatedAt.
func insertStepAudit(ctx context.Context, tx *sql.Tx, rec store.StepRecord) error {
	return insertAudit(ctx, tx, store.AuditEntry{
		At: rec.UpdatedAt, Actor: store.ActorEngine, Kind: store.AuditKindStep,
		Stage: rec.Stage, Target: rec.Target, Cluster: rec.Step.ClusterID, Message: rec.Describe(),
	})
}

// activeSteps selects the steps issuing or running, oldest first, through
// the index steps_active: the engine reads them on every step.
const activeSteps = `SELECT ` + stepColumns + ` FROM steps WHERE state IN ('issuing', 'running') ORDER BY started_at, id`

// ActiveSteps returns the steps issuing or running, oldest first.
func (s *Store) ActiveSteps(ctx context.Context) ([]store.StepRecord, error) {
	return s.querySteps(ctx, "read active steps", activeSteps)
}

// Steps returns the steps of a cluster (every cluster when clusterID is
// empty), newest first, at most limit.
func (s *Store) Steps(ctx context.Context, clusterID string, limit int) ([]store.StepRecord, error) {
	query, args := `SELECT `+stepColumns+` FROM steps`, []any{}
	if clusterID != "" {
		query, args = query+` WHERE cluster_key = ?`, append(args, clusterKey(clusterID))
	}
	query += ` ORDER BY started_at DESC, id DESC`
	if limit > 0 {
		query, args = query+` LIMIT ?`, append(args, limit)
	}
	return s.querySteps(ctx, "read steps", query, args...)
}

func (s *Store) querySteps(ctx context.Context, op, query string, args ...any) ([]store.StepRecord, error) {
	var out []store.StepRecord
	err := s.read(ctx, op, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		out, err = scanSteps(rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanSteps reads rows of stepColumns and closes them.
func scanSteps(rows *sql.Rows) ([]store.StepRecord, error) {
	defer rows.Close()
	var out []store.StepRecord
	for rows.Next() {
		var (
			r                store.StepRecord
			started, updated string
		)
		if err := rows.Scan(&r.ID, &r.Step.ClusterID, &r.Stage, &r.Target.Kind, &r.Target.Version,
			&r.Step.Kind, &r.Step.Pool, &r.Step.Version, &r.State, &r.ResumeToken,
			&started, &updated, &r.ErrorCode, &r.Error); err != nil {
			return nil, err
		}
		var err error
		if r.StartedAt, err = parseTime(started); err != nil {
			return nil, err
		}
		if r.UpdatedAt, err = parseTime(updated); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
