package notify

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// DefaultDedupWindow is how long a Router remembers the keys it sent.
const DefaultDedupWindow = 14 * 24 * time.Hour

// maxGroupDetails bounds the details of a grouped message.
const maxGroupDetails = 30

// Router routes messages to receivers, groups them, deduplicates them by
// key, delays them through mute times and repeats those that wait on
// people. It has no clock: every call says what time it is, so tests
// step it by hand.
//
// Its state (open groups, keys sent, pending reminders) is in memory.
// After a restart, Restore it from the outbox (what each receiver was
// told, group members included) and add the recent events' messages
// again: those told already are dropped, however they group now, and
// those that wait on people get their reminders back, counting on from
// the last one sent. Messages that waited in a group are told then. Mute
// times survive, as the outbox entry's DueAt.
type Router struct {
	mu     sync.Mutex
	routes []Route
	dedup  time.Duration

	groups map[string]*group
	// sent maps receiver + "\x00" + key to when the key was flushed (or
	// added to a group) for the receiver.
	sent      map[string]time.Time
	reminders []*reminder
	// reminded holds, by receiver + "\x00" + key, the last reminder
	// restored from the outbox.
	reminded map[string]reminded
}

type reminded struct {
	n  int
	at time.Time
}

type group struct {
	id    string
	route int
	first time.Time
	msgs  []Message
	// resolved[i] is set when a message resolving msgs[i] arrived while
	// it waited in the group: it gets no reminders.
	resolved []bool
}

type reminder struct {
	route int
	msg   Message
	next  time.Time
	n     int
}

// NewRouter returns a router over routes, checked with Route.Validate.
func NewRouter(routes []Route) (*Router, error) {
	for i, r := range routes {
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("route %d: %w", i+1, err)
		}
	}
	return &Router{routes: slices.Clone(routes), dedup: DefaultDedupWindow, groups: map[string]*group{}, sent: map[string]time.Time{},
		reminded: map[string]reminded{}}, nil
}

