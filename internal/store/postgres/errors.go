package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// ErrNewerSchema is returned when the database was migrated by a newer
// version of aksupgrade than this one: opening it could lose data.
var ErrNewerSchema = errors.New("database schema is newer than this version of aksupgrade")

// fail adds op to err and classifies it, like the SQLite store: the
// store's own errors and context errors pass through; no rows becomes
// store.ErrNotFound; a violation of steps_one_active store.ErrActiveStep;
// data PostgreSQL cannot hold (a NUL in text, a time out of the layout)
// store.ErrInvalid; a closed store, a server that cannot be reached, a
// lock or statement timeout, a deadlock or serialization failure that
// outlived its retries store.ErrUnavailable.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrActiveStep),
		errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrUnavailable),
		errors.Is(err, ErrNewerSchema), errors.Is(err, store.ErrFenced), errors.Is(err, store.ErrLeaseHeld):
		return fmt.Errorf("%s: %w", op, err)
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("%s: %w", op, store.ErrNotFound)
	case s.closed.Load():
		return fmt.Errorf("%s: %w", op, store.ErrUnavailable)
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", op, ctx.Err())
	case activeStep(err):
		return fmt.Errorf("%s: %w", op, store.ErrActiveStep)
	case unavailable(err):
		// Only the message: a pgconn.ConnectError carries the
		// connection's configuration, password included.
		return fmt.Errorf("%s: %w: %s", op, store.ErrUnavailable, s.mask(err.Error()))
	case invalid(err):
		return fmt.Errorf("%s: %w: %w", op, store.ErrInvalid, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// errClosed is what a method of a closed store returns.
func errClosed(op string) error {
	return fmt.Errorf("%s: %w", op, store.ErrUnavailable)
}

// pgCode returns the SQLSTATE of an error the server sent, or "".
func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// activeStep reports whether err is a violation of steps_one_active: a
// second active step on a cluster.
func activeStep(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505" && e.ConstraintName == "steps_one_active"
}

// retryable reports whether the transaction failed only because of
// another running at the same time, so that running it again may succeed.
func retryable(err error) bool {
	switch pgCode(err) {
	case "40001", "40P01": // serialization_failure, deadlock_detected
		return true
	}
	return false
}

// unavailable reports whether err says the database cannot be used right
// now, as opposed to a mistake in what was asked of it.
func unavailable(err error) bool {
	var (
		connect *pgconn.ConnectError
		netErr  net.Error
	)
	switch {
	case errors.As(err, &connect), errors.As(err, &netErr),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		pgconn.Timeout(err), pgconn.SafeToRetry(err):
		return true
	}
	code := pgCode(err)
	switch {
	case code == "":
		return false
	case code == "55P03", // lock_not_available (lock_timeout)
		retryable(err):
		return true
	}
	switch code[:2] {
	case "08", // connection exception
		"53", // insufficient resources
		"57", // operator intervention: query_canceled (statement_timeout), shutdown, ...
		"58": // system error
		return true
	}
	return false
}

// invalid reports whether the server refused the data itself: a data
// exception (text with NUL, bad encoding, ...), a constraint the
// validation did not catch, or a value too large for an index.
func invalid(err error) bool {
	code := pgCode(err)
	return len(code) == 5 && (code[:2] == "22" || code[:2] == "23" || code[:2] == "54")
}

// mask returns msg with the store's password masked.
func (s *Store) mask(msg string) string { return mask(msg, s.password) }

// mask returns msg with every one of secrets masked.
func mask(msg string, secrets ...string) string {
	for _, p := range secrets {
		if p != "" {
			msg = strings.ReplaceAll(msg, p, "xxxxx")
		}
	}
	return msg
}

var kvPassword = regexp.MustCompile(`(?:^|\s)(?:ssl)?password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)`)

// passwordsIn returns what may be passwords in a DSN that pgx could not
// parse: the URL's userinfo password and password parameters, or
// key=value passwords.
func passwordsIn(dsn string) []string {
	var out []string
	if u, err := url.Parse(dsn); err == nil {
		if p, ok := u.User.Password(); ok {
			out = append(out, p, url.QueryEscape(p), url.PathEscape(p))
		}
		for _, k := range []string{"password", "sslpassword"} {
			if p := u.Query().Get(k); p != "" {
				out = append(out, p, url.QueryEscape(p))
			}
		}
	}
	// A URL that does not parse: whatever lies between the user's ':' and
	// the last '@'.
	for _, scheme := range []string{"postgres://", "postgresql://"} {
		if rest, ok := strings.CutPrefix(dsn, scheme); ok {
			if at := strings.LastIndexByte(rest, '@'); at >= 0 {
				if _, p, ok := strings.Cut(rest[:at], ":"); ok {
					out = append(out, p)
				}
			}
		}
	}
	for _, m := range kvPassword.FindAllStringSubmatch(dsn, -1) {
		out = append(out, m[1], strings.Trim(m[1], "'"))
	}
	return out
}
