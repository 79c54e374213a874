package policy_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

const (
	sub1 = "11111111-2222-3333-4444-555555555555"
	sub2 = "66666666-7777-8888-9999-000000000000"
)

func cluster(sub, rg, name string, tags map[string]string) *aksupgrade.Cluster {
	return &aksupgrade.Cluster{
		ID:             "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.ContainerService/managedClusters/" + name,
		Name:           name,
		SubscriptionID: sub,
		ResourceGroup:  rg,
		Tags:           tags,
	}
}

func TestSelectorMatches(t *testing.T) {
	prodID := "/subscriptions/" + sub1 + "/resourcegroups/rg-prod/providers/microsoft.containerservice/managedclusters/aks-prod"
	tests := []struct {
		name string
		sel  policy.Selector
		c    *aksupgrade.Cluster
		want bool
	}{
		{"tag exact", policy.Selector{Tags: map[string]string{"environment": "prod"}},
			cluster(sub1, "rg", "a", map[string]string{"environment": "prod"}), true},
		{"tag value never a substring", policy.Selector{Tags: map[string]string{"environment": "prod"}},
			cluster(sub1, "rg", "a", map[string]string{"environment": "nonprod"}), false},
		{"tag value not a prefix", policy.Selector{Tags: map[string]string{"environment": "prod"}},
			cluster(sub1, "rg", "a", map[string]string{"environment": "prod-2"}), false},
		{"tag value case matters", policy.Selector{Tags: map[string]string{"environment": "prod"}},
			cluster(sub1, "rg", "a", map[string]string{"environment": "Prod"}), false},
		{"tag key case ignored", policy.Selector{Tags: map[string]string{"Environment": "prod"}},
			cluster(sub1, "rg", "a", map[string]string{"ENVIRONMENT": "prod"}), true},
		{"tag missing", policy.Selector{Tags: map[string]string{"environment": "prod"}},
			cluster(sub1, "rg", "a", nil), false},
		{"all tags needed", policy.Selector{Tags: map[string]string{"environment": "prod", "region": "weu"}},
			cluster(sub1, "rg", "a", map[string]string{"environment": "prod"}), false},
		{"resource group case ignored", policy.Selector{ResourceGroups: []string{"RG-Prod"}},
			cluster(sub1, "rg-prod", "a", nil), true},
		{"resource group never a prefix", policy.Selector{ResourceGroups: []string{"prod"}},
			cluster(sub1, "prod-2", "a", nil), false},
		{"resource group never a substring", policy.Selector{ResourceGroups: []string{"prod"}},
			cluster(sub1, "nonprod", "a", nil), false},
		{"any resource group of the list", policy.Selector{ResourceGroups: []string{"rg-a", "rg-b"}},
			cluster(sub1, "rg-b", "a", nil), true},
		{"subscription case ignored", policy.Selector{Subscriptions: []string{"AAAAAAAA-2222-3333-4444-555555555555"}},
			cluster("aaaaaaaa-2222-3333-4444-555555555555", "rg", "a", nil), true},
		{"other subscription", policy.Selector{Subscriptions: []string{sub1}},
			cluster(sub2, "rg", "a", nil), false},
		{"cluster ID case ignored", policy.Selector{Clusters: []string{prodID}},
			cluster(sub1, "RG-Prod", "AKS-Prod", nil), true},
		{"cluster ID with a trailing slash", policy.Selector{Clusters: []string{prodID}},
			&aksupgrade.Cluster{ID: cluster(sub1, "rg-prod", "aks-prod", nil).ID + "/"}, true},
		{"cluster ID never a prefix", policy.Selector{Clusters: []string{prodID}},
			cluster(sub1, "rg-prod", "aks-prod-2", nil), false},
		{"criteria ANDed: all match", policy.Selector{Tags: map[string]string{"environment": "prod"}, ResourceGroups: []string{"rg-prod"}, Subscriptions: []string{sub1}},
			cluster(sub1, "rg-prod", "a", map[string]string{"environment": "prod"}), true},
		{"criteria ANDed: group differs", policy.Selector{Tags: map[string]string{"environment": "prod"}, ResourceGroups: []string{"rg-prod"}},
			cluster(sub1, "rg-test", "a", map[string]string{"environment": "prod"}), false},
		{"criteria ANDed: subscription differs", policy.Selector{Tags: map[string]string{"environment": "prod"}, Subscriptions: []string{sub1}},
			cluster(sub2, "rg", "a", map[string]string{"environment": "prod"}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.sel.Matches(tt.c); got != tt.want {
				t.Errorf("Matches(%s, tags %v) = %v, want %v", tt.c.ID, tt.c.Tags, got, tt.want)
			}
		})
	}
}

