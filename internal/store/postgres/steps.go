package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

const stepColumns = `id, cluster_id, stage, target_kind, target_version, step_kind, step_pool, step_version,
	state, resume_token, started_at, updated_at, error_code, error`

// BeginStep records that an ARM operation is about to be issued. The
// partial unique index steps_one_active makes the database itself refuse
// a second active step on a cluster, also to a writer that raced this
// one past the look-up below.
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
	err := s.write(ctx, "begin step", func(tx pgx.Tx) error {
		// Looked up first only to say which step is in the way.
		active, err := collect(ctx, tx, `SELECT `+stepColumns+` FROM steps WHERE cluster_key = $1 AND state IN ('issuing', 'running')`,
			scanStep, key)
		if err != nil {
			return err
		}
		if len(active) > 0 {
			return fmt.Errorf("%w: step %d, %s", store.ErrActiveStep, active[0].ID, active[0].Describe())
		}
		err = tx.QueryRow(ctx, `INSERT INTO steps (cluster_id, cluster_key, stage, target_kind, target_version,
	step_kind, step_pool, step_version, state, resume_token, started_at, updated_at, error_code, error)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
			rec.Step.ClusterID, key, rec.Stage, string(rec.Target.Kind), rec.Target.Version,
			string(rec.Step.Kind), rec.Step.Pool, rec.Step.Version, string(rec.State), rec.ResumeToken,
			formatTime(rec.StartedAt), formatTime(rec.UpdatedAt), string(rec.ErrorCode), rec.Error).Scan(&rec.ID)
		if err != nil {
			return err // a violation of steps_one_active is store.ErrActiveStep (fail)
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
	return s.write(ctx, op, func(tx pgx.Tx) error {
		_, err := updateStepTx(ctx, tx, u)
		return err
	})
}

// updateStepTx moves step u.ID on and reports whether it changed. The
// step's row is locked from the look-up to the end of tx.
func updateStepTx(ctx context.Context, tx pgx.Tx, u store.StepRecord) (bool, error) {
	found, err := collect(ctx, tx, `SELECT `+stepColumns+` FROM steps WHERE id = $1 FOR UPDATE`, scanStep, u.ID)
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
	_, err = tx.Exec(ctx, `UPDATE steps SET state = $1, resume_token = $2, updated_at = $3, error_code = $4, error = $5 WHERE id = $6`,
		string(next.State), next.ResumeToken, formatTime(next.UpdatedAt), string(next.ErrorCode), next.Error, next.ID)
	if err != nil {
		return false, err // a violation of steps_one_active is store.ErrActiveStep (fail)
	}
	if next.State == cur.State {
		return next.ResumeToken != cur.ResumeToken || next.Error != cur.Error, nil
	}
	return true, insertStepAudit(ctx, tx, next)
}

// insertStepAudit records that rec began or changed state, at its
// UpdatedAt.
func insertStepAudit(ctx context.Context, tx pgx.Tx, rec store.StepRecord) error {
	return insertAudit(ctx, tx, store.AuditEntry{
		At: rec.UpdatedAt, Actor: store.ActorEngine, Kind: store.AuditKindStep,
		Stage: rec.Stage, Target: rec.Target, Cluster: rec.Step.ClusterID, Message: rec.Describe(),
	})
}

// ActiveSteps returns the steps issuing or running, oldest first.
func (s *Store) ActiveSteps(ctx context.Context) ([]store.StepRecord, error) {
	return queryAll(ctx, s, "read active steps",
		`SELECT `+stepColumns+` FROM steps WHERE state IN ('issuing', 'running') ORDER BY started_at, id`, 0, scanStep)
}

// Steps returns the steps of a cluster (every cluster when clusterID is
// empty), newest first, at most limit.
func (s *Store) Steps(ctx context.Context, clusterID string, limit int) ([]store.StepRecord, error) {
	if clusterID == "" {
		return queryAll(ctx, s, "read steps", `SELECT `+stepColumns+` FROM steps ORDER BY started_at DESC, id DESC`, limit, scanStep)
	}
	return queryAll(ctx, s, "read steps", `SELECT `+stepColumns+` FROM steps WHERE cluster_key = $1 ORDER BY started_at DESC, id DESC`,
		limit, scanStep, clusterKey(clusterID))
}

// scanStep reads a row of stepColumns.
func scanStep(rows pgx.Rows) (store.StepRecord, error) {
	var (
		r                                 store.StepRecord
		targetKind, stepKind, state, code string
		started, updated                  string
	)
	if err := rows.Scan(&r.ID, &r.Step.ClusterID, &r.Stage, &targetKind, &r.Target.Version,
		&stepKind, &r.Step.Pool, &r.Step.Version, &state, &r.ResumeToken,
		&started, &updated, &code, &r.Error); err != nil {
		return r, err
	}
	r.Target.Kind, r.Step.Kind = aksupgrade.TargetKind(targetKind), aksupgrade.StepKind(stepKind)
	r.State, r.ErrorCode = store.StepState(state), aksupgrade.ErrorCode(code)
	var err error
	if r.StartedAt, err = parseTime(started); err != nil {
		return r, err
	}
	r.UpdatedAt, err = parseTime(updated)
	return r, err
}
