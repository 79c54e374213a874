// Package backtest measures rollouts against what was possible: for one
// release, the critical-path lower bound of a policy on a fleet (bound.go)
// is when each stage could have had it, with nothing in the way but the
// stages' order, their windows, the upgrades' own durations and the
// soaks. The replay of AKS's release history on a fleet that the bound is
// compared with builds on it.
package backtest
