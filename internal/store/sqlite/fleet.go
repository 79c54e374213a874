package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// SaveFleet replaces the last observation of the fleet.
func (s *Store) SaveFleet(ctx context.Context, f store.Fleet) error {
	clusters, err := json.Marshal(f.Clusters)
	if err != nil {
		return fmt.Errorf("save fleet: encode clusters: %w", err)
	}
	catalogs, err := json.Marshal(f.Catalogs)
	if err != nil {
		return fmt.Errorf("save fleet: encode catalogs: %w", err)
	}
	return s.write(ctx, "save fleet", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO fleet (id, observed_at, clusters, catalogs) VALUES (1, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET observed_at = excluded.observed_at, clusters = excluded.clusters, catalogs = excluded.catalogs`,
			formatTime(f.At), string(clusters), string(catalogs))
		return err
	})
}

// Fleet returns the last observation; store.ErrNotFound before the first.
func (s *Store) Fleet(ctx context.Context) (store.Fleet, error) {
	var f store.Fleet
	err := s.read(ctx, "load fleet", func(tx *sql.Tx) error {
		var at, clusters, catalogs string
		if err := tx.QueryRowContext(ctx, `SELECT observed_at, clusters, catalogs FROM fleet WHERE id = 1`).Scan(&at, &clusters, &catalogs); err != nil {
			return err
		}
		var err error
		if f.At, err = parseTime(at); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(clusters), &f.Clusters); err != nil {
			return fmt.Errorf("decode clusters: %w", err)
		}
		if err := json.Unmarshal([]byte(catalogs), &f.Catalogs); err != nil {
			return fmt.Errorf("decode catalogs: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.Fleet{}, err
	}
	return f, nil
}
