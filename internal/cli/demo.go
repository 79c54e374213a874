package cli

import (
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/aksupgrade/aksupgrade/internal/demo"
)

func newDemo(e *env) *cobra.Command {
	var o demo.Options
	var plain, exit bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Watch a simulated fleet of AKS clusters upgrade stage by stage (no Azure account needed)",
		Long: `demo runs the whole product on your machine: a simulated Azure with fourteen AKS
clusters in four stages and two regions, a SQLite database in a temporary
directory, and the service (engine, notifications, API, dashboard) on a clock
running --speed times faster than real time. A new patch flows sandbox → dev →
test → prod through maintenance windows and soak, with health gates before and
after each cluster's upgrade. An application in dev stops answering its probe
after the upgrade: dev halts and says why, and the demo fixes it and retries. A
test cluster that still uses an API the new minor removes waits, untouched,
until the demo moves it off. The minor waits for approval before prod, which
the demo gives after a pause. It ends with a summary.

The clock stands still while the service works, so the story is the same at
any --speed. The dashboard and the API answer at --listen from the start; after
the summary the service and the simulated Azure keep running, the clock too,
until you press Ctrl-C (or, with --exit, the demo ends with the summary).`,
		Example: `  aksupgrade demo
  aksupgrade demo --plain --exit --speed 30000
  aksupgrade demo --listen 127.0.0.1:9090 --db /tmp/aksupgrade-demo.db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Out = e.stdout
			o.Live = !plain && isTerminal(e.stdout)
			if f, ok := e.stdout.(*os.File); ok && o.Live {
				o.Size = func() (int, int, error) { return term.GetSize(int(f.Fd())) }
			}
			o.Keep = !exit
			if _, err := demo.Run(cmd.Context(), o); err != nil {
				return failure("demo: %v", err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.Float64Var(&o.Speed, "speed", demo.DefaultSpeed, "simulated seconds per real second")
	f.DurationVar(&o.Pause, "pause", demo.DefaultPause, "simulated time the demo's person takes to act on a prompt (a halt, a gate, an approval)")
	f.BoolVar(&plain, "plain", false, "print plain lines instead of the live view")
	f.StringVar(&o.Listen, "listen", demo.DefaultListen, "loopback address of the dashboard and the API; a free port of the same host when it is taken")
	f.StringVar(&o.DB, "db", "", "SQLite file to keep the service's state in, kept afterwards; it must not exist yet (default: a temporary directory, removed at the end)")
	f.BoolVar(&exit, "exit", false, "end with the summary instead of keeping the service running until Ctrl-C")
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
