package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aksupgrade/aksupgrade/internal/app"
	"github.com/aksupgrade/aksupgrade/internal/auth"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/entra"
	"github.com/aksupgrade/aksupgrade/internal/eventgrid"
	"github.com/aksupgrade/aksupgrade/internal/lease"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

func newServe(e *env) *cobra.Command {
	var o app.Options
	var logLevel, tokensFile, retainEvents, retainOutbox, simClock string
	var st simTime
	cmd := &cobra.Command{
		Use:   "serve --policy FILE --db PATH | --simulator SCENARIO --db PATH",
		Short: "Run the service: keep the fleet moving through its stages, with a JSON API",
		Long: `serve runs the engine against Azure (or, with --arm-endpoint, the simulator),
keeps its state in a SQLite file or a PostgreSQL database (--db), and serves a
JSON API for status and operator actions (/api/v1/...), /healthz, /readyz
and /metrics.

Any number of replicas may share one database: each serves the API and the
webhook, and the one that holds the database's lease (--lease-ttl) runs
the engine and the notifier; the others plan from what it stored, and take
over within the TTL when it stops or dies. Every write of the leader is
fenced by the lease's epoch, so one that was paused or cut off past its
lease cannot change anything. /readyz and /metrics say who leads. On
SQLite, a second process on the same file follows in the same way (one
host only; PostgreSQL for replicas on several).

Event Grid deliveries are accepted at /webhooks/eventgrid when
AKSUPGRADE_WEBHOOK_SECRET holds one or more shared secrets (comma-separated,
for rotation), sent by Event Grid as the query parameter "code" or the header
X-Aksupgrade-Secret; AKSUPGRADE_WEBHOOK_SUBSCRIPTIONS limits them to the named
Event Grid subscriptions. For webhooks secured with Microsoft Entra ID, set
AKSUPGRADE_ENTRA_TENANT_ID and AKSUPGRADE_ENTRA_AUDIENCE (the webhook app's
application ID or ID URI). Without a webhook, polling finds the same facts,
later. --webhook-listen gives the webhook an address of its own, so that
exposing it to Event Grid does not expose the API.

The API wants a bearer token: --tokens-file names a file of lines
"NAME ROLE sha256:HEX" (aksupgrade token new makes them; AKSUPGRADE_API_TOKENS
may hold the same lines). A viewer reads; an operator also acts on rollouts,
and the audit records the token's name. Microsoft Entra ID access tokens work
too: set AKSUPGRADE_API_ENTRA_TENANT_ID, AKSUPGRADE_API_ENTRA_AUDIENCE (the
API's application ID or ID URI), and AKSUPGRADE_API_ENTRA_OPERATORS and/or
AKSUPGRADE_API_ENTRA_VIEWERS (app role values or group object IDs,
comma-separated); the audit records the holder's sign-in name. Without tokens the API lets everybody
in as "anonymous", which serve allows only on a loopback address unless
--insecure-no-auth says something in front authenticates every request.

Azure credentials come from the environment as with the Azure SDK's
DefaultAzureCredential: workload identity, managed identity, a service
principal (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET), or 'az login'.

To try it without Azure, --simulator SCENARIO runs the simulated Azure (as
'aksupgrade simulator serve' does) in the same process, on a loopback port,
with the engine on its clock: simulated time starts at the scenario's start
and runs --speed times faster than real time (default 600: a simulated hour
every six seconds). The simulator delivers its events to the webhook (no
secret needed on a loopback address), and the engine lists the fleet every
30 simulated minutes and polls operations every 2, unless
--observe-interval or --poll-interval say otherwise. Each run starts the
simulated world anew, so it wants a new database. A simulator in a process
of its own is shared with --arm-endpoint URL --clock simulator: the engine
reads the simulator's clock (GET /simulator/v1/clock) at start and runs on
the same simulated time, so the service may stop and start again and go on
where the simulator is. On simulated time --policy may be left out: the
demo's policy, written for examples/scenario.yaml, runs then.`,
		Example: `  aksupgrade serve --policy policy.yaml --db /var/lib/aksupgrade/state.db
  aksupgrade serve --db /tmp/aksupgrade-try.db --simulator examples/scenario.yaml
  aksupgrade simulator serve --scenario examples/scenario.yaml --listen 127.0.0.1:8090 --speed 600 &
  aksupgrade serve --db /tmp/aksupgrade-try2.db --arm-endpoint http://127.0.0.1:8090 --clock simulator`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return fmt.Errorf("--log-level %q: want debug, info, warn or error", logLevel)
			}
			o.Logger = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
			o.WebhookSecrets = splitSecrets(lookupEnv("AKSUPGRADE_WEBHOOK_SECRET"))
			o.WebhookSubscriptions = splitSecrets(lookupEnv("AKSUPGRADE_WEBHOOK_SUBSCRIPTIONS"))
			o.WebhookEntra = entraFromEnv()
			if err := dbFlag(cmd, o.DBPath); err != nil {
				return err
			}
			if err := st.check(cmd, &o, simClock); err != nil {
				return err
			}
			var err error
			if o.RetainEvents, err = retention("--retain-events", retainEvents); err != nil {
				return err
			}
			if o.RetainOutbox, err = retention("--retain-notifications", retainOutbox); err != nil {
				return err
			}
			if simClock != "" {
				if o.Clock, err = parseSimulatedClock(simClock); err != nil {
					return err
				}
			}
			authn, err := apiAuth(tokensFile)
			if err != nil {
				return failure("%v", err)
			}
			o.Auth = authn
			ctx := cmd.Context()
			sim, err := st.apply(ctx, cmd, &o)
			if err != nil {
				return err
			}
			// stopAll ends the service, then the simulator it talks to.
			stopAll := func(ctx context.Context, a *app.App) error {
				var err error
				if a != nil {
					err = a.Stop(ctx)
				}
				if sim != nil {
					err = errors.Join(err, sim.stop(ctx))
				}
				return err
			}
			a, err := app.New(ctx, o)
			if err != nil {
				return failure("%v", errors.Join(err, stopAll(context.Background(), nil)))
			}
			if err := a.Start(ctx); err != nil {
				return failure("%v", errors.Join(err, stopAll(context.Background(), a)))
			}
			scheme := "http://"
			if o.TLSCert != "" {
				scheme = "https://"
			}
			if sim != nil {
				hook := a.Addr()
				if o.WebhookListen != "" {
					hook = a.WebhookAddr()
				}
				if err := sim.deliver(ctx, scheme+hook+"/webhooks/eventgrid", o.WebhookSecrets); err != nil {
					return failure("%v", errors.Join(err, stopAll(context.Background(), a)))
				}
			}
			o.Logger.Info("aksupgrade serving", "api", scheme+a.Addr()+"/api/v1/status", "db", app.RedactDB(o.DBPath))
			// The lines are for a person at a terminal; the log above says
			// where the API is too, so a stdout that cannot be written to
			// stops nothing.
			_ = printServing(e, scheme+a.Addr(), sim)
			<-ctx.Done()
			stop, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			return stopAll(stop, a)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.PolicyPath, "policy", "", "policy file (YAML)")
	f.StringVar(&o.DBPath, "db", envOr("AKSUPGRADE_DB", "aksupgrade.db"), "SQLite database file, or postgres://USER@HOST/DB?sslmode=verify-full with the password in PGPASSWORD or PGPASSFILE (env AKSUPGRADE_DB)")
	f.StringVar(&o.Listen, "listen", "127.0.0.1:8080", "HTTP address of the API")
	f.StringVar(&o.WebhookListen, "webhook-listen", "", "HTTP address of the Event Grid webhook alone (default: the API's)")
	f.StringVar(&tokensFile, "tokens-file", envOr("AKSUPGRADE_API_TOKENS_FILE", ""), "file of API tokens, lines of NAME ROLE sha256:HEX (env AKSUPGRADE_API_TOKENS_FILE)")
	f.StringVar(&retainEvents, "retain-events", "90d", "how long processed events are kept (0: forever); the audit log is kept forever")
	f.StringVar(&retainOutbox, "retain-notifications", "30d", "how long sent or given-up notifications are kept (0: forever)")
	f.StringVar(&o.TLSCert, "tls-cert", "", "PEM certificate (chain) to serve HTTPS with; read again when it changes")
	f.StringVar(&o.TLSKey, "tls-key", "", "PEM private key of --tls-cert")
	f.BoolVar(&o.InsecureNoAuth, "insecure-no-auth", false, "serve the API with no authentication on an address other hosts reach (only behind something that authenticates every request)")
	f.StringVar(&o.ARMEndpoint, "arm-endpoint", envOr("AKSUPGRADE_ARM_ENDPOINT", ""), "custom Azure Resource Manager endpoint, such as the simulator's (env AKSUPGRADE_ARM_ENDPOINT)")
	f.StringVar(&o.Cloud, "cloud", envOr("AKSUPGRADE_CLOUD", "AzurePublic"), "AzurePublic, AzureChina or AzureUSGovernment (env AKSUPGRADE_CLOUD)")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	f.DurationVar(&o.ObserveInterval, "observe-interval", 15*time.Minute, "how often clusters and version catalogues are listed (a few list requests per subscription)")
	f.DurationVar(&o.ImageInterval, "image-interval", 6*time.Hour, "how long a cluster's node images and maintenance window are kept before they are read again (sooner when its pools change; one request per pool or cluster)")
	f.DurationVar(&o.PollInterval, "poll-interval", 30*time.Second, "how often operations in flight are polled")
	f.DurationVar(&o.LeaseTTL, "lease-ttl", lease.DefaultTTL, "how long the leader's lease lasts unless renewed (renewed every third of it): how soon another replica takes over from one that died")
	f.StringVar(&simClock, "simulated-clock", "", "for tests against the simulator: START,SINCE,SPEED runs the engine on a clock that showed START (RFC 3339) at the real time SINCE and runs SPEED times faster")
	st.flags(f)
	if err := f.MarkHidden("simulated-clock"); err != nil {
		panic(err) // the flag is defined just above
	}
	return cmd
}

