package backtest

import "strings"

// The built-in schemes a policy is compared with: AKS's own auto-upgrade
// channels on every cluster, each in its own window, with no order
// between stages.
var builtin = []struct{ name, channel string }{
	{"aks-patch", "patch"},
	{"aks-stable", "stable"},
}

// Schemes names the built-in schemes.
func Schemes() []string {
	out := make([]string, len(builtin))
	for i, s := range builtin {
		out[i] = s.name
	}
	return out
}

// SchemeChannel is the AKS auto-upgrade channel a built-in scheme
// replays; false for a name that is not one.
func SchemeChannel(name string) (string, bool) {
	for _, s := range builtin {
		if strings.EqualFold(s.name, name) {
			return s.channel, true
		}
	}
	return "", false
}
