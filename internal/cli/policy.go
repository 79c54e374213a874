package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

func newPolicy(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "Check a policy file, or print its JSON Schema"}
	cmd.AddCommand(&cobra.Command{
		Use:   "check FILE...",
		Short: "Validate policy files: exit 0 when valid, 1 with one FILE:LINE:COL error per line otherwise",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			bad := false
			for _, f := range files {
				p, err := policy.Load(f, notify.Vocabulary())
				var errs policy.Errors
				w, msg := e.stderr, ""
				switch {
				case errors.As(err, &errs):
					bad = true
					for _, pe := range errs {
						msg += pe.Error() + "\n"
					}
				case err != nil:
					bad = true
					msg = fmt.Sprintf("%s: %v\n", f, err)
				default:
					w, msg = e.stdout, fmt.Sprintf("%s: valid, %d stages (%s)\n", f, len(p.Stages), stageNames(p))
				}
				if _, err := io.WriteString(w, msg); err != nil {
					return err
				}
			}
			if bad {
				return &exitError{code: ExitFailure}
			}
			return nil
		},
	}, &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the policy file, for editors",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := e.stdout.Write(policy.Schema())
			return err
		},
	})
	return cmd
}

func stageNames(p *policy.Policy) string {
	s := ""
	for i, st := range p.Stages {
		if i > 0 {
			s += " → "
		}
		s += st.Name
	}
	return s
}
