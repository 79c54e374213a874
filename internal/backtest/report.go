package backtest

import (
	"bytes"
	_ "embed"
	"fmt"
	"html"
	"html/template"
	"io"
	"slices"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// Report is a backtest: the policy's scheme first, then those it is
// compared with; and the policy's lower-bound ratio.
type Report struct {
	Schemes         []Scheme  `json:"schemes"`
	LowerBoundRatio Stats     `json:"lowerBoundRatio"`
	From            time.Time `json:"from"`
	To              time.Time `json:"to"`
}

// Scheme is one replay, by name: the policy file, a built-in scheme, or
// another policy file.
type Scheme struct {
	Name string `json:"name"`
	*Result
}

//go:embed report.html
var reportHTML string

// WriteHTML writes the report as one self-contained HTML page with SVG
// charts: each stage's lowest version over time, time to prod per release
// and scheme, and cluster-days out of support per scheme.
func WriteHTML(w io.Writer, r Report) error {
	t, err := template.New("report").Parse(reportHTML)
	if err != nil {
		return err
	}
	v := struct {
		Report
		Lines, ToProd, Support template.HTML
	}{Report: r, Lines: svgLines(r), ToProd: svgToProd(r), Support: svgSupport(r)}
	var b bytes.Buffer
	if err := t.Execute(&b, v); err != nil {
		return err
	}
	_, err = b.WriteTo(w)
	return err
}

// colour is the i-th scheme's (or stage's) colour.
func colour(i int) string {
	palette := [...]string{"#2563eb", "#dc2626", "#d97706", "#16a34a", "#7c3aed", "#0891b2", "#db2777"}
	return palette[i%len(palette)]
}

// svgLines draws each stage's lowest control plane version over time, for
// the first scheme, as step lines.
func svgLines(r Report) template.HTML {
	if len(r.Schemes) == 0 || !r.To.After(r.From) {
		return ""
	}
	lines := r.Schemes[0].Lowest
	var versions []version.Version
	for _, l := range lines {
		for _, p := range l.Points {
			if v, err := version.Parse(p.Version); err == nil && !slices.Contains(versions, v) {
				versions = append(versions, v)
			}
		}
	}
	if len(versions) == 0 {
		return ""
	}
	slices.SortFunc(versions, version.Version.Compare)
	const W, left, top, rowH = 1000, 80, 20, 18
	H := top + rowH*len(versions) + 40
	x := func(t time.Time) float64 {
		return left + float64(t.Sub(r.From))/float64(r.To.Sub(r.From))*float64(W-left-20)
	}
	y := func(s string) float64 {
		v, _ := version.Parse(s) // parsed above
		return float64(top + rowH*(len(versions)-1-slices.Index(versions, v)) + rowH/2)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" font-family="system-ui, sans-serif" font-size="11">`, W, H, W, H)
	for _, v := range versions {
		fmt.Fprintf(&b, `<text x="4" y="%.1f" fill="#64748b">%s</text><line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#e2e8f0"/>`, y(v.String())+4, esc(v.String()), left, W-20, y(v.String()), y(v.String()))
	}
	for i, l := range lines {
		var path bytes.Buffer
		off := float64(i*3 - 4) // stages on one version stay apart
		for j, p := range l.Points {
			if j == 0 {
				fmt.Fprintf(&path, "M%.1f %.1f", x(p.At), y(p.Version)+off)
				continue
			}
			fmt.Fprintf(&path, " H%.1f V%.1f", x(p.At), y(p.Version)+off)
		}
		fmt.Fprintf(&path, " H%.1f", x(r.To))
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="2.5"><title>%s</title></path>`, path.String(), colour(i), esc(l.Stage))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="4" fill="%s"/><text x="%d" y="%d" fill="#0f172a">%s</text>`, left+i*110, H-14, colour(i), left+i*110+16, H-10, esc(l.Stage))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#64748b" text-anchor="end">%s – %s</text></svg>`, W-20, H-10, esc(r.From.Format("2 Jan 2006")), esc(r.To.Format("2 Jan 2006")))
	return template.HTML(b.String()) // every text above is escaped
}

// svgToProd draws each release's time to prod, one bar per scheme.
func svgToProd(r Report) template.HTML {
	type bar struct {
		scheme int
		hours  float64
	}
	var releases []string
	bars := map[string][]bar{}
	maxH := 0.0
	for i, s := range r.Schemes {
		for _, rel := range s.Releases {
			if rel.ToProdHours == nil {
				continue
			}
			if _, ok := bars[rel.Version]; !ok {
				releases = append(releases, rel.Version)
			}
			bars[rel.Version] = append(bars[rel.Version], bar{i, *rel.ToProdHours})
			maxH = max(maxH, *rel.ToProdHours)
		}
	}
	if len(releases) == 0 {
		return template.HTML(`<p class="muted">No release reached prod in any scheme.</p>`)
	}
	const W, left, rowH = 1000, 80, 8
	group := rowH*len(r.Schemes) + 8
	H := 20 + group*len(releases) + 30
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" font-family="system-ui, sans-serif" font-size="11">`, W, H, W, H)
	for k, rel := range releases {
		gy := 20 + k*group
		fmt.Fprintf(&b, `<text x="4" y="%d" fill="#0f172a">%s</text>`, gy+group/2, esc(rel))
		for _, br := range bars[rel] {
			w := br.hours / maxH * float64(W-left-120)
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s: %.0f h</title></rect>`, left, gy+br.scheme*rowH, max(w, 1), rowH-1, colour(br.scheme), esc(r.Schemes[br.scheme].Name), br.hours)
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="#64748b" font-size="9">%s</text>`, float64(left)+max(w, 1)+4, gy+br.scheme*rowH+7, esc(aksupgrade.FormatSpan(time.Duration(br.hours*float64(time.Hour)))))
		}
	}
	lx := left
	for i, s := range r.Schemes {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="8" fill="%s"/><text x="%d" y="%d" fill="#0f172a">%s</text>`, lx, H-16, colour(i), lx+16, H-8, esc(s.Name))
		lx += 40 + 7*len(s.Name)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text above is escaped
}

// svgSupport draws each scheme's cluster-days out of support.
func svgSupport(r Report) template.HTML {
	const W, left, rowH = 1000, 320, 22
	H := 10 + rowH*len(r.Schemes)
	maxD := 1.0
	for _, s := range r.Schemes {
		maxD = max(maxD, s.ClusterDaysOutOfSupport)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" font-family="system-ui, sans-serif" font-size="11">`, W, H, W, H)
	for i, s := range r.Schemes {
		y := 5 + i*rowH
		w := s.ClusterDaysOutOfSupport / maxD * float64(W-left-80)
		fmt.Fprintf(&b, `<text x="4" y="%d" fill="#0f172a">%s</text><rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/><text x="%.1f" y="%d" fill="#64748b">%.1f</text>`,
			y+14, esc(s.Name), left, y+2, max(w, 1), rowH-6, colour(i), float64(left)+max(w, 1)+6, y+14, s.ClusterDaysOutOfSupport)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text above is escaped
}

func esc(s string) string { return html.EscapeString(s) }
