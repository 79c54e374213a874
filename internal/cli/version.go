package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Option changes how Run runs.
type Option func(*env)

// WithVersion gives the release version the binary was stamped with.
func WithVersion(v string) Option { return func(e *env) { e.version = v } }

// describeVersion says which build this is: the release version, or the
// module version, and the commit and time the build came from, with the
// Go version and platform.
func describeVersion(release string, bi *debug.BuildInfo, ok bool) string {
	v := release
	if v == "" && ok && bi.Main.Version != "" {
		v = bi.Main.Version
	}
	if v == "" {
		v = "(devel)"
	}
	var about []string
	if ok {
		var rev, at, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if rev != "" {
			if len(rev) > 12 {
				rev = rev[:12]
			}
			if modified == "true" {
				rev += "-dirty"
			}
			about = append(about, "commit "+rev)
		}
		if at != "" {
			about = append(about, at)
		}
		about = append(about, bi.GoVersion)
	} else {
		about = append(about, runtime.Version())
	}
	about = append(about, runtime.GOOS+"/"+runtime.GOARCH)
	return fmt.Sprintf("aksupgrade %s (%s)", v, strings.Join(about, ", "))
}

func newVersion(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print which build of aksupgrade this is",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			bi, ok := debug.ReadBuildInfo()
			_, err := fmt.Fprintln(e.stdout, describeVersion(e.version, bi, ok))
			return err
		},
	}
}
