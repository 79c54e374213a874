package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// AcquireLease takes or renews the lease (store.NextLease decides) in one
// write transaction: SQLite's write lock makes it atomic among every
// process on the file.
func (s *Store) AcquireLease(ctx context.Context, r store.LeaseRequest) (store.Lease, error) {
	if err := r.Validate(); err != nil {
		return store.Lease{}, fmt.Errorf("acquire the lease: %w", err)
	}
	var out store.Lease
	err := s.write(ctx, "acquire the lease", func(tx *sql.Tx) error {
		cur, err := leaseTx(ctx, tx)
		if err != nil {
			return err
		}
		if out, err = store.NextLease(cur, r); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE lease SET holder = ?, epoch = ?, acquired = ?, renewed = ?, expires = ? WHERE id = 1`,
			out.Holder, out.Epoch, formatTime(out.Acquired), formatTime(out.Renewed), formatTime(out.Expires))
		return err
	})
	if err != nil {
		return store.Lease{}, err
	}
	return out, nil
}

// ReleaseLease ends the lease of holder at epoch at at, unless another
// holds it by now.
func (s *Store) ReleaseLease(ctx context.Context, holder string, epoch int64, at time.Time) error {
	return s.write(ctx, "release the lease", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE lease SET expires = ? WHERE id = 1 AND holder = ? AND epoch = ? AND expires > ?`,
			formatTime(at), holder, epoch, formatTime(at))
		return err
	})
}

// CurrentLease returns the lease as it stands; store.ErrNotFound before
// anyone took it.
func (s *Store) CurrentLease(ctx context.Context) (store.Lease, error) {
	var out store.Lease
	err := s.read(ctx, "read the lease", func(tx *sql.Tx) error {
		var err error
		out, err = leaseTx(ctx, tx)
		if err == nil && out.Holder == "" {
			err = store.ErrNotFound
		}
		return err
	})
	return out, err
}

// Fenced returns the store as the holder of epoch writes it.
func (s *Store) Fenced(epoch int64) store.Store { return &Store{conns: s.conns, fence: epoch} }

// leaseTx reads the lease; a zero Lease when there is none.
func leaseTx(ctx context.Context, tx *sql.Tx) (store.Lease, error) {
	var (
		l                          store.Lease
		acquired, renewed, expires string
	)
	err := tx.QueryRowContext(ctx, `SELECT holder, epoch, acquired, renewed, expires FROM lease WHERE id = 1`).
		Scan(&l.Holder, &l.Epoch, &acquired, &renewed, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Lease{}, nil
	}
	if err != nil {
		return store.Lease{}, err
	}
	if l.Acquired, err = parseTime(acquired); err != nil {
		return store.Lease{}, err
	}
	if l.Renewed, err = parseTime(renewed); err != nil {
		return store.Lease{}, err
	}
	if l.Expires, err = parseTime(expires); err != nil {
		return store.Lease{}, err
	}
	return l, nil
}

// checkFence fails with store.ErrFenced unless the lease's epoch is
// still fence. It runs first in every write transaction of a fenced
// view; the write lock keeps the epoch from changing until the commit.
func checkFence(ctx context.Context, tx *sql.Tx, fence int64) error {
	l, err := leaseTx(ctx, tx)
	if err != nil {
		return err
	}
	if l.Epoch != fence {
		return fmt.Errorf("%w (epoch %d; %s holds epoch %d)", store.ErrFenced, fence, l.Holder, l.Epoch)
	}
	return nil
}
