package policy

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/version"
	"github.com/aksupgrade/aksupgrade/internal/window"
)

// Defaults of fields left out.
const (
	DefaultChannel                   = version.ChannelStable
	DefaultMinorUpgrades             = MinorApproval
	DefaultNodeImageChannel          = NodeImageLatest
	DefaultMaxParallel               = 1
	DefaultSoak                      = 24 * time.Hour
	DefaultMaxSurge                  = "10%"
	DefaultDrainTimeoutInMinutes     = 30
	DefaultNodeSoakDurationInMinutes = 0
)

var (
	guidRE      = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	stageNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)
	clusterIDRE = regexp.MustCompile(`(?i)^/subscriptions/[0-9a-f-]{36}/resourcegroups/[^/]+/providers/microsoft\.containerservice/managedclusters/[^/]+/?$`)
	surgeRE     = regexp.MustCompile(`^([1-9][0-9]*)(%?)$`)
)

// validator collects problems while building a Policy.
type validator struct {
	problems []problem
	vocab    vocabulary
}

func (v *validator) add(field, msg string) { v.problems = append(v.problems, problem{field, msg}) }

func (v *validator) bad(field, found, allowed string) { v.add(field, foundAllowed(found, allowed)) }

func build(doc *fileDoc, vocab vocabulary) (*Policy, []problem) {
	v := &validator{vocab: vocab}
	switch doc.APIVersion {
	case APIVersion:
	case "":
		v.add("apiVersion", fmt.Sprintf("found nothing, allowed %q (say which version of the policy format the file is written for)", APIVersion))
	default:
		v.bad("apiVersion", quote(doc.APIVersion), quote(APIVersion))
	}
	p := &Policy{Subscriptions: doc.Subscriptions}
	if len(p.Subscriptions) == 0 {
		p.Subscriptions = []string{"*"}
	}
	for i, s := range doc.Subscriptions {
		if s != "*" && !guidRE.MatchString(s) {
			v.bad(index("subscriptions", i), quote(s), `a subscription ID (a GUID) or "*" for every subscription the identity can read`)
		}
	}
	p.Kubernetes = v.kubernetes(&doc.Kubernetes)
	p.NodeImage = v.nodeImage(&doc.NodeImage)
	p.Channels = v.channels(&doc.Channels)
	if len(doc.Stages) == 0 {
		v.add("stages", "found no stages, allowed a list of at least one stage, in rollout order")
	}
	names := map[string]int{}
	explicit := map[string]string{}
	gates := v.gates("gates", doc.Gates, DefaultGates())
	for i := range doc.Stages {
		field := index("stages", i)
		st := v.stage(field, &doc.Stages[i], p.Kubernetes)
		st.Gates = v.gates(field+".gates", doc.Stages[i].Gates, gates)
		st.Gates.Surge = st.UpgradeSettings
		if j, dup := names[strings.ToLower(st.Name)]; dup && st.Name != "" {
			v.add(field+".name", fmt.Sprintf("found %q, the name of stages[%d] (%q; case is ignored), allowed a name no other stage has", st.Name, j, doc.Stages[j].Name))
		} else {
			names[strings.ToLower(st.Name)] = i
		}
		// Index the IDs as written: st.Selector.Clusters leaves out bad ones.
		for k, id := range doc.Stages[i].Selector.Clusters {
			norm := aksupgrade.NormalizeID(id)
			if !clusterIDRE.MatchString(id) {
				continue
			}
			if other, dup := explicit[norm]; dup && other != st.Name {
				v.add(index(field+".selector.clusters", k), fmt.Sprintf("found %q, which stage %q lists too, allowed a cluster in one stage only", id, other))
			}
			explicit[norm] = st.Name
		}
		p.Stages = append(p.Stages, st)
	}
	p.Notifications = v.notifications(doc.Notifications, p.Stages)
	return p, v.problems
}

func (v *validator) kubernetes(d *kubernetesDoc) Kubernetes {
	k := Kubernetes{Channel: version.Channel(d.Channel), AllowPreview: d.AllowPreview, MinorUpgrades: MinorUpgrades(d.MinorUpgrades)}
	if k.Channel == "" {
		k.Channel = DefaultChannel
	}
	switch k.Channel {
	case version.ChannelPatch, version.ChannelStable, version.ChannelRapid, version.ChannelNone:
		if d.Version != "" {
			v.bad("kubernetes.version", quote(d.Version), "no version unless channel is pinned (the channel picks the version)")
		}
	case version.ChannelPinned:
		if d.Version == "" {
			v.add("kubernetes.version", `found nothing, allowed a minor version such as "1.31" (channel pinned needs one)`)
		} else if pv, err := version.ParseMinor(d.Version); err != nil {
			v.bad("kubernetes.version", quote(d.Version), `a minor version such as "1.31"`)
		} else {
			k.Pinned = pv
		}
	default:
		v.bad("kubernetes.channel", quote(d.Channel), "patch, stable, rapid, pinned or none")
	}
	if k.MinorUpgrades == "" {
		k.MinorUpgrades = DefaultMinorUpgrades
	}
	switch k.MinorUpgrades {
	case MinorAuto, MinorApproval, MinorNever:
	default:
		v.bad("kubernetes.minorUpgrades", quote(d.MinorUpgrades), "auto, approval or never")
	}
	return k
}

