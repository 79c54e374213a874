package cli

import (
	"golang.org/x/term"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/aksupgrade/aksupgrade/internal/demo"
)

func newDemo(e *env) *cobra.Command {
	var o demo.Options
	var plain bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Watch a simulated fleet of AKS clusters upgrade stage by stage (no Azure account needed)",
		Long: `demo runs the whole product on your machine: a simulated Azure with twelve AKS
clusters in four stages and two regions, a SQLite database in a temporary
directory, and the engine on a clock running --speed times faster than real
time. A new patch flows sandbox → dev → test → prod through maintenance windows
and soak, with health gates before and after each cluster's upgrade. An
application in dev stops answering its probe after the upgrade: dev halts and
says why, and the demo fixes it and retries. A test cluster that still uses
an API the new minor removes waits, untouched, until the demo moves it off.
The minor waits for approval before prod, which the demo gives after a pause.
It ends with a summary.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Out = e.stdout
			o.Live = !plain && isTerminal(e.stdout)
			if f, ok := e.stdout.(*os.File); ok && o.Live {
				o.Size = func() (int, int, error) { return term.GetSize(int(f.Fd())) }
			}
			began := time.Now()
			s, err := demo.Run(cmd.Context(), o)
			if err != nil {
				return failure("demo: %v", err)
			}
			s.Real = time.Since(began)
			return s.Write(e.stdout, []string{"sandbox", "dev", "test", "prod"}, time.Time{})
		},
	}
	f := cmd.Flags()
	f.Float64Var(&o.Speed, "speed", demo.DefaultSpeed, "simulated seconds per real second")
	f.DurationVar(&o.Pause, "pause", 3*time.Second, "how long the demo lets a prompt stand before acting on it")
	f.BoolVar(&plain, "plain", false, "print plain lines instead of the live view")
	return cmd
}

// isTerminal reports whether w is a terminal (then the demo redraws a live
// view in place).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
