package demo

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// teller writes the story's lines. Each line is stamped with the
// simulated time it is told, which is when the demo did or learned what it
// says (the clock stands still while the demo reads and acts, so an
// entry the engine just wrote is told at the time it was written), and
// never earlier than the line before it. A long error is shown in full
// the first time a line carries it; later lines carry a short form that
// points back to it.
type teller struct {
	clock interface{ Now() time.Time }
	start time.Time
	// out receives each line as it is told, unless the live view shows
	// them (then nil).
	out io.Writer

	mu      sync.Mutex
	stopped bool
	last    time.Time
	recent  []string
	errs    []*knownError
	// outErr is the first failure to write to out; the story stops with
	// it.
	outErr error
}

// recentLines is how many of the newest lines the live view can show.
const recentLines = 12

// longError is how long (in characters) an error must be for later
// lines to carry a short form of it instead.
const longError = 80

// knownError is an error the story may tell more than once, and the parts
// of it that other messages quote.
type knownError struct {
	msg       string
	fragments []string // longest first
	shown     bool
}

// tell tells a line now.
func (t *teller) tell(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	at := t.clock.Now()
	if at.Before(t.last) {
		at = t.last
	}
	t.last = at
	line = fmt.Sprintf("[%s] %s", elapsed(at.Sub(t.start)), t.shorten(line))
	t.recent = append(t.recent, line)
	if len(t.recent) > recentLines {
		t.recent = t.recent[len(t.recent)-recentLines:]
	}
	if t.out != nil && t.outErr == nil {
		_, t.outErr = io.WriteString(t.out, line+"\n")
	}
}

// stop ends the story's lines: what happens after the story is the
// dashboard's to show.
func (t *teller) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
}

// lines returns the newest lines told, oldest first.
func (t *teller) lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.recent...)
}

// fail keeps err as a failure to write, unless one is kept already.
func (t *teller) fail(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.outErr == nil {
		t.outErr = err
	}
}

// err returns the first failure to write a line, if any.
func (t *teller) err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.outErr
}

// learn makes an error known, so that only the first line that carries
// it (or a part of it another message quotes) shows it in full. Short
// errors and errors already known are left as they are.
func (t *teller) learn(msg string) {
	if len([]rune(msg)) < longError {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, e := range t.errs {
		if e.msg == msg {
			return
		}
	}
	t.errs = append(t.errs, &knownError{msg: msg, fragments: fragments(msg)})
}

// shorten replaces, in line, each known error shown before (or the
// parts of it the line quotes) with its short form, and marks those it
// carries for the first time as shown; t.mu must be held.
func (t *teller) shorten(line string) string {
	for _, e := range t.errs {
		for _, f := range e.fragments { // longest first
			if !strings.Contains(line, f) {
				continue
			}
			if !e.shown {
				e.shown = true
				break
			}
			line = strings.ReplaceAll(line, f, brief(f))
		}
	}
	return line
}

// fragments lists the parts of a long error that messages quote: the
// whole, what follows each "label: " in it, each of its "; "-separated
// parts and what follows each "label: " in those, as long as they are
// long errors themselves; longest first.
func fragments(msg string) []string {
	var out []string
	add := func(s string) {
		for rest := s; ; {
			if len([]rune(rest)) >= longError && !slices.Contains(out, rest) {
				out = append(out, rest)
			}
			i := strings.Index(rest, ": ")
			if i < 0 {
				return
			}
			rest = rest[i+2:]
		}
	}
	add(msg)
	for _, part := range strings.Split(msg, "; ") {
		add(part)
	}
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// brief is the short form of a long error: its first clause (up to the
// first ": ", ". ", "; " or " (" past its first words), or its first
// words, marked as shown in full above.
func brief(msg string) string {
	const from, upTo = 15, 100
	head := ""
	best := -1
	for _, sep := range []string{": ", ". ", "; ", " ("} {
		if len(msg) <= from {
			break
		}
		if i := strings.Index(msg[from:], sep); i >= 0 && (best < 0 || from+i < best) {
			best = from + i
		}
	}
	switch {
	case best >= 0 && best <= upTo:
		head = msg[:best]
	default:
		r := []rune(msg)
		head = string(r[:min(len(r), 60)])
		if i := strings.LastIndexByte(head, ' '); i > from {
			head = head[:i]
		}
		head += "…"
	}
	return head + " (in full above)"
}
