package simulator

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// Duration is a span of simulated time, written the way Go writes durations
// ("90m", "1h30m") optionally led by whole days ("2d", "7d12h"). It reads
// and writes itself as that text in YAML and JSON.
type Duration time.Duration

// ParseDuration reads "2d", "36h", "1d12h30m" or "0".
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 || n > math.MaxInt64/int(24*time.Hour) {
			return 0, fmt.Errorf("invalid duration %q: bad day count", s)
		}
		days = time.Duration(n) * 24 * time.Hour
		s = s[i+1:]
		if s == "" {
			return Duration(days), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: want Go duration text such as 90m, 48h or 2d12h", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("invalid duration %q: negative", s)
	}
	return Duration(days + d), nil
}

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String writes d so that ParseDuration reads it back: "2d", "1d12h", "90m0s"
// is written "1h30m".
func (d Duration) String() string {
	t := time.Duration(d)
	if t == 0 {
		return "0s"
	}
	const day = 24 * time.Hour
	out := ""
	if days := t / day; days > 0 {
		out = strconv.FormatInt(int64(days), 10) + "d"
		t -= days * day
	}
	if t > 0 {
		r := t.String()
		if strings.HasSuffix(r, "m0s") {
			r = r[:len(r)-2]
		}
		if strings.HasSuffix(r, "h0m") {
			r = r[:len(r)-2]
		}
		out += r
	}
	return out
}

// MarshalText writes d as String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads d as ParseDuration does.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// UnmarshalYAML reads d from a YAML scalar, reporting a bad value at its
// position in the file.
func (d *Duration) UnmarshalYAML(n ast.Node) error {
	tk := n.GetToken()
	text := ""
	if _, null := n.(*ast.NullNode); !null && tk != nil {
		text = tk.Value
	}
	v, err := ParseDuration(text)
	if err != nil {
		return positioned(n, err.Error())
	}
	*d = v
	return nil
}

// positionError is a problem found while decoding a node of a YAML file.
type positionError struct {
	line, col int
	msg       string
}

func (e *positionError) Error() string { return fmt.Sprintf("%d:%d: %s", e.line, e.col, e.msg) }

func positioned(n ast.Node, msg string) error {
	e := &positionError{line: 1, col: 1, msg: msg}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		e.line, e.col = tk.Position.Line, tk.Position.Column
	}
	return e
}
