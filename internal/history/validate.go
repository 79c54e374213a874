package history

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/version"
)

// check validates h and fills in the parsed versions. It reports every
// problem, each naming the entry and field.
func (h *History) check() error {
	var errs errorList
	switch {
	case h.GatheredAt.bad():
		errs.add("gatheredAt %q: want YYYY-MM-DD", h.GatheredAt.raw)
	case h.GatheredAt.IsZero():
		errs.add("gatheredAt is required: the day the data was gathered")
	}
	if len(h.Sources) == 0 {
		errs.add("sources is empty: list the documents the dates come from")
	}
	for i, s := range h.Sources {
		if s.URL == "" {
			errs.add("sources[%d]: url is required", i)
		}
	}
	if len(h.Minors) == 0 {
		errs.add("minors is empty: the history needs at least one minor")
	}
	minors := map[version.Version]int{}
	patches := map[version.Version]string{}
	for i := range h.Minors {
		m := &h.Minors[i]
		v, err := version.ParseMinor(m.Name)
		if err != nil {
			errs.add("minors[%d]: minor: %v", i, err)
			continue
		}
		m.version = v
		if j, dup := minors[v]; dup {
			errs.add("minor %s: listed twice (minors[%d] and minors[%d])", m.Name, j, i)
			continue
		}
		minors[v] = i
		m.check(&errs)
		for k := range m.Patches {
			m.checkPatch(&errs, &m.Patches[k], patches)
		}
	}
	images := map[[2]string]bool{}
	for i := range h.NodeImages {
		checkImage(&errs, i, &h.NodeImages[i], images)
	}
	return errs.err()
}

// minorField is one date field of a minor.
type minorField struct {
	name string
	date Date
	end  bool // an end date: month precision means the last day
}

func (m *Minor) fields() []minorField {
	return []minorField{
		{"aksPreview", m.AKSPreview, false},
		{"aksGA", m.AKSGA, false},
		{"endOfSupport", m.EndOfSupport, true},
		{"platformSupportEnd", m.PlatformSupportEnd, true},
		{"ltsEnd", m.LTSEnd, true},
	}
}

// check validates a minor's own dates.
func (m *Minor) check(errs *errorList) {
	fields := m.fields()
	for key, p := range m.Precision {
		i := slices.IndexFunc(fields, func(f minorField) bool { return f.name == key })
		switch {
		case i < 0:
			errs.add("minor %s: precision names %q, which is not a date field (aksPreview, aksGA, endOfSupport, platformSupportEnd, ltsEnd)", m.Name, key)
		case p != PrecisionDay && p != PrecisionMonth:
			errs.add("minor %s: precision of %s is %q: want %q or %q", m.Name, key, p, PrecisionDay, PrecisionMonth)
		case fields[i].date.IsZero():
			errs.add("minor %s: precision of %s is given but %s is not", m.Name, key, key)
		}
	}
	ok := true
	for _, f := range fields {
		if f.date.bad() {
			errs.add("minor %s: %s %q: want YYYY-MM-DD", m.Name, f.name, f.date.raw)
			ok = false
			continue
		}
		if f.date.IsZero() {
			if f.name == "aksGA" || f.name == "endOfSupport" {
				errs.add("minor %s: %s is required", m.Name, f.name)
				ok = false
			}
			continue
		}
		checkMonth(errs, fmt.Sprintf("minor %s: %s", m.Name, f.name), f.date, m.Precision[f.name].orDay(), f.end)
	}
	if !ok {
		return
	}
	// preview ≤ GA ≤ end of support ≤ end of platform support, and end of
	// support ≤ end of LTS.
	order := [][2]minorField{
		{fields[0], fields[1]}, {fields[1], fields[2]}, {fields[2], fields[3]}, {fields[2], fields[4]},
	}
	for _, o := range order {
		a, b := o[0], o[1]
		if a.date.IsZero() || b.date.IsZero() {
			continue
		}
		if before(b.date, m.Precision[b.name].orDay(), a.date, m.Precision[a.name].orDay()) {
			errs.add("minor %s: %s %s is before %s %s", m.Name, b.name, b.date, a.name, a.date)
		}
	}
}

// checkPatch validates one patch of m; seen maps every patch version met
// so far to the minor that listed it.
func (m *Minor) checkPatch(errs *errorList, p *Patch, seen map[version.Version]string) {
	v, err := version.Parse(p.Name)
	if err != nil {
		errs.add("minor %s: patch: %v", m.Name, err)
		return
	}
	p.version = v
	where := fmt.Sprintf("minor %s: patch %s", m.Name, p.Name)
	if !v.SameMinor(m.version) {
		errs.add("%s: belongs to minor %s, not %s; move it there", where, v.MinorString(), m.Name)
	}
	if other, dup := seen[v]; dup {
		errs.add("%s: listed twice (also under minor %s)", where, other)
	}
	seen[v] = m.Name
	prec := p.Precision.orDay()
	switch prec {
	case PrecisionDay, PrecisionMonth, PrecisionAtLatest, PrecisionAtEarliest:
	default:
		errs.add("%s: precision %q: want day, month, atLatest or atEarliest", where, p.Precision)
	}
	switch {
	case p.Date.bad():
		errs.add("%s: date %q: want YYYY-MM-DD", where, p.Date.raw)
		return
	case p.Date.IsZero():
		errs.add("%s: date is required", where)
		return
	}
	checkMonth(errs, where+": date", p.Date, prec, false)
	first, firstName := m.AKSPreview, "aksPreview"
	if first.IsZero() || first.bad() {
		first, firstName = m.AKSGA, "aksGA"
	}
	if !first.IsZero() && !first.bad() && before(p.Date, prec, first, m.Precision[firstName].orDay()) {
		errs.add("%s: date %s is before the minor's %s %s", where, p.Date, firstName, first)
	}
	if last, lastName := m.lastDay(); !last.IsZero() && before(last, m.Precision[lastName].orDay(), p.Date, prec) {
		errs.add("%s: date %s is after the minor's %s %s", where, p.Date, lastName, last)
	}
}

