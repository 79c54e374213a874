package policy_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

// FuzzParse checks that Parse never panics and that every error it returns
// has a position and a message.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range append(files, "../../examples/policy.yaml") {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, odd := range []string{
		"", "---\n", "null\n", "[]\n", "- a\n", "\"x\"\n", "stages: *a\n", "a: &a [*a]\n",
		"stages:\n  - &s {name: a, selector: {tags: {x: y}}, window: {fromCluster: true}}\n  - *s\n",
		"stages:\n  - <<: [*a, *b]\n", "stages:\n  - name: !!str 1.30\n    maxParallel: !!int \"3\"\n",
		"? [a]\n: 1\n", "? \n: 1\n", "stages: [{window: {notAllowedDates: [{start: 2026-01-01}]}}]\n",
		"kubernetes: {version: .inf, channel: .nan}\n", "stages:\n- maxParallel: 0x10\n- maxParallel: 1e3\n",
	} {
		f.Add([]byte(odd))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := policy.Parse("fuzz.yaml", data, notify.Vocabulary())
		if err == nil {
			if p == nil || len(p.Stages) == 0 {
				t.Fatalf("Parse returned no error and policy %+v", p)
			}
			return
		}
		var es policy.Errors
		if !errors.As(err, &es) || len(es) == 0 {
			t.Fatalf("Parse error %T %v, want non-empty policy.Errors", err, err)
		}
		for _, e := range es {
			if e.Line < 1 || e.Col < 1 || e.Msg == "" || e.File != "fuzz.yaml" {
				t.Errorf("bad error %#v", e)
			}
		}
	})
}
