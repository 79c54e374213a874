package version

import (
	"strings"

	"github.com/aksupgrade/aksupgrade"
)

// Filter says which minors of a catalogue a cluster may use.
type Filter struct {
	// AllowPreview makes preview minors visible; by default they are not.
	AllowPreview bool
	// SupportPlan is the cluster's support plan; "" means
	// KubernetesOfficial. A minor is visible only when its
	// capabilities.supportPlan contains the plan (compared ignoring case);
	// an empty supportPlan list means KubernetesOfficial only.
	SupportPlan string
}

// Plan returns the support plan the filter selects, KubernetesOfficial when
// SupportPlan is empty.
func (f Filter) Plan() string {
	if f.SupportPlan == "" {
		return aksupgrade.SupportPlanOfficial
	}
	return f.SupportPlan
}

// offers reports whether a minor with the given supportPlan list is offered
// under the filter's plan.
func (f Filter) offers(plans []string) bool {
	if len(plans) == 0 {
		plans = []string{aksupgrade.SupportPlanOfficial}
	}
	want := f.Plan()
	for _, p := range plans {
		if strings.EqualFold(p, want) {
			return true
		}
	}
	return false
}
