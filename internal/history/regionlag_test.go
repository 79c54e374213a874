package history

import (
	"testing"
	"time"
)

func TestRegionLagIsDeterministic(t *testing.T) {
	evs := load(t).Events(time.Time{}, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
	r := evs[len(evs)/2]
	a := RegionLag(42, "westeurope", r)
	for i := 0; i < 3; i++ {
		if b := RegionLag(42, "westeurope", r); b != a {
			t.Fatalf("RegionLag(42, westeurope, %v) = %v, then %v", r, a, b)
		}
	}
	// Region names are compared without case or spaces.
	if b := RegionLag(42, " West Europe ", r); b != a {
		t.Errorf("'West Europe' lag %v; westeurope %v", b, a)
	}
	// Another seed, region or release draws again: over many releases the
	// lags must not all coincide.
	var sameSeed, sameRegion int
	for _, e := range evs {
		if RegionLag(42, "westeurope", e) == RegionLag(43, "westeurope", e) {
			sameSeed++
		}
		if RegionLag(42, "westeurope", e) == RegionLag(42, "northeurope", e) {
			sameRegion++
		}
	}
	if sameSeed > len(evs)/10 || sameRegion > len(evs)/10 {
		t.Errorf("of %d releases, %d lags equal across seeds and %d across regions; want the seed and region to matter",
			len(evs), sameSeed, sameRegion)
	}
}

func TestRegionLagBounds(t *testing.T) {
	evs := load(t).Events(time.Time{}, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
	type span struct{ lo, hi time.Duration }
	regions := map[string]span{
		"westcentralus": {0, PilotRegionLag},
		"eastasia":      {0, PilotRegionLag},
		"westeurope":    {PilotRegionLag, MaxRegionLag},
		"eastus":        {PilotRegionLag, MaxRegionLag},
		"":              {PilotRegionLag, MaxRegionLag},
	}
	for region, want := range regions {
		var sum, lo, hi time.Duration
		lo = MaxRegionLag
		n := 0
		for seed := int64(0); seed < 5; seed++ {
			for _, e := range evs {
				lag := RegionLag(seed, region, e)
				if lag < want.lo || lag >= want.hi {
					t.Fatalf("RegionLag(%d, %q, %v) = %v; want in [%v, %v)", seed, region, e, lag, want.lo, want.hi)
				}
				if lag%time.Minute != 0 {
					t.Fatalf("RegionLag(%d, %q, %v) = %v; want whole minutes", seed, region, e, lag)
				}
				sum += lag
				lo, hi = min(lo, lag), max(hi, lag)
				n++
			}
		}
		// The draw is uniform over the span: over this many draws its mean
		// sits near the middle and its extremes near the ends. The draws are
		// fixed, so this cannot flake.
		width := want.hi - want.lo
		mean := sum / time.Duration(n)
		if mid := want.lo + width/2; mean < mid-width/10 || mean > mid+width/10 {
			t.Errorf("%q: mean lag %v; want about %v", region, mean, mid)
		}
		if lo > want.lo+width/20 || hi < want.hi-width/20 {
			t.Errorf("%q: lags span [%v, %v]; want nearly all of [%v, %v)", region, lo, hi, want.lo, want.hi)
		}
	}
}
