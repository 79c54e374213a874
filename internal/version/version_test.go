package version

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Version
		wantErr bool
	}{
		{in: "1.31.4", want: Version{1, 31, 4}},
		{in: "v1.31.4", want: Version{1, 31, 4}},
		{in: "1.31.10", want: Version{1, 31, 10}},
		{in: "0.0.0", want: Version{}},
		{in: "", wantErr: true},
		{in: "v", wantErr: true},
		{in: "1.31", wantErr: true},
		{in: "1.31.4.5", wantErr: true},
		{in: "1.31.x", wantErr: true},
		{in: "1..4", wantErr: true},
		{in: "1.31.", wantErr: true},
		{in: "1.031.4", wantErr: true},
		{in: "1.31.4-rc.1", wantErr: true},
		{in: "1.31.4+aks", wantErr: true},
		{in: " 1.31.4", wantErr: true},
		{in: "+1.31.4", wantErr: true},
		{in: "1.-31.4", wantErr: true},
		{in: "V1.31.4", wantErr: true},
		{in: "vv1.31.4", wantErr: true},
		{in: "99999999999999999999.1.1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Parse(%q) = %v, want an error", tt.in, got)
				}
				for _, part := range []string{`"` + tt.in + `"`, "MAJOR.MINOR.PATCH"} {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("Parse(%q) error %q does not mention %s", tt.in, err, part)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseMinor(t *testing.T) {
	tests := []struct {
		in      string
		want    Version
		wantErr string
	}{
		{in: "1.31", want: Version{1, 31, 0}},
		{in: "v1.9", want: Version{1, 9, 0}},
		{in: "1.31.4", wantErr: "without a patch"},
		{in: "1", wantErr: "MAJOR.MINOR"},
		{in: "", wantErr: "MAJOR.MINOR"},
		{in: "1.x", wantErr: `"1.x"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseMinor(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseMinor(%q) = %v, %v; want an error mentioning %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMinor(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseMinor(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestMustParse(t *testing.T) {
	if got := MustParse("v1.32.2"); got != (Version{1, 32, 2}) {
		t.Errorf("MustParse = %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustParse(\"1.32\") did not panic")
		}
	}()
	MustParse("1.32")
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.9.0", "1.10.0", -1},
		{"1.31.10", "1.31.9", 1},
		{"1.31.9", "1.31.10", -1},
		{"1.31.4", "1.31.4", 0},
		{"1.32.0", "1.31.99", 1},
		{"2.0.0", "1.99.99", 1},
	}
	for _, tt := range tests {
		t.Run(tt.a+"_vs_"+tt.b, func(t *testing.T) {
			a, b := MustParse(tt.a), MustParse(tt.b)
			if got := a.Compare(b); got != tt.want {
				t.Errorf("Compare = %d, want %d", got, tt.want)
			}
			if got := b.Compare(a); got != -tt.want {
				t.Errorf("reverse Compare = %d, want %d", got, -tt.want)
			}
			if got := a.Less(b); got != (tt.want < 0) {
				t.Errorf("Less = %v, want %v", got, tt.want < 0)
			}
		})
	}
}

func TestSortOrder(t *testing.T) {
	got := vs(t, "1.31.10", "1.10.0", "1.31.9", "1.9.3", "1.31.2", "1.10.1")
	slices.SortFunc(got, Version.Compare)
	want := vs(t, "1.9.3", "1.10.0", "1.10.1", "1.31.2", "1.31.9", "1.31.10")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sorted (-want +got):\n%s", diff)
	}
}

func TestStringsAndRelations(t *testing.T) {
	x := MustParse("1.31.4")
	if got := x.String(); got != "1.31.4" {
		t.Errorf("String = %q", got)
	}
	if got := x.MinorString(); got != "1.31" {
		t.Errorf("MinorString = %q", got)
	}
	if got := x.MinorOf(); got != (Version{1, 31, 0}) {
		t.Errorf("MinorOf = %v", got)
	}
	tests := []struct {
		a, b      string
		sameMinor bool
		behind    int
	}{
		{"1.31.4", "1.31.9", true, 0},
		{"1.29.9", "1.31.4", false, 2},
		{"1.31.4", "1.30.1", false, -1},
		{"1.31.4", "2.0.0", false, 1000 - 31},
	}
	for _, tt := range tests {
		a, b := MustParse(tt.a), MustParse(tt.b)
		if got := a.SameMinor(b); got != tt.sameMinor {
			t.Errorf("%v.SameMinor(%v) = %v, want %v", a, b, got, tt.sameMinor)
		}
		if got := a.MinorsBehind(b); got != tt.behind {
			t.Errorf("%v.MinorsBehind(%v) = %d, want %d", a, b, got, tt.behind)
		}
	}
}
