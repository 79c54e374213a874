package version

import (
	"strings"
	"testing"

	"github.com/aksupgrade/aksupgrade"
	"github.com/google/go-cmp/cmp"
)

func TestCatalogMinors(t *testing.T) {
	c := fixtureCatalog(t)
	tests := []struct {
		name string
		f    Filter
		want []string
	}{
		{"official hides preview and LTS-only", official, []string{"1.30", "1.31", "1.32"}},
		{"official with preview", officialPreview, []string{"1.30", "1.31", "1.32", "1.33"}},
		{"LTS sees the LTS-only minor", lts, []string{"1.29", "1.30", "1.31", "1.32"}},
		{"LTS with preview", ltsPreview, []string{"1.29", "1.30", "1.31", "1.32", "1.33"}},
		{"plan compared ignoring case", Filter{SupportPlan: "akslongtermsupport"}, []string{"1.29", "1.30", "1.31", "1.32"}},
		{"explicit official plan", Filter{SupportPlan: aksupgrade.SupportPlanOfficial}, []string{"1.30", "1.31", "1.32"}},
		{"unknown plan sees nothing", Filter{SupportPlan: "Premium"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []Version
			for _, s := range tt.want {
				want = append(want, v(t, s))
			}
			if diff := cmp.Diff(want, c.Minors(tt.f)); diff != "" {
				t.Errorf("Minors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCatalogPatches(t *testing.T) {
	c := fixtureCatalog(t)
	tests := []struct {
		name  string
		minor string
		f     Filter
		want  []string
	}{
		{"sorted numerically", "1.30", official, []string{"1.30.6", "1.30.7", "1.30.9", "1.30.10"}},
		{"patch of the argument ignored", "1.31.4", official, []string{"1.31.3", "1.31.4", "1.31.5"}},
		{"LTS-only minor hidden from official", "1.29", official, nil},
		{"LTS-only minor shown to LTS", "1.29", lts, []string{"1.29.9", "1.29.11", "1.29.12"}},
		{"preview hidden", "1.33", official, nil},
		{"preview allowed", "1.33", officialPreview, []string{"1.33.0"}},
		{"unknown minor", "1.28", lts, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []Version
			for _, s := range tt.want {
				want = append(want, MustParse(s))
			}
			if diff := cmp.Diff(want, c.Patches(v(t, tt.minor), tt.f)); diff != "" {
				t.Errorf("Patches (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCatalogLookups(t *testing.T) {
	c := fixtureCatalog(t)
	type result struct {
		V  Version
		OK bool
	}
	latest := []struct {
		minor string
		f     Filter
		want  result
	}{
		{"1.30", official, result{MustParse("1.30.10"), true}},
		{"1.32", official, result{MustParse("1.32.2"), true}},
		{"1.29", official, result{}},
		{"1.29", lts, result{MustParse("1.29.12"), true}},
		{"1.33", official, result{}},
		{"1.33", ltsPreview, result{MustParse("1.33.0"), true}},
		{"1.27", lts, result{}},
	}
	for _, tt := range latest {
		got, ok := c.Latest(v(t, tt.minor), tt.f)
		if diff := cmp.Diff(tt.want, result{got, ok}); diff != "" {
			t.Errorf("Latest(%s, %+v) (-want +got):\n%s", tt.minor, tt.f, diff)
		}
	}

	newest := []struct {
		f    Filter
		want result
	}{
		{official, result{MustParse("1.32.2"), true}},
		{officialPreview, result{MustParse("1.33.0"), true}},
		{Filter{SupportPlan: "Premium"}, result{}},
	}
	for _, tt := range newest {
		got, ok := c.Newest(tt.f)
		if diff := cmp.Diff(tt.want, result{got, ok}); diff != "" {
			t.Errorf("Newest(%+v) (-want +got):\n%s", tt.f, diff)
		}
	}

	has := []struct {
		v    string
		f    Filter
		want bool
	}{
		{"1.31.4", official, true},
		{"1.31.6", official, false},
		{"1.29.9", official, false},
		{"1.29.9", lts, true},
		{"1.33.0", official, false},
		{"1.33.0", officialPreview, true},
		{"1.28.15", lts, false},
	}
	for _, tt := range has {
		if got := c.Has(MustParse(tt.v), tt.f); got != tt.want {
			t.Errorf("Has(%s, %+v) = %v, want %v", tt.v, tt.f, got, tt.want)
		}
	}

	for s, want := range map[string]bool{"1.33.0": true, "1.33.9": true, "1.32.2": false, "1.29.9": false, "1.40.0": false} {
		if got := c.IsPreview(MustParse(s)); got != want {
			t.Errorf("IsPreview(%s) = %v, want %v", s, got, want)
		}
	}

	if got, ok := c.Default(official); !ok || got != v(t, "1.31") {
		t.Errorf("Default = %v, %v; want 1.31, true", got, ok)
	}
}

// TestCatalogUnsorted builds a catalogue whose minors, patches and upgrades
// are all out of order, with a minor that has no supportPlan list.
func TestCatalogUnsorted(t *testing.T) {
	c := catalogOf(t,
		minorSpec{minor: "1.10", patches: map[string][]string{
			"1.10.2":  {"1.11.0"},
			"1.10.10": {"1.11.1", "1.11.0"},
			"1.10.9":  {"1.11.1", "1.10.10", "1.11.0", "1.10.10"},
		}},
		minorSpec{minor: "1.9", patches: map[string][]string{
			"1.9.11": {"1.10.9"},
			"1.9.3":  {"1.10.10", "1.9.11", "1.10.2"},
		}},
		minorSpec{minor: "1.11", plans: []string{aksupgrade.SupportPlanOfficial}, patches: map[string][]string{
			"1.11.1": nil,
			"1.11.0": {"1.11.1"},
		}},
	)
	if diff := cmp.Diff(vs(t, "1.9", "1.10", "1.11"), c.Minors(official)); diff != "" {
		t.Errorf("Minors (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(vs(t, "1.10.2", "1.10.9", "1.10.10"), c.Patches(v(t, "1.10"), official)); diff != "" {
		t.Errorf("Patches (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(vs(t, "1.10.10", "1.11.0", "1.11.1"), c.Upgrades(MustParse("1.10.9"))); diff != "" {
		t.Errorf("Upgrades sorted and deduplicated (-want +got):\n%s", diff)
	}
	if got, _ := c.Newest(official); got != MustParse("1.11.1") {
		t.Errorf("Newest = %v", got)
	}
	if c.Minors(lts) != nil {
		t.Errorf("Minors(LTS) = %v; an empty or official-only supportPlan is not LTS", c.Minors(lts))
	}
}

func TestCatalogIsImmutable(t *testing.T) {
	l := fixtureList(t)
	c, err := NewCatalog(l)
	if err != nil {
		t.Fatal(err)
	}
	l.Values[1].Capabilities.SupportPlan[0] = aksupgrade.SupportPlanOfficial // 1.29
	l.Values[0].PatchVersions["1.31.9"] = aksupgrade.PatchVersion{}
	ms := c.Minors(official)
	ms[0] = Version{9, 9, 9}
	ps := c.Patches(v(t, "1.30"), official)
	ps[0] = Version{9, 9, 9}
	ups := c.Upgrades(MustParse("1.30.9"))
	ups[0] = Version{9, 9, 9}

	if diff := cmp.Diff(vs(t, "1.30", "1.31", "1.32"), c.Minors(official)); diff != "" {
		t.Errorf("Minors changed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(vs(t, "1.30.6", "1.30.7", "1.30.9", "1.30.10"), c.Patches(v(t, "1.30"), official)); diff != "" {
		t.Errorf("Patches changed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(vs(t, "1.30.10", "1.31.3", "1.31.4", "1.31.5"), c.Upgrades(MustParse("1.30.9"))); diff != "" {
		t.Errorf("Upgrades changed (-want +got):\n%s", diff)
	}
}

func TestNewCatalogErrors(t *testing.T) {
	minor := func(ver string, patches map[string][]string) aksupgrade.KubernetesVersion {
		kv := aksupgrade.KubernetesVersion{Version: ver, PatchVersions: map[string]aksupgrade.PatchVersion{}}
		for p, u := range patches {
			kv.PatchVersions[p] = aksupgrade.PatchVersion{Upgrades: u}
		}
		return kv
	}
	tests := []struct {
		name   string
		values []aksupgrade.KubernetesVersion
		want   []string // each must appear in the error
	}{
		{"bad minor", []aksupgrade.KubernetesVersion{minor("1.x", nil)}, []string{`"1.x"`}},
		{"minor with a patch", []aksupgrade.KubernetesVersion{minor("1.31.2", nil)}, []string{`"1.31.2"`}},
		{"bad patch", []aksupgrade.KubernetesVersion{minor("1.31", map[string][]string{"1.31.a": nil})}, []string{`"1.31.a"`}},
		{"bad upgrade", []aksupgrade.KubernetesVersion{minor("1.31", map[string][]string{"1.31.1": {"latest"}})}, []string{`"latest"`, "1.31.1"}},
		{"patch under another minor", []aksupgrade.KubernetesVersion{minor("1.31", map[string][]string{"1.30.9": nil})}, []string{"1.30.9", "1.31"}},
		{"duplicate minor", []aksupgrade.KubernetesVersion{minor("1.31", nil), minor("v1.31", nil)}, []string{"1.31 is listed twice"}},
		{"duplicate patch", []aksupgrade.KubernetesVersion{minor("1.31", map[string][]string{"1.31.1": nil, "v1.31.1": nil})}, []string{"1.31.1 is listed twice"}},
		{"every error named", []aksupgrade.KubernetesVersion{
			minor("one", nil),
			minor("1.31", map[string][]string{"1.31.b": nil, "1.31.2": {"1.32.c"}}),
		}, []string{`"one"`, `"1.31.b"`, `"1.32.c"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewCatalog(aksupgrade.KubernetesVersionList{Values: tt.values})
			if err == nil {
				t.Fatalf("NewCatalog = %v, want an error", c)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %s", err, w)
				}
			}
		})
	}
}

func TestNewCatalogEmpty(t *testing.T) {
	c, err := NewCatalog(aksupgrade.KubernetesVersionList{})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Minors(official); got != nil {
		t.Errorf("Minors = %v", got)
	}
	if _, ok := c.Newest(official); ok {
		t.Error("Newest found a version in an empty catalogue")
	}
}

func TestDirectUpgrade(t *testing.T) {
	c := fixtureCatalog(t)
	tests := []struct {
		name     string
		from, to string
		want     bool
	}{
		{"listed upgrade, next minor", "1.30.9", "1.31.4", true},
		{"listed upgrade, same minor", "1.31.3", "1.31.5", true},
		{"not in the upgrades list", "1.29.9", "1.30.10", false},
		{"two minors ahead", "1.30.9", "1.32.2", false},
		{"older", "1.31.4", "1.31.3", false},
		{"itself", "1.31.4", "1.31.4", false},
		{"upgrade into preview", "1.32.2", "1.33.0", true},
		{"unlisted from, same minor", "1.30.2", "1.30.10", true},
		{"unlisted from, next minor", "1.30.2", "1.31.5", true},
		{"unlisted from, two minors ahead", "1.30.2", "1.32.2", false},
		{"unlisted from, older target", "1.30.8", "1.30.7", false},
		{"unlisted from, unlisted target", "1.30.2", "1.30.11", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.DirectUpgrade(MustParse(tt.from), MustParse(tt.to)); got != tt.want {
				t.Errorf("DirectUpgrade(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
			}
		})
	}
}
