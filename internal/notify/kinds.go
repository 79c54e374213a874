package notify

// Kinds of messages (Message.Kind). FromEvent derives them from events;
// routes match on them.
const (
	// From Azure (Event Grid or the poller).
	KindNewVersion           = "newVersion"
	KindNodeImageAvailable   = "nodeImageAvailable"
	KindSupportEnding        = "supportEnding"
	KindSupportEnded         = "supportEnded"
	KindNodePoolFailed       = "nodePoolFailed"
	KindMaintenanceScheduled = "maintenanceScheduled"
	// KindMaintenanceUpdate: Azure maintenance started, completed, was
	// canceled or failed.
	KindMaintenanceUpdate = "maintenanceUpdate"

	// From the engine.
	KindRolloutStarted = "rolloutStarted" // the first stage started
	KindStageStarted   = "stageStarted"   // a later stage started
	KindStageReached   = "stageReached"   // every cluster of the stage runs the target; soaking
	KindStageProven    = "stageProven"
	KindStageHalted    = "stageHalted"
	// KindRolloutCompleted: proven in the last stage (instead of
	// stageProven).
	KindRolloutCompleted = "rolloutCompleted"
	KindApprovalNeeded   = "approvalNeeded"
	// KindGateBlocked: a preflight gate keeps a cluster from its upgrade;
	// KindGateWarned: a gate in warn mode failed.
	KindGateBlocked = "gateBlocked"
	KindGateWarned  = "gateWarned"
	// KindChannelsSet: aksupgrade set a cluster's AKS upgrade channels
	// (the policy's channels.takeOver).
	KindChannelsSet = "channelsSet"

	// From people, through the engine (aksupgrade rollout ...).
	KindApproved = "approved"
	KindRetried  = "retried"
	KindPaused   = "paused"
	KindResumed  = "resumed"
	KindAborted  = "aborted"

	// KindGroup: several messages of different kinds grouped into one.
	KindGroup = "group"
)

// Kinds returns every kind FromEvent gives, for validating routes.
func Kinds() []string {
	return []string{
		KindNewVersion, KindNodeImageAvailable, KindSupportEnding, KindSupportEnded, KindNodePoolFailed,
		KindMaintenanceScheduled, KindMaintenanceUpdate,
		KindRolloutStarted, KindStageStarted, KindStageReached, KindStageProven, KindStageHalted,
		KindRolloutCompleted, KindApprovalNeeded, KindGateBlocked, KindGateWarned, KindChannelsSet,
		KindApproved, KindRetried, KindPaused, KindResumed, KindAborted,
	}
}

// reminds reports whether messages of kind still apply until something
// resolves them: those are repeated every Route.RepeatInterval.
func reminds(kind string) bool {
	return kind == KindStageHalted || kind == KindApprovalNeeded
}

// resolves reports whether message r ends what message m waits for:
//
//   - stageHalted (stage S, target T): retried S (any target), stageProven
//     or rolloutCompleted of T in S, aborted T;
//   - approvalNeeded (S, T): approved T in S, rolloutStarted or
//     stageStarted of T in S, aborted T.
func resolves(r, m Message) bool {
	sameTarget := r.Target == "" || r.Target == m.Target
	switch m.Kind {
	case KindStageHalted:
		switch r.Kind {
		case KindRetried:
			return r.Stage == m.Stage && sameTarget
		case KindStageProven, KindRolloutCompleted:
			return r.Stage == m.Stage && r.Target == m.Target
		case KindAborted:
			return r.Target == m.Target
		}
	case KindApprovalNeeded:
		switch r.Kind {
		case KindApproved, KindRolloutStarted, KindStageStarted:
			return r.Stage == m.Stage && r.Target == m.Target
		case KindAborted:
			return r.Target == m.Target
		}
	}
	return false
}
