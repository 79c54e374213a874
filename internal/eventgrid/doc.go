// Package eventgrid takes in Azure Event Grid deliveries: the webhook that
// Event Grid (or the simulator acting as it) posts AKS events to, the
// decoders of both delivery schemas, and typed AKS events.
//
// # Decoding
//
// Decode reads one delivery body: the Event Grid schema (always a JSON
// array) or CloudEvents 1.0 in structured mode (one object, or an array
// for application/cloudevents-batch+json). application/json may hold
// either; each event's schema is told by its fields (specversion for
// CloudEvents, eventType for Event Grid). Parse reads back one event as
// the store keeps it (Event.Raw).
//
// The six Microsoft.ContainerService events and the Azure Resource
// Notifications ScheduledEventEmitted event get a typed payload; any other
// type is kept as received and counted, never a reason to refuse the
// batch. Decoding handles what real payloads do: the Event Grid subject
// of an AKS event is the cluster's name and the topic its resource ID;
// resource IDs come in varying case (Event.ClusterID is kept as given,
// compare it with aksupgrade.SameID); timestamps without a zone are UTC;
// 0001-01-01T00:00:00 means unset and becomes the zero time.
//
// # The webhook
//
// Handler serves POST and OPTIONS on the webhook path:
//
//	OPTIONS  --> CloudEvents abuse-protection handshake: 200, echo WebHook-Request-Origin
//	POST
//	  |-- credentials missing or wrong ------------------> 401 (retried by Event Grid)
//	  |-- identity not allowed (subscription, role) -----> 403
//	  |-- content type not JSON / CloudEvents -----------> 415
//	  |-- body over MaxBody (reading stops there) -------> 413 (dead-lettered)
//	  |-- not JSON, wrong shape, no id or type ----------> 400 {"error": ...} (dead-lettered)
//	  |-- SubscriptionValidationEvent -------------------> 200 {"validationResponse": code}
//	  |-- the commit of the delivery's events fails -----> 503 (retried; nothing of it stored)
//	  `-- every event stored (new or duplicate) ---------> 200, then OnStored(new events)
//
// A 2xx answer means every event of the batch is durably stored
// (invariant 7 of the design). A delivery's events are one transaction
// (store.PutEvents), shared with the deliveries that arrive meanwhile
// (group commit, see commit.go): one durable commit for many; a failed
// commit stores none of them, and Event Grid delivers them again.
// Duplicates are the store's to drop, by (source lower-cased, id). Each
// event is stored with its Raw JSON as store.Event.Data; Parse reads it
// back.
//
// Credentials are shared secrets (query parameter code, as in the
// endpoint URL given to Event Grid, or header X-Aksupgrade-Secret;
// several accepted at once for rotation; compared in constant time) and,
// optionally, Microsoft Entra ID bearer tokens carrying the
// AzureEventGridSecureWebhookSubscriber role, checked against the keys of
// a JWKS URL (cached; fetched again for a new key ID at most every 30
// seconds; 503 while they cannot be fetched). The subscription validation
// is a POST like any other and needs the same credentials. The OPTIONS
// handshake needs none: it accepts nothing. No secret or token is ever
// logged or echoed; the log gets the path, never the query.
//
// Handler.Stats returns counters (deliveries, events received, stored,
// duplicates, unknown, validations, handshakes, rejections by reason) for
// metrics.
package eventgrid
