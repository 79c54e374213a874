package cli

import (
	"strings"
	"testing"
)

// TestRemoteFlagsHelp: the help of --server and --token-file names the
// flag's value and reads as one sentence (pflag takes a `quoted` word of
// the help as the value's name).
func TestRemoteFlagsHelp(t *testing.T) {
	out := mustRun(t, "status", "--help")
	for _, want := range []string{
		"--server URL           the URL of the aksupgrade server to talk to ('aksupgrade serve'), also set by env AKSUPGRADE_SERVER",
		"--token-file FILE      the FILE holding your API token from 'aksupgrade token new', instead of env AKSUPGRADE_TOKEN",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status --help lacks %q:\n%s", want, out)
		}
	}
}
