package version

import (
	"errors"
	"strings"
	"testing"

	"github.com/aksupgrade/aksupgrade"
	"github.com/google/go-cmp/cmp"
)

func TestNextHop(t *testing.T) {
	fix := fixtureCatalog(t)
	tests := []struct {
		name     string
		from, to string
		f        Filter
		want     string
	}{
		{"next minor, direct", "1.30.9", "1.31.4", official, "1.31.4"},
		{"same minor, direct", "1.31.3", "1.31.5", official, "1.31.5"},
		{"two minors: newest direct patch of the next minor", "1.29.9", "1.31.4", official, "1.30.9"},
		{"next minor, target not direct: newest direct patch below it", "1.29.9", "1.30.10", official, "1.30.9"},
		{"next minor target is direct", "1.29.11", "1.30.10", official, "1.30.10"},
		{"unlisted from: any listed patch of the next minor", "1.30.2", "1.32.2", official, "1.31.5"},
		{"unlisted from, same minor", "1.30.2", "1.30.10", official, "1.30.10"},
		{"into preview when allowed", "1.32.0", "1.33.0", officialPreview, "1.33.0"},
		{"through the LTS-only minor on LTS", "1.28.15", "1.30.10", lts, "1.29.12"},
		{"out of support: skips into the oldest supported minor", "1.28.15", "1.32.2", official, "1.30.10"},
		{"out of support: not beyond the target", "1.28.15", "1.30.7", official, "1.30.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NextHop(fix, MustParse(tt.from), MustParse(tt.to), tt.f)
			if err != nil {
				t.Fatalf("NextHop(%s, %s): %v", tt.from, tt.to, err)
			}
			if diff := cmp.Diff(MustParse(tt.want), got); diff != "" {
				t.Errorf("NextHop(%s, %s) (-want +got):\n%s", tt.from, tt.to, diff)
			}
		})
	}
}

