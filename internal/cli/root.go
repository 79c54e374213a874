// Package cli is the aksupgrade command line: one cobra command per file,
// each reading its flags, calling the packages that do the work, and
// printing for people (table) or programs (json).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1 // the input is invalid or the work failed
	ExitUsage   = 2 // the command line is wrong
)

// exitError carries an exit code with a message already fit for people.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func failure(format string, args ...any) error {
	return &exitError{code: ExitFailure, msg: fmt.Sprintf(format, args...)}
}

// env is what every command needs from the outside world.
type env struct {
	stdout, stderr io.Writer
	now            func() time.Time
	// version is the release the binary was stamped with ("" in a
	// development build).
	version string
	// zone is where times are shown when no stage's window gives a zone
	// (WithZone; the process's local zone by default).
	zone *time.Location
}

// Run executes the command line args and returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, opts ...Option) int {
	e := &env{stdout: stdout, stderr: stderr, now: time.Now, zone: time.Local}
	for _, o := range opts {
		o(e)
	}
	root := newRoot(e)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	// The exit code tells the failure even when stderr cannot: a failed
	// write of the message has nowhere left to be reported.
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			_, _ = fmt.Fprintln(stderr, ee.msg)
		}
		return ee.code
	}
	_, _ = fmt.Fprintf(stderr, "aksupgrade: %v\nRun 'aksupgrade --help' for usage.\n", err)
	return ExitUsage
}

// requireFlags marks flags of cmd required. Cobra fails only for a flag
// cmd does not define: a bug here, so it panics rather than let the flag
// quietly become optional.
func requireFlags(cmd *cobra.Command, names ...string) {
	for _, n := range names {
		if err := cmd.MarkFlagRequired(n); err != nil {
			panic(fmt.Sprintf("%s: %v", cmd.Name(), err))
		}
	}
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "aksupgrade",
		Short: "Ordered, gated Kubernetes upgrades for fleets of AKS clusters",
		Long: `aksupgrade rolls Kubernetes and node image upgrades through a fleet's stages
(sandbox → dev → test → prod) inside maintenance windows, with soak times and
approvals, so production only receives versions the stages before it ran.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newPlan(e), newPolicy(e), newWindow(e), newVersions(e), newStatus(e), newRollout(e), newServe(e), newSimulator(e), newDemo(e), newEvents(e), newNotify(e), newToken(e), newVersion(e), newGates(e), newBacktest(e))
	return root
}

// timeFlag reads an RFC 3339 flag value; empty means now.
func (e *env) timeFlag(flag, s string) (time.Time, error) {
	if s == "" {
		return e.now(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s %q is not an RFC 3339 time; write it like 2026-03-10T02:00:00+01:00", flag, s)
	}
	return t, nil
}

func checkOutput(o string, allowed ...string) error {
	for _, a := range allowed {
		if o == a {
			return nil
		}
	}
	return fmt.Errorf("--output %q is not known; use %q", o, allowed)
}
