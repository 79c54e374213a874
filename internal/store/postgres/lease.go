package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// AcquireLease takes or renews the lease (store.NextLease decides) in one
// transaction. The row (there from the migration on) is locked FOR
// UPDATE, so concurrent requests decide one after the other.
func (s *Store) AcquireLease(ctx context.Context, r store.LeaseRequest) (store.Lease, error) {
	if err := r.Validate(); err != nil {
		return store.Lease{}, fmt.Errorf("acquire the lease: %w", err)
	}
	var out store.Lease
	err := s.write(ctx, "acquire the lease", func(tx pgx.Tx) error {
		cur, err := leaseTx(ctx, tx, "FOR UPDATE")
		if err != nil {
			return err
		}
		if out, err = store.NextLease(cur, r); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE lease SET holder = $1, epoch = $2, acquired = $3, renewed = $4, expires = $5 WHERE id = 1`,
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
	_, err := s.exec(ctx, "release the lease", `UPDATE lease SET expires = $1 WHERE id = 1 AND holder = $2 AND epoch = $3 AND expires > $1`,
		formatTime(at), holder, epoch)
	return err
}

// CurrentLease returns the lease as it stands; store.ErrNotFound before
// anyone took it.
func (s *Store) CurrentLease(ctx context.Context) (store.Lease, error) {
	if s.closed.Load() {
		return store.Lease{}, errClosed("read the lease")
	}
	l, err := leaseTx(ctx, s.pool, "")
	if err == nil && l.Holder == "" {
		err = store.ErrNotFound
	}
	return l, s.fail(ctx, "read the lease", err)
}

// Fenced returns the store as the holder of epoch writes it.
func (s *Store) Fenced(epoch int64) store.Store { return &Store{shared: s.shared, fence: epoch} }

// leaseTx reads the lease, with lock ("FOR UPDATE", "FOR SHARE" or ""); a
// zero Lease when nobody ever took it.
func leaseTx(ctx context.Context, q querier, lock string) (store.Lease, error) {
	var (
		l                          store.Lease
		acquired, renewed, expires string
	)
	err := q.QueryRow(ctx, `SELECT holder, epoch, acquired, renewed, expires FROM lease WHERE id = 1 `+lock).
		Scan(&l.Holder, &l.Epoch, &acquired, &renewed, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
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
// still fence. It runs first in every write transaction of a fenced view,
// and holds the row FOR SHARE until the commit: a takeover waits for the
// transaction, or happened before it and is seen.
func checkFence(ctx context.Context, tx pgx.Tx, fence int64) error {
	l, err := leaseTx(ctx, tx, "FOR SHARE")
	if err != nil {
		return err
	}
	if l.Epoch != fence {
		return fmt.Errorf("%w (epoch %d; %s holds epoch %d)", store.ErrFenced, fence, l.Holder, l.Epoch)
	}
	return nil
}
