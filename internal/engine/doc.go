// Package engine is the loop that keeps the fleet moving: it observes the
// fleet through the Provider, asks the planner what to do, executes the
// plan's actions, and records every transition in the store before and
// after each call to Azure. It holds no state that is not in the store, so
// a restart resumes exactly where it stopped.
//
// # The loop
//
//	    ┌──────────────────────────────────────────────────────────┐
//	    ▼                                                          │
//	observe (when due) ─▶ poll operations in flight ─▶ plan ─▶ execute ─▶ sleep until the
//	                                                                     next due time or a wake-up
//
// Waking is driven by the clock (Clock.After) and by Wake (an event or an
// operator action); the loop never busy-polls.
//
// # A cluster's way to a target (store.Run)
//
//	pending ─▶ preflight ─▶ controlPlane ─▶ nodePools ─▶ nodeImage ─▶ verifying ─▶ done
//	              │              │              │            │             │
//	              └──────────────┴──────────────┴────────────┴─────────────┴──▶ failed
//	(a cluster with nothing to do for the target is skipped)
//
// preflight checks the cluster is running and no operation is in flight;
// verifying checks, after the last step, that ARM reports the target on
// the control plane and every pool, provisioning Succeeded.
//
// # A stage's way through a target
//
//	waiting (reason) ─▶ running ─▶ soaking ─▶ proven
//	      │                │          │
//	      ▼                ▼          ▼
//	awaiting approval    halted ◀─────┘   (halted ─▶ running again after retry)
//
// # An ARM operation (store.StepRecord)
//
//	issuing ─▶ running ─▶ succeeded | failed
//	   │
//	   └──▶ abandoned (the cluster already had it, or was busy)
//
// A step is recorded as issuing before the request is sent. After a crash,
// an issuing step without a resume token is settled from the cluster's
// real state: already there (succeeded), busy (running, followed through
// the cluster's provisioning state), or neither (abandoned and planned
// again). So no upgrade is issued twice for the same cluster and target.
package engine
