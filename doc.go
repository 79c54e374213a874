// Package aksupgrade holds the domain of ordered, gated Kubernetes upgrades for
// fleets of AKS clusters: clusters and node pools as Azure reports them, the
// version catalogue of a region, maintenance windows in the shape of AKS planned
// maintenance, targets, rollouts and their history, and the events the
// product knows (Azure's, the poller's and the engine's; see EventType)
// with their typed payloads and their one describer (Event.Describe).
//
// The package uses the standard library only. Behaviour lives in the internal
// packages, each named after what it works on: policy (the policy file), window
// (maintenance-window arithmetic), version (Kubernetes versions and channels),
// planner (the pure decision function).
package aksupgrade