// lastDay returns the minor's last supported day: the latest of its end
// dates that parsed.
func (m *Minor) lastDay() (Date, string) {
	var last Date
	var name string
	for _, f := range m.fields()[2:] {
		if !f.date.IsZero() && !f.date.bad() && (last.IsZero() || f.date.t.After(last.t)) {
			last, name = f.date, f.name
		}
	}
	return last, name
}

// checkImage validates node image i; seen holds the (OS, version) pairs met
// so far.
func checkImage(errs *errorList, i int, im *NodeImage, seen map[[2]string]bool) {
	where := fmt.Sprintf("node image %s %s", im.OS, im.Version)
	if im.OS == "" {
		where = fmt.Sprintf("nodeImages[%d]", i)
		errs.add("%s: os is required (such as AKSUbuntu-2204)", where)
	}
	key := [2]string{im.OS, im.Version}
	if seen[key] {
		errs.add("%s: listed twice", where)
	}
	seen[key] = true
	prec := im.Precision.orDay()
	switch prec {
	case PrecisionDay, PrecisionMonth, PrecisionAtLatest, PrecisionAtEarliest:
	default:
		errs.add("%s: precision %q: want day, month, atLatest or atEarliest", where, im.Precision)
	}
	switch {
	case im.Date.bad():
		errs.add("%s: date %q: want YYYY-MM-DD", where, im.Date.raw)
	case im.Date.IsZero():
		errs.add("%s: date is required", where)
	default:
		checkMonth(errs, where+": date", im.Date, prec, false)
	}
	built, ok := imageBuildDay(im.Version)
	if !ok {
		errs.add("%s: version %q: want YYYYMM.DD.N with a real build day (such as 202502.09.0) or YYYY.MM.DD", where, im.Version)
		return
	}
	// Even an upper bound cannot be before the image was built.
	if !im.Date.IsZero() && !im.Date.bad() && im.Date.t.Before(built) {
		errs.add("%s: date %s is before the image's build day %s", where, im.Date, built.Format(dateLayout))
	}
}

// checkMonth checks the convention for month precision: a start on the
// 1st, an end on the last day of the month.
func checkMonth(errs *errorList, where string, d Date, p Precision, end bool) {
	if p != PrecisionMonth {
		return
	}
	switch {
	case end && !lastDayOfMonth(d.t):
		errs.add("%s %s: a month-precision end is written as the last day of its month", where, d)
	case !end && d.t.Day() != 1:
		errs.add("%s %s: a month-precision start is written as the 1st of its month", where, d)
	}
}

// imageBuildDay reads the build day out of a node image version:
// 202502.09.0 (YYYYMM.DD.N), or 2022.05.10 (YYYY.MM.DD) as AKS wrote them
// in 2022.
func imageBuildDay(v string) (time.Time, bool) {
	parts := strings.Split(v, ".")
	if len(parts) != 3 || !digits(parts[0]) || !digits(parts[1]) || !digits(parts[2]) || len(parts[1]) != 2 {
		return time.Time{}, false
	}
	var day string
	switch {
	case len(parts[0]) == 6 && (parts[2] == "0" || parts[2][0] != '0'):
		day = parts[0][:4] + "-" + parts[0][4:] + "-" + parts[1]
	case len(parts[0]) == 4 && len(parts[2]) == 2:
		day = parts[0] + "-" + parts[1] + "-" + parts[2]
	default:
		return time.Time{}, false
	}
	t, err := time.Parse(dateLayout, day)
	return t, err == nil
}

// digits reports whether s is one or more ASCII digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// span returns the first and last day d can mean at precision p; a zero
// bound is open.
func span(d Date, p Precision) (first, last time.Time) {
	switch p {
	case PrecisionMonth:
		first = time.Date(d.t.Year(), d.t.Month(), 1, 0, 0, 0, 0, time.UTC)
		return first, first.AddDate(0, 1, -1)
	case PrecisionAtLatest:
		return time.Time{}, d.t
	case PrecisionAtEarliest:
		return d.t, time.Time{}
	}
	return d.t, d.t
}

// before reports whether a (at precision pa) is certainly before b (at
// precision pb): the last day a can mean is before the first day b can.
func before(a Date, pa Precision, b Date, pb Precision) bool {
	_, aLast := span(a, pa)
	bFirst, _ := span(b, pb)
	return !aLast.IsZero() && !bFirst.IsZero() && aLast.Before(bFirst)
}
