package simulator

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// promQuery is an instant query in the subset of PromQL the simulated
// Prometheus answers, alert style:
//
//	query      = selector [ comparison number ]
//	selector   = name [ "{" [ matchers ] "}" ] | "{" matchers "}"
//	matchers   = matcher { "," matcher } [ "," ]
//	matcher    = label ( "=" | "!=" | "=~" | "!~" ) string
//	comparison = ">" | "<" | ">=" | "<=" | "==" | "!="
//
// Strings are double-, single- or back-quoted as in PromQL; numbers are
// what strconv.ParseFloat reads (0.05, 1e-3, Inf, NaN). Regular
// expressions are anchored at both ends, as Prometheus anchors them. As in
// PromQL, a comparison without bool filters: the series for which it
// holds remain, with their values and names. Anything else (functions,
// aggregations, arithmetic, ranges, offset, bool) is a parse error.
type promQuery struct {
	matchers []promMatcher
	op       string // "" or a comparison
	number   float64
}

type promMatcher struct {
	label, op, value string
	re               *regexp.Regexp // for =~ and !~
}

func (m promMatcher) matches(v string) bool {
	switch m.op {
	case "=":
		return v == m.value
	case "!=":
		return v != m.value
	case "=~":
		return m.re.MatchString(v)
	}
	return !m.re.MatchString(v)
}

// matches reports whether a series with these labels (__name__ included)
// is selected; a label it lacks is the empty string.
func (q *promQuery) matches(labels map[string]string) bool {
	for _, m := range q.matchers {
		if !m.matches(labels[m.label]) {
			return false
		}
	}
	return true
}

// keeps reports whether a value passes the query's comparison.
func (q *promQuery) keeps(v float64) bool {
	switch q.op {
	case ">":
		return v > q.number
	case "<":
		return v < q.number
	case ">=":
		return v >= q.number
	case "<=":
		return v <= q.number
	case "==":
		return v == q.number
	case "!=":
		return v != q.number
	}
	return true
}

// promParser reads a query; its errors say where, as Prometheus's do
// ("1:12: parse error: ...").
type promParser struct {
	in  string
	pos int
}

type promParseError struct {
	pos int
	msg string
}

func (e *promParseError) Error() string { return fmt.Sprintf("1:%d: parse error: %s", e.pos+1, e.msg) }

func parsePromQL(in string) (*promQuery, error) {
	p := &promParser{in: in}
	q := &promQuery{}
	p.space()
	if p.eof() {
		return nil, p.fail("no expression found in input")
	}
	if name := p.ident(isMetricStart, isMetricChar); name != "" {
		if name == "bool" || strings.HasPrefix(p.in[p.pos:], "(") {
			return nil, p.failAt(p.pos-len(name), "the simulated Prometheus answers only selectors compared with a number; found %q", name)
		}
		q.matchers = append(q.matchers, promMatcher{label: "__name__", op: "=", value: name})
		p.space()
	}
	if p.peek() == '{' {
		p.pos++
		if err := p.matchers(q); err != nil {
			return nil, err
		}
		p.space()
	}
	if len(q.matchers) == 0 {
		return nil, p.fail("unexpected character: %q", p.peek())
	}
	empty := true
	for _, m := range q.matchers {
		if !m.matches("") {
			empty = false
		}
	}
	if empty {
		return nil, p.failAt(0, "vector selector must contain at least one non-empty matcher")
	}
	if p.eof() {
		return q, nil
	}
	for _, op := range []string{">=", "<=", "==", "!=", ">", "<"} {
		if strings.HasPrefix(p.in[p.pos:], op) {
			q.op = op
			p.pos += len(op)
			break
		}
	}
	if q.op == "" {
		return nil, p.fail("unexpected %q: the simulated Prometheus answers only selectors compared with a number (>, <, >=, <=, ==, !=)", p.peek())
	}
	p.space()
	if strings.HasPrefix(p.in[p.pos:], "bool") {
		return nil, p.fail("the bool modifier is not supported by the simulated Prometheus")
	}
	start := p.pos
	if c := p.peek(); c == '+' || c == '-' {
		p.pos++
	}
	for !p.eof() && (isMetricChar(p.peek()) || p.peek() == '.' || ((p.peek() == '+' || p.peek() == '-') && strings.ContainsRune("eEpP", rune(p.in[p.pos-1])))) {
		p.pos++
	}
	n, err := strconv.ParseFloat(p.in[start:p.pos], 64)
	if err != nil || start == p.pos {
		return nil, p.failAt(start, "want a number after %s, found %q", q.op, p.in[start:p.pos])
	}
	q.number = n
	p.space()
	if !p.eof() {
		return nil, p.fail("unexpected %q after the number", p.peek())
	}
	return q, nil
}

