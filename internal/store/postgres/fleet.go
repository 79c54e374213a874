package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// SaveFleet replaces the last observation of the fleet.
func (s *Store) SaveFleet(ctx context.Context, f store.Fleet) error {
	enc, err := encodeFleet(f)
	if err != nil {
		return fmt.Errorf("save fleet: %w", err)
	}
	return s.writeOne(ctx, "save fleet", func(q querier) error { return saveFleetTx(ctx, q, enc) })
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

// saveFleetTx writes the fleet's row: one statement.
func saveFleetTx(ctx context.Context, q querier, f encodedFleet) error {
	_, err := q.Exec(ctx, `INSERT INTO fleet (id, observed_at, clusters, catalogs, announced) VALUES (1, $1, $2, $3, $4)
ON CONFLICT (id) DO UPDATE SET observed_at = excluded.observed_at, clusters = excluded.clusters, catalogs = excluded.catalogs,
	announced = excluded.announced`,
		f.at, f.clusters, f.catalogs, f.announced)
	return err
}

// Fleet returns the last observation; store.ErrNotFound before the first.
func (s *Store) Fleet(ctx context.Context) (store.Fleet, error) {
	fleets, err := queryAll(ctx, s, "load fleet", `SELECT observed_at, clusters, catalogs, announced FROM fleet WHERE id = 1`, 0,
		func(rows pgx.Rows) (store.Fleet, error) {
			var (
				f                             store.Fleet
				at                            string
				clusters, catalogs, announced []byte
			)
			if err := rows.Scan(&at, &clusters, &catalogs, &announced); err != nil {
				return f, err
			}
			var err error
			if f.At, err = parseTime(at); err != nil {
				return f, err
			}
			if err := json.Unmarshal(clusters, &f.Clusters); err != nil {
				return f, fmt.Errorf("decode clusters: %w", err)
			}
			if err := json.Unmarshal(catalogs, &f.Catalogs); err != nil {
				return f, fmt.Errorf("decode catalogs: %w", err)
			}
			if err := json.Unmarshal(announced, &f.Announced); err != nil {
				return f, fmt.Errorf("decode announced: %w", err)
			}
			return f, nil
		})
	if err != nil {
		return store.Fleet{}, err
	}
	if len(fleets) == 0 {
		return store.Fleet{}, fmt.Errorf("load fleet: %w", store.ErrNotFound)
	}
	return fleets[0], nil
}