// splitSecrets reads a comma-separated list of secrets.
func splitSecrets(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// entraFromEnv reads Entra ID settings for the webhook, if any.
func entraFromEnv() *eventgrid.EntraOptions {
	tenant, aud := lookupEnv("AKSUPGRADE_ENTRA_TENANT_ID"), lookupEnv("AKSUPGRADE_ENTRA_AUDIENCE")
	if tenant == "" || aud == "" {
		return nil
	}
	return &eventgrid.EntraOptions{
		Issuers:   []string{"https://sts.windows.net/" + tenant + "/", "https://login.microsoftonline.com/" + tenant + "/v2.0"},
		Audiences: splitSecrets(aud),
		JWKSURL:   "https://login.microsoftonline.com/" + tenant + "/discovery/v2.0/keys",
	}
}

// apiAuth is how the API authenticates: the token file's and the
// environment's tokens, and Entra ID when the environment configures it;
// nil when nothing is configured.
func apiAuth(tokensFile string) (auth.Authenticator, error) {
	var chain auth.Chain
	tokens, err := tokensFrom(tokensFile, lookupEnv("AKSUPGRADE_API_TOKENS"))
	if err != nil {
		return nil, err
	}
	if tokens != nil {
		chain = append(chain, tokens)
	}
	tenant, aud := lookupEnv("AKSUPGRADE_API_ENTRA_TENANT_ID"), lookupEnv("AKSUPGRADE_API_ENTRA_AUDIENCE")
	ops, viewers := splitSecrets(lookupEnv("AKSUPGRADE_API_ENTRA_OPERATORS")), splitSecrets(lookupEnv("AKSUPGRADE_API_ENTRA_VIEWERS"))
	switch {
	case tenant == "" && aud == "":
	case tenant == "" || aud == "":
		return nil, errors.New("the API's Microsoft Entra ID sign-in needs both AKSUPGRADE_API_ENTRA_TENANT_ID and AKSUPGRADE_API_ENTRA_AUDIENCE")
	case len(ops) == 0 && len(viewers) == 0:
		return nil, errors.New("the API's Microsoft Entra ID sign-in: say which app roles or groups may act (AKSUPGRADE_API_ENTRA_OPERATORS) or read (AKSUPGRADE_API_ENTRA_VIEWERS)")
	default:
		chain = append(chain, auth.Entra{Verifier: entra.New(entra.TenantOptions(tenant, splitSecrets(aud)), clock.Real{}), Operators: ops, Viewers: viewers})
	}
	if len(chain) == 0 {
		return nil, nil
	}
	return chain, nil
}

// tokensFrom reads the API tokens of a file and of the environment's
// lines; nil when there are none.
func tokensFrom(file, env string) (auth.Tokens, error) {
	var all auth.Tokens
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("--tokens-file: %w", err)
		}
		ts, err := auth.ParseTokens(file, b)
		if err != nil {
			return nil, err
		}
		all = append(all, ts...)
	}
	if env != "" {
		ts, err := auth.ParseTokens("AKSUPGRADE_API_TOKENS", []byte(strings.ReplaceAll(env, ";", "\n")))
		if err != nil {
			return nil, err
		}
		all = append(all, ts...)
	}
	if len(all) == 0 {
		if file != "" || env != "" {
			return nil, fmt.Errorf("no API tokens in %s: add lines made by `aksupgrade token new`", strings.Trim(file+" "+"AKSUPGRADE_API_TOKENS", " "))
		}
		return nil, nil
	}
	names := map[string]bool{}
	for _, t := range all {
		if names[t.Name] {
			return nil, fmt.Errorf("API token name %q is used twice (file and AKSUPGRADE_API_TOKENS): the audit records names, so they must be unique", t.Name)
		}
		names[t.Name] = true
	}
	return all, nil
}

