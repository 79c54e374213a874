package eventgrid

import (
	"maps"
	"sync"
	"sync/atomic"
)

// Reasons a delivery is rejected (Stats.Rejected keys).
const (
	RejectUnauthorized = "unauthorized"           // 401
	RejectForbidden    = "forbidden"              // 403
	RejectMethod       = "method_not_allowed"     // 405
	RejectTooLarge     = "too_large"              // 413
	RejectMediaType    = "unsupported_media_type" // 415
	RejectBadRequest   = "bad_request"            // 400
	RejectUnavailable  = "unavailable"            // 503
)

// Stats are the handler's counters since it was made.
type Stats struct {
	// Deliveries counts requests answered 200 (validations included).
	Deliveries uint64
	// Received counts the events of well-formed deliveries, stored or not.
	Received uint64
	// Stored counts events newly stored; Duplicates those the store had.
	Stored     uint64
	Duplicates uint64
	// Unknown counts received events without a typed payload.
	Unknown uint64
	// Validations counts Event Grid subscription validations answered;
	// Handshakes CloudEvents abuse-protection handshakes (OPTIONS).
	Validations uint64
	Handshakes  uint64
	// Rejected counts refused requests by reason (the Reject constants).
	Rejected map[string]uint64
}

type counters struct {
	deliveries, received, stored, duplicates, unknown, validations, handshakes atomic.Uint64

	mu       sync.Mutex
	rejected map[string]uint64
}

func (c *counters) reject(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rejected == nil {
		c.rejected = make(map[string]uint64)
	}
	c.rejected[reason]++
}

func (c *counters) snapshot() Stats {
	c.mu.Lock()
	rejected := maps.Clone(c.rejected)
	c.mu.Unlock()
	if rejected == nil {
		rejected = map[string]uint64{}
	}
	return Stats{
		Deliveries:  c.deliveries.Load(),
		Received:    c.received.Load(),
		Stored:      c.stored.Load(),
		Duplicates:  c.duplicates.Load(),
		Unknown:     c.unknown.Load(),
		Validations: c.validations.Load(),
		Handshakes:  c.handshakes.Load(),
		Rejected:    rejected,
	}
}
