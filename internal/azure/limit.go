package azure

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/aksupgrade/aksupgrade"
)

// Rate sizes one token bucket: Burst tokens when full, one more every
// Every.
type Rate struct {
	Burst int
	Every time.Duration
}

func (r Rate) orDefault(d Rate) Rate {
	if r.Burst <= 0 || r.Every <= 0 {
		return d
	}
	return r
}

// Limits sizes the client-side rate limiting. The zero value, and any
// zero field, means the documented Azure limit:
//
//   - Reads: ARM subscription reads, a bucket of 250 refilled 25 per second.
//   - Writes: ARM subscription writes, 200 refilled 10 per second.
//   - ResourcePuts: the AKS resource provider's PUT of one managed cluster
//     or one agent pool, 20 then 1 per minute, per resource.
//   - OperationStatus: the AKS resource provider's GET of an operation's
//     status, 200 refilled 2 per second, per subscription.
//   - ClusterLists: the AKS resource provider's LIST of a subscription's
//     managed clusters, 500 refilled 1 per second, per subscription.
//   - ClusterGets: the AKS resource provider's GET of one managed cluster,
//     60 refilled 1 per second, per cluster.
//   - OtherActions: the AKS resource provider's "all other APIs" (upgrade
//     profiles, agent pools, maintenance configurations, Kubernetes
//     versions, the node-image POST, the credential actions), 60 refilled
//     1 per second, per subscription and region (the region scope follows
//     ARM's "resource providers throttle per region of the resource";
//     unverified against the AKS page itself, the same limit the
//     simulator enforces).
//
// A request draws from its ARM bucket (reads or writes) and, for the AKS
// operations above, from the AKS bucket too.
//
// Sources: "Understand how Azure Resource Manager throttles requests"
// (learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling,
// the token-bucket table) and "Throttling limits on AKS resource provider
// APIs" (aka.ms/aks/throttling).
type Limits struct {
	Reads           Rate
	Writes          Rate
	ResourcePuts    Rate
	OperationStatus Rate
	ClusterLists    Rate
	ClusterGets     Rate
	OtherActions    Rate
	// ThrottleRetries is how many times a request answered 429 is sent
	// again, each time after waiting out its Retry-After on the clock.
	// 0 means 3; negative means never.
	ThrottleRetries int
	// TransientRetries is how many times a request that failed with 408,
	// 500, 502, 503, 504 or a transport error is sent again, waiting 1s,
	// 2s, 4s, ... on the clock. 0 means 3; negative means never.
	TransientRetries int
	// DefaultRetryAfter is the wait after a 429 that carries no
	// Retry-After header. 0 means 10s.
	DefaultRetryAfter time.Duration
}

