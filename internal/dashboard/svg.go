package dashboard

import (
	"bytes"
	"fmt"
	"html"
	"time"
)

// The chart's geometry, in SVG user units (pixels at 100 %).
const (
	svgWidth   = 1200
	svgLabel   = 150 // the stage and target labels on the left
	svgRight   = 16
	svgAxis    = 44 // the date axis on top, "now" above it
	svgStageH  = 24 // a stage's title row
	svgLaneH   = 22
	svgLegendH = 40
)

// Colours: the dashboard's palette, given as attributes (the page's
// content security policy allows no inline style sheet).
const (
	colWindow   = "#dcfce7"
	colRolling  = "#2563eb"
	colSoak     = "#16a34a"
	colHalted   = "#dc2626"
	colApproval = "#d97706"
	colMaint    = "#ea580c"
	colText     = "#0f172a"
	colMuted    = "#64748b"
	colGrid     = "#e2e8f0"
)

// draw writes the chart as a standalone SVG document. Every text it
// writes is escaped.
func (c *chart) draw(b *bytes.Buffer) {
	height := svgAxis + svgLegendH + 8
	for _, s := range c.Stages {
		height += svgStageH + svgLaneH*max(1, len(s.Lanes)) + 6
	}
	span := c.To.Sub(c.From)
	x := func(t time.Time) float64 {
		if t.Before(c.From) {
			t = c.From
		}
		if t.After(c.To) {
			t = c.To
		}
		return svgLabel + float64(t.Sub(c.From))/float64(span)*float64(svgWidth-svgLabel-svgRight)
	}
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12" role="img" aria-labelledby="chart-title">`, svgWidth, height, svgWidth, height)
	fmt.Fprintf(b, `<title id="chart-title">Upgrade timeline, %s to %s (UTC)</title>`, esc(c.From.UTC().Format("2 Jan 2006")), esc(c.To.UTC().Format("2 Jan 2006")))
	b.WriteString(`<defs><pattern id="projected" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/><rect width="3" height="6" fill="#93c5fd"/></pattern>` +
		`<pattern id="projected-soak" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/><rect width="3" height="6" fill="#86efac"/></pattern>` +
		`<pattern id="maint" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><rect width="5" height="5" fill="#ffedd5"/><rect width="2" height="5" fill="` + colMaint + `"/></pattern></defs>`)
	fmt.Fprintf(b, `<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`, svgWidth, height)
	body := height - svgLegendH
	c.drawAxis(b, x, body)
	y := svgAxis
	for i, s := range c.Stages {
		h := svgStageH + svgLaneH*max(1, len(s.Lanes))
		if i%2 == 1 {
			fmt.Fprintf(b, `<rect x="0" y="%d" width="%d" height="%d" fill="#f8fafc"/>`, y, svgWidth, h+6)
		}
		for _, w := range s.Windows {
			fmt.Fprintf(b, `<rect class="window" x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s window open %s – %s</title></rect>`,
				x(w.Start), y+2, max(1, x(w.End)-x(w.Start)), h, colWindow, esc(s.Name), esc(w.Start.UTC().Format("Mon 2 Jan 15:04")), esc(w.End.UTC().Format("Mon 2 Jan 15:04 MST")))
		}
		for _, m := range s.Maint {
			fmt.Fprintf(b, `<rect class="maintenance" x="%.1f" y="%d" width="%.1f" height="6" fill="url(#maint)"><title>%s</title></rect>`,
				x(m.At), y+h-4, max(2, x(m.End)-x(m.At)), esc(m.Title))
		}
		fmt.Fprintf(b, `<text x="10" y="%d" font-weight="600" font-size="13" fill="%s">%s</text>`, y+16, colText, esc(s.Name))
		if s.Note != "" {
			fmt.Fprintf(b, `<text x="%d" y="%d" fill="%s" font-size="11">(%s)</text>`, svgLabel+4, y+16, colMuted, esc(s.Note))
		}
		ly := y + svgStageH
		if len(s.Lanes) == 0 {
			fmt.Fprintf(b, `<text x="22" y="%d" fill="%s" font-size="11">nothing to roll out</text>`, ly+14, colMuted)
		}
		for _, l := range s.Lanes {
			c.drawLane(b, x, l, ly)
			ly += svgLaneH
		}
		y += h + 6
	}
	nx := x(c.Now)
	fmt.Fprintf(b, `<line class="now" x1="%.1f" y1="16" x2="%.1f" y2="%d" stroke="%s" stroke-width="1.5" stroke-dasharray="4 3"/>`, nx, nx, body, colHalted)
	fmt.Fprintf(b, `<text x="%.1f" y="12" fill="%s" font-size="11" text-anchor="middle" font-weight="600">now</text>`, nx, colHalted)
	drawLegend(b, body+8)
	b.WriteString(`</svg>`)
}

