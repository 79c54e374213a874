package policy

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Vocabulary is what the notifications of a policy may name that package
// policy does not define: the kinds of message, and which templates of a
// kind render. Package notify has it (notify.Vocabulary); it cannot be
// looked up from here, as notify reads policies.
type Vocabulary struct {
	// Kinds are the kinds of message routes may match and templates may
	// replace.
	Kinds []string
	// CheckTemplate reports why text cannot be the template of kind; nil
	// accepts every template.
	CheckTemplate func(kind, text string) error
}

// vocabulary is the kinds and templates Parse was given to check against;
// without any, every kind and template is taken as written.
type vocabulary []Vocabulary

// unknown reports whether no vocabulary knows kind (false when none was
// given: nothing is checked then).
func (vs vocabulary) unknown(kind string) bool {
	_, ok := vs.find(kind)
	return len(vs) > 0 && !ok
}

// kinds lists every kind, for messages.
func (vs vocabulary) kinds() string {
	var all []string
	for _, v := range vs {
		all = append(all, v.Kinds...)
	}
	return strings.Join(all, ", ")
}

// find returns the vocabulary that knows kind.
func (vs vocabulary) find(kind string) (Vocabulary, bool) {
	for _, v := range vs {
		if slices.Contains(v.Kinds, kind) {
			return v, true
		}
	}
	return Vocabulary{}, false
}

// Severities and group keys a route may name.
var (
	notificationSeverities = []string{"info", "warning", "critical"}
	groupKeys              = []string{"kind", "stage", "cluster", "target"}
)

// Notifications is who is told what, and how.
type Notifications struct {
	// ServerURL, when set, is linked from messages.
	ServerURL string
	Receivers []Receiver
	Routes    []Route
	// Templates override the message template of a kind.
	Templates map[string]string
}

// Receiver is a named destination; exactly one kind is set. Secrets are
// named (environment variables, files), never held in the policy.
type Receiver struct {
	Name    string
	Kind    string // email, slack, teams, webhook, console, shoutrrr
	URLEnv  string
	URLFile string
	Headers map[string]string // header -> environment variable
	Email   *EmailReceiver
}

// EmailReceiver is an SMTP receiver.
type EmailReceiver struct {
	Host                      string
	Port                      int
	Username                  string
	PasswordEnv, PasswordFile string
	From                      string
	To                        []string
	Insecure                  bool
}

// Route sends matching messages to a receiver.
type Route struct {
	Receiver                  string
	Kinds, Stages, Clusters   []string
	Severities                []string
	Continue                  bool
	GroupBy                   []string
	GroupWait, RepeatInterval time.Duration
	MuteTimes                 []MuteTime
}

// MuteTime holds messages back (they are delivered when it ends).
type MuteTime struct {
	Weekdays   []time.Weekday
	Start, End string // "HH:mm"
	Location   *time.Location
}