func TestNextHopErrors(t *testing.T) {
	fix := fixtureCatalog(t)
	gap := catalogOf(t,
		minorSpec{minor: "1.30", patches: map[string][]string{"1.30.1": {"1.32.1"}}},
		minorSpec{minor: "1.32", patches: map[string][]string{"1.32.1": nil}},
	)
	tests := []struct {
		name     string
		c        *Catalog
		from, to string
		f        Filter
		kind     Err
		msg      string
	}{
		{"same version", fix, "1.31.4", "1.31.4", official, ErrSameVersion, "1.31.4"},
		{"downgrade, same minor", fix, "1.31.4", "1.31.3", official, ErrDowngrade, "older 1.31.3"},
		{"downgrade, older minor", fix, "1.31.4", "1.30.10", official, ErrDowngrade, "upgrades only forwards"},
		{"major change", fix, "1.31.4", "2.0.0", official, ErrMajorChange, "Kubernetes 1 to 2"},
		{"target patch not listed", fix, "1.31.4", "1.31.9", official, ErrNotOffered, "1.31.9 is not listed"},
		{"target minor not listed", fix, "1.31.4", "1.34.1", official, ErrNotOffered, "1.34 is not offered"},
		{"target is preview", fix, "1.32.2", "1.33.0", official, ErrNotOffered, "preview"},
		{"target hidden by plan", fix, "1.28.15", "1.29.12", official, ErrNotOffered, "support plan KubernetesOfficial"},
		{"intermediate minor missing", gap, "1.30.1", "1.32.1", official, ErrNoHop, "1.31 is no longer offered"},
		{"no direct patch into the next minor", fix, "1.29.9", "1.31.4", lts, ErrNoHop, ""},
	}
	// The last case must fail: make 1.29.9's upgrades reach no 1.30 patch.
	l := fixtureList(t)
	for i := range l.Values {
		if l.Values[i].Version == "1.29" {
			l.Values[i].PatchVersions = map[string]aksupgrade.PatchVersion{"1.29.9": {Upgrades: nil}}
		}
	}
	noHop, err := NewCatalog(l)
	if err != nil {
		t.Fatal(err)
	}
	tests[len(tests)-1].c = noHop
	tests[len(tests)-1].msg = "no patch of 1.30 is offered that 1.29.9 can upgrade to directly"

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NextHop(tt.c, MustParse(tt.from), MustParse(tt.to), tt.f)
			if err == nil {
				t.Fatalf("NextHop(%s, %s) = %v, want an error", tt.from, tt.to, got)
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("error %q is not %q", err, tt.kind)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
}

func TestPath(t *testing.T) {
	fix := fixtureCatalog(t)
	// 1.30.0 lists only patch upgrades; 1.30.5 opens the way to 1.31.
	patchFirst := catalogOf(t,
		minorSpec{minor: "1.30", patches: map[string][]string{
			"1.30.0": {"1.30.5", "1.30.3"},
			"1.30.3": {"1.30.5"},
			"1.30.5": {"1.31.2", "1.31.1"},
		}},
		minorSpec{minor: "1.31", patches: map[string][]string{"1.31.1": {"1.31.2"}, "1.31.2": nil}},
	)
	tests := []struct {
		name     string
		c        *Catalog
		from, to string
		f        Filter
		want     []string
	}{
		{"one hop", fix, "1.31.3", "1.31.5", official, []string{"1.31.5"}},
		{"1.29 to 1.31 goes through 1.30", fix, "1.29.9", "1.31.4", official, []string{"1.30.9", "1.31.4"}},
		{"three minors", fix, "1.29.9", "1.32.2", official, []string{"1.30.9", "1.31.5", "1.32.2"}},
		{"patch hop after minor hop", fix, "1.29.9", "1.30.10", official, []string{"1.30.9", "1.30.10"}},
		{"through the LTS-only minor", fix, "1.28.15", "1.31.5", lts, []string{"1.29.12", "1.30.10", "1.31.5"}},
		{"into preview", fix, "1.31.3", "1.33.0", ltsPreview, []string{"1.32.2", "1.33.0"}},
		{"patch upgrade that opens the next minor", patchFirst, "1.30.0", "1.31.2", official, []string{"1.30.5", "1.31.2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Path(tt.c, MustParse(tt.from), MustParse(tt.to), tt.f)
			if err != nil {
				t.Fatalf("Path(%s, %s): %v", tt.from, tt.to, err)
			}
			if diff := cmp.Diff(vs(t, tt.want...), got); diff != "" {
				t.Errorf("Path(%s, %s) (-want +got):\n%s", tt.from, tt.to, diff)
			}
		})
	}
}

func TestPathErrors(t *testing.T) {
	fix := fixtureCatalog(t)
	tests := []struct {
		name     string
		from, to string
		f        Filter
		kind     Err
		msg      string
	}{
		{"same version", "1.31.4", "1.31.4", official, ErrSameVersion, ""},
		{"downgrade", "1.32.2", "1.30.10", official, ErrDowngrade, ""},
		{"preview target", "1.30.9", "1.33.0", official, ErrNotOffered, "preview"},
		{"missing minor after a hop", "1.29.1", "1.32.1", official, ErrNoHop, "path 1.29.1 to 1.32.1, after 1.30.1: "},
	}
	gap := catalogOf(t,
		minorSpec{minor: "1.29", patches: map[string][]string{"1.29.1": {"1.30.1"}}},
		minorSpec{minor: "1.30", patches: map[string][]string{"1.30.1": {"1.32.1"}}},
		minorSpec{minor: "1.32", patches: map[string][]string{"1.32.1": nil}},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fix
			if strings.HasPrefix(tt.name, "missing minor") {
				c = gap
			}
			got, err := Path(c, MustParse(tt.from), MustParse(tt.to), tt.f)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("Path(%s, %s) = %v, %v; want %q", tt.from, tt.to, got, err, tt.kind)
			}
			if got != nil {
				t.Errorf("Path returned hops %v with an error", got)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
}

// TestPathNeverSkips walks every listed patch to every visible newer patch
// of the fixture and checks each hop: forwards, direct, at most one minor.
func TestPathNeverSkips(t *testing.T) {
	fix := fixtureCatalog(t)
	found, failed := 0, 0
	for _, f := range []Filter{official, officialPreview, lts, ltsPreview} {
		var all, visible []Version
		for _, m := range fix.Minors(ltsPreview) {
			all = append(all, fix.Patches(m, ltsPreview)...)
		}
		for _, m := range fix.Minors(f) {
			visible = append(visible, fix.Patches(m, f)...)
		}
		all = append(all, MustParse("1.30.2"), MustParse("1.28.15")) // no longer listed
		for _, from := range all {
			for _, to := range visible {
				if !from.Less(to) {
					continue
				}
				hops, err := Path(fix, from, to, f)
				if err != nil {
					if !errors.Is(err, ErrNoHop) {
						t.Errorf("Path(%s, %s, %+v): %v", from, to, f, err)
					}
					failed++
					continue
				}
				found++
				cur := from
				for _, h := range hops {
					direct := fix.DirectUpgrade(cur, h) && cur.MinorsBehind(h) <= 1
					if r, ok := fix.RecoveryMinor(cur, f); ok {
						direct = h.SameMinor(r) // the only skip AKS allows
					}
					if !cur.Less(h) || !direct || !fix.Has(h, f) {
						t.Errorf("Path(%s, %s, %+v) = %v: bad hop %s -> %s", from, to, f, hops, cur, h)
					}
					cur = h
				}
				if cur != to {
					t.Errorf("Path(%s, %s, %+v) = %v does not end at %s", from, to, f, hops, to)
				}
			}
		}
	}
	t.Logf("%d paths checked, %d refused for lack of a hop", found, failed)
	if found < 100 {
		t.Errorf("only %d paths found", found)
	}
}

func TestRecoveryMinor(t *testing.T) {
	fix := fixtureCatalog(t)
	tests := []struct {
		from string
		f    Filter
		want string // "" when from's minor is supported
	}{
		{"1.27.9", official, "1.30"},
		{"1.29.12", official, ""}, // listed for LTS: its upgrades are listed
		{"1.29.12", lts, ""},
		{"1.28.15", lts, "1.29"},
		{"1.30.2", official, ""}, // an unlisted patch of a supported minor
		{"1.31.5", official, ""},
	}
	for _, tt := range tests {
		got, ok := fix.RecoveryMinor(MustParse(tt.from), tt.f)
		switch {
		case tt.want == "" && ok:
			t.Errorf("RecoveryMinor(%s, %+v) = %s, want none", tt.from, tt.f, got)
		case tt.want != "" && (!ok || got.MinorString() != tt.want):
			t.Errorf("RecoveryMinor(%s, %+v) = %s, %v, want %s", tt.from, tt.f, got, ok, tt.want)
		}
	}
}
