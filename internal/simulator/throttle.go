package simulator

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// Throttling follows the documented token buckets, refilled on the
// simulated clock:
//
//   - ARM, per subscription (and the tenant for /subscriptions): reads 250
//     burst refilling 25/s, writes 200 burst refilling 10/s.
//     learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling
//   - AKS: PUT of a managed cluster or agent pool 20 burst then 1/min per
//     resource; GET of an operation's status 200 burst, 2/s per
//     subscription; LIST of managed clusters 500 burst, 1/s per
//     subscription and 60 burst, 1/s per resource group; every other AKS
//     API (here the credential actions) 60 burst, 1/s per subscription.
//     learn.microsoft.com/azure/aks/quotas-skus-regions (throttling limits;
//     the last bucket as rate-limits.apis.io summarises that page,
//     unverified against the page itself)
//   - ARM counts a POST action as a write (unverified: the request-limits
//     page names reads, writes and deletes, not methods).

// bucket is a token bucket.
type bucket struct {
	tokens float64
	last   time.Time
}

// limit is a bucket's size and refill rate per second.
type limit struct {
	burst  float64
	perSec float64
}

// take is one use of a bucket by a request.
type take struct {
	key   string
	limit limit
	// what says what was throttled, for the error message.
	what string
	// header reports the tokens left, as ARM does; "" for none.
	header string
}

// takes returns the buckets a request draws from.
func takes(rt *route, m routeMatch) []take {
	sub := lower(m.params["sub"])
	var out []take
	switch {
	case sub == "":
		out = append(out, take{"tenant/reads", limit{250, 25}, "read requests for the tenant", "X-Ms-Ratelimit-Remaining-Tenant-Reads"})
	case rt.write:
		out = append(out, take{"sub/" + sub + "/writes", limit{200, 10}, "write requests for subscription '" + m.params["sub"] + "'", "X-Ms-Ratelimit-Remaining-Subscription-Writes"})
	default:
		out = append(out, take{"sub/" + sub + "/reads", limit{250, 25}, "read requests for subscription '" + m.params["sub"] + "'", "X-Ms-Ratelimit-Remaining-Subscription-Reads"})
	}
	switch rt.bucket {
	case bucketPut:
		out = append(out, take{"put/" + lower(m.resourceID()), limit{20, 1.0 / 60}, "PUT requests for " + m.resourceID(), ""})
	case bucketOpStatus:
		out = append(out, take{"opstatus/" + sub, limit{200, 2}, "operation status requests for subscription '" + m.params["sub"] + "'", ""})
	case bucketListSub:
		out = append(out, take{"list/" + sub, limit{500, 1}, "managed cluster list requests for subscription '" + m.params["sub"] + "'", ""})
	case bucketListRG:
		out = append(out, take{"list/" + sub + "/" + lower(m.params["rg"]), limit{60, 1}, "managed cluster list requests for resource group '" + m.params["rg"] + "'", ""})
	case bucketOther:
		out = append(out, take{"other/" + sub, limit{60, 1}, "AKS requests for subscription '" + m.params["sub"] + "'", ""})
	}
	return out
}

// throttle takes a token from each bucket, or none when one is empty and
// then returns the 429 to answer. It sets the x-ms-ratelimit-remaining
// headers ARM sends.
func (s *Simulator) throttle(w http.ResponseWriter, ts []take, now time.Time) *armError {
	var worst time.Duration
	var what string
	for _, t := range ts {
		b := s.refill(t, now)
		if b.tokens < 1 {
			if wait := time.Duration((1 - b.tokens) / t.limit.perSec * float64(time.Second)); wait >= worst {
				worst, what = wait, t.what
			}
		}
	}
	if what != "" {
		return errThrottled(worst, "Number of "+what+" exceeded the limit. Please try again after '"+retryAfterSeconds(worst)+"' seconds.")
	}
	for _, t := range ts {
		b := s.buckets[t.key]
		b.tokens--
		if t.header != "" {
			w.Header().Set(t.header, strconv.Itoa(int(math.Floor(b.tokens))))
		}
	}
	return nil
}

func (s *Simulator) refill(t take, now time.Time) *bucket {
	b := s.buckets[t.key]
	if b == nil {
		b = &bucket{tokens: t.limit.burst, last: now}
		s.buckets[t.key] = b
	}
	if now.After(b.last) {
		b.tokens = min(t.limit.burst, b.tokens+now.Sub(b.last).Seconds()*t.limit.perSec)
		b.last = now
	}
	return b
}
