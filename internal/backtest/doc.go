// Package backtest replays AKS's release history on a fleet and measures
// the rollouts. WorldFrom turns the history (package history) into what
// each region offers over time; Replay runs the real engine, planner,
// provider and store against the simulator built from a fleet snapshot
// and that timeline, on a clock that jumps from one engine step to the
// next (or lets AKS's own auto-upgrade channels act instead: Input
// Channel), and measures time to prod, unproven prod upgrades and
// cluster-days out of support; LowerBound is the critical path each
// release is compared with; WriteHTML draws a report.
package backtest