// dbFlag refuses a database password given on the command line, where
// every user of the machine can read it (ps, /proc).
func dbFlag(cmd *cobra.Command, db string) error {
	if cmd.Flags().Changed("db") && app.HasPassword(db) {
		return &exitError{code: ExitUsage, msg: fmt.Sprintf("--db %s: a password on the command line is visible to every user of the machine; put the whole DSN in AKSUPGRADE_DB, or the password in PGPASSWORD or a PGPASSFILE", app.RedactDB(db))}
	}
	return nil
}

// retention reads a retention flag: "90d", "36h", or "0" for forever.
func retention(flag, v string) (time.Duration, error) {
	if strings.TrimSpace(v) == "0" {
		return -1, nil
	}
	d, err := policy.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, &exitError{code: ExitUsage, msg: fmt.Sprintf("%s %q: want a duration such as 90d or 36h, or 0 to keep forever", flag, v)}
	}
	return d, nil
}

// parseSimulatedClock reads --simulated-clock START,SINCE,SPEED.
func parseSimulatedClock(v string) (*clock.Scaled, error) {
	parts := strings.Split(v, ",")
	bad := func(why string) error {
		return fmt.Errorf("--simulated-clock %q: %s; want START,SINCE,SPEED such as 2026-03-02T09:00:00Z,2026-12-05T06:00:00.123Z,600", v, why)
	}
	if len(parts) != 3 {
		return nil, bad("three comma-separated parts are needed")
	}
	start, err := time.Parse(time.RFC3339Nano, parts[0])
	if err != nil {
		return nil, bad("START is not an RFC 3339 time")
	}
	since, err := time.Parse(time.RFC3339Nano, parts[1])
	if err != nil {
		return nil, bad("SINCE is not an RFC 3339 time")
	}
	speed, err := strconv.ParseFloat(parts[2], 64)
	if err != nil || speed <= 0 {
		return nil, bad("SPEED is not a positive number")
	}
	return clock.NewScaledSince(start, since, speed), nil
}
