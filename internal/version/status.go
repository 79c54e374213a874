package version

import (
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// Support is how far AKS supports a minor at some instant.
type Support string

const (
	// Supported: full support (community support, or LTS on the
	// AKSLongTermSupport plan).
	Supported Support = "supported"
	// PlatformSupport: only Azure platform issues are supported; Kubernetes
	// components are not.
	PlatformSupport Support = "platform support"
	// OutOfSupport: no support at all.
	OutOfSupport Support = "out of support"
	// Unknown: the calendar does not know the minor, or it is not yet GA.
	Unknown Support = "unknown"
)

// Status is the support of a minor at an instant, with the dates that
// decide it. Dates are days at 00:00 UTC; each is the last day of its
// period.
type Status struct {
	Support Support
	// EndOfSupport is the last day of AKS official (community) support of
	// the minor; zero when the calendar does not know the minor.
	EndOfSupport time.Time
	// EndOfPlatformSupport is the last day of platform support; zero when
	// none is published yet.
	EndOfPlatformSupport time.Time
	// LTSEnd is the last day of long-term support; zero when the minor has
	// no LTS.
	LTSEnd time.Time
}

// Status returns the support of v's minor for a cluster on support plan
// plan ("" means KubernetesOfficial) at now. On AKSLongTermSupport a minor
// with an LTS end is supported through that day and out of support after
// it; every other case follows the official calendar: supported through
// endOfLife, then platform support through platformSupportEnd (or with no
// end while none is published), then out of support. Before the minor's
// AKS GA, and for a minor the calendar does not know, the answer is
// Unknown. The dates are filled whatever the answer.
func (c *Calendar) Status(v Version, plan string, now time.Time) Status {
	e, ok := c.Entry(v)
	if !ok {
		return Status{Support: Unknown}
	}
	s := Status{
		EndOfSupport:         e.EndOfLife,
		EndOfPlatformSupport: e.PlatformSupportEnd,
		LTSEnd:               e.LTSEnd,
	}
	switch {
	case now.Before(e.AKSGA):
		s.Support = Unknown
	case strings.EqualFold(plan, aksupgrade.SupportPlanLTS) && !e.LTSEnd.IsZero():
		s.Support = OutOfSupport
		if through(now, e.LTSEnd) {
			s.Support = Supported
		}
	case through(now, e.EndOfLife):
		s.Support = Supported
	case e.PlatformSupportEnd.IsZero() || through(now, e.PlatformSupportEnd):
		s.Support = PlatformSupport
	default:
		s.Support = OutOfSupport
	}
	return s
}

// through reports whether now is on or before the day last (a day at 00:00
// UTC), that is before the start of the next day.
func through(now, last time.Time) bool {
	return now.Before(last.AddDate(0, 0, 1))
}

// Describe says the status in a few words for people, for a cluster on
// support plan plan: "supported until 2026-03-31", "platform support only
// until 2026-06-01", "out of support since 2026-06-02".
func (s Status) Describe(plan string) string {
	const day = "2006-01-02"
	lts := strings.EqualFold(plan, aksupgrade.SupportPlanLTS) && !s.LTSEnd.IsZero()
	switch s.Support {
	case Supported:
		if lts {
			return "supported (long-term support) until " + s.LTSEnd.Format(day)
		}
		return "supported until " + s.EndOfSupport.Format(day)
	case PlatformSupport:
		if s.EndOfPlatformSupport.IsZero() {
			return "platform support only, since " + s.EndOfSupport.AddDate(0, 0, 1).Format(day)
		}
		return "platform support only, until " + s.EndOfPlatformSupport.Format(day)
	case OutOfSupport:
		last := s.EndOfSupport
		switch {
		case lts:
			last = s.LTSEnd
		case !s.EndOfPlatformSupport.IsZero():
			last = s.EndOfPlatformSupport
		}
		return "out of support since " + last.AddDate(0, 0, 1).Format(day)
	}
	return "support unknown"
}

// LastDay is the last day of the support level s reports for a cluster on
// plan: the end of (long-term) support while supported, of platform
// support while only that; zero when that level has no published end, or
// none follows (out of support, unknown).
func (s Status) LastDay(plan string) time.Time {
	switch s.Support {
	case Supported:
		if strings.EqualFold(plan, aksupgrade.SupportPlanLTS) && !s.LTSEnd.IsZero() {
			return s.LTSEnd
		}
		return s.EndOfSupport
	case PlatformSupport:
		return s.EndOfPlatformSupport
	}
	return time.Time{}
}
