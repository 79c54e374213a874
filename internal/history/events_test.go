package history

import (
	"slices"
	"testing"
	"time"
)

func TestEventsOfSmallHistory(t *testing.T) {
	h, err := Parse("valid.json", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	all := func(evs []Release) []string {
		var s []string
		for _, e := range evs {
			s = append(s, e.At.Format(dateLayout)+" "+e.String()+" "+string(e.Precision))
		}
		return s
	}
	got := all(h.Events(day(t, "2022-01-01"), day(t, "2030-01-01")))
	want := []string{
		"2022-05-22 node image AzureLinux 2022.05.10 day",
		"2024-02-07 minor 1.29 preview day",
		"2024-02-07 patch 1.29.0 day",
		"2024-03-17 minor 1.29 GA day",
		"2024-06-01 patch 1.30.0 month",
		"2024-06-09 minor 1.30 preview day",
		// Same day: the GA before its patch, node images last.
		"2024-07-16 minor 1.30 GA day",
		"2024-07-16 patch 1.30.1 day",
		"2024-07-16 node image AKSUbuntu-2204 202407.10.0 day",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Events =\n%q\nwant\n%q", got, want)
	}

	// [from, to): a release on from is in, one on to is out.
	got = all(h.Events(day(t, "2024-02-07"), day(t, "2024-07-16")))
	want = want[1:6]
	if !slices.Equal(got, want) {
		t.Errorf("Events(2024-02-07, 2024-07-16) =\n%q\nwant\n%q", got, want)
	}
	if evs := h.Events(day(t, "2024-07-16"), day(t, "2024-07-16")); len(evs) != 0 {
		t.Errorf("empty span gave %v", evs)
	}
}

func TestEventsOfEmbeddedHistory(t *testing.T) {
	h := load(t)
	from, to := day(t, "2024-01-01"), day(t, "2026-01-01")
	evs := h.Events(from, to)
	if len(evs) == 0 {
		t.Fatal("no events in 2024-2025")
	}
	kinds := map[Kind]int{}
	for i, e := range evs {
		kinds[e.Kind]++
		if e.At.Before(from) || !e.At.Before(to) {
			t.Errorf("%v at %v is outside [%v, %v)", e, e.At, from, to)
		}
		if i > 0 && e.At.Before(evs[i-1].At) {
			t.Errorf("%v at %v comes after %v at %v", e, e.At, evs[i-1], evs[i-1].At)
		}
		if e.Precision == "" {
			t.Errorf("%v has no precision", e)
		}
	}
	for _, k := range []Kind{KindMinorPreview, KindMinorGA, KindPatch, KindNodeImage} {
		if kinds[k] == 0 {
			t.Errorf("no %s events in 2024-2025", k)
		}
	}

	// Over all time, every date of the file is one event.
	want := len(h.NodeImages)
	for _, m := range h.Minors {
		want += 2 + len(m.Patches)
	}
	if got := len(h.Events(time.Time{}, day(t, "2100-01-01"))); got != want {
		t.Errorf("%d events over all time; want %d (2 per minor, 1 per patch and node image)", got, want)
	}
}
