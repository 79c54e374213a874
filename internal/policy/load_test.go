package policy_test

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

var update = flag.Bool("update", false, "rewrite testdata/bad/*.err from the current errors")

func TestGood(t *testing.T) {
	files, err := filepath.Glob("testdata/good/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no good fixtures: %v", err)
	}
	files = append(files, "../../examples/policy.yaml")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, err := policy.Load(f, notify.Vocabulary()); err != nil {
				t.Fatalf("Load(%s):\n%v", f, err)
			}
		})
	}
}

// summary is the part of a Policy the golden checks compare; Schedule is
// left out as it has no exported fields.
type summary struct {
	Subscriptions []string
	Kubernetes    policy.Kubernetes
	NodeImage     policy.NodeImage
	Stages        []stageSummary
}

type stageSummary struct {
	Name            string
	Selector        policy.Selector
	WindowName      string
	FromCluster     bool
	HasSchedule     bool
	Zone            string
	MaxParallel     int
	Soak            time.Duration
	Approval        policy.Approval
	UpgradeSettings policy.UpgradeSettings
}

func summarize(p *policy.Policy) summary {
	s := summary{Subscriptions: p.Subscriptions, Kubernetes: p.Kubernetes, NodeImage: p.NodeImage}
	for _, st := range p.Stages {
		ss := stageSummary{
			Name: st.Name, Selector: st.Selector, WindowName: st.Window.Name,
			FromCluster: st.Window.FromCluster, HasSchedule: st.Window.Schedule != nil,
			MaxParallel: st.MaxParallel, Soak: st.Soak, Approval: st.Approval, UpgradeSettings: st.UpgradeSettings,
		}
		if st.Window.Schedule != nil {
			ss.Zone = st.Window.Schedule.Location().String()
		}
		s.Stages = append(s.Stages, ss)
	}
	return s
}