func (v *validator) notifications(d *notificationsDoc, stages []Stage) *Notifications {
	if d == nil {
		return nil
	}
	n := &Notifications{ServerURL: d.ServerURL, Templates: d.Templates}
	if d.ServerURL != "" {
		if u, err := url.Parse(d.ServerURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.bad("notifications.serverURL", quote(d.ServerURL), "an http or https URL, such as https://aksupgrade.example.com")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(d.Templates)) {
		v.template(k, d.Templates[k])
	}
	names := map[string]bool{}
	for i := range d.Receivers {
		field := index("notifications.receivers", i)
		r := v.receiver(field, &d.Receivers[i])
		if names[r.Name] {
			v.add(field+".name", fmt.Sprintf("found %q again, allowed a name no other receiver has", r.Name))
		}
		names[r.Name] = true
		n.Receivers = append(n.Receivers, r)
	}
	stageNames := make([]string, len(stages))
	for i, s := range stages {
		stageNames[i] = s.Name
	}
	for i := range d.Routes {
		field := index("notifications.routes", i)
		n.Routes = append(n.Routes, v.route(field, &d.Routes[i], names, stageNames))
	}
	return n
}

// template checks the template of kind against the vocabulary.
func (v *validator) template(kind, text string) {
	if v.vocab.unknown(kind) {
		v.bad("notifications.templates", quote(kind), v.vocab.kinds())
		return
	}
	if vocab, ok := v.vocab.find(kind); ok && vocab.CheckTemplate != nil {
		if err := vocab.CheckTemplate(kind, text); err != nil {
			v.add("notifications.templates."+kind, fmt.Sprintf("found a template that cannot render (%v), allowed a Go text/template over the message's fields (.Summary, .Details, .Stage, .Target, .Cluster, ...)", err))
		}
	}
}

func (v *validator) receiver(field string, d *receiverDoc) Receiver {
	r := Receiver{Name: d.Name}
	if !stageNameRE.MatchString(d.Name) {
		v.bad(field+".name", quote(d.Name), "1 to 63 letters, digits, '.', '_' or '-'")
	}
	kinds := 0
	secretURL := func(kind string, u *urlDoc) {
		kinds++
		r.Kind, r.URLEnv, r.URLFile = kind, u.URLEnv, u.URLFile
		v.secret(field+"."+kind, "url", u.URLEnv, u.URLFile)
	}
	if d.Slack != nil {
		secretURL("slack", d.Slack)
	}
	if d.Teams != nil {
		secretURL("teams", d.Teams)
	}
	if d.Shoutrrr != nil {
		secretURL("shoutrrr", d.Shoutrrr)
	}
	if d.Webhook != nil {
		secretURL("webhook", &urlDoc{URLEnv: d.Webhook.URLEnv, URLFile: d.Webhook.URLFile})
		r.Headers = d.Webhook.HeadersEnv
		for h, env := range d.Webhook.HeadersEnv {
			if strings.TrimSpace(h) == "" || strings.TrimSpace(env) == "" {
				v.add(field+".webhook.headersEnv", "found an empty header or variable name, allowed Header-Name: ENV_VAR pairs")
			}
		}
	}
	if d.Console != nil {
		kinds++
		r.Kind = "console"
	}
	if e := d.Email; e != nil {
		kinds++
		r.Kind = "email"
		r.Email = &EmailReceiver{Host: e.Host, Port: e.Port, Username: e.Username, PasswordEnv: e.PasswordEnv, PasswordFile: e.PasswordFile, From: e.From, To: e.To, Insecure: e.Insecure}
		if e.Port == 0 {
			r.Email.Port = 587
		}
		if e.Host == "" {
			v.add(field+".email.host", "found nothing, allowed the SMTP server's host name")
		}
		if !strings.Contains(e.From, "@") {
			v.bad(field+".email.from", quote(e.From), "an e-mail address")
		}
		if len(e.To) == 0 {
			v.add(field+".email.to", "found no address, allowed a list of e-mail addresses")
		}
		for i, to := range e.To {
			if !strings.Contains(to, "@") {
				v.bad(index(field+".email.to", i), quote(to), "an e-mail address")
			}
		}
		if e.Username != "" {
			v.secret(field+".email", "password", e.PasswordEnv, e.PasswordFile)
		}
	}
	if kinds != 1 {
		v.add(field, fmt.Sprintf("found %d receiver kinds, allowed exactly one of email, slack, teams, webhook, console or shoutrrr", kinds))
	}
	return r
}

// secret checks that a secret is named by exactly one of an environment
// variable or a file.
func (v *validator) secret(field, what, env, file string) {
	if (env == "") == (file == "") {
		v.add(field, fmt.Sprintf("found %s, allowed exactly one of %sEnv (an environment variable) or %sFile (a file): secrets are never written in the policy", whatFound(env, file), what, what))
	}
}

func whatFound(env, file string) string {
	if env == "" && file == "" {
		return "neither"
	}
	return "both"
}

func (v *validator) route(field string, d *routeDoc, receivers map[string]bool, stages []string) Route {
	r := Route{Receiver: d.Receiver, Kinds: d.Match.Kinds, Stages: d.Match.Stages, Clusters: d.Match.Clusters, Severities: d.Match.Severities,
		Continue: d.Continue, GroupBy: d.GroupBy}
	if !receivers[d.Receiver] {
		v.bad(field+".receiver", quote(d.Receiver), "the name of a receiver in notifications.receivers")
	}
	for i, k := range d.Match.Kinds {
		if v.vocab.unknown(k) {
			v.bad(index(field+".match.kinds", i), quote(k), v.vocab.kinds())
		}
	}
	for i, s := range d.Match.Stages {
		if !slices.Contains(stages, s) {
			v.bad(index(field+".match.stages", i), quote(s), "a stage of the policy: "+strings.Join(stages, ", "))
		}
	}
	for i, s := range d.Match.Severities {
		if !slices.Contains(notificationSeverities, s) {
			v.bad(index(field+".match.severities", i), quote(s), strings.Join(notificationSeverities, ", "))
		}
	}
	for i, g := range d.GroupBy {
		if !slices.Contains(groupKeys, g) {
			v.bad(index(field+".groupBy", i), quote(g), strings.Join(groupKeys, ", "))
		}
	}
	r.GroupWait = v.duration(field+".groupWait", d.GroupWait, 30*time.Second, 24*time.Hour)
	r.RepeatInterval = v.duration(field+".repeatInterval", d.RepeatInterval, 4*time.Hour, 90*24*time.Hour)
	for i, m := range d.MuteTimes {
		r.MuteTimes = append(r.MuteTimes, v.muteTime(index(field+".muteTimes", i), &m))
	}
	return r
}

func (v *validator) duration(field, s string, def, maxD time.Duration) time.Duration {
	if s == "" {
		return def
	}
	d, err := ParseDuration(s)
	if err != nil || d < 0 || d > maxD {
		v.bad(field, quote(s), fmt.Sprintf(`a duration from "0s" to %q, such as "30s", "5m" or "4h"`, FormatDuration(maxD)))
	}
	return d
}

func (v *validator) muteTime(field string, d *muteTimeDoc) MuteTime {
	m := MuteTime{Start: d.Start, End: d.End, Location: time.UTC}
	days := map[string]time.Weekday{}
	for w := time.Sunday; w <= time.Saturday; w++ {
		days[strings.ToLower(w.String())] = w
	}
	for i, w := range d.Weekdays {
		day, ok := days[strings.ToLower(w)]
		if !ok {
			v.bad(index(field+".weekdays", i), quote(w), "Sunday, Monday, Tuesday, Wednesday, Thursday, Friday or Saturday")
		}
		m.Weekdays = append(m.Weekdays, day)
	}
	for _, p := range []struct{ name, val string }{{"start", d.Start}, {"end", d.End}} {
		if _, err := time.Parse("15:04", p.val); err != nil {
			v.bad(field+"."+p.name, quote(p.val), `a time of day "HH:mm"`)
		}
	}
	if d.TimeZone != "" {
		loc, err := time.LoadLocation(d.TimeZone)
		if err != nil || d.TimeZone == "Local" {
			v.bad(field+".timeZone", quote(d.TimeZone), "an IANA time zone such as Europe/Oslo")
		} else {
			m.Location = loc
		}
	}
	return m
}
