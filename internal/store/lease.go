package store

import (
	"errors"
	"fmt"
	"time"
)

// The leader lease: of the replicas that share a store, exactly one runs
// the engine, the poller and the notifier, the one that holds the lease.
// The lease lives in the store, so replicas need nothing else to agree:
//
//   - AcquireLease takes the lease for a holder when nobody holds it, when
//     the last holder's lease expired, or renews it when the holder holds
//     it already. Every change of holder gives the lease a new epoch, one
//     more than the last; a renewal keeps the epoch. While another holder's
//     lease runs, AcquireLease answers ErrLeaseHeld with that lease.
//   - ReleaseLease ends a holder's lease at once (a replica that stops), so
//     another takes over without waiting for the expiry.
//   - Fenced(epoch) is the store as the holder of that epoch writes it:
//     every write first checks, inside its own transaction, that the
//     lease still has that epoch, and writes nothing (ErrFenced) when it
//     has not. A leader paused or cut off past its expiry, whose lease
//     another replica took, thus cannot change anything on waking up,
//     however stale its view of the world.
//
// Expiry times come from the holders' clocks, as with Kubernetes' own
// leader election (coordination.k8s.io Leases): replicas need clocks that
// agree to well within the TTL, as NTP keeps the nodes of a cluster. The
// fence does not rely on clocks: a wrong clock can only make a replica
// take over early, and the old leader's writes are refused from then on.

// Errors of the lease.
var (
	// ErrLeaseHeld: another holder's lease has not expired.
	ErrLeaseHeld = errors.New("the lease is held by another replica")
	// ErrFenced: the write came from a holder whose lease another replica
	// has taken since; nothing was written.
	ErrFenced = errors.New("fenced: this replica no longer holds the lease")
)

// Lease is who runs the engine, and until when.
type Lease struct {
	// Holder names the replica ("host/pid/random").
	Holder string `json:"holder"`
	// Epoch grows by one with every change of holder (the first is 1).
	Epoch int64 `json:"epoch"`
	// Acquired is when Holder took the lease (a renewal keeps it);
	// Renewed when it last renewed; Expires is Renewed plus the TTL.
	Acquired time.Time `json:"acquired"`
	Renewed  time.Time `json:"renewed"`
	Expires  time.Time `json:"expires"`
}

// Held reports whether the lease is held at now.
func (l Lease) Held(now time.Time) bool { return l.Holder != "" && now.Before(l.Expires) }

// LeaseRequest asks for the lease for Holder at At, for TTL.
type LeaseRequest struct {
	Holder string
	At     time.Time
	TTL    time.Duration
}

// Validate reports whether r can be asked for.
func (r LeaseRequest) Validate() error {
	switch {
	case r.Holder == "":
		return invalid("a lease needs a holder")
	case r.At.IsZero():
		return invalid("a lease request needs a time")
	case r.TTL <= 0:
		return invalid("a lease needs a positive TTL, not %s", r.TTL)
	}
	return nil
}

// LeaseHeldError is ErrLeaseHeld with the lease that is held.
type LeaseHeldError struct{ Lease Lease }

func (e *LeaseHeldError) Error() string {
	return fmt.Sprintf("%v: %s leads (epoch %d) until %s", ErrLeaseHeld, e.Lease.Holder, e.Lease.Epoch,
		e.Lease.Expires.Format(time.RFC3339))
}

func (e *LeaseHeldError) Unwrap() error { return ErrLeaseHeld }

// NextLease is what AcquireLease makes of the lease held now (cur, a zero
// Lease when there was none) for r: a renewal when r's holder holds it, a
// new epoch when it was free or expired, or a *LeaseHeldError. Every
// implementation decides with it, inside the transaction that writes the
// result.
func NextLease(cur Lease, r LeaseRequest) (Lease, error) {
	next := Lease{Holder: r.Holder, Epoch: cur.Epoch, Acquired: cur.Acquired, Renewed: r.At, Expires: r.At.Add(r.TTL)}
	switch {
	case cur.Holder == r.Holder && cur.Holder != "":
		return next, nil
	case cur.Held(r.At):
		return Lease{}, &LeaseHeldError{Lease: cur}
	}
	next.Epoch, next.Acquired = cur.Epoch+1, r.At
	return next, nil
}
