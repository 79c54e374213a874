package simulator

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Throttling follows the documented token buckets, refilled on the
// simulated clock:
//
//   - ARM, per subscription (and the tenant for /subscriptions): reads 250
//     burst refilling 25/s, writes 200 burst refilling 10/s, answered 429
//     SubscriptionRequestsThrottled (TenantRequestsThrottled).
//     learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling
//   - The AKS resource provider, answered 429 Throttled ("The
//     PutManagedClusterHandler.PUT request limit has been exceeded for
//     SubID='…', please retry again in N seconds. For more information,
//     please visit aka.ms/aks/throttling": learn.microsoft.com/troubleshoot/
//     azure/azure-kubernetes/error-codes/throttled-error):
//     PUT of a managed cluster or agent pool 20 burst then 1/min per
//     resource; GET of a managed cluster 60 burst, 1/s per cluster; GET of
//     an operation's status 200 burst, 2/s per subscription; LIST of
//     managed clusters 500 burst, 1/s per subscription and 60 burst, 1/s
//     per resource group; every other AKS API (upgrade profiles, agent
//     pools, maintenance configurations, versions, the node-image POST,
//     the credential actions) 60 burst, 1/s per subscription and region.
//     learn.microsoft.com/azure/aks/quotas-skus-regions (throttling
//     limits, aka.ms/aks/throttling; the figures as rate-limits.apis.io
//     summarises that page). The region scope of the last bucket follows
//     ARM's "resource providers throttle per region of the resource in
//     the request"; the handler names in the messages other than
//     PutManagedClusterHandler are unverified.
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
	// code is the error code of a 429 from this bucket; message makes its
	// message from the wait, in whole seconds.
	code    string
	message func(seconds string) string
	// header reports the tokens left, as ARM does; "" for none.
	header string
}

// Codes of throttled requests.
const (
	codeAKSThrottled    = "Throttled"
	codeARMSubThrottled = "SubscriptionRequestsThrottled"
	codeARMTenant       = "TenantRequestsThrottled"
)

func armTake(key string, l limit, kind, scope, header string) take {
	code := codeARMSubThrottled
	if strings.HasPrefix(key, "tenant/") {
		code = codeARMTenant
	}
	return take{key: key, limit: l, code: code, header: header, message: func(s string) string {
		return "Number of " + kind + " requests for " + scope + " exceeded the limit. Please try again after '" + s + "' seconds."
	}}
}

func aksTake(key string, l limit, handler, sub string) take {
	return take{key: key, limit: l, code: codeAKSThrottled, message: func(s string) string {
		return "The " + handler + " request limit has been exceeded for SubID='" + sub + "', please retry again in " + s + " seconds. For more information, please visit aka.ms/aks/throttling"
	}}
}

// takes returns the buckets a request draws from. region is the region of
// the resource the request is about ("" when none).
func takes(rt *route, m routeMatch, region string) []take {
	subParam := m.params["sub"]
	sub := lower(subParam)
	var out []take
	switch {
	case sub == "":
		out = append(out, armTake("tenant/reads", limit{250, 25}, "read", "the tenant", "X-Ms-Ratelimit-Remaining-Tenant-Reads"))
	case rt.write:
		out = append(out, armTake("sub/"+sub+"/writes", limit{200, 10}, "write", "subscription '"+subParam+"'", "X-Ms-Ratelimit-Remaining-Subscription-Writes"))
	default:
		out = append(out, armTake("sub/"+sub+"/reads", limit{250, 25}, "read", "subscription '"+subParam+"'", "X-Ms-Ratelimit-Remaining-Subscription-Reads"))
	}
	switch rt.bucket {
	case bucketPut:
		handler := "PutManagedClusterHandler.PUT"
		if m.params["pool"] != "" {
			handler = "PutAgentPoolHandler.PUT"
		}
		out = append(out, aksTake("put/"+lower(m.resourceID()), limit{20, 1.0 / 60}, handler, subParam))
	case bucketGetCluster:
		out = append(out, aksTake("get/"+lower(m.resourceID()), limit{60, 1}, "GetManagedClusterHandler.GET", subParam))
	case bucketOpStatus:
		out = append(out, aksTake("opstatus/"+sub, limit{200, 2}, "GetOperationStatusHandler.GET", subParam))
	case bucketListSub:
		out = append(out, aksTake("list/"+sub, limit{500, 1}, "ListManagedClustersBySubscriptionHandler.GET", subParam))
	case bucketListRG:
		out = append(out, aksTake("list/"+sub+"/"+lower(m.params["rg"]), limit{60, 1}, "ListManagedClustersByResourceGroupHandler.GET", subParam))
	case bucketOther:
		out = append(out, aksTake("other/"+sub+"/"+normalizeRegion(region), limit{60, 1}, rt.handlerName(), subParam))
	}
	return out
}

// normalizeRegion is a region's key: "West Europe" and "westeurope" are one.
func normalizeRegion(r string) string {
	return strings.ReplaceAll(lower(r), " ", "")
}

// throttle takes a token from each bucket, or none when one is empty and
// then returns the 429 to answer: the bucket that asks for the longest
// wait names it. It sets the x-ms-ratelimit-remaining headers ARM sends.
func (s *Simulator) throttle(w http.ResponseWriter, ts []take, now time.Time) *armError {
	var worst time.Duration
	var by *take
	for i, t := range ts {
		b := s.refill(t, now)
		if b.tokens < 1 {
			if wait := time.Duration((1 - b.tokens) / t.limit.perSec * float64(time.Second)); wait >= worst {
				worst, by = wait, &ts[i]
			}
		}
	}
	if by != nil {
		return errThrottled(by.code, worst, by.message(retryAfterSeconds(worst)))
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
