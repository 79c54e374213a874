// Package version knows Kubernetes versions as AKS offers them.
//
// It parses and orders versions ([Version], [Parse], [ParseMinor]), reads a
// region's catalogue in the shape of ARM's ListKubernetesVersions
// ([NewCatalog]), resolves what an upgrade channel wants for a cluster
// ([Resolve]), plans upgrades that never skip a minor and never downgrade
// ([NextHop], [Path]) and tells whether a minor is still supported
// ([Calendar.Status]).
//
// # Visibility
//
// A catalogue lists every minor a region offers; a [Filter] says which of
// them a cluster may use. Preview minors are hidden unless
// Filter.AllowPreview is set, and a minor is visible only when its
// capabilities.supportPlan contains the cluster's support plan
// (KubernetesOfficial when Filter.SupportPlan is empty; a minor with an
// empty supportPlan list is offered under KubernetesOfficial only). So a
// minor offered only as AKSLongTermSupport is invisible to a
// KubernetesOfficial cluster.
//
// # Upgrade paths
//
// AKS upgrades the control plane one minor at a time and never downgrades.
// [NextHop] returns the next single upgrade towards a target, using the
// upgrades list each patch carries in the catalogue; [Path] chains hops, so
// 1.29 to 1.31 goes through the newest 1.30 patch that 1.29 can reach
// directly. A cluster may run a patch the region no longer lists; then any
// listed version that is not older and at most one minor newer counts as a
// direct upgrade ([Catalog.DirectUpgrade]).
//
// # Support calendar
//
// [DefaultCalendar] reads calendar.json, embedded in the binary: the AKS
// Kubernetes release calendar from the page "Supported Kubernetes versions
// in AKS" (the community table and the LTS table), one entry per minor. The
// file's "source" field says which revision it was taken from and how the
// table's month-only dates were turned into days. When AKS publishes new
// dates, a file of the same shape can replace the embedded one: read it with
// [LoadCalendar], which checks it strictly (unknown fields, bad dates,
// duplicate minors and dates out of order are errors).
//
// Every date of the calendar is a day in UTC; a period holds through the
// whole of its end day. [Calendar.Status] reports, for a minor, a support
// plan and an instant:
//
//   - before the minor's AKS GA: [Unknown] (preview, not supported);
//   - KubernetesOfficial: [Supported] through endOfLife, then
//     [PlatformSupport] through platformSupportEnd (open-ended when the
//     calendar has no date yet: platform support lasts until minor N+4
//     reaches GA), then [OutOfSupport];
//   - AKSLongTermSupport, for a minor with an LTS end: [Supported] through
//     ltsEnd, then [OutOfSupport] (LTS has no platform-support tail); a minor
//     without LTS falls back to the KubernetesOfficial rules;
//   - a minor the calendar does not know: [Unknown].
//
// The package holds no mutable package-level state; every value it returns
// is a copy the caller may keep or change.
package version
