// Package simulator is a simulated Azure: an HTTP server that speaks the
// part of the Azure Resource Manager REST API aksupgrade uses
// (Microsoft.ContainerService api-version 2025-02-01, and the subscription
// list), so that the real Azure provider and the real SDK
// (armcontainerservice/v6, armsubscriptions, azcore pollers) run against it
// unchanged, only with another endpoint.
//
// A Scenario (YAML, see examples/scenario.yaml) sets the world up:
// subscriptions and their clusters, regions with their Kubernetes version
// catalogues and node images, a timeline of catalogue changes, a list of
// faults, planned maintenance and Event Grid subscriptions. Everything
// moves on an injected aksupgrade.Clock: tests step a clock.Manual,
// `aksupgrade simulator serve` and the demo use a clock.Scaled.
// Nothing runs in the background (but Event Grid deliveries, once
// StartDelivery is called); each request first brings the world up to the
// clock's time (timeline entries due, operations ended, maintenance
// announced), so a manual clock that stands still is a world that stands
// still.
//
// # ARM endpoints
//
// Paths match without regard to case, as ARM's do. Every request needs an
// Authorization: Bearer header (any token; else 401 AuthenticationFailed)
// and an api-version query parameter (else 400 MissingApiVersionParameter;
// Microsoft.ContainerService paths accept 2025-02-01 only). Answers are
// encoded with the SDK's model types; errors are
// {"error":{"code":"...","message":"..."}}.
//
//	GET  /subscriptions                                              list (paged)
//	GET  /subscriptions/{sub}
//	GET  /subscriptions/{sub}/providers/Microsoft.ContainerService/managedClusters      list (paged)
//	GET  /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters  list (paged)
//	GET  .../managedClusters/{name}                                  with eTag and an ETag header
//	PUT  .../managedClusters/{name}                                  control-plane upgrade
//	GET  .../managedClusters/{name}/upgradeProfiles/default
//	POST .../managedClusters/{name}/listClusterUserCredential        kubeconfig (CredentialResults)
//	POST .../managedClusters/{name}/listClusterAdminCredential       400 BadRequest with disableLocalAccounts
//	POST .../managedClusters/{name}/listClusterMonitoringUserCredential
//	GET  .../managedClusters/{name}/agentPools
//	GET  .../managedClusters/{name}/agentPools/{pool}
//	PUT  .../managedClusters/{name}/agentPools/{pool}                pool Kubernetes upgrade
//	POST .../managedClusters/{name}/agentPools/{pool}/upgradeNodeImageVersion
//	GET  .../managedClusters/{name}/agentPools/{pool}/upgradeProfiles/default
//	GET  .../managedClusters/{name}/maintenanceConfigurations
//	GET  .../managedClusters/{name}/maintenanceConfigurations/{config}
//	GET  /subscriptions/{sub}/providers/Microsoft.ContainerService/locations/{loc}/kubernetesVersions
//	GET  /subscriptions/{sub}/providers/Microsoft.ContainerService/locations/{loc}/operations/{id}
//	GET  /subscriptions/{sub}/providers/Microsoft.ContainerService/locations/{loc}/operationresults/{id}
//	GET  /subscriptions/{sub}/providers/Microsoft.Compute/locations/{loc}/usages    vCPU use and quota (compute.go)
//	GET  /subscriptions/{sub}/providers/Microsoft.Compute/locations/{loc}/vmSizes   VM size table (compute.go)
//
// Lists page at the scenario's pageSize with an absolute nextLink
// ($skipToken). Anything else is 404 InvalidResourceType (or 405).
//
// A managed cluster PUT is read-modify-write: If-Match must match the
// cluster's eTag (412 PreconditionFailed), only properties.kubernetesVersion
// is acted on (a minor such as "1.31" means its newest patch), and a
// changed agentPoolProfiles[].orchestratorVersion is refused (400): pools are
// upgraded through their own PUT. A write that changes nothing answers 200
// with provisioningState Succeeded and starts nothing. A write that starts
// an operation answers 200 (PUT) or 202 (POST) with Azure-AsyncOperation
// (.../operations/{id}) and Location (.../operationresults/{id}) headers.
// The SDK's Azure-AsyncOperation poller reads the first; after a PUT it
// GETs the resource, after the node image POST it GETs the Location, which
// answers 202 with Retry-After while the operation runs, then 200 with the
// resource, or the operation's error.
//
// # Operations
//
//	            PUT / POST accepted
//	Succeeded ───────────────────────▶ Upgrading | UpgradingNodeImageVersion
//	    ▲                                    │
//	    │ the clock passes the end           │ a drain or quota fault fires
//	    └────────────────────────────────────┤
//	                                         ▼
//	                                      Failed ── retry PUT/POST ──▶ Upgrading ...
//
// A control-plane upgrade takes durations.controlPlane (10m). A pool
// upgrade or node image upgrade goes in batches of maxSurge nodes (default
// 10%, at least one), each durations.nodeBatch (8m) plus the pool's soak
// time. While an operation runs on a cluster or any of its pools, every
// write to that cluster and its pools is refused with 409
// OperationNotAllowed. When it ends, the versions change
// (currentKubernetesVersion, currentOrchestratorVersion, nodeImageVersion; a
// Kubernetes pool upgrade also moves the pool to its latest node image),
// eTags change and provisioningState returns to Succeeded.
//
// AKS's rules are enforced with AKS's codes (see rules.go for the sources):
// no skipped minor and no downgrade (400 OperationNotAllowed), a version the
// region does not offer (400 K8sVersionNotSupported), a pool newer than the
// control plane or a control plane more than three minors ahead of a pool
// (400 NodePoolMcVersionIncompatible), a stopped cluster (409
// OperationNotAllowed).
//
// # Throttling and faults
//
// ARM's and AKS's documented token buckets refill on the simulated clock;
// over one, the answer is 429 Throttled (AKS) or SubscriptionRequestsThrottled
// (ARM) with Retry-After in
// simulated seconds (throttle.go). Faults (faults.go), scripted in the
// scenario or added at run time, throttle requests, slow operations down,
// fail drains (UpgradeFailed) and surge node creation (QuotaExceeded),
// refuse minor upgrades for deprecated API use (ValidationError /
// UpgradeBlockedOnDeprecatedAPIUsage), power clusters off, refuse writes
// as if AKS were busy, or do any of that at random from the scenario's seed.
// Others show in the clusters' own APIs (faults_kube.go): a
// PodDisruptionBudget that blocks drains, a NotReady node, a crash-looping
// kube-system pod, an application that answers 503, a Prometheus series
// in breach; most of them only after the next upgrade of their target.
//
// # Cluster APIs, probes and Prometheus
//
// Each cluster serves a subset of its own Kubernetes API on the
// simulator's listener, under /kubernetes/{sub}/{rg}/{cluster} (the
// kubeconfigs' server; kube_api.go lists the paths): version, discovery,
// nodes, namespaces, pods and PodDisruptionBudgets, as k8s.io/api objects
// or as the Tables kubectl prints, and /metrics. Nodes are one per pool
// instance, named and labelled as AKS names and labels them, and follow a
// pool upgrade batch by batch (surge nodes, cordon and drain, reimage;
// kube_nodes.go); AKS's kube-system pods and the scenario's workloads
// run on them and move off drained nodes; /version follows the control
// plane. Local-account clusters take their static token; Microsoft Entra
// ID clusters any bearer token. kubectl and clientcmd send a kubeconfig's
// credentials to https servers only: served with TLSConfig, the APIs
// require them as AKS's do; over plain HTTP a request without any stands
// for the kubeconfig's user (tls.go).
//
//	GET       /probe/{sub}/{rg}/{cluster}       the cluster's application: 200, or 503
//	GET, POST /prometheus/api/v1/query          PromQL instant queries (a subset: promql.go)
//
// Requests to them are logged with the ARM ones, told apart by
// Request.API (Requests returns ARM's; KubernetesRequests and RequestLog
// the others).
//
// # Events and Event Grid
//
// The simulator publishes the events AKS publishes (events.go), with
// Azure's payloads: for each cluster, its resource ID as topic (with
// "resourceGroups", where ARM's own IDs say "resourcegroups") and its bare
// name as subject,
//
//	NewKubernetesVersionAvailable  a timeline entry adds a patch or a minor, or makes one GA, in its region
//	ClusterSupportEnding           a timeline entry supportEnding names the minor it runs
//	ClusterSupportEnded            a timeline entry removes the minor it runs
//	NodePoolRollingStarted         a pool's Kubernetes or node image upgrade starts
//	NodePoolRollingSucceeded       ... succeeds
//	NodePoolRollingFailed          ... fails (data: the pool's name only, as AKS sends)
//
// and Azure Resource Notifications' ScheduledEventEmitted for the
// scenario's maintenance: Scheduled 7 days and 24 hours ahead, then Started
// and Completed, or Canceled; source the subscription, subject the
// scheduled event's ID.
//
// It then acts as Event Grid (eventgrid_delivery.go): an event subscription
// (Subscribe, POST /simulator/v1/eventSubscriptions or the scenario's
// eventSubscriptions) names a webhook, a schema (Event Grid or CloudEvents
// 1.0), a batch size, static headers and an event type filter. Subscribe
// runs the validation handshake first (a SubscriptionValidationEvent whose
// code must come back in validationResponse with 200 OK; for CloudEvents
// an OPTIONS request that must be answered with WebHook-Allowed-Origin);
// subscriptions from the scenario run theirs with the first delivery and
// retry it. Deliveries carry Event Grid's aeg-* headers and follow its
// retry schedule on the simulated clock: DeliverDue sends what is due now,
// StartDelivery does so in the background, waiting on the clock.
//
// # Simulator endpoints
//
// These need no authentication, are not throttled and are not logged.
//
//	GET    /simulator/v1/requests                  every ARM request so far ([]Request); ?api=kubernetes,
//	                                               probe, prometheus or all (&cluster=NAME) for the others
//	GET    /simulator/v1/clusters/{cluster}/endpoints   a cluster's API and probe paths (ClusterEndpoints)
//	GET    /simulator/v1/state                     fleet snapshot, operations in flight (?operations=all: every one), faults
//	GET    /simulator/v1/time                      simulated now, start, elapsed
//	GET    /simulator/v1/clock                     simulated now with the real time it belongs to, and speed (ClockInfo)
//	GET    /simulator/v1/faults                    faults held
//	POST   /simulator/v1/faults                    add a fault (a Fault as JSON); 201 {"id": ...}
//	DELETE /simulator/v1/faults/{id}               clear a fault
//	GET    /simulator/v1/events                    every event published so far ([]Event)
//	GET    /simulator/v1/eventSubscriptions        event subscriptions ([]EventSubscriptionStatus)
//	POST   /simulator/v1/eventSubscriptions        subscribe (an EventSubscription as JSON), handshake first; 201 {"id": ...},
//	                                               400 "Url validation" when the handshake fails
//	DELETE /simulator/v1/eventSubscriptions/{id}   delete an event subscription
//	GET    /simulator/v1/deliveries                every handshake and delivery attempt ([]Delivery)
//
// Not simulated: creating, scaling, deleting, starting or stopping clusters
// and pools (a PUT acts on versions only), other resource providers, LTS
// clusters skipping minors, Event Grid's dead-lettering, manual validation
// (validationUrl), subject and advanced filters, Entra-protected webhooks,
// its retry randomisation and delayed delivery to failing endpoints,
// maintenance making a cluster busy, and in the cluster APIs: writes,
// watches, RBAC, other resources, and pods staying where they were
// rescheduled after an upgrade (they go back to their home node).
package simulator