func (v *validator) nodeImage(d *nodeImageDoc) NodeImage {
	n := NodeImage{Channel: d.Channel}
	if n.Channel == "" {
		n.Channel = DefaultNodeImageChannel
	}
	if n.Channel != NodeImageLatest && n.Channel != NodeImageNone {
		v.bad("nodeImage.channel", quote(d.Channel), "latest or none")
	}
	return n
}

func (v *validator) channels(d *channelsDoc) Channels {
	c := Channels{TakeOver: d.TakeOver, NodeOS: d.NodeOSUpgradeChannel}
	if c.NodeOS == "" {
		c.NodeOS = NodeOSNone
	}
	if c.NodeOS != NodeOSNone && c.NodeOS != NodeOSUnmanaged {
		v.bad("channels.nodeOSUpgradeChannel", quote(d.NodeOSUpgradeChannel), "None or Unmanaged (AKS's spelling)")
	}
	return c
}

func (v *validator) stage(field string, d *stageDoc, k Kubernetes) Stage {
	st := Stage{Name: d.Name}
	if allowed := "1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit"; d.Name == "" {
		v.add(field+".name", "found nothing, allowed a stage name of "+allowed)
	} else if !stageNameRE.MatchString(d.Name) {
		v.bad(field+".name", quote(d.Name), allowed)
	}
	st.Selector = v.selector(field+".selector", &d.Selector)
	st.Window = v.window(field+".window", d.Window, d.Name)
	st.MaxParallel = DefaultMaxParallel
	if d.MaxParallel != nil {
		st.MaxParallel = *d.MaxParallel
		if st.MaxParallel < 1 || st.MaxParallel > 1000 {
			v.bad(field+".maxParallel", strconv.Itoa(*d.MaxParallel), "1 to 1000 clusters upgrading at once")
		}
	}
	st.Soak = DefaultSoak
	if d.Soak != "" {
		s, err := ParseDuration(d.Soak)
		if err != nil || s < 0 || s > 90*24*time.Hour {
			v.bad(field+".soak", quote(d.Soak), `a duration from "0s" to "90d", such as "3d", "36h" or "1d12h"`)
		}
		st.Soak = s
	}
	st.Approval = Approval{Minor: k.MinorUpgrades == MinorApproval}
	setBool(&st.Approval.Patch, d.Approval.Patch)
	setBool(&st.Approval.Minor, d.Approval.Minor)
	setBool(&st.Approval.NodeImage, d.Approval.NodeImage)
	st.UpgradeSettings = v.upgradeSettings(field+".upgradeSettings", &d.UpgradeSettings)
	return st
}

func setBool(dst *bool, src *bool) {
	if src != nil {
		*dst = *src
	}
}

func (v *validator) selector(field string, d *selectorDoc) Selector {
	s := Selector{Tags: d.Tags, ResourceGroups: d.ResourceGroups, Subscriptions: d.Subscriptions}
	if len(d.Tags) == 0 && len(d.ResourceGroups) == 0 && len(d.Subscriptions) == 0 && len(d.Clusters) == 0 {
		v.add(field, "found no criteria, allowed at least one of tags, resourceGroups, subscriptions or clusters (a stage never selects the whole fleet by accident)")
	}
	for key := range d.Tags {
		if strings.TrimSpace(key) == "" {
			v.bad(field+".tags", `an empty tag name`, "tag names of 1 to 512 characters")
		}
	}
	for i, rg := range d.ResourceGroups {
		if strings.TrimSpace(rg) == "" || strings.Contains(rg, "/") {
			v.bad(index(field+".resourceGroups", i), quote(rg), "a resource group name (no slashes)")
		}
	}
	for i, sub := range d.Subscriptions {
		if !guidRE.MatchString(sub) {
			v.bad(index(field+".subscriptions", i), quote(sub), "a subscription ID (a GUID)")
		}
	}
	for i, id := range d.Clusters {
		if !clusterIDRE.MatchString(id) {
			v.bad(index(field+".clusters", i), quote(id), "a managed cluster resource ID, /subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.ContainerService/managedClusters/<name>")
			continue
		}
		s.Clusters = append(s.Clusters, aksupgrade.NormalizeID(id))
	}
	return s
}

