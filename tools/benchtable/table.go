package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A row of the table.
type row struct {
	claim, bench, runs, figures string
}

// rows are the table's rows: every claim in the order of claims, one row
// for each of its benchmarks in the input or one that says it did not run
// (unless all is false), then the benchmarks no claim names.
func rows(in *input, all bool) []row {
	items := leaves(in)
	byClaim := make([][]*result, len(claims))
	var other []*result
	for _, r := range items {
		if i := claimOf(r.pkg, r.name); i >= 0 {
			byClaim[i] = append(byClaim[i], r)
		} else {
			other = append(other, r)
		}
	}
	var out []row
	for i, c := range claims {
		for _, r := range byClaim[i] {
			what := c.what
			if sub, ok := strings.CutPrefix(r.name, c.bench+"/"); ok {
				what += " (" + sub + ")"
			}
			out = append(out, row{what, c.pkg + " " + r.name, strconv.Itoa(len(r.runs)), describe(r, c.units)})
		}
		if len(byClaim[i]) > 0 || general(c) {
			continue
		}
		// Nothing ran: a benchmark above it failed or was skipped, or
		// it was not in the input at all.
		status := "not run"
		if c.how != "" {
			status += ": " + c.how
		}
		if why := in.broken[module+"/"+c.pkg] + in.broken[c.pkg]; why != "" {
			status = "FAIL (" + why + ")"
		}
		for _, r := range in.results {
			if samePkg(r.pkg, c.pkg) && (r.name == c.bench || strings.HasPrefix(c.bench, r.name+"/")) {
				switch {
				case r.failed:
					status = "FAIL"
				case r.skipped && status != "FAIL":
					status = "skipped"
				}
			}
		}
		if all || !strings.HasPrefix(status, "not run") {
			out = append(out, row{c.what, c.pkg + " " + c.bench, "0", status})
		}
	}
	for _, r := range other {
		if len(r.runs) == 0 && underClaim(r) {
			continue // told in the rows of the claims under it
		}
		out = append(out, row{"—", strings.TrimPrefix(r.pkg, module+"/") + " " + r.name, strconv.Itoa(len(r.runs)), describe(r, []string{"ns/op"})})
	}
	return out
}

// leaves are the results that are a row each: those with figures, and
// those that failed or were skipped with no benchmark under them in the
// input (a parent fails with its sub-benchmark: the sub-benchmark is the
// row).
func leaves(in *input) []*result {
	var out []*result
	for _, r := range in.results {
		if len(r.runs) > 0 {
			out = append(out, r)
			continue
		}
		parent := slices.ContainsFunc(in.results, func(o *result) bool {
			return o.pkg == r.pkg && strings.HasPrefix(o.name, r.name+"/")
		})
		if !parent {
			out = append(out, r)
		}
	}
	return out
}

// general tells whether c is there for the sub-benchmarks that no other
// claim names: if nothing ran, those claims say so.
func general(c claim) bool {
	return slices.ContainsFunc(claims, func(o claim) bool {
		return o.pkg == c.pkg && strings.HasPrefix(o.bench, c.bench+"/")
	})
}

// underClaim tells whether a claim names a benchmark under r.
func underClaim(r *result) bool {
	return slices.ContainsFunc(claims, func(c claim) bool {
		return samePkg(r.pkg, c.pkg) && strings.HasPrefix(c.bench, r.name+"/")
	})
}

// claimOf is the index of the claim for pkg's benchmark name: the one
// that names it, or else the one that names the nearest benchmark above
// it; -1 if none.
func claimOf(pkg, name string) int {
	best := -1
	for i, c := range claims {
		if !samePkg(pkg, c.pkg) || (name != c.bench && !strings.HasPrefix(name, c.bench+"/")) {
			continue
		}
		if best < 0 || len(c.bench) > len(claims[best].bench) {
			best = i
		}
	}
	return best
}