// Receivers returns the receivers the routes name, sorted, for checking
// them against those configured.
func (r *Router) Receivers() []string {
	var out []string
	for _, rt := range r.routes {
		out = append(out, rt.Receiver)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Add routes m at now: it joins the group of each route that takes it,
// unless its receiver got (or is about to get) m.Key already. It also
// ends the reminders m resolves, whether or not a route takes it.
func (r *Router) Add(now time.Time, m Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reminders = slices.DeleteFunc(r.reminders, func(rm *reminder) bool { return resolves(m, rm.msg) })
	for _, g := range r.groups {
		for i, gm := range g.msgs {
			if resolves(m, gm) {
				g.resolved[i] = true
			}
		}
	}
	for i, rt := range r.routes {
		if !rt.Match.Matches(m) {
			continue
		}
		k := sentKey(rt.Receiver, m.Key)
		switch {
		case m.Key == "" || !r.seen(k):
			if m.Key != "" {
				r.sent[k] = now
			}
			gid := r.groupID(i, m)
			g := r.groups[gid]
			if g == nil {
				g = &group{id: gid, route: i, first: now}
				r.groups[gid] = g
			}
			g.msgs = append(g.msgs, m)
			g.resolved = append(g.resolved, false)
		case reminds(m.Kind) && rt.RepeatInterval > 0 && !r.waits(i, m.Key):
			// Told before a restart: the reminders go on from the last.
			last := reminded{at: r.sent[k]}
			if rm, ok := r.reminded[k]; ok {
				last = rm
			}
			r.reminders = append(r.reminders, &reminder{route: i, msg: m, next: last.at.Add(rt.RepeatInterval), n: last.n})
		}
		if !rt.Continue {
			break
		}
	}
}

// waits reports whether the message key of route waits in a group or
// for a reminder.
func (r *Router) waits(route int, key string) bool {
	for _, rm := range r.reminders {
		if rm.route == route && rm.msg.Key == key {
			return true
		}
	}
	for _, g := range r.groups {
		if g.route == route && slices.ContainsFunc(g.msgs, func(m Message) bool { return m.Key == key }) {
			return true
		}
	}
	return false
}

// Restore records that receiver was told m at at (an outbox entry's due
// time): its key, and the keys of the messages it groups, count as sent;
// a reminder's number is where that message's reminders go on from.
func (r *Router) Restore(receiver string, m Message, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if base, n, ok := reminderOf(m.Key); ok {
		k := sentKey(receiver, base)
		if rm, had := r.reminded[k]; !had || n > rm.n {
			r.reminded[k] = reminded{n: n, at: at}
		}
		return
	}
	for _, key := range append([]string{m.Key}, m.Members...) {
		if k := sentKey(receiver, key); key != "" && r.sent[k].Before(at) {
			r.sent[k] = at
		}
	}
}

// reminderKey is the key of a message's n-th reminder.
func reminderKey(key string, n int) string { return fmt.Sprintf("%s/reminder/%d", key, n) }

// reminderOf reads a reminder's key: the message's key and n.
func reminderOf(key string) (string, int, bool) {
	i := strings.LastIndex(key, "/reminder/")
	if i < 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(key[i+len("/reminder/"):])
	if err != nil || n <= 0 {
		return "", 0, false
	}
	return key[:i], n, true
}

func (r *Router) seen(k string) bool {
	_, ok := r.sent[k]
	return ok
}

func sentKey(receiver, key string) string { return receiver + "\x00" + key }

func (r *Router) groupID(route int, m Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", route)
	for _, l := range r.routes[route].GroupBy {
		b.WriteString("\x00" + l + "=" + label(m, l))
	}
	return b.String()
}

// Flush returns what is due at now, for the outbox: each group whose
// GroupWait has passed as one message, and the reminders due. An entry
// whose route is muted at now is due when the mute ends. The order is
// deterministic: by time due, then route, then group.
func (r *Router) Flush(now time.Time) []store.Outgoing {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ready []*group
	for _, g := range r.groups {
		if !now.Before(g.first.Add(r.routes[g.route].GroupWait)) {
			ready = append(ready, g)
		}
	}
	slices.SortFunc(ready, func(a, b *group) int {
		return cmp.Or(a.first.Compare(b.first), cmp.Compare(a.route, b.route), strings.Compare(a.id, b.id))
	})
	var out []store.Outgoing
	for _, g := range ready {
		delete(r.groups, g.id)
		rt := r.routes[g.route]
		due := rt.MutedUntil(now)
		out = append(out, NewOutgoing(rt.Receiver, combine(g, rt), now, due))
		if rt.RepeatInterval <= 0 {
			continue
		}
		for i, m := range g.msgs {
			if reminds(m.Kind) && !g.resolved[i] {
				r.reminders = append(r.reminders, &reminder{route: g.route, msg: m, next: due.Add(rt.RepeatInterval)})
			}
		}
	}
	slices.SortStableFunc(r.reminders, func(a, b *reminder) int { return a.next.Compare(b.next) })
	for _, rm := range r.reminders {
		if now.Before(rm.next) {
			continue
		}
		rt := r.routes[rm.route]
		rm.n++
		m := rm.msg
		m.Key = reminderKey(m.Key, rm.n)
		m.Summary = "Reminder: " + m.Summary
		m.Details = append(slices.Clone(m.Details), "First sent "+m.Time.UTC().Format("2006-01-02 15:04 MST")+"; still waiting.")
		m.Time = now
		due := rt.MutedUntil(now)
		out = append(out, NewOutgoing(rt.Receiver, m, now, due))
		rm.next = due.Add(rt.RepeatInterval)
	}
	for k, at := range r.sent {
		if now.Sub(at) > r.dedup {
			delete(r.sent, k)
		}
	}
	return out
}

// Next returns when Flush will next have something to return; false
// when nothing waits.
func (r *Router) Next() (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var next time.Time
	for _, g := range r.groups {
		if t := g.first.Add(r.routes[g.route].GroupWait); next.IsZero() || t.Before(next) {
			next = t
		}
	}
	for _, rm := range r.reminders {
		if next.IsZero() || rm.next.Before(next) {
			next = rm.next
		}
	}
	return next, !next.IsZero()
}

// Idle reports whether no group holds a message (reminders may wait).
func (r *Router) Idle() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.groups) == 0
}