// drawAxis writes a tick per day (or every few days, so that labels do
// not collide), with grid lines down the chart.
func (c *chart) drawAxis(b *bytes.Buffer, x func(time.Time) float64, bottom int) {
	days := int(c.To.Sub(c.From) / (24 * time.Hour))
	perDay := float64(svgWidth-svgLabel-svgRight) / float64(max(1, days))
	step := 1
	for float64(step)*perDay < 64 {
		step++
	}
	start := c.From.UTC().Truncate(24 * time.Hour)
	for i := 0; ; i += step {
		t := start.AddDate(0, 0, i)
		if t.After(c.To) {
			break
		}
		if t.Before(c.From) {
			continue
		}
		tx := x(t)
		if tx > svgWidth-svgRight-50 { // its label would not fit
			break
		}
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>`, tx, svgAxis-4, tx, bottom, colGrid)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" fill="%s" font-size="11">%s</text>`, tx+3, svgAxis-14, colMuted, esc(t.Format("Mon 2 Jan")))
	}
	fmt.Fprintf(b, `<text x="10" y="%d" fill="%s" font-size="11">times in UTC</text>`, svgAxis-14, colMuted)
}

func (c *chart) drawLane(b *bytes.Buffer, x func(time.Time) float64, l lane, y int) {
	fmt.Fprintf(b, `<text x="22" y="%d" fill="%s" font-size="12">%s</text>`, y+15, colText, esc(l.Target))
	if l.Note != "" {
		note := []rune(l.Note)
		if len(note) > 110 {
			note = append(note[:109], '…')
		}
		fmt.Fprintf(b, `<text class="note" x="%.1f" y="%d" fill="%s" font-size="11">%s<title>%s</title></text>`, x(c.Now)+8, y+15, colMuted, esc(string(note)), esc(l.Note))
	}
	for _, br := range l.Bars {
		if !br.To.After(c.From) || br.From.After(c.To) {
			continue
		}
		fill, stroke := colRolling, colRolling
		switch {
		case br.Kind == barHalted:
			fill, stroke = colHalted, colHalted
		case br.Kind == barSoak && br.Projected:
			fill, stroke = "url(#projected-soak)", colSoak
		case br.Kind == barSoak:
			fill, stroke = colSoak, colSoak
		case br.Projected:
			fill = "url(#projected)"
		}
		fmt.Fprintf(b, `<rect class="bar %s" x="%.1f" y="%d" width="%.1f" height="12" rx="3" fill="%s" stroke="%s"><title>%s: %s – %s</title></rect>`,
			br.Kind, x(br.From), y+5, max(2, x(br.To)-x(br.From)), fill, stroke, esc(br.Title), esc(br.From.UTC().Format("Mon 2 Jan 15:04")), esc(br.To.UTC().Format("Mon 2 Jan 15:04 MST")))
	}
	for _, m := range l.Marks {
		if m.At.Before(c.From) || m.At.After(c.To) {
			continue
		}
		mx := x(m.At)
		switch m.Kind {
		case markProven:
			fmt.Fprintf(b, `<path class="proven" d="M%.1f %d l6 6 l-6 6 l-6 -6 z" fill="%s" stroke="#ffffff"><title>%s, %s</title></path>`, mx, y+5, colSoak, esc(m.Title), esc(m.At.UTC().Format("Mon 2 Jan 15:04 MST")))
		case markApproval, markApproved:
			col := colApproval
			if m.Kind == markApproved {
				col = colMuted
			}
			fmt.Fprintf(b, `<path class="%s" d="M%.1f %d v14 M%.1f %d h9 l-3 3 l3 3 h-9" stroke="%s" stroke-width="1.5" fill="%s"><title>%s</title></path>`, m.Kind, mx, y+3, mx, y+3, col, col, esc(m.Title))
		}
	}
}

// drawLegend explains every mark the chart uses.
func drawLegend(b *bytes.Buffer, y int) {
	items := []struct{ fill, stroke, label string }{
		{colWindow, colWindow, "window open"},
		{colRolling, colRolling, "rolling out"},
		{"url(#projected)", colRolling, "projected"},
		{colSoak, colSoak, "soaking"},
		{"url(#projected-soak)", colSoak, "soak projected"},
		{colHalted, colHalted, "halted"},
		{"url(#maint)", colMaint, "Azure maintenance"},
	}
	lx := 10
	for _, it := range items {
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="18" height="10" rx="2" fill="%s" stroke="%s"/><text x="%d" y="%d" fill="%s" font-size="11">%s</text>`, lx, y+4, it.fill, it.stroke, lx+22, y+13, colMuted, esc(it.label))
		lx += 34 + 7*len(it.label)
	}
	fmt.Fprintf(b, `<path d="M%d %d l6 6 l-6 6 l-6 -6 z" fill="%s"/><text x="%d" y="%d" fill="%s" font-size="11">proven</text>`, lx+6, y+2, colSoak, lx+16, y+13, colMuted)
	lx += 70
	fmt.Fprintf(b, `<path d="M%d %d v14 M%d %d h9 l-3 3 l3 3 h-9" stroke="%s" stroke-width="1.5" fill="%s"/><text x="%d" y="%d" fill="%s" font-size="11">awaits approval</text>`, lx, y+1, lx, y+1, colApproval, colApproval, lx+14, y+13, colMuted)
}

func esc(s string) string { return html.EscapeString(s) }
