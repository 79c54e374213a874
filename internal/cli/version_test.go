package cli

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestDescribeVersion(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "24a6dd4c0ffee0123456789"}, {Key: "vcs.time", Value: "2026-12-04T18:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	for _, tc := range []struct {
		release string
		bi      *debug.BuildInfo
		ok      bool
		want    string
	}{
		{"v1.2.3", bi, true, "aksupgrade v1.2.3 (commit 24a6dd4c0ffe-dirty, 2026-12-04T18:00:00Z, go1.26.8, "},
		{"", bi, true, "aksupgrade (devel) (commit 24a6dd4c0ffe-dirty"},
		{"", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.4.0"}}, true, "aksupgrade v0.4.0 (go1.26.8, "},
		{"v1.2.3", nil, false, "aksupgrade v1.2.3 (go"},
	} {
		if got := describeVersion(tc.release, tc.bi, tc.ok); !strings.HasPrefix(got, tc.want) {
			t.Errorf("describeVersion(%q) = %q, want it to start %q", tc.release, got, tc.want)
		}
	}
	code, out, _ := run(t, "version")
	if code != ExitOK || !strings.HasPrefix(out, "aksupgrade ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
}
