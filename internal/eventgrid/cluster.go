package eventgrid

import "strings"

// clusterSegment is what every AKS cluster's resource ID holds, lower-cased.
const clusterSegment = "/providers/microsoft.containerservice/managedclusters/"

// clusterID returns the resource ID of the AKS cluster that the first of
// paths naming one (a cluster's ID, or the ID of anything under a cluster)
// names, in its case as given; "" when none does.
func clusterID(paths ...string) string {
	for _, p := range paths {
		if id := clusterPrefix(p); id != "" {
			return id
		}
	}
	return ""
}

// clusterPrefix returns the cluster part of p,
// /subscriptions/…/providers/Microsoft.ContainerService/managedClusters/name,
// or "" when p is not under a cluster.
func clusterPrefix(p string) string {
	if len(p) < len("/subscriptions/") || !strings.EqualFold(p[:len("/subscriptions/")], "/subscriptions/") {
		return ""
	}
	i := indexFold(p, clusterSegment)
	if i < 0 {
		return ""
	}
	start := i + len(clusterSegment)
	end := strings.IndexByte(p[start:], '/')
	if end < 0 {
		end = len(p) - start
	}
	if end == 0 {
		return ""
	}
	return p[:start+end]
}

// indexFold is strings.Index for an ASCII lower-case needle, ignoring the
// case of s.
func indexFold(s, lowerNeedle string) int {
	n := len(lowerNeedle)
	for i := 0; i+n <= len(s); i++ {
		if strings.EqualFold(s[i:i+n], lowerNeedle) {
			return i
		}
	}
	return -1
}
