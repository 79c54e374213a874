package postgres

import (
	"context"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/aksupgrade/aksupgrade"
)

// History returns every rollout with its stage progress, ordered by target
// kind and creation; stages in the order they were first recorded. Both
// queries read one snapshot.
func (s *Store) History(ctx context.Context) (aksupgrade.History, error) {
	return s.history(ctx, true)
}

// PlanningHistory is History without the gates' evidence.
func (s *Store) PlanningHistory(ctx context.Context) (aksupgrade.History, error) {
	return s.history(ctx, false)
}

// history reads the rollouts and their stages, each proof's gates with
// them when gates is set.
func (s *Store) history(ctx context.Context, gates bool) (aksupgrade.History, error) {
	var h aksupgrade.History
	err := s.read(ctx, "load history", func(tx pgx.Tx) error {
		h = aksupgrade.History{}
		index, err := readRollouts(ctx, tx, &h)
		if err != nil {
			return err
		}
		return readStages(ctx, tx, &h, index, gates)
	})
	if err != nil {
		return aksupgrade.History{}, err
	}
	return h, nil
}

// readRollouts appends the rollouts to h and returns their index by row ID.
func readRollouts(ctx context.Context, tx pgx.Tx, h *aksupgrade.History) (map[int64]int, error) {
	rows, err := tx.Query(ctx, `SELECT id, target_kind, target_version,
	paused_by, paused_at, paused_reason, aborted_by, aborted_at, aborted_reason
FROM rollouts ORDER BY target_kind, created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	index := map[int64]int{}
	for rows.Next() {
		var (
			id                 int64
			r                  aksupgrade.Rollout
			kind               string
			pausedBy, pReason  string
			abortedBy, aReason string
			pausedAt, abortAt  *string
		)
		if err := rows.Scan(&id, &kind, &r.Target.Version,
			&pausedBy, &pausedAt, &pReason, &abortedBy, &abortAt, &aReason); err != nil {
			return nil, err
		}
		r.ID, r.Target.Kind = strconv.FormatInt(id, 10), aksupgrade.TargetKind(kind)
		if r.Paused, err = mark(pausedBy, pausedAt, pReason); err != nil {
			return nil, err
		}
		if r.Aborted, err = mark(abortedBy, abortAt, aReason); err != nil {
			return nil, err
		}
		index[id] = len(h.Rollouts)
		h.Rollouts = append(h.Rollouts, r)
	}
	return index, rows.Err()
}

func mark(by string, at *string, reason string) (*aksupgrade.Mark, error) {
	t, err := parseNullTime(at)
	if t == nil || err != nil {
		return nil, err
	}
	return &aksupgrade.Mark{By: by, At: *t, Reason: reason}, nil
}

// readStages fills in the stage progress of the rollouts in h.
func readStages(ctx context.Context, tx pgx.Tx, h *aksupgrade.History, index map[int64]int, withGates bool) error {
	gatesColumn := "gates"
	if !withGates {
		gatesColumn = "NULL" // read as no gates
	}
	rows, err := tx.Query(ctx, `SELECT rollout_id, stage, started_at, reached_at, proven_at, evidence, `+gatesColumn+`,
	approved_by, approved_at, halt_cluster, halt_reason, halt_at
FROM stage_progress ORDER BY rollout_id, position`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id                               int64
			sp                               aksupgrade.StageProgress
			started, reached, proven         *string
			evidence, gates                  []byte
			approvedBy, haltCluster, haltWhy string
			approvedAt, haltAt               *string
		)
		if err := rows.Scan(&id, &sp.Stage, &started, &reached, &proven, &evidence, &gates,
			&approvedBy, &approvedAt, &haltCluster, &haltWhy, &haltAt); err != nil {
			return err
		}
		if sp.StartedAt, err = parseNullTime(started); err != nil {
			return err
		}
		if sp.ReachedAt, err = parseNullTime(reached); err != nil {
			return err
		}
		if sp.ProvenAt, err = parseNullTime(proven); err != nil {
			return err
		}
		if sp.Evidence, err = unmarshalEvidence(evidence); err != nil {
			return err
		}
		if sp.Gates, err = unmarshalEvidence(gates); err != nil {
			return err
		}
		if t, err := parseNullTime(approvedAt); err != nil {
			return err
		} else if t != nil {
			sp.Approval = &aksupgrade.Approval{By: approvedBy, At: *t}
		}
		if t, err := parseNullTime(haltAt); err != nil {
			return err
		} else if t != nil {
			sp.Halt = &aksupgrade.Halt{Cluster: haltCluster, Reason: haltWhy, At: *t}
		}
		i, ok := index[id]
		if !ok {
			continue // cannot happen: the foreign key and the snapshot see to it
		}
		h.Rollouts[i].Stages = append(h.Rollouts[i].Stages, sp)
	}
	return rows.Err()
}
