package backtest

import (
	"slices"
	"strings"
)

// builtinScheme is a way of upgrading the fleet other than aksupgrade:
// AKS's own auto-upgrade channel on every cluster, or a program that
// drives AKS as a team or Fleet Manager would.
type builtinScheme struct {
	name string
	// channel is the AKS auto-upgrade channel every cluster is put on.
	channel string
	// operator makes the program, when there is one.
	operator func(in Input) operator
}

// builtin lists the schemes a policy is compared with.
var builtin = []builtinScheme{
	{name: "aks-patch", channel: "patch"},
	{name: "aks-stable", channel: "stable"},
	{name: "weekday", operator: func(in Input) operator { return newWeekday(in.Policy, false) }},
	{name: "weekday-as-built", operator: func(in Input) operator { return newWeekday(in.Policy, true) }},
	{name: "fleet-manager", operator: func(in Input) operator { return newFleetManager(in) }},
}

// Schemes names the built-in schemes.
func Schemes() []string {
	out := make([]string, len(builtin))
	for i, s := range builtin {
		out[i] = s.name
	}
	return out
}

// IsScheme tells whether name is a built-in scheme.
func IsScheme(name string) bool { _, ok := schemeNamed(name); return ok }

func schemeNamed(name string) (builtinScheme, bool) {
	i := slices.IndexFunc(builtin, func(s builtinScheme) bool { return strings.EqualFold(s.name, name) })
	if i < 0 {
		return builtinScheme{}, false
	}
	return builtin[i], true
}
