package policy

import (
	"strings"

	"github.com/aksupgrade/aksupgrade/internal/window"
)

// ParseWindow decodes and validates a document holding one window object
// in the policy's window shape (as `aksupgrade window next --window` reads).
// The error, if any, is Errors.
func ParseWindow(name string, data []byte) (*window.Schedule, error) {
	var doc windowDoc
	root, err := decodeStrict(name, data, &doc)
	if err != nil {
		return nil, err
	}
	v := &validator{}
	w := v.window("", &doc, "window")
	if doc.FromCluster {
		v.add("fromCluster", "found true, allowed false here: a window file holds a schedule of its own")
	}
	if len(v.problems) > 0 {
		for i := range v.problems {
			v.problems[i].field = strings.TrimPrefix(v.problems[i].field, ".")
		}
		return nil, locate(name, root, v.problems)
	}
	return w.Schedule, nil
}
