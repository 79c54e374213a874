package notify

import (
	"embed"
	"errors"
	"fmt"
	"strings"
	"text/template"
)

// defaultTemplates hold one template per kind, templates/<kind>.tmpl.
//
//go:embed templates/*.tmpl
var defaultTemplates embed.FS

// templateFuncs are the functions templates may call besides
// text/template's: join, list, lower, upper.
func templateFuncs() template.FuncMap {
	return template.FuncMap{"join": strings.Join, "list": list, "lower": strings.ToLower, "upper": strings.ToUpper}
}

// listMax is how many names list shows.
const listMax = 10

// list joins names with ", ", at most listMax of them, and says how many
// more there are: "a, b, c and 12 more".
func list(names []string) string {
	if len(names) <= listMax {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:listMax], ", "), len(names)-listMax)
}

func parseTemplate(kind, text string) (*template.Template, error) {
	t, err := template.New(kind).Funcs(templateFuncs()).Option("missingkey=zero").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("template for %s: %w", kind, err)
	}
	return t, nil
}

// errEmpty: a template wrote nothing (which may depend on the data).
var errEmpty = errors.New("wrote nothing")

// DefaultTemplate returns the embedded template of kind; "" for a kind
// without one.
func DefaultTemplate(kind string) string {
	b, err := defaultTemplates.ReadFile("templates/" + kind + ".tmpl")
	if err != nil {
		return ""
	}
	return string(b)
}

// render writes d with the default template of its kind, keeps that in
// d.Summary and d.Details, and then with the user's template for the
// kind, when there is one.
func render(d TemplateData, o MessageOptions) (string, []string, error) {
	var err error
	d.Summary, d.Details, err = execute(d.Kind, DefaultTemplate(d.Kind), d)
	if err != nil {
		return "", nil, err
	}
	text, ok := o.Templates[d.Kind]
	if !ok {
		return d.Summary, d.Details, nil
	}
	summary, details, err := execute(d.Kind, text, d)
	if err != nil {
		// A user template that fails falls back to the default
		// (MessageOptions.Validate catches most failures up front).
		return d.Summary, d.Details, err
	}
	return summary, details, nil
}

// execute renders one template: its first non-blank line is the summary,
// the other non-blank lines the details, each trimmed.
func execute(kind, text string, d TemplateData) (string, []string, error) {
	t, err := parseTemplate(kind, text)
	if err != nil {
		return "", nil, err
	}
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return "", nil, fmt.Errorf("template for %s: %w", kind, err)
	}
	var lines []string
	for l := range strings.Lines(b.String()) {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return "", nil, fmt.Errorf("template for %s: %w", kind, errEmpty)
	}
	if len(lines) == 1 {
		return lines[0], nil, nil
	}
	return lines[0], lines[1:], nil
}