func (v *validator) window(field string, d *windowDoc, stage string) Window {
	if d == nil {
		v.add(field, "found nothing, allowed a maintenance window (schedule, durationHours, startTime, ...) or fromCluster: true; upgrades only start inside one")
		return Window{}
	}
	w := Window{Name: d.Name, FromCluster: d.FromCluster}
	if w.Name == "" {
		w.Name = stage
	}
	if d.FromCluster {
		if d.Schedule != nil || d.DurationHours != 0 || d.StartTime != "" || d.UTCOffset != "" || d.TimeZone != "" || d.StartDate != "" || len(d.NotAllowedDates) > 0 {
			v.add(field+".fromCluster", "found fromCluster: true next to a schedule of its own, allowed one or the other (fromCluster uses each cluster's aksManagedAutoUpgradeSchedule)")
		}
		return w
	}
	w.Spec = d.spec()
	sched, err := window.Compile(w.Spec)
	if err != nil {
		for _, fe := range window.FieldErrors(err) {
			found, allowed := fe.Found, fe.Allowed
			if found == `""` {
				found = "nothing"
				if fe.Field == "startDate" {
					allowed = "a date YYYY-MM-DD, required when an interval greater than 1 is set, as intervals count from it"
				}
			}
			v.bad(field+"."+fe.Field, found, allowed)
		}
		return w
	}
	w.Schedule = sched
	return w
}

func (d *windowDoc) spec() aksupgrade.Window {
	w := aksupgrade.Window{
		DurationHours: d.DurationHours,
		StartTime:     d.StartTime,
		UTCOffset:     d.UTCOffset,
		TimeZone:      d.TimeZone,
		StartDate:     d.StartDate,
	}
	if s := d.Schedule; s != nil {
		if s.Daily != nil {
			w.Schedule.Daily = &aksupgrade.DailySchedule{IntervalDays: s.Daily.IntervalDays}
		}
		if s.Weekly != nil {
			w.Schedule.Weekly = &aksupgrade.WeeklySchedule{IntervalWeeks: s.Weekly.IntervalWeeks, DayOfWeek: s.Weekly.DayOfWeek}
		}
		if s.AbsoluteMonthly != nil {
			w.Schedule.AbsoluteMonthly = &aksupgrade.AbsoluteMonthlySchedule{IntervalMonths: s.AbsoluteMonthly.IntervalMonths, DayOfMonth: s.AbsoluteMonthly.DayOfMonth}
		}
		if s.RelativeMonthly != nil {
			w.Schedule.RelativeMonthly = &aksupgrade.RelativeMonthlySchedule{IntervalMonths: s.RelativeMonthly.IntervalMonths, WeekIndex: s.RelativeMonthly.WeekIndex, DayOfWeek: s.RelativeMonthly.DayOfWeek}
		}
	}
	for _, n := range d.NotAllowedDates {
		w.NotAllowedDates = append(w.NotAllowedDates, aksupgrade.DateSpan{Start: n.Start, End: n.End})
	}
	return w
}

func (v *validator) upgradeSettings(field string, d *upgradeSettingsDoc) UpgradeSettings {
	u := UpgradeSettings{MaxSurge: d.MaxSurge, DrainTimeoutInMinutes: DefaultDrainTimeoutInMinutes, NodeSoakDurationInMinutes: DefaultNodeSoakDurationInMinutes}
	if u.MaxSurge == "" {
		u.MaxSurge = DefaultMaxSurge
	} else if m := surgeRE.FindStringSubmatch(u.MaxSurge); m == nil || (m[2] == "%" && atoiOr(m[1], 101) > 100) {
		v.bad(field+".maxSurge", quote(d.MaxSurge), `a node count such as "3" or a percentage from "1%" to "100%"`)
	}
	if d.DrainTimeoutInMinutes != nil {
		u.DrainTimeoutInMinutes = *d.DrainTimeoutInMinutes
		if u.DrainTimeoutInMinutes < 1 || u.DrainTimeoutInMinutes > 1440 {
			v.bad(field+".drainTimeoutInMinutes", strconv.Itoa(u.DrainTimeoutInMinutes), "1 to 1440")
		}
	}
	if d.NodeSoakDurationInMinutes != nil {
		u.NodeSoakDurationInMinutes = *d.NodeSoakDurationInMinutes
		if u.NodeSoakDurationInMinutes < 0 || u.NodeSoakDurationInMinutes > 30 {
			v.bad(field+".nodeSoakDurationInMinutes", strconv.Itoa(u.NodeSoakDurationInMinutes), "0 to 30")
		}
	}
	return u
}
