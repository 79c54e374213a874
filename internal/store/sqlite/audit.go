package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// insertAudit appends e to the audit log. It is the only statement that
// touches the audit table besides SELECT: the log is append-only, and
// triggers refuse UPDATE and DELETE.
func insertAudit(ctx context.Context, tx *sql.Tx, e store.AuditEntry) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit (at, actor, kind, stage, target_kind, target_version, cluster, cluster_key, message)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		formatTime(e.At), e.Actor, e.Kind, e.Stage, e.Target.Kind, e.Target.Version, e.Cluster, clusterKey(e.Cluster), e.Message)
	if err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	return nil
}

// Log appends an audit entry that goes with no other change.
func (s *Store) Log(ctx context.Context, e store.AuditEntry) error {
	if err := e.Validate(); err != nil {
		return fmt.Errorf("log: %w", err)
	}
	return s.write(ctx, "log", func(tx *sql.Tx) error { return insertAudit(ctx, tx, e) })
}

// Audit returns the audit entries q selects, newest first.
func (s *Store) Audit(ctx context.Context, q store.AuditQuery) ([]store.AuditEntry, error) {
	var (
		where []string
		args  []any
	)
	if q.Stage != "" {
		where, args = append(where, "stage = ?"), append(args, q.Stage)
	}
	if q.Cluster != "" {
		where, args = append(where, "cluster_key = ?"), append(args, clusterKey(q.Cluster))
	}
	if q.Target.Kind != "" {
		where, args = append(where, "target_kind = ?"), append(args, q.Target.Kind)
	}
	if q.Target.Version != "" {
		where, args = append(where, "target_version = ?"), append(args, q.Target.Version)
	}
	if !q.Since.IsZero() {
		where, args = append(where, "at >= ?"), append(args, formatTime(q.Since))
	}
	query := `SELECT id, at, actor, kind, stage, target_kind, target_version, cluster, message FROM audit`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY at DESC, id DESC"
	return queryAll(ctx, s, "read audit", query, q.Limit, func(rows *sql.Rows) (store.AuditEntry, error) {
		var (
			e  store.AuditEntry
			at string
		)
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Kind, &e.Stage, &e.Target.Kind, &e.Target.Version, &e.Cluster, &e.Message); err != nil {
			return e, err
		}
		var err error
		e.At, err = parseTime(at)
		return e, err
	}, args...)
}
