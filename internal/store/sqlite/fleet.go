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
	enc, err := encodeFleet(f)
	if err != nil {
		return fmt.Errorf("save fleet: %w", err)
	}
	return s.write(ctx, "save fleet", func(tx *sql.Tx) error { return saveFleetTx(ctx, tx, enc) })
}

// encodedFleet is a fleet as its row holds it.
type encodedFleet struct {
	at                            string
	clusters, catalogs, announced string
}

func encodeFleet(f store.Fleet) (encodedFleet, error) {
	clusters, err := json.Marshal(f.Clusters)
	if err != nil {
		return encodedFleet{}, fmt.Errorf("encode clusters: %w", err)
	}
	catalogs, err := json.Marshal(f.Catalogs)
	if err != nil {
		return encodedFleet{}, fmt.Errorf("encode catalogs: %w", err)
	}
	announced, err := json.Marshal(f.Announced)
	if err != nil {
		return encodedFleet{}, fmt.Errorf("encode announced: %w", err)
	}
	return encodedFleet{formatTime(f.At), string(clusters), string(catalogs), string(announced)}, nil
}

func saveFleetTx(ctx context.Context, tx *sql.Tx, f encodedFleet) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO fleet (id, observed_at, clusters, catalogs, announced) VALUES (1, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET observed_at = excluded.observed_at, clusters = excluded.clusters, catalogs = excluded.catalogs,
	announced = excluded.announced`,
		f.at, f.clusters, f.catalogs, f.announced)
	return err
}

// Fleet returns the last observation; store.ErrNotFound before the first.
func (s *Store) Fleet(ctx context.Context) (store.Fleet, error) {
	var f store.Fleet
	err := s.read(ctx, "load fleet", func(tx *sql.Tx) error {
		var at, clusters, catalogs, announced string
		if err := tx.QueryRowContext(ctx, `SELECT observed_at, clusters, catalogs, announced FROM fleet WHERE id = 1`).Scan(&at, &clusters, &catalogs, &announced); err != nil {
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
		if err := json.Unmarshal([]byte(announced), &f.Announced); err != nil {
			return fmt.Errorf("decode announced: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.Fleet{}, err
	}
	return f, nil
}