func TestStageOf(t *testing.T) {
	p, err := policy.Parse("p.yaml", []byte(`
apiVersion: aksupgrade/v1
stages:
  - name: dev
    selector: {tags: {environment: dev}}
    window: {fromCluster: true}
  - name: prod
    selector: {tags: {Environment: prod}}
    window: {fromCluster: true}
  - name: prod-weu
    selector: {tags: {environment: prod}, resourceGroups: [rg-weu]}
    window: {fromCluster: true}
  - name: pinned
    selector:
      clusters: [/subscriptions/`+sub1+`/resourceGroups/rg-weu/providers/Microsoft.ContainerService/managedClusters/aks-1]
    window: {fromCluster: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		c         *aksupgrade.Cluster
		wantIndex int
		want      []string // every stage, when more than one
	}{
		{"one stage", cluster(sub1, "rg", "x", map[string]string{"environment": "dev"}), 0, nil},
		{"nonprod selects nothing", cluster(sub1, "rg", "x", map[string]string{"environment": "nonprod"}), -1, nil},
		{"untagged selects nothing", cluster(sub1, "rg", "x", nil), -1, nil},
		{"two stages", cluster(sub1, "RG-WEU", "x", map[string]string{"environment": "prod"}), 1, []string{"prod", "prod-weu"}},
		{"three stages", cluster(sub1, "rg-weu", "aks-1", map[string]string{"environment": "prod"}), 1, []string{"prod", "prod-weu", "pinned"}},
		{"by ID only", cluster(sub1, "rg-weu", "AKS-1", nil), 3, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i, got := p.StageOf(tt.c)
			if i != tt.wantIndex {
				t.Errorf("index = %d, want %d", i, tt.wantIndex)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("matches (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExampleStages checks that the example's environments select exactly
// their own clusters.
func TestExampleStages(t *testing.T) {
	p, err := policy.Load("../../examples/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		c    *aksupgrade.Cluster
		want string // "" for none
	}{
		{cluster(sub1, "rg-sandbox", "a", map[string]string{"environment": "sandbox"}), "sandbox"},
		{cluster("6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f", "rg-dev", "a", map[string]string{"environment": "dev"}), "dev"},
		{cluster(sub1, "rg-dev", "a", map[string]string{"environment": "dev"}), ""},
		{cluster(sub1, "RG-Test", "a", map[string]string{"environment": "test"}), "test"},
		{cluster(sub1, "rg-test-weu-2", "a", map[string]string{"environment": "test"}), ""},
		{cluster(sub1, "rg-prod", "a", map[string]string{"Environment": "prod"}), "prod"},
		{cluster(sub1, "rg-prod", "a", map[string]string{"environment": "nonprod"}), ""},
	}
	for _, tt := range tests {
		i, matches := p.StageOf(tt.c)
		got := ""
		if i >= 0 {
			got = p.Stages[i].Name
		}
		if got != tt.want || matches != nil {
			t.Errorf("StageOf(%s, tags %v) = %q, %v, want %q and no other stage", tt.c.ID, tt.c.Tags, got, matches, tt.want)
		}
	}
}
