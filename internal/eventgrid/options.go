package eventgrid

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// DefaultMaxBody is the largest body read by default: Event Grid's own
// limit for a delivery (1 MB).
const DefaultMaxBody = 1 << 20

// HeaderSecret carries a shared secret; the query parameter "code" may
// carry it instead (the form Event Grid endpoint URLs usually have).
const HeaderSecret = "X-Aksupgrade-Secret"

// HandlerOptions configure NewHandler.
type HandlerOptions struct {
	// Store keeps every event before the delivery is acknowledged.
	Store store.Store
	// Secrets are the shared secrets accepted, all at once (rotation: add
	// the new one, move the subscriptions over, drop the old one). Blank
	// entries are ignored. The app reads them from AKSUPGRADE_WEBHOOK_SECRET,
	// comma-separated.
	Secrets []string
	// SubscriptionNames, when not empty, are the Event Grid subscriptions
	// (aeg-subscription-name header, any case) allowed to deliver; others
	// get 403.
	SubscriptionNames []string
	// Entra, when set, also accepts Microsoft Entra ID bearer tokens, as
	// Event Grid sends to a webhook secured with Entra ID.
	Entra *EntraOptions
	// AllowAnonymous accepts every delivery when neither Secrets nor Entra
	// is configured (a local demo). Without it such a handler refuses
	// every delivery with 401.
	AllowAnonymous bool
	// MaxBody is the largest body read; DefaultMaxBody when <= 0.
	MaxBody int64
	// Clock gives the time events are received (and tokens checked).
	// Required.
	Clock aksupgrade.Clock
	// Logger; nothing is logged when nil.
	Logger *slog.Logger
	// OnStored, when set, is called after a batch is stored with the
	// events newly stored (not duplicates), before the delivery is
	// answered. It must not block: the engine uses it to wake up.
	OnStored func(events []Event)
	// CommitWindow bounds how long deliveries wait for others to share
	// their transaction (group commit): deliveries that come together
	// share one commit, and one sync to disk, each still answered only
	// once its events are committed. Deliveries that arrive while a
	// commit runs are committed together as soon as it ends, whatever
	// the window; when none runs, the first delivery waits up to
	// CommitWindow for others, and only when deliveries come
	// concurrently (another is being stored, or the last commit was
	// shared), so that a lone sender is never delayed. DefaultCommitWindow
	// when 0; at most one second. Negative: every delivery is committed
	// on its own, at once.
	CommitWindow time.Duration
	// CommitMaxEvents caps the events of a shared commit; a delivery
	// that does not fit starts the next one, and a delivery larger than
	// the cap is committed alone (a delivery is never split).
	// DefaultCommitMaxEvents when <= 0.
	CommitMaxEvents int
}

// Validate reports what makes o unusable. NewHandler given such options
// refuses every delivery; call Validate at startup to fail early instead.
func (o *HandlerOptions) Validate() error {
	var errs []error
	if o.Store == nil {
		errs = append(errs, errors.New("no store"))
	}
	if o.Clock == nil {
		errs = append(errs, errors.New("no clock"))
	}
	if o.Entra != nil {
		if err := o.Entra.validate(); err != nil {
			errs = append(errs, fmt.Errorf("entra: %w", err))
		}
	}
	if o.CommitWindow > maxCommitWindow {
		errs = append(errs, fmt.Errorf("commit window %s is over %s", o.CommitWindow, maxCommitWindow))
	}
	if len(secrets(o.Secrets)) == 0 && o.Entra == nil && !o.AllowAnonymous {
		errs = append(errs, errors.New("no credentials: give Secrets or Entra, or set AllowAnonymous"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("webhook options: %w", err)
	}
	return nil
}

// secrets returns the non-blank secrets, trimmed.
func secrets(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
