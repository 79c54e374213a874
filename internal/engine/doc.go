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
//	issuing ─▶ running ─▶ succeeded | failed ─▶ (the stage halts)
//	   │
//	   ├──▶ succeeded | failed   (settled from the cluster's state)
//	   └──▶ abandoned            (ARM refused it, or it never reached ARM)
//
// A step is recorded as issuing before the request is sent. When ARM's
// answer is unknown (the process stopped, or the request ended in a
// network error or a 5xx), the step stays issuing and is settled from the
// cluster's real state: already there (succeeded); busy (looked at again
// later); Failed, the cluster or the step's pool (failed, and the stage
// halts exactly as if the process had seen the operation fail); or none of
// these (abandoned: it never reached ARM, and the planner decides again).
// Nothing re-issues a failed step but a person's retry of its stage, so no
// upgrade is issued twice for the same cluster and target on the engine's
// own.
//
// # One fact, one write
//
// Every change is recorded with what goes with it in one store.Fact: a
// step's end, the halt its failure causes, the cluster's failed run and
// the events that tell of them; a stage's progress and its event; an
// operator's action and its event; an observation of the fleet and the
// events that say what changed. After a crash at any point, the whole
// fact is there or none of it, and the events, keyed by what they report,
// are told once.
package engine
