// Package storetest is the conformance suite of store.Store: what every
// implementation (sqlite and postgres) must pass, on a real
// database. An implementation's tests call Run with a function that opens
// a fresh, empty store for one test:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "test.db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// The suite checks the contract written in package store: round trips of
// every record (times exact to the nanosecond, in UTC), the rollout
// history after a sequence of transitions, idempotence, the one active
// step per cluster, the audit entry of every change, event deduplication,
// the notification outbox (deduplication by receiver and key, due order,
// retries), concurrent use, and ErrUnavailable after Close. RunReopen
// checks what must survive closing and opening the database again. It uses no sleeps: every
// time comes from the test.
package storetest
