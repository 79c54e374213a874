// Package planner is the pure decision function of aksupgrade: given the
// time, the policy, the fleet as observed, each region's version catalogue
// and the rollout history, Plan returns the actions to take now and a
// projected schedule for every stage and cluster, with a reason for every
// wait. It reads no clock and does no I/O, so the same input always gives the
// same plan; `aksupgrade plan` prints it, and the engine executes it.
//
// # Targets and stages
//
// Each cluster has at most one next step towards a target. In the first
// stage the policy's channel picks the Kubernetes version (resolved in the
// cluster's region); node images follow the pools' latest image. In every
// later stage a cluster may only move to a target proven in the stage before
// it. Multi-minor gaps become successive hops (1.29 → 1.30 → 1.31), each one
// rolled out, reached and soaked on its own.
//
// A target T moves through a stage like this:
//
//	             first cluster starts        every cluster that wants T has it
//	(candidate) ─────────────────────▶ started ─────────────────────────────▶ reached
//	                                                                            │ soak elapsed,
//	                                                                            │ no halt
//	                                                                            ▼
//	                                                                          proven ──▶ next stage may receive T
//
// The planner does not write these records: it returns recordStarted,
// recordReached and recordProven actions, which the caller stores.
//
// # Safety rules the planner enforces
//
//   - a cluster of stage S>0 is only given targets proven at stage S-1;
//   - an upgrade starts only inside an open window with room for its
//     estimated duration; steps of a cluster already under way continue
//     only while a window is open;
//   - never more than maxParallel clusters of a stage under way, and never a
//     step on a cluster that ARM reports busy;
//   - minors are never skipped or downgraded; the control plane moves
//     first, node pools after and never past it;
//   - a halted stage starts nothing and proves nothing until retried;
//   - clusters with AKS auto-upgrade enabled, in no stage, or in two stages,
//     are reported and left alone.
package planner
