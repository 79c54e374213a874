package version

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
)

// Version is a Kubernetes version, 1.31.4. A minor is a Version whose Patch
// is 0 and which is printed with MinorString.
type Version struct{ Major, Minor, Patch int }

// Parse reads a full version, "1.31.4" or "v1.31.4". Pre-release and build
// suffixes, leading zeros, signs and spaces are errors.
func Parse(s string) (Version, error) {
	n, count, ok := numbers(s)
	if !ok || count != 3 {
		return Version{}, fmt.Errorf("invalid Kubernetes version %q: want MAJOR.MINOR.PATCH, such as 1.31.4", s)
	}
	return Version{n[0], n[1], n[2]}, nil
}

// ParseMinor reads a minor, "1.31" or "v1.31", as a Version with Patch 0.
// A full version with a patch is an error: a minor names no patch.
func ParseMinor(s string) (Version, error) {
	n, count, ok := numbers(s)
	if !ok || count != 2 {
		return Version{}, fmt.Errorf("invalid Kubernetes minor version %q: want MAJOR.MINOR without a patch, such as 1.31", s)
	}
	return Version{n[0], n[1], 0}, nil
}

// MustParse is Parse that panics on error, for constants and tests.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

// numbers splits an optional "v" and up to three dot-separated decimal
// numbers without signs or leading zeros. It does not allocate: the
// planner parses every pool's version on every plan.
func numbers(s string) (n [3]int, count int, ok bool) {
	s = strings.TrimPrefix(s, "v")
	for {
		p, rest, more := strings.Cut(s, ".")
		if count == 3 || p == "" || (len(p) > 1 && p[0] == '0') {
			return n, 0, false
		}
		for _, r := range p {
			if r < '0' || r > '9' {
				return n, 0, false
			}
		}
		v, err := strconv.Atoi(p)
		if err != nil { // out of range
			return n, 0, false
		}
		n[count] = v
		count++
		if !more {
			return n, count, true
		}
		s = rest
	}
}

// String returns "1.31.4".
func (v Version) String() string {
	return strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor) + "." + strconv.Itoa(v.Patch)
}

// MinorString returns "1.31".
func (v Version) MinorString() string {
	return strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor)
}

// MinorOf returns v's minor: v with Patch 0.
func (v Version) MinorOf() Version { return Version{v.Major, v.Minor, 0} }

// IsZero reports whether v is the zero Version, "no version".
func (v Version) IsZero() bool { return v == Version{} }

// Compare returns -1, 0 or +1 as v is older than, equal to or newer than o,
// comparing numerically: 1.9 < 1.10 and 1.31.9 < 1.31.10.
func (v Version) Compare(o Version) int {
	if c := cmp.Compare(v.Major, o.Major); c != 0 {
		return c
	}
	if c := cmp.Compare(v.Minor, o.Minor); c != 0 {
		return c
	}
	return cmp.Compare(v.Patch, o.Patch)
}

// Less reports whether v is older than o.
func (v Version) Less(o Version) bool { return v.Compare(o) < 0 }

// SameMinor reports whether v and o share major and minor.
func (v Version) SameMinor(o Version) bool { return v.Major == o.Major && v.Minor == o.Minor }

// MinorsBehind returns how many minors v is behind o: o.Minor - v.Minor when
// the majors are equal (negative when v is ahead). Kubernetes defines no
// distance across majors; then the result is (o.Major-v.Major)*1000 plus the
// minor difference, so its sign still follows the order and its size is far
// beyond any real skew.
func (v Version) MinorsBehind(o Version) int {
	return (o.Major-v.Major)*1000 + (o.Minor - v.Minor)
}