// NewOutgoing is the outbox entry of m for receiver, created at now and
// due at due.
func NewOutgoing(receiver string, m Message, now, due time.Time) store.Outgoing {
	b, _ := json.Marshal(m) // a Message always encodes
	return store.Outgoing{Receiver: receiver, Key: m.Key, Message: b, CreatedAt: now, DueAt: due}
}

// DecodeMessage reads back the message of an outbox entry.
func DecodeMessage(o store.Outgoing) (Message, error) {
	var m Message
	if err := json.Unmarshal(o.Message, &m); err != nil {
		return Message{}, fmt.Errorf("notification %d: decode message: %w", o.ID, err)
	}
	return m, nil
}

// combine renders a group as one message: itself when alone; else a
// summary counting the messages, the details listing each.
func combine(g *group, rt Route) Message {
	if len(g.msgs) == 1 {
		return g.msgs[0]
	}
	ms := g.msgs
	keys := make([]string, len(ms))
	for i, m := range ms {
		keys[i] = m.Key
	}
	slices.Sort(keys)
	sum := sha256.Sum256([]byte(strings.Join(keys, "\n")))
	out := Message{
		Key:      "group:" + hex.EncodeToString(sum[:12]),
		Members:  keys,
		Kind:     common(ms, func(m Message) string { return m.Kind }, KindGroup),
		Severity: SeverityInfo,
		Stage:    common(ms, func(m Message) string { return m.Stage }, ""),
		Cluster:  common(ms, func(m Message) string { return m.Cluster }, ""),
		Target:   common(ms, func(m Message) string { return m.Target }, ""),
		Link:     common(ms, func(m Message) string { return m.Link }, ""),
	}
	var summaries []string
	for _, m := range ms {
		if rank(m.Severity) > rank(out.Severity) {
			out.Severity = m.Severity
		}
		if m.Time.After(out.Time) {
			out.Time = m.Time
		}
		summaries = append(summaries, m.Summary)
		out.Details = append(out.Details, "• "+m.Summary)
		for _, d := range m.Details {
			out.Details = append(out.Details, "  "+d)
		}
	}
	if len(out.Details) > maxGroupDetails {
		out.Details = append(out.Details[:maxGroupDetails-1:maxGroupDetails-1], fmt.Sprintf("… %d more lines", len(out.Details)-maxGroupDetails+1))
	}
	var about []string
	if out.Stage != "" {
		about = append(about, "stage "+out.Stage)
	}
	if out.Cluster != "" {
		about = append(about, "cluster "+aksupgrade.ClusterName(out.Cluster))
	}
	if out.Target != "" {
		about = append(about, out.Target)
	}
	head := fmt.Sprintf("%d updates", len(ms))
	if len(about) > 0 {
		head += " for " + strings.Join(about, ", ")
	}
	out.Summary = head + ": " + shorten(strings.Join(summaries, "; "), 160)
	return out
}

// common returns the value f gives every message, or none when they
// differ.
func common(ms []Message, f func(Message) string, none string) string {
	v := f(ms[0])
	for _, m := range ms[1:] {
		if f(m) != v {
			return none
		}
	}
	return v
}

func rank(s Severity) int {
	switch s {
	case SeverityCritical:
		return 2
	case SeverityWarning:
		return 1
	}
	return 0
}

// shorten cuts s to at most n runes, ending in "…" when cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
