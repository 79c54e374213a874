// Package helm holds the Helm chart of aksupgrade serve (the directory
// aksupgrade/) and, in its test, the check that CI runs on it: the chart
// rendered with Helm's own engine for several sets of values, every object
// decoded strictly against the Kubernetes API types, and the promises of
// docs/deploy.md asserted (non-root, read-only and unprivileged pods,
// probes, Azure workload identity, one replica on SQLite, secrets only by
// reference). The package has no code of its own.
package helm
