// Package azure implements aksupgrade.Provider over Azure Resource
// Manager: AKS through the armcontainerservice SDK (api-version
// 2025-02-01), subscriptions through armsubscriptions, identities
// through azidentity. The simulator (internal/simulator) speaks the same
// HTTP API, so the provider reaches it unchanged through
// Options.Endpoint: one code path, tested over real loopback HTTP.
//
// # Reading
//
// Clusters lists managed clusters with the subscription-wide list pager
// (never a GET per cluster); Cluster reads one again. MaintenanceWindows
// lists each cluster's maintenance configurations for its
// aksManagedAutoUpgradeSchedule window, a few clusters at a time.
// NodeImages reads the pools' upgrade profiles; Catalog a region's
// ListKubernetesVersions.
//
// # Upgrading
//
// Start reads before it writes and refuses, without a write, a step that
// is already done (ErrAlreadyDone) or a resource with an operation in
// progress (ErrBusy):
//
//	control plane   GET managedCluster -> set kubernetesVersion -> PUT If-Match: etag
//	node pool       GET agentPool -> set orchestratorVersion -> PUT If-Match: etag
//	node image      GET agentPool, GET its upgradeProfile -> POST upgradeNodeImageVersion
//
// The Operation it returns holds the SDK poller's resume token. Poll
// rebuilds the poller from that token (sending nothing) and polls once:
//
//	Start ──PUT/POST──> Operation{ResumeToken}
//	                         │ (stored; the process may restart here)
//	Poll ──GET status──> InProgress ─┐
//	  ^──────────────────────────────┘
//	                  └> Succeeded | Failed (Err: *aksupgrade.Error) | Canceled
//
// # Rate limiting and retries
//
// Every request goes through one pipeline policy that takes a token from
// client-side buckets on the injected clock, per (subscription, class):
// ARM reads and writes, the AKS per-resource PUT limit and AKS operation
// status reads, sized from the documented limits (see Limits). A 429
// pauses the request's buckets until its Retry-After and the request is
// sent again after waiting on the clock; 408 and 5xx answers and
// transport errors are retried with backoff on the same clock. azcore's
// own retry policy is off, since it sleeps on the wall clock.
//
// # Errors
//
// Every error is a classified *aksupgrade.Error (see classifyCode for the
// table and its sources) that keeps Azure's code and message.
//
// # Clouds and transport security
//
// Options.Cloud picks AzurePublic, AzureChina or AzureUSGovernment;
// Options.Endpoint replaces the Resource Manager endpoint and is also the
// token audience. Plain http is accepted only for loopback endpoints
// (127.0.0.0/8, ::1, localhost), never for anything else.
package azure
