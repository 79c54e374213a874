// Package window does maintenance-window arithmetic with the semantics of AKS
// planned maintenance: it validates an aksupgrade.Window (Compile) and answers
// when the window is open (Schedule.Open), when it opens next
// (Schedule.Next) and when an operation of a given length first fits into it
// (Schedule.NextFit).
//
// Occurrences start at the window's local start time on matching local days
// of its zone (a fixed UTC offset, an IANA zone with daylight saving, or UTC)
// and last DurationHours of real time. Intervals count from StartDate; days
// listed in NotAllowedDates remove every occurrence that overlaps them.
// Look-ahead is bounded to about five years of days, so every call is cheap.
//
// The package embeds the IANA time zone database (time/tzdata), so zones
// resolve the same on every machine.
package window

import _ "time/tzdata" // IANA zones must load on machines without zoneinfo.
