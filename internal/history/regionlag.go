package history

import (
	"encoding/binary"
	"hash/fnv"
	"strings"
	"time"
)

// The region lag model. AKS does not publish reliable per-region release
// days: the release tracker shows only the present, and the release notes
// give one day per release. What the sources do say:
//
//   - the supported-versions page: safe deployment practices roll a release
//     out region by region, and a new release or version "might take up to
//     10 business days" to reach all regions;
//   - the release notes of 2023-09-03: West Central US is the first release
//     region and East Asia the second (the 2026-07-17 notes still enable
//     features in these two first).
//
// So RegionLag draws, for each (seed, region, release):
//
//   - pilot regions (westcentralus, eastasia): uniform in [0, 2 days);
//   - every other region: uniform in [2 days, 14 days), 14 calendar days
//     being about 10 business days.
//
// The lag is whole minutes. This is a model, not data: real rollouts were
// sometimes far slower (1.31 GA took until February 2025 to reach every
// region, see the 1.31 notes in aks-releases.json) and a region's place in
// the order is not the same for every release.
const (
	// MaxRegionLag bounds RegionLag: every lag is less than it.
	MaxRegionLag = 14 * 24 * time.Hour
	// PilotRegionLag bounds the lag of the pilot regions; every other
	// region's lag is at least this.
	PilotRegionLag = 2 * 24 * time.Hour
)

// RegionLag returns how long after r.At the release reaches region, drawn
// from the model above. The same seed, region and release always give the
// same lag; region is compared without case or spaces ("West Central US"
// is westcentralus).
func RegionLag(seed int64, region string, r Release) time.Duration {
	region = normalizeRegion(region)
	lo, hi := PilotRegionLag, MaxRegionLag
	if pilotRegion(region) {
		lo, hi = 0, PilotRegionLag
	}
	u := unit(seed, region, r)
	lag := lo + time.Duration(u*float64(hi-lo))
	lag = lag.Truncate(time.Minute)
	if lag >= hi { // float rounding at the very top
		lag = hi - time.Minute
	}
	return lag
}

// pilotRegion reports whether region gets releases first.
func pilotRegion(region string) bool {
	switch region {
	case "westcentralus", "eastasia":
		return true
	}
	return false
}

// normalizeRegion lower-cases region and drops its spaces.
func normalizeRegion(region string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(region), " ", ""))
}

// unit hashes (seed, region, release) to a number in [0, 1).
func unit(seed int64, region string, r Release) float64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	// Writes to a hash.Hash never fail.
	_, _ = h.Write(b[:])
	for _, s := range []string{region, string(r.Kind), r.Version.String(), r.ImageOS, r.ImageVersion, r.At.UTC().Format(dateLayout)} {
		_, _ = h.Write([]byte{0})
		_, _ = h.Write([]byte(s))
	}
	x := mix(h.Sum64())
	return float64(x>>11) / (1 << 53)
}

// mix is the splitmix64 finalizer: it spreads FNV's output over all bits.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
