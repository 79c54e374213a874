// Package poller turns what polling ARM finds into the same events the
// Event Grid webhook receives. The engine observes the fleet on its
// intervals (clusters and catalogues every ObserveInterval, node images
// and maintenance windows every ImageInterval); Diff compares two
// observations and says what changed:
//
//   - a region's catalogue gained versions: NewKubernetesVersionAvailable
//     for each managed cluster there (as AKS sends it per cluster);
//   - a pool's latest node image changed: aksupgrade.NodeImageAvailable
//     (AKS publishes no event for new node images: polling is the only
//     way to learn of them);
//   - a pool started, finished or failed an upgrade:
//     NodePoolRollingStarted / Succeeded / Failed;
//   - a cluster's minor is within SupportNotice of its end of support, or
//     past it: ClusterSupportEnding / ClusterSupportEnded.
//
// Events are encoded in the Event Grid schema with the cluster's resource
// ID as topic and its name as subject, exactly as Azure sends them, and
// their IDs are derived from what changed, so observing the same change
// twice stores one event.
package poller

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// Source is the source of the events the poller derives.
const Source = "aksupgrade/poller"

const (
	// DefaultSupportNotice is how long before the end of support
	// ClusterSupportEnding is raised, unless Options say otherwise.
	DefaultSupportNotice     = 30 * 24 * time.Hour
	eventGridDataVersion     = "1"
	eventGridMetadataVersion = "1"
)

// Options tune Diff.
type Options struct {
	// Managed reports whether a cluster is managed by the policy; events
	// are derived for managed clusters only.
	Managed func(*aksupgrade.Cluster) bool
	// Calendar gives end-of-support dates; nil: no support events.
	Calendar *version.Calendar
	// SupportNotice is how long before the end of support
	// ClusterSupportEnding is raised (default 30 days).
	SupportNotice time.Duration
}

// Diff returns the events that tell what changed from prev to next.
func Diff(prev, next store.Fleet, o Options) []store.Event {
	if o.SupportNotice <= 0 {
		o.SupportNotice = DefaultSupportNotice
	}
	before := map[string]*aksupgrade.Cluster{}
	for i := range prev.Clusters {
		before[aksupgrade.NormalizeID(prev.Clusters[i].ID)] = &prev.Clusters[i]
	}
	var out []store.Event
	for i := range next.Clusters {
		c := &next.Clusters[i]
		if o.Managed != nil && !o.Managed(c) {
			continue
		}
		old := before[aksupgrade.NormalizeID(c.ID)]
		out = append(out, newVersions(prev, next, c, old)...)
		out = append(out, pools(c, old, next.At)...)
		out = append(out, support(c, next.At, o)...)
	}
	return out
}

// newVersions: the cluster's region gained versions since the last
// observation (not on the first one: nothing is "new" then).
func newVersions(prev, next store.Fleet, c *aksupgrade.Cluster, old *aksupgrade.Cluster) []store.Event {
	if old == nil || prev.Catalogs == nil {
		return nil
	}
	region := strings.ToLower(strings.ReplaceAll(c.Location, " ", ""))
	was, is := patches(prev.Catalogs[region]), patches(next.Catalogs[region])
	var added []string
	for _, p := range is {
		if !slices.Contains(was, p) {
			added = append(added, p)
		}
	}
	if len(added) == 0 || len(was) == 0 {
		return nil
	}
	cat, err := version.NewCatalog(next.Catalogs[region])
	if err != nil {
		return nil
	}
	var data aksupgrade.NewKubernetesVersionAvailable
	f := version.Filter{}
	if v, ok := cat.Newest(f); ok {
		data.LatestSupported = v.String()
	}
	if v, ok, _ := version.Resolve(cat, version.ChannelStable, version.Version{}, version.Version{}, f); ok {
		data.LatestStable = v.String()
	}
	if ms := cat.Minors(f); len(ms) > 0 {
		if v, ok := cat.Latest(ms[0], f); ok {
			data.LowestMinor = v.String()
		}
	}
	if v, ok := cat.Newest(version.Filter{AllowPreview: true}); ok && cat.IsPreview(v) {
		data.LatestPreview = v.String()
	}
	return []store.Event{encode(c, aksupgrade.EventNewKubernetesVersion, next.At, "new:"+strings.Join(added, ","), data)}
}

func patches(l aksupgrade.KubernetesVersionList) []string {
	var out []string
	for _, m := range l.Values {
		for p := range m.PatchVersions {
			out = append(out, p)
		}
	}
	return out
}