// samePkg tells whether the import path pkg (as go test prints it) is
// the package rel, relative to the module.
func samePkg(pkg, rel string) bool {
	return pkg == module+"/"+rel || pkg == rel
}

// describe is r's figures in units (those it reported), as medians of
// its runs: the figure cell.
func describe(r *result, units []string) string {
	var parts []string
	for _, u := range units {
		if v, ok := median(r.runs, u); ok {
			parts = append(parts, format(v, u))
		}
	}
	if len(parts) == 0 && len(r.runs) > 0 {
		// None of the figures the claim wants: the time, at least.
		if v, ok := median(r.runs, "ns/op"); ok {
			parts = append(parts, format(v, "ns/op"))
		}
	}
	s := strings.Join(parts, ", ")
	switch {
	case r.failed && s != "":
		return "FAIL; " + s
	case r.failed:
		return "FAIL"
	case r.skipped && s == "":
		return "skipped"
	case s == "":
		return "no figures"
	}
	return s
}

// median is the median of unit's values over the runs that report it.
func median(runs []map[string]float64, unit string) (float64, bool) {
	var vs []float64
	for _, run := range runs {
		if v, ok := run[unit]; ok {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return 0, false
	}
	slices.Sort(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2], true
	}
	return (vs[n/2-1] + vs[n/2]) / 2, true
}

// format writes v in unit readably: times per operation in ns, µs, ms or
// s, bytes per operation in B, KiB, MiB or GiB, anything else as a number
// with its unit.
func format(v float64, unit string) string {
	switch unit {
	case "ns/op":
		switch a := math.Abs(v); {
		case a >= 1e9:
			return sig(v/1e9) + " s/op"
		case a >= 1e6:
			return sig(v/1e6) + " ms/op"
		case a >= 1e3:
			return sig(v/1e3) + " µs/op"
		}
		return sig(v) + " ns/op"
	case "B/op":
		switch a := math.Abs(v); {
		case a >= 1<<30:
			return sig(v/(1<<30)) + " GiB/op"
		case a >= 1<<20:
			return sig(v/(1<<20)) + " MiB/op"
		case a >= 1<<10:
			return sig(v/(1<<10)) + " KiB/op"
		}
		return sig(v) + " B/op"
	}
	return number(v) + " " + unit
}

// number writes v: whole numbers and anything from 1,000 up as a whole
// number with thousands separated, the rest to three significant digits.
func number(v float64) string {
	if math.Abs(v) >= 1000 || (v == math.Trunc(v) && math.Abs(v) < 1e15) {
		s := strconv.FormatFloat(math.Abs(math.Round(v)), 'f', 0, 64)
		for i := len(s) - 3; i > 0; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
		if v < 0 {
			s = "-" + s
		}
		return s
	}
	return sig(v)
}

// sig writes v to three significant digits, without an exponent.
func sig(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1 || a == 0:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// write prints rows as a Markdown table, its columns aligned.
func write(w io.Writer, rs []row) error {
	header := row{"claim", "benchmark", "runs", "median"}
	cells := func(r row) []string {
		return []string{esc(r.claim), esc(r.bench), r.runs, esc(r.figures)}
	}
	width := make([]int, 4)
	for _, r := range append([]row{header}, rs...) {
		for i, c := range cells(r) {
			width[i] = max(width[i], utf8.RuneCountInString(c), 3)
		}
	}
	var b strings.Builder
	line := func(cs []string) {
		b.WriteString("|")
		for i, c := range cs {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i == 2 { // runs, a number: right-aligned
				fmt.Fprintf(&b, " %s%s |", pad, c)
			} else {
				fmt.Fprintf(&b, " %s%s |", c, pad)
			}
		}
		b.WriteString("\n")
	}
	line(cells(header))
	sep := make([]string, 4)
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
	}
	sep[2] = sep[2][1:] + ":"
	line(sep)
	for _, r := range rs {
		line(cells(r))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// esc keeps a cell's | from ending it.
func esc(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
