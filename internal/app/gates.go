package app

import (
	"os"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/azure"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/gates"
	"github.com/aksupgrade/aksupgrade/internal/kube"
)

// newGates returns the checker of the stages' gates: each cluster's API
// read with credentials from Resource Manager, through the same provider
// (its identity and rate limits). A provider that is not Azure's (tests
// that bring their own) has no cluster APIs: the gates that need them say
// they cannot look.
func newGates(p aksupgrade.Provider, clk aksupgrade.Clock) (*gates.Checker, error) {
	o := gates.Options{Clock: clk}
	if ap, ok := p.(*azure.Provider); ok {
		// Credentials age in real time, whatever clock the engine runs on.
		// client-go's request limit is in real time too: on a simulated
		// clock (the demo, a backtest, serve --simulator) it would hold
		// simulated days of gate checks back by real seconds.
		_, real := clk.(clock.Real)
		user, err := kube.New(kube.Options{Kubeconfig: ap.Kubeconfig, Credential: ap.Credential(), Clock: clock.Real{}, Unthrottled: !real})
		if err != nil {
			return nil, err
		}
		admin, err := kube.New(kube.Options{Kubeconfig: ap.Kubeconfig, Credential: ap.Credential(), Clock: clock.Real{}, Admin: true, Unthrottled: !real})
		if err != nil {
			return nil, err
		}
		o.API, o.AdminAPI, o.Tokens, o.Capacity = user, admin, gates.Tokens(ap.Credential(), os.Getenv), ap
	}
	return gates.New(o), nil
}