// pools: node images and pool operations, from the pools' states.
func pools(c *aksupgrade.Cluster, old *aksupgrade.Cluster, at time.Time) []store.Event {
	var out []store.Event
	for _, p := range c.NodePools {
		var was *aksupgrade.NodePool
		if old != nil {
			if i := slices.IndexFunc(old.NodePools, func(o aksupgrade.NodePool) bool { return o.Name == p.Name }); i >= 0 {
				was = &old.NodePools[i]
			}
		}
		if p.LatestNodeImageVersion != "" && p.LatestNodeImageVersion != p.NodeImageVersion &&
			(was == nil || was.LatestNodeImageVersion != p.LatestNodeImageVersion) {
			out = append(out, encode(c, aksupgrade.EventNodeImageAvailable, at, "image:"+p.Name+":"+p.LatestNodeImageVersion,
				aksupgrade.NodeImageAvailable{NodePoolName: p.Name, NodeImageVersion: p.NodeImageVersion, Latest: p.LatestNodeImageVersion}))
		}
		if was == nil {
			continue
		}
		busy, wasBusy := !idle(p.ProvisioningState), !idle(was.ProvisioningState)
		rolling := aksupgrade.NodePoolRolling{NodePoolName: p.Name}
		key := fmt.Sprintf("pool:%s:%s:%s", p.Name, p.KubernetesVersion, p.NodeImageVersion)
		switch {
		case busy && !wasBusy:
			out = append(out, encode(c, aksupgrade.EventNodePoolRollingStarted, at, key+":started:"+was.KubernetesVersion+":"+was.NodeImageVersion, rolling))
		case strings.EqualFold(p.ProvisioningState, "Failed") && !strings.EqualFold(was.ProvisioningState, "Failed"):
			out = append(out, encode(c, aksupgrade.EventNodePoolRollingFailed, at, key+":failed:"+at.Format(time.RFC3339), rolling))
		case !busy && wasBusy && !strings.EqualFold(p.ProvisioningState, "Failed"):
			out = append(out, encode(c, aksupgrade.EventNodePoolRollingSucceeded, at, key+":succeeded", rolling))
		}
	}
	return out
}

func idle(s string) bool {
	return s == "" || strings.EqualFold(s, "Succeeded") || strings.EqualFold(s, "Failed") || strings.EqualFold(s, "Canceled")
}

// support: the control plane's minor nears or passes its end of support.
func support(c *aksupgrade.Cluster, at time.Time, o Options) []store.Event {
	if o.Calendar == nil {
		return nil
	}
	v, err := version.Parse(c.KubernetesVersion)
	if err != nil {
		return nil
	}
	st := o.Calendar.Status(v, c.SupportPlan, at)
	end := st.EndOfSupport
	if strings.EqualFold(c.SupportPlan, aksupgrade.SupportPlanLTS) && !st.LTSEnd.IsZero() {
		end = st.LTSEnd
	}
	if end.IsZero() {
		return nil
	}
	data := aksupgrade.ClusterSupport{KubernetesVersion: c.KubernetesVersion}
	switch {
	case st.Support == version.OutOfSupport || st.Support == version.PlatformSupport:
		return []store.Event{encode(c, aksupgrade.EventClusterSupportEnded, at, "ended:"+v.MinorString(), data)}
	case at.Add(o.SupportNotice).After(end):
		return []store.Event{encode(c, aksupgrade.EventClusterSupportEnding, at, "ending:"+v.MinorString(), data)}
	}
	return nil
}

// eventGridEvent is one event in the Event Grid schema.
type eventGridEvent struct {
	ID              string               `json:"id"`
	Topic           string               `json:"topic"`
	Subject         string               `json:"subject"`
	EventType       aksupgrade.EventType `json:"eventType"`
	EventTime       time.Time            `json:"eventTime"`
	Data            any                  `json:"data"`
	DataVersion     string               `json:"dataVersion"`
	MetadataVersion string               `json:"metadataVersion"`
}

// encode makes the store event of one change. Its ID hashes the cluster
// and what changed, so the same change seen again is not stored twice.
func encode(c *aksupgrade.Cluster, typ aksupgrade.EventType, at time.Time, change string, data any) store.Event {
	sum := sha256.Sum256([]byte(aksupgrade.NormalizeID(c.ID) + "|" + string(typ) + "|" + change))
	id := hex.EncodeToString(sum[:16])
	// The payloads are plain structs of strings: encoding cannot fail.
	raw, _ := json.Marshal(eventGridEvent{ID: id, Topic: c.ID, Subject: c.Name, EventType: typ, EventTime: at, Data: data,
		DataVersion: eventGridDataVersion, MetadataVersion: eventGridMetadataVersion})
	return store.Event{Key: store.EventKey{Source: Source, ID: id}, Type: typ, Subject: c.Name, Time: at, Data: raw, ReceivedAt: at}
}
