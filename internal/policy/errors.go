package policy

import (
	"fmt"
	"strings"
)

// Error is one problem of a policy file, at a position.
type Error struct {
	File      string
	Line, Col int
	// Field is the path of the field, "stages[1].window.durationHours";
	// empty for syntax errors.
	Field string
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: ", e.File, e.Line, e.Col)
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in a policy file, in file order.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// problem is a validation finding before it is given a position.
type problem struct {
	field string
	msg   string
}

func foundAllowed(found, allowed string) string {
	return fmt.Sprintf("found %s, allowed %s", found, allowed)
}

func quote(s string) string { return fmt.Sprintf("%q", s) }
