package sqlite

import "time"

// Option changes how Open opens the database.
type Option func(*options)

type options struct {
	busyTimeout time.Duration
	readConns   int
}

func defaultOptions() options {
	return options{busyTimeout: 5 * time.Second, readConns: 4}
}

// WithBusyTimeout sets how long a statement waits for a lock held by
// another connection or process before it fails with ErrUnavailable
// (default 5s).
func WithBusyTimeout(d time.Duration) Option {
	return func(o *options) {
		if d >= 0 {
			o.busyTimeout = d
		}
	}
}

// WithReadConns sets how many connections may read at once (default 4).
// Writes always go through one connection: SQLite has one writer.
func WithReadConns(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.readConns = n
		}
	}
}