// DefaultLimits returns the limits used for the zero Limits.
func DefaultLimits() Limits {
	return Limits{
		Reads:             Rate{Burst: 250, Every: time.Second / 25},
		Writes:            Rate{Burst: 200, Every: time.Second / 10},
		ResourcePuts:      Rate{Burst: 20, Every: time.Minute},
		OperationStatus:   Rate{Burst: 200, Every: time.Second / 2},
		ClusterLists:      Rate{Burst: 500, Every: time.Second},
		ClusterGets:       Rate{Burst: 60, Every: time.Second},
		OtherActions:      Rate{Burst: 60, Every: time.Second},
		ThrottleRetries:   3,
		TransientRetries:  3,
		DefaultRetryAfter: 10 * time.Second,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	l.Reads = l.Reads.orDefault(d.Reads)
	l.Writes = l.Writes.orDefault(d.Writes)
	l.ResourcePuts = l.ResourcePuts.orDefault(d.ResourcePuts)
	l.OperationStatus = l.OperationStatus.orDefault(d.OperationStatus)
	l.ClusterLists = l.ClusterLists.orDefault(d.ClusterLists)
	l.ClusterGets = l.ClusterGets.orDefault(d.ClusterGets)
	l.OtherActions = l.OtherActions.orDefault(d.OtherActions)
	switch {
	case l.ThrottleRetries == 0:
		l.ThrottleRetries = d.ThrottleRetries
	case l.ThrottleRetries < 0:
		l.ThrottleRetries = 0
	}
	switch {
	case l.TransientRetries == 0:
		l.TransientRetries = d.TransientRetries
	case l.TransientRetries < 0:
		l.TransientRetries = 0
	}
	if l.DefaultRetryAfter <= 0 {
		l.DefaultRetryAfter = d.DefaultRetryAfter
	}
	return l
}

// class is an operation class: requests of one class in one scope share
// a bucket.
type class string

const (
	classRead        class = "read"
	classWrite       class = "write"
	classResourcePut class = "resourcePut"
	classOpStatus    class = "operationStatus"
	classClusterList class = "clusterList"
	classClusterGet  class = "clusterGet"
	classOther       class = "otherAction"
)

// bucketKey names one bucket: a class in a scope (a subscription ID, a
// subscription and region "sub/region", or the lower-cased path of a
// managed cluster or agent pool).
type bucketKey struct {
	class class
	scope string
}

// bucket is a token bucket on an injected clock. A bucket can also be
// paused until a time, when Azure answered 429 with Retry-After.
type bucket struct {
	mu     sync.Mutex
	rate   Rate
	tokens float64
	last   time.Time
	paused time.Time
}

// take takes a token at now, or says how long to wait before trying
// again.
func (b *bucket) take(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Before(b.paused) {
		return b.paused.Sub(now)
	}
	if now.After(b.last) {
		b.tokens += float64(now.Sub(b.last)) / float64(b.rate.Every)
		if max := float64(b.rate.Burst); b.tokens > max {
			b.tokens = max
		}
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	wait := time.Duration((1 - b.tokens) * float64(b.rate.Every))
	if wait <= 0 {
		wait = 1
	}
	return wait
}

// pause stops the bucket from giving tokens before until.
func (b *bucket) pause(until time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if until.After(b.paused) {
		b.paused = until
	}
}

// limiter holds the buckets of one provider.
type limiter struct {
	clock  aksupgrade.Clock
	limits Limits
	log    *slog.Logger

	mu      sync.Mutex
	buckets map[bucketKey]*bucket
	// regions maps a managed cluster's lower-cased ID to its region, as
	// the provider last read it: AKS's "all other APIs" bucket is per
	// subscription and region, and a cluster's URL does not name its
	// region.
	regions map[string]string
}

func newLimiter(c aksupgrade.Clock, l Limits, log *slog.Logger) *limiter {
	return &limiter{clock: c, limits: l.withDefaults(), log: log, buckets: map[bucketKey]*bucket{}, regions: map[string]string{}}
}

func (l *limiter) rate(c class) Rate {
	switch c {
	case classRead:
		return l.limits.Reads
	case classWrite:
		return l.limits.Writes
	case classResourcePut:
		return l.limits.ResourcePuts
	case classClusterList:
		return l.limits.ClusterLists
	case classOther:
		return l.limits.OtherActions
	case classClusterGet:
		return l.limits.ClusterGets
	default:
		return l.limits.OperationStatus
	}
}

func (l *limiter) bucket(k bucketKey) *bucket {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[k]
	if !ok {
		r := l.rate(k.class)
		b = &bucket{rate: r, tokens: float64(r.Burst), last: l.clock.Now()}
		l.buckets[k] = b
	}
	return b
}

// wait blocks until every bucket of keys gave a token, waiting on the
// clock, or ctx ends.
func (l *limiter) wait(ctx context.Context, keys []bucketKey) error {
	for _, k := range keys {
		b := l.bucket(k)
		for {
			d := b.take(l.clock.Now())
			if d == 0 {
				break
			}
			l.log.DebugContext(ctx, "rate limit: waiting", "class", k.class, "scope", k.scope, "wait", d)
			if err := sleep(ctx, l.clock, d); err != nil {
				return err
			}
		}
	}
	return nil
}

// pause pauses every bucket of keys until until.
func (l *limiter) pause(keys []bucketKey, until time.Time) {
	for _, k := range keys {
		l.bucket(k).pause(until)
	}
}

// sleep waits d on the clock, or until ctx ends.
func sleep(ctx context.Context, c aksupgrade.Clock, d time.Duration) error {
	select {
	case <-c.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// limitPolicy is the pipeline policy that rate limits every request on
// the provider's clock and retries throttled and transient failures,
// waiting on the same clock. azcore's own retry policy is turned off
// (it would sleep on the wall clock).
type limitPolicy struct {
	l *limiter
}

func (p limitPolicy) Do(req *policy.Request) (*http.Response, error) {
	ctx := req.Raw().Context()
	keys := p.l.classify(req.Raw())
	lim := p.l.limits
	throttled, transient := 0, 0
	for {
		if err := p.l.wait(ctx, keys); err != nil {
			return nil, err
		}
		if err := req.RewindBody(); err != nil {
			return nil, err
		}
		resp, err := req.Clone(ctx).Next()
		if ctx.Err() != nil {
			return resp, err
		}
		switch {
		case err != nil:
			var nr interface{ NonRetriable() }
			if errors.As(err, &nr) || transient >= lim.TransientRetries {
				return resp, err
			}
			transient++
			d := backoff(transient)
			p.l.log.DebugContext(ctx, "transport error: retrying", "method", req.Raw().Method, "path", req.Raw().URL.Path, "wait", d, "err", err)
			if err := sleep(ctx, p.l.clock, d); err != nil {
				return nil, err
			}
		case resp.StatusCode == http.StatusTooManyRequests:
			if throttled >= lim.ThrottleRetries {
				return resp, nil
			}
			throttled++
			d := retryAfter(resp.Header, p.l.clock.Now())
			if d <= 0 {
				d = lim.DefaultRetryAfter
			}
			p.l.log.InfoContext(ctx, "throttled by Azure: waiting", "method", req.Raw().Method, "path", req.Raw().URL.Path, "retryAfter", d, "try", throttled)
			drain(resp)
			p.l.pause(keys, p.l.clock.Now().Add(d))
		case transientStatus(resp.StatusCode):
			if transient >= lim.TransientRetries {
				return resp, nil
			}
			transient++
			d := retryAfter(resp.Header, p.l.clock.Now())
			if d <= 0 {
				d = backoff(transient)
			}
			p.l.log.DebugContext(ctx, "transient failure: retrying", "method", req.Raw().Method, "path", req.Raw().URL.Path, "status", resp.StatusCode, "wait", d)
			drain(resp)
			if err := sleep(ctx, p.l.clock, d); err != nil {
				return nil, err
			}
		default:
			return resp, nil
		}
	}
}

func transientStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// backoff is the wait before transient retry n (1, 2, ...): 1s, 2s, 4s...
func backoff(n int) time.Duration {
	if n > 10 {
		n = 10
	}
	return time.Second << (n - 1)
}

func drain(resp *http.Response) {
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
}

// MaxRetryAfter caps the wait a response may ask for: ARM's throttling
// asks for seconds to a few minutes; an hour from a misbehaving proxy
// would stall every cluster's upgrade behind it. After the cap, the
// request is tried again and, if still throttled, waits again.
const MaxRetryAfter = 5 * time.Minute

// retryAfter reads how long a response asks to wait: retry-after-ms,
// x-ms-retry-after-ms, then Retry-After in seconds or as an HTTP date
// (measured from now), at most MaxRetryAfter. 0 when there is none.
func retryAfter(h http.Header, now time.Time) time.Duration {
	return min(askedRetryAfter(h, now), MaxRetryAfter)
}

func askedRetryAfter(h http.Header, now time.Time) time.Duration {
	for _, name := range []string{"retry-after-ms", "x-ms-retry-after-ms"} {
		if v := h.Get(name); v != "" {
			if ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && ms > 0 {
				return time.Duration(ms) * time.Millisecond
			}
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// String describes a Rate for logs and errors.
func (r Rate) String() string { return fmt.Sprintf("%d burst, 1 per %s", r.Burst, r.Every) }
