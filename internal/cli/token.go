package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/aksupgrade/aksupgrade/internal/auth"
)

func newToken(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "API tokens: who may look at and act on rollouts"}
	var name, role string
	create := &cobra.Command{
		Use:   "new --name NAME --role viewer|operator",
		Short: "Make an API token: prints the secret once, and the line for the server's token file",
		Long: `new makes a random API token. The secret goes to the person or pipeline that
uses it (aksupgrade --token-file, or AKSUPGRADE_TOKEN); the line goes into the
server's token file (serve --tokens-file), which keeps only its SHA-256. The
name is what the audit log records for every action taken with the token.
A viewer reads; an operator also approves, pauses, resumes, retries and aborts.`,
		Example: `  aksupgrade token new --name alice --role operator`,
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			secret, line, err := auth.NewToken(name, auth.Role(role))
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(e.stdout, "Token for %s (%s); give it to them, it is not shown again:\n\n  %s\n\nAdd this line to the server's token file (--tokens-file):\n\n  %s\n", name, role, secret, line)
			return err
		},
	}
	create.Flags().StringVar(&name, "name", "", "who the token is for: the audit records it")
	create.Flags().StringVar(&role, "role", "", "viewer or operator")
	requireFlags(create, "name", "role")
	cmd.AddCommand(create)
	return cmd
}