func (p *promParser) matchers(q *promQuery) error {
	for {
		p.space()
		if p.peek() == '}' {
			p.pos++
			return nil
		}
		at := p.pos
		label := p.ident(isLabelStart, isLabelChar)
		if label == "" {
			return p.fail("unexpected character inside braces: %q", p.peek())
		}
		p.space()
		var op string
		for _, o := range []string{"=~", "!~", "!=", "="} {
			if strings.HasPrefix(p.in[p.pos:], o) {
				op = o
				break
			}
		}
		if op == "" {
			return p.fail("unexpected character inside braces after label %s: %q", label, p.peek())
		}
		p.pos += len(op)
		p.space()
		value, err := p.str()
		if err != nil {
			return err
		}
		m := promMatcher{label: label, op: op, value: value}
		if op == "=~" || op == "!~" {
			if m.re, err = regexp.Compile("^(?:" + value + ")$"); err != nil {
				return p.failAt(at, "invalid regular expression in matcher %s: %v", label, err)
			}
		}
		q.matchers = append(q.matchers, m)
		p.space()
		switch p.peek() {
		case ',':
			p.pos++
		case '}':
		default:
			return p.fail("unexpected character inside braces: %q", p.peek())
		}
	}
}

// str reads a quoted string.
func (p *promParser) str() (string, error) {
	start := p.pos
	quote := p.peek()
	if quote != '"' && quote != '\'' && quote != '`' {
		return "", p.fail("want a quoted label value, found %q", p.peek())
	}
	p.pos++
	for !p.eof() && p.peek() != quote {
		if p.peek() == '\\' && quote != '`' {
			p.pos++
		}
		p.pos++
	}
	if p.eof() {
		return "", p.failAt(start, "unterminated quoted string")
	}
	p.pos++
	body := p.in[start+1 : p.pos-1]
	switch quote {
	case '`':
		return body, nil
	case '\'':
		body = strings.ReplaceAll(strings.ReplaceAll(body, `\'`, `'`), `"`, `\"`)
	}
	v, err := strconv.Unquote(`"` + body + `"`)
	if err != nil {
		return "", p.failAt(start, "invalid quoted string %s", p.in[start:p.pos])
	}
	return v, nil
}

func (p *promParser) ident(first, rest func(byte) bool) string {
	start := p.pos
	if p.eof() || !first(p.peek()) {
		return ""
	}
	for !p.eof() && rest(p.peek()) {
		p.pos++
	}
	return p.in[start:p.pos]
}

func (p *promParser) space() {
	for !p.eof() && strings.ContainsRune(" \t\r\n", rune(p.peek())) {
		p.pos++
	}
}

func (p *promParser) eof() bool { return p.pos >= len(p.in) }

func (p *promParser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.in[p.pos]
}

func (p *promParser) fail(format string, args ...any) error { return p.failAt(p.pos, format, args...) }

func (p *promParser) failAt(pos int, format string, args ...any) error {
	return &promParseError{pos: pos, msg: fmt.Sprintf(format, args...)}
}

func isMetricStart(c byte) bool { return isLabelStart(c) || c == ':' }
func isMetricChar(c byte) bool  { return isLabelChar(c) || c == ':' }
func isLabelStart(c byte) bool  { return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
func isLabelChar(c byte) bool   { return isLabelStart(c) || ('0' <= c && c <= '9') }
