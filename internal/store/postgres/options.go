package postgres

// Option changes how Open opens the database.
type Option func(*options)

type options struct {
	maxConns int32
}

func defaultOptions() options { return options{} }

// WithMaxConns sets how many connections the store may hold at once
// (default: pgxpool's, the larger of 4 and the number of CPUs, or
// pool_max_conns in the DSN).
func WithMaxConns(n int32) Option {
	return func(o *options) {
		if n > 0 {
			o.maxConns = n
		}
	}
}
