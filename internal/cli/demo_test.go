package cli

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestDemoExits: `aksupgrade demo --exit` plays the story to its summary
// and ends, printing where its dashboard and API answered, and leaves no
// file behind in the working directory (its database is in a temporary
// one). It plays the whole story, so it is skipped in -short runs.
func TestDemoExits(t *testing.T) {
	if testing.Short() {
		t.Skip("plays the demo on a paced real-time clock")
	}
	before := dirNames(t)
	code, out, errOut := run(t, "demo", "--plain", "--exit", "--speed", "1000000", "--listen", "127.0.0.1:0")
	if code != ExitOK {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	for _, want := range []string{"Dashboard: http://127.0.0.1:", "API:       http://127.0.0.1:", "/api/v1/status\n",
		"\nSUMMARY\n", "  prod     proven: 1.31.5, 1.32.3\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("the demo does not print %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "keep running") {
		t.Errorf("with --exit the demo says it keeps running:\n%s", out)
	}
	if after := dirNames(t); !slices.Equal(before, after) {
		t.Errorf("the working directory held %v before the demo and %v after", before, after)
	}
}

// TestDemoFlags: the service listens on 127.0.0.1:8080 unless told
// otherwise, the database is a temporary one, and the demo keeps running
// after its summary unless --exit.
func TestDemoFlags(t *testing.T) {
	f := newDemo(&env{}).Flags()
	for name, want := range map[string]string{"listen": "127.0.0.1:8080", "db": "", "exit": "false", "pause": "4h0m0s"} {
		if got := f.Lookup(name); got == nil || got.DefValue != want {
			t.Errorf("--%s defaults to %v, want %q", name, got, want)
		}
	}
}

func dirNames(t *testing.T) []string {
	t.Helper()
	es, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}
