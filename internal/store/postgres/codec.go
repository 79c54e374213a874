package postgres

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// timeLayout is RFC 3339 in UTC with all nine fraction digits, as SQLite
// stores times: fixed width, so that text order (in the "C" collation of
// the utctime domain) is time order, and every nanosecond kept, which
// timestamptz (microseconds) would not.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// nullTime is the column value of an optional time.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatTime(*t)
}

// parseNullTime reads an optional time.
func parseNullTime(s *string) (*time.Time, error) {
	if s == nil {
		return nil, nil
	}
	t, err := parseTime(*s)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// nullJSON is the column value of optional JSON data, kept as given.
func nullJSON(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// clusterKey is how cluster IDs are compared: like aksupgrade.SameID.
func clusterKey(id string) string { return aksupgrade.NormalizeID(id) }

// marshalEvidence is the column value of a stage's evidence.
func marshalEvidence(e []string) (any, error) {
	if len(e) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode evidence: %w", err)
	}
	return string(b), nil
}

func unmarshalEvidence(b []byte) ([]string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var e []string
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("stored evidence: %w", err)
	}
	if len(e) == 0 {
		return nil, nil
	}
	return e, nil
}
