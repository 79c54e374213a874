package azure

import (
	"context"
	"net/http"
	"strings"
)

// subscriptionKey carries the subscription of a request whose URL does
// not name one (AKS operation-status URLs may not).
type subscriptionKey struct{}

func withSubscription(ctx context.Context, sub string) context.Context {
	return context.WithValue(ctx, subscriptionKey{}, sub)
}

// learnRegion records the region of a managed cluster, for the buckets of
// later requests about it.
func (l *limiter) learnRegion(clusterID, region string) {
	if region == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.regions[strings.ToLower(clusterID)] = normalizeRegion(region)
}

func (l *limiter) regionOf(clusterPath string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.regions[clusterPath]
}

// normalizeRegion is a region's key: "West Europe" and "westeurope" are one.
func normalizeRegion(r string) string {
	return strings.ReplaceAll(strings.ToLower(r), " ", "")
}

// classify returns the buckets a request draws from: ARM's read or write
// bucket of its subscription and, for the AKS resource provider, the AKS
// bucket its operation belongs to.
func (l *limiter) classify(r *http.Request) []bucketKey {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	sub := ""
	for i := 0; i+1 < len(segs); i++ {
		if strings.EqualFold(segs[i], "subscriptions") {
			sub = strings.ToLower(segs[i+1])
			break
		}
	}
	if sub == "" {
		if s, ok := r.Context().Value(subscriptionKey{}).(string); ok {
			sub = strings.ToLower(s)
		}
	}
	arm := bucketKey{classRead, sub}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		arm.class = classWrite
	}
	keys := []bucketKey{arm}
	if !isContainerService(segs) {
		return keys
	}
	cluster, rest := clusterPath(segs)
	switch {
	case isOperationStatus(segs):
		return append(keys, bucketKey{classOpStatus, sub})
	case r.Method == http.MethodGet && isClusterList(segs):
		return append(keys, bucketKey{classClusterList, sub})
	case r.Method == http.MethodGet && cluster == "":
		// A resource group's list of clusters (its own bucket, per
		// resource group, which discovery never uses) or a location's
		// versions.
		if loc := locationOf(segs); loc != "" {
			return append(keys, bucketKey{classOther, sub + "/" + normalizeRegion(loc)})
		}
		return keys
	case r.Method == http.MethodPut && (len(rest) == 0 || (len(rest) == 2 && strings.EqualFold(rest[0], "agentPools"))):
		return append(keys, bucketKey{classResourcePut, strings.ToLower("/" + strings.Join(segs, "/"))})
	case r.Method == http.MethodGet && len(rest) == 0:
		return append(keys, bucketKey{classClusterGet, cluster})
	case cluster != "":
		return append(keys, bucketKey{classOther, sub + "/" + l.regionOf(cluster)})
	}
	return keys
}

// isContainerService reports whether a path is the AKS resource provider's.
func isContainerService(segs []string) bool {
	for i := 0; i+1 < len(segs); i++ {
		if strings.EqualFold(segs[i], "providers") {
			return strings.EqualFold(segs[i+1], "Microsoft.ContainerService")
		}
	}
	return false
}

// clusterPath splits a path at a managed cluster: the cluster's
// lower-cased path and the segments after it; "" when the path names none.
func clusterPath(segs []string) (string, []string) {
	for i := 0; i+1 < len(segs); i++ {
		if strings.EqualFold(segs[i], "managedClusters") {
			return strings.ToLower("/" + strings.Join(segs[:i+2], "/")), segs[i+2:]
		}
	}
	return "", nil
}

// locationOf returns the {location} of a .../locations/{location}/... path.
func locationOf(segs []string) string {
	for i := 0; i+1 < len(segs); i++ {
		if strings.EqualFold(segs[i], "locations") {
			return segs[i+1]
		}
	}
	return ""
}

// isOperationStatus reports whether a path is an AKS long-running
// operation's status: .../providers/Microsoft.ContainerService/locations/
// {location}/operations/{id} (or operationresults, operationStatuses).
func isOperationStatus(segs []string) bool {
	for i := 0; i+2 < len(segs); i++ {
		if !strings.EqualFold(segs[i], "locations") {
			continue
		}
		switch strings.ToLower(segs[i+2]) {
		case "operations", "operationresults", "operationstatuses":
			return true
		}
	}
	return false
}

// isClusterList reports whether a path lists a subscription's managed
// clusters: /subscriptions/{id}/providers/Microsoft.ContainerService/managedClusters.
func isClusterList(segs []string) bool {
	return len(segs) == 5 && strings.EqualFold(segs[0], "subscriptions") && strings.EqualFold(segs[2], "providers") &&
		strings.EqualFold(segs[3], "Microsoft.ContainerService") && strings.EqualFold(segs[4], "managedClusters")
}
