package window

import "errors"

// FieldError is a validation error of one field of a window.
type FieldError struct {
	// Field is the path of the field relative to the window object, in JSON
	// names: "schedule.weekly.dayOfWeek", "notAllowedDates[1].end".
	Field string
	// Found is what was found, as the user wrote it: `"Mon"`, `3`.
	Found string
	// Allowed says what is allowed: "4 to 24".
	Allowed string
}

func (e *FieldError) Error() string {
	return e.Field + ": found " + e.Found + ", allowed " + e.Allowed
}

// FieldErrors returns every *FieldError in err's tree (as built by
// errors.Join or fmt.Errorf with %w), in order. It returns nil when there is
// none.
func FieldErrors(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if fe, ok := err.(*FieldError); ok {
			out = append(out, fe)
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// problems collects the field errors of one window.
type problems []error

func (p *problems) add(field, found, allowed string) {
	*p = append(*p, &FieldError{Field: field, Found: found, Allowed: allowed})
}

func (p problems) err() error { return errors.Join(p...) }