func TestResolved(t *testing.T) {
	defaults := policy.UpgradeSettings{MaxSurge: "10%", DrainTimeoutInMinutes: 30, NodeSoakDurationInMinutes: 0}
	stable := policy.Kubernetes{Channel: version.ChannelStable, MinorUpgrades: policy.MinorApproval}
	latest := policy.NodeImage{Channel: "latest"}
	every := []string{"*"} // the default
	tests := []struct {
		file string
		want summary
	}{
		{"minimal.yaml", summary{
			Subscriptions: every, Kubernetes: stable, NodeImage: latest,
			Stages: []stageSummary{{
				Name: "dev", Selector: policy.Selector{Tags: map[string]string{"environment": "dev"}},
				WindowName: "dev", HasSchedule: true, Zone: "UTC",
				MaxParallel: 1, Soak: 24 * time.Hour, Approval: policy.Approval{Minor: true}, UpgradeSettings: defaults,
			}},
		}},
		{"fromcluster.yaml", summary{
			Subscriptions: every, Kubernetes: stable, NodeImage: policy.NodeImage{Channel: "none"},
			Stages: []stageSummary{{
				Name:       "shared",
				Selector:   policy.Selector{ResourceGroups: []string{"rg-shared"}, Subscriptions: []string{"00000000-0000-0000-0000-000000000001"}},
				WindowName: "shared", FromCluster: true,
				MaxParallel: 3, Soak: 36 * time.Hour, Approval: policy.Approval{Minor: true}, UpgradeSettings: defaults,
			}},
		}},
		{"pinned.yaml", summary{
			Subscriptions: []string{"11111111-2222-3333-4444-555555555555"},
			Kubernetes: policy.Kubernetes{
				Channel: version.ChannelPinned, Pinned: version.Version{Major: 1, Minor: 31},
				AllowPreview: true, MinorUpgrades: policy.MinorAuto,
			},
			NodeImage: latest,
			Stages: []stageSummary{{
				Name: "legacy",
				Selector: policy.Selector{Clusters: []string{
					"/subscriptions/11111111-2222-3333-4444-555555555555/resourcegroups/rg-legacy/providers/microsoft.containerservice/managedclusters/aks-legacy",
				}},
				WindowName: "legacy", HasSchedule: true, Zone: "+05:30",
				MaxParallel: 1, Soak: 24 * time.Hour,
				Approval:        policy.Approval{Patch: true, Minor: false, NodeImage: true},
				UpgradeSettings: policy.UpgradeSettings{MaxSurge: "3", DrainTimeoutInMinutes: 60, NodeSoakDurationInMinutes: 5},
			}},
		}},
		{"timezone.yaml", summary{
			Subscriptions: every, Kubernetes: stable, NodeImage: latest,
			Stages: []stageSummary{{
				Name: "prod", Selector: policy.Selector{Tags: map[string]string{"environment": "prod"}},
				WindowName: "prod-nights", HasSchedule: true, Zone: "Europe/Oslo",
				MaxParallel: 1, Soak: 24 * time.Hour, Approval: policy.Approval{Minor: true}, UpgradeSettings: defaults,
			}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p, err := policy.Load(filepath.Join("testdata/good", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, summarize(p)); diff != "" {
				t.Errorf("resolved policy (-want +got):\n%s", diff)
			}
		})
	}
}

// TestApprovalMinorDefault checks that minor approval follows minorUpgrades
// unless a stage says otherwise.
func TestApprovalMinorDefault(t *testing.T) {
	tests := []struct {
		minorUpgrades string
		want          bool
	}{{"", true}, {"approval", true}, {"auto", false}, {"never", false}}
	for _, tt := range tests {
		t.Run(tt.minorUpgrades, func(t *testing.T) {
			doc := "apiVersion: aksupgrade/v1\nkubernetes: {minorUpgrades: " + tt.minorUpgrades + "}\n" +
				"stages: [{name: a, selector: {tags: {x: y}}, window: {fromCluster: true}}]\n"
			if tt.minorUpgrades == "" {
				doc = "apiVersion: aksupgrade/v1\nstages: [{name: a, selector: {tags: {x: y}}, window: {fromCluster: true}}]\n"
			}
			p, err := policy.Parse("p.yaml", []byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Stages[0].Approval.Minor; got != tt.want {
				t.Errorf("Approval.Minor = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBad(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad fixtures: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, err := policy.Load(f, notify.Vocabulary())
			var es policy.Errors
			if !errors.As(err, &es) {
				t.Fatalf("Load(%s) = %v, want policy.Errors", f, err)
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(f, ".yaml") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("errors of %s (-want +got):\n%s", f, diff)
			}
		})
	}
}

// TestAnchors checks that aliases and merge keys resolve as YAML says: the
// keys of a mapping override the merged ones.
func TestAnchors(t *testing.T) {
	p, err := policy.Load("testdata/good/anchors.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type win struct{ Name, StartTime, TimeZone, MaxSurge string }
	var got []win
	for _, st := range p.Stages {
		got = append(got, win{st.Window.Name, st.Window.Spec.StartTime, st.Window.Spec.TimeZone, st.UpgradeSettings.MaxSurge})
	}
	want := []win{
		{"nights", "00:30", "America/New_York", "10%"},
		{"nights", "02:00", "America/New_York", "1"},
		{"nights", "00:30", "America/New_York", "1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("windows (-want +got):\n%s", diff)
	}
}

func TestParseWindow(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"valid", "schedule:\n  weekly: {dayOfWeek: Monday}\ndurationHours: 4\nstartTime: \"22:00\"\n", ""},
		{"bad fields", "schedule:\n  weekly: {dayOfWeek: Mon}\ndurationHours: 2\n",
			"w.yaml:1:1: startTime: found nothing, allowed \"HH:mm\" from 00:00 to 23:59\n" +
				"w.yaml:2:23: schedule.weekly.dayOfWeek: found \"Mon\", allowed Sunday, Monday, Tuesday, Wednesday, Thursday, Friday or Saturday\n" +
				"w.yaml:3:16: durationHours: found 2, allowed 4 to 24"},
		{"fromCluster", "fromCluster: true\n", "w.yaml:1:14: fromCluster: found true, allowed false here: a window file holds a schedule of its own"},
		{"unknown key", "schedule:\n  weekly: {dayOfWeek: Monday}\nduration: 4\n",
			"w.yaml:3:1: duration: found an unknown key, allowed name, fromCluster, schedule, durationHours, startTime, utcOffset, timeZone, startDate or notAllowedDates (did you mean durationHours?)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := policy.ParseWindow("w.yaml", []byte(tt.doc))
			got := ""
			if err != nil {
				got = err.Error()
			} else if s == nil {
				t.Fatal("no schedule and no error")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// TestVocabulary: the kinds and templates notifications name are checked
// against the vocabularies given (notify's, in the product), and taken as
// written without one.
func TestVocabulary(t *testing.T) {
	doc := `apiVersion: aksupgrade/v1
stages: [{name: a, selector: {tags: {x: y}}, window: {fromCluster: true}}]
notifications:
  receivers: [{name: t, console: {}}]
  routes: [{receiver: t, match: {kinds: [born, died]}}]
  templates: {born: "{{.Nope}}", wed: "{{.Summary}}", died: "x"}
`
	life := policy.Vocabulary{Kinds: []string{"born", "wed"}, CheckTemplate: func(kind, text string) error {
		if strings.Contains(text, ".Nope") {
			return errors.New("no field Nope")
		}
		return nil
	}}
	death := policy.Vocabulary{Kinds: []string{"died"}}
	tests := []struct {
		name  string
		vocab []policy.Vocabulary
		want  string
	}{
		{"none", nil, ""},
		{"one", []policy.Vocabulary{life},
			"v.yaml:5:48: notifications.routes[0].match.kinds[1]: found \"died\", allowed born, wed\n" +
				"v.yaml:6:14: notifications.templates: found \"died\", allowed born, wed\n" +
				"v.yaml:6:21: notifications.templates.born: found a template that cannot render (no field Nope), allowed a Go text/template over the message's fields (.Summary, .Details, .Stage, .Target, .Cluster, ...)"},
		{"two", []policy.Vocabulary{life, death},
			"v.yaml:6:21: notifications.templates.born: found a template that cannot render (no field Nope), allowed a Go text/template over the message's fields (.Summary, .Details, .Stage, .Target, .Cluster, ...)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policy.Parse("v.yaml", []byte(doc), tt.vocab...)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSchemaKinds: the JSON Schema offers editors the kinds of message
// notify knows.
func TestSchemaKinds(t *testing.T) {
	var schema struct {
		Defs struct {
			Route struct {
				Properties struct {
					Match struct {
						Properties struct {
							Kinds struct {
								Items struct {
									Enum []string `json:"enum"`
								} `json:"items"`
							} `json:"kinds"`
						} `json:"properties"`
					} `json:"match"`
				} `json:"properties"`
			} `json:"route"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(policy.Schema(), &schema); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(notify.Kinds(), schema.Defs.Route.Properties.Match.Properties.Kinds.Items.Enum); diff != "" {
		t.Errorf("kinds in the schema (-notify +schema):\n%s", diff)
	}
}
