// Package notify turns what happens (domain events) into short messages
// people can read, routes them to receivers as the policy says (grouped,
// deduplicated, repeated for what waits on people, muted when asked), and
// delivers them at least once through a durable outbox. Each receiver
// kind (email, Slack, Teams, webhook, console, shoutrrr) is a package of
// its own implementing Receiver.
//
// The way of a notification:
//
//	store.Event ──FromEvent──▶ Message ──Router.Add──▶ group (in memory)
//	                                                      │ Router.Flush(now), after GroupWait
//	                                                      ▼
//	            store outbox (EnqueueNotifications; (receiver, key) once)
//	                                                      │ Dispatcher.DeliverDue, when DueAt passed
//	                                                      ▼
//	                                       Receiver.Send ──▶ MarkSent
//	                                                      ├─ retryable ─▶ MarkRetry (backoff)
//	                                                      └─ not, or too many ─▶ MarkFailed
//
// FromEvent writes a message with a per-kind text/template (embedded
// defaults in templates/, overridable per kind in MessageOptions) and
// derives its Key from the event's key, so a redelivered event gives the
// same message key and the outbox drops it.
//
// Router is pure: the caller passes the time. Routes are evaluated in
// order, the first match wins unless it says Continue. Messages of one
// route and group (GroupBy labels) within GroupWait become one message;
// a receiver never gets the same Key twice from one Router; a route's
// mute times move an entry's DueAt to their end (delay, never drop);
// RepeatInterval repeats stageHalted and approvalNeeded (as
// "<key>/reminder/<n>") until a resolving message arrives: retried,
// stageProven, rolloutCompleted or aborted for a halt; approved,
// stageStarted, rolloutStarted or aborted for an approval. The Router's
// state is in memory; after a restart Router.Restore learns from the
// outbox what was told (a group's message lists its Members) and where
// reminders stood (see Router).
//
// Notifier runs that way for a policy (New from Options; Start, Stop,
// Wake): it reads the events stored since it last looked (by the store's
// cursor), routes them, enqueues what the router flushes, and drives its
// Dispatcher. After a restart it first restores the router from the
// outbox, then reads the events of the dedup window again. Vocabulary is
// what package policy checks the policy's kinds and templates against.
//
// Dispatcher is the background loop over the outbox: it keeps each
// receiver's order, backs off exponentially (30s to 1h by default,
// honouring SendError.RetryAfter), gives up after MaxAttempts or at once
// on a failure that is not retryable, and counts sent, retried and failed
// per receiver (Stats).
//
// Notifier and Dispatcher run as the engine does: Start(ctx) runs the
// loop in the background until ctx ends or Stop; Stop may be called any
// number of times, and returns once the goroutine has.
//
// Outbox entry states (store.OutgoingState):
//
//	pending ──sent──▶ sent
//	   │ ▲
//	   │ └── retryable failure: attempts+1, due after the backoff
//	   └──── not retryable, or MaxAttempts reached ──▶ failed
package notify
