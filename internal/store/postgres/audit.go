package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// insertAudit appends e to the audit log. It is the only statement that
// touches the audit table besides SELECT: the log is append-only, and a
// trigger refuses UPDATE, DELETE and TRUNCATE.
func insertAudit(ctx context.Context, q querier, e store.AuditEntry) error {
	_, err := q.Exec(ctx, `INSERT INTO audit (at, actor, kind, stage, target_kind, target_version, cluster, cluster_key, message)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		formatTime(e.At), e.Actor, e.Kind, e.Stage, string(e.Target.Kind), e.Target.Version, e.Cluster, clusterKey(e.Cluster), e.Message)
	if err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	return nil
}

// Log appends an audit entry that goes with no other change (one
// statement, its own transaction).
func (s *Store) Log(ctx context.Context, e store.AuditEntry) error {
	if err := e.Validate(); err != nil {
		return fmt.Errorf("log: %w", err)
	}
	return s.writeOne(ctx, "log", func(q querier) error { return insertAudit(ctx, q, e) })
}

// Audit returns the audit entries q selects, newest first.
func (s *Store) Audit(ctx context.Context, q store.AuditQuery) ([]store.AuditEntry, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q.Stage != "" {
		add("stage = $%d", q.Stage)
	}
	if q.Cluster != "" {
		add("cluster_key = $%d", clusterKey(q.Cluster))
	}
	if q.Target.Kind != "" {
		add("target_kind = $%d", string(q.Target.Kind))
	}
	if q.Target.Version != "" {
		add("target_version = $%d", q.Target.Version)
	}
	if !q.Since.IsZero() {
		add("at >= $%d", formatTime(q.Since))
	}
	query := `SELECT id, at, actor, kind, stage, target_kind, target_version, cluster, message FROM audit`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY at DESC, id DESC"
	return queryAll(ctx, s, "read audit", query, q.Limit, func(rows pgx.Rows) (store.AuditEntry, error) {
		var (
			e        store.AuditEntry
			at, kind string
		)
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Kind, &e.Stage, &kind, &e.Target.Version, &e.Cluster, &e.Message); err != nil {
			return e, err
		}
		e.Target.Kind = aksupgrade.TargetKind(kind)
		var err error
		e.At, err = parseTime(at)
		return e, err
	}, args...)
}
