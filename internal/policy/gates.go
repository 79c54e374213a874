package policy

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// Gates are a stage's health checks (see aksupgrade.GateKind): what runs
// before each cluster's upgrade (preflight) and after it, through the
// soak (postflight). A policy's top-level gates apply to every stage; a
// stage's own replace them part by part.
type Gates struct {
	// Admin reads clusters with the admin credential
	// (listClusterAdminCredential) instead of the user credential.
	Admin bool
	// Preflight: the mode of each preflight check; a check left out is
	// off.
	Preflight map[aksupgrade.GateKind]aksupgrade.GateMode
	// Nodes is the mode of the nodes check ("" off).
	Nodes aksupgrade.GateMode
	Pods  PodsGate
	// Probes and Queries run from the service.
	Probes  []Probe
	Queries []Query
	// Every is how often postflight gates run during the soak.
	Every time.Duration
	// Surge is the stage's upgradeSettings: the surgeCapacity preflight
	// sizes each pool's surge with the pool's own maxSurge, these where
	// the pool reports none.
	Surge UpgradeSettings
}

// PodsGate checks the pods of Namespaces: Ready, and restarted at most
// MaxRestarts times since the gate first saw them after the upgrade.
type PodsGate struct {
	Mode        aksupgrade.GateMode // "" off
	Namespaces  []string
	MaxRestarts int
}

// Probe is an HTTP check. URL may hold {cluster}, {resourceGroup},
// {subscription} and {location}, replaced for each cluster.
type Probe struct {
	Name         string
	URL          string
	ExpectStatus int
	Timeout      time.Duration
	Mode         aksupgrade.GateMode
}

// Query is a Prometheus instant query, alert style: any series it
// returns is a breach. Query may hold the placeholders of Probe.URL.
type Query struct {
	Name string
	// URL is the Prometheus server (its /api/v1/query is asked), or an
	// Azure Monitor workspace's query endpoint.
	URL string
	// Auth: "none", "bearer" (a token from TokenEnv or TokenFile) or
	// "azure" (the service's Azure identity, for Azure Monitor managed
	// Prometheus).
	Auth      string
	TokenEnv  string
	TokenFile string
	Query     string
	Mode      aksupgrade.GateMode
}

// Defaults of gates left out: what a new user gets without writing
// anything.
const (
	DefaultGateEvery   = 5 * time.Minute
	DefaultMaxRestarts = 3
)

// DefaultGates are the gates of a policy that names none: drain blockers
// and deprecated APIs block before an upgrade, surge capacity warns;
// nodes Ready on the target and kube-system's pods Ready block after it.
func DefaultGates() Gates {
	return Gates{
		Preflight: map[aksupgrade.GateKind]aksupgrade.GateMode{
			aksupgrade.GateDrainBlockers:  aksupgrade.GateBlock,
			aksupgrade.GateDeprecatedAPIs: aksupgrade.GateBlock,
			aksupgrade.GateSurgeCapacity:  aksupgrade.GateWarn,
		},
		Nodes: aksupgrade.GateBlock,
		Pods:  PodsGate{Mode: aksupgrade.GateBlock, Namespaces: []string{"kube-system"}, MaxRestarts: DefaultMaxRestarts},
		Every: DefaultGateEvery,
	}
}

// Any reports whether any gate is on.
func (g Gates) Any() bool {
	return len(g.Preflight) > 0 || g.Nodes != "" || g.Pods.Mode != "" || len(g.Probes) > 0 || len(g.Queries) > 0
}

type gatesDoc struct {
	Access     string         `yaml:"access"`
	Every      string         `yaml:"every"`
	Preflight  *preflightDoc  `yaml:"preflight"`
	Postflight *postflightDoc `yaml:"postflight"`
}

type preflightDoc struct {
	DrainBlockers  string `yaml:"drainBlockers"`
	DeprecatedAPIs string `yaml:"deprecatedAPIs"`
	SurgeCapacity  string `yaml:"surgeCapacity"`
}

type postflightDoc struct {
	Nodes      string     `yaml:"nodes"`
	Pods       *podsDoc   `yaml:"pods"`
	Probes     []probeDoc `yaml:"probes"`
	Prometheus []queryDoc `yaml:"prometheus"`
}

type podsDoc struct {
	Mode        string   `yaml:"mode"`
	Namespaces  []string `yaml:"namespaces"`
	MaxRestarts *int     `yaml:"maxRestarts"`
}

type probeDoc struct {
	Name         string `yaml:"name"`
	URL          string `yaml:"url"`
	ExpectStatus int    `yaml:"expectStatus"`
	Timeout      string `yaml:"timeout"`
	Mode         string `yaml:"mode"`
}

type queryDoc struct {
	Name      string `yaml:"name"`
	URL       string `yaml:"url"`
	Auth      string `yaml:"auth"`
	TokenEnv  string `yaml:"tokenEnv"`
	TokenFile string `yaml:"tokenFile"`
	Query     string `yaml:"query"`
	Mode      string `yaml:"mode"`
}

var (
	placeholderRE = regexp.MustCompile(`\{[^{}]*\}`)
	gateNameRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)
	namespaceRE   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
)

// placeholders are what probe URLs and queries may hold.
var placeholders = map[string]bool{"{cluster}": true, "{resourceGroup}": true, "{subscription}": true, "{location}": true}

// gates builds a stage's gates: base (the policy's, or the defaults)
// with d's parts replacing its own.
func (v *validator) gates(field string, d *gatesDoc, base Gates) Gates {
	if d == nil {
		return base
	}
	g := base
	g.Preflight = map[aksupgrade.GateKind]aksupgrade.GateMode{}
	for k, m := range base.Preflight {
		g.Preflight[k] = m
	}
	switch d.Access {
	case "":
	case "user":
		g.Admin = false
	case "admin":
		g.Admin = true
	default:
		v.bad(field+".access", quote(d.Access), `"user" (listClusterUserCredential, the default) or "admin" (listClusterAdminCredential; clusters with local accounts)`)
	}
	g.Every = v.duration(field+".every", d.Every, base.Every, 24*time.Hour)
	if d.Every != "" && g.Every < time.Minute {
		v.bad(field+".every", quote(d.Every), `a duration from "1m" to "24h"`)
	}
	if p := d.Preflight; p != nil {
		v.preflightMode(g.Preflight, field+".preflight.drainBlockers", aksupgrade.GateDrainBlockers, p.DrainBlockers)
		v.preflightMode(g.Preflight, field+".preflight.deprecatedAPIs", aksupgrade.GateDeprecatedAPIs, p.DeprecatedAPIs)
		v.preflightMode(g.Preflight, field+".preflight.surgeCapacity", aksupgrade.GateSurgeCapacity, p.SurgeCapacity)
	}
	p := d.Postflight
	if p == nil {
		return g
	}
	if p.Nodes != "" {
		g.Nodes = v.gateMode(field+".postflight.nodes", p.Nodes)
	}
	if p.Pods != nil {
		g.Pods = v.pods(field+".postflight.pods", p.Pods)
	}
	if p.Probes != nil {
		g.Probes = nil
		for i := range p.Probes {
			g.Probes = append(g.Probes, v.probe(index(field+".postflight.probes", i), &p.Probes[i]))
		}
	}
	if p.Prometheus != nil {
		g.Queries = nil
		for i := range p.Prometheus {
			g.Queries = append(g.Queries, v.query(index(field+".postflight.prometheus", i), &p.Prometheus[i]))
		}
	}
	v.uniqueNames(field+".postflight", g)
	return g
}

const modesAllowed = `"block" (the cluster waits, or its upgrade fails), "warn" (people are told) or "off"`

// gateMode reads block, warn or off ("" for off).
func (v *validator) gateMode(field, s string) aksupgrade.GateMode {
	switch s {
	case "block", "warn":
		return aksupgrade.GateMode(s)
	case "off":
		return ""
	}
	v.bad(field, quote(s), modesAllowed)
	return ""
}

func (v *validator) preflightMode(m map[aksupgrade.GateKind]aksupgrade.GateMode, field string, k aksupgrade.GateKind, s string) {
	if s == "" {
		return
	}
	if mode := v.gateMode(field, s); mode != "" {
		m[k] = mode
	} else {
		delete(m, k)
	}
}

func (v *validator) pods(field string, d *podsDoc) PodsGate {
	g := PodsGate{Mode: aksupgrade.GateBlock, Namespaces: d.Namespaces, MaxRestarts: DefaultMaxRestarts}
	if d.Mode != "" {
		g.Mode = v.gateMode(field+".mode", d.Mode)
	}
	if len(g.Namespaces) == 0 {
		g.Namespaces = []string{"kube-system"}
	}
	for i, ns := range d.Namespaces {
		if !namespaceRE.MatchString(ns) {
			v.bad(index(field+".namespaces", i), quote(ns), "a Kubernetes namespace name (lower-case letters, digits and '-')")
		}
	}
	if d.MaxRestarts != nil {
		g.MaxRestarts = *d.MaxRestarts
		if g.MaxRestarts < 0 || g.MaxRestarts > 1000 {
			v.bad(field+".maxRestarts", fmt.Sprint(*d.MaxRestarts), "0 to 1000 restarts of a pod since the upgrade")
		}
	}
	return g
}

func (v *validator) gateName(field, name string) {
	if !gateNameRE.MatchString(name) {
		v.bad(field, quote(name), "a name of 1 to 63 letters, digits, '.', '_' or '-', to tell this check apart in messages")
	}
}

// placeholdersIn checks the {…} in s.
func (v *validator) placeholdersIn(field, s string) {
	for _, p := range placeholderRE.FindAllString(s, -1) {
		if !placeholders[p] {
			v.bad(field, quote(s), "text whose placeholders are {cluster}, {resourceGroup}, {subscription} or {location}; "+p+" is none of them")
			return
		}
	}
}

func (v *validator) httpURL(field, s string) {
	withoutPlaceholders := placeholderRE.ReplaceAllString(s, "x")
	u, err := url.Parse(withoutPlaceholders)
	if s == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.bad(field, quote(s), `an http:// or https:// URL, such as "https://{cluster}.apps.example.com/healthz"`)
		return
	}
	v.placeholdersIn(field, s)
}

func (v *validator) probe(field string, d *probeDoc) Probe {
	p := Probe{Name: d.Name, URL: d.URL, ExpectStatus: d.ExpectStatus, Mode: aksupgrade.GateBlock}
	v.gateName(field+".name", d.Name)
	v.httpURL(field+".url", d.URL)
	if p.ExpectStatus == 0 {
		p.ExpectStatus = 200
	} else if p.ExpectStatus < 100 || p.ExpectStatus > 599 {
		v.bad(field+".expectStatus", fmt.Sprint(d.ExpectStatus), "an HTTP status from 100 to 599 (default 200)")
	}
	p.Timeout = 10 * time.Second
	if d.Timeout != "" {
		t, err := ParseDuration(d.Timeout)
		if err != nil || t < time.Second || t > time.Minute {
			v.bad(field+".timeout", quote(d.Timeout), `a duration from "1s" to "1m" (default "10s")`)
		}
		p.Timeout = t
	}
	if d.Mode != "" {
		p.Mode = v.gateMode(field+".mode", d.Mode)
	}
	return p
}

func (v *validator) query(field string, d *queryDoc) Query {
	q := Query{Name: d.Name, URL: d.URL, Auth: d.Auth, TokenEnv: d.TokenEnv, TokenFile: d.TokenFile, Query: d.Query, Mode: aksupgrade.GateBlock}
	v.gateName(field+".name", d.Name)
	v.httpURL(field+".url", d.URL)
	if strings.TrimSpace(d.Query) == "" {
		v.add(field+".query", `found nothing, allowed a PromQL expression that returns series only when something is wrong, such as 'sum(rate(http_requests_total{code=~"5..",cluster="{cluster}"}[5m])) > 1'`)
	} else {
		v.placeholdersIn(field+".query", d.Query)
	}
	switch d.Auth {
	case "", "none":
		q.Auth = "none"
		if d.TokenEnv != "" || d.TokenFile != "" {
			v.add(field+".auth", `found "none" with a token: set auth: bearer to send it`)
		}
	case "bearer":
		v.secret(field, "token", d.TokenEnv, d.TokenFile)
	case "azure":
		if d.TokenEnv != "" || d.TokenFile != "" {
			v.add(field+".auth", `found "azure" with a token: azure signs in with the service's own Azure identity`)
		}
	default:
		v.bad(field+".auth", quote(d.Auth), `"none", "bearer" (tokenEnv or tokenFile) or "azure" (Azure Monitor managed Prometheus, with the service's Azure identity)`)
	}
	if d.Mode != "" {
		q.Mode = v.gateMode(field+".mode", d.Mode)
	}
	return q
}

// uniqueNames: probes and queries are told apart by name.
func (v *validator) uniqueNames(field string, g Gates) {
	seen := map[string]bool{}
	for i, p := range g.Probes {
		if seen[p.Name] && p.Name != "" {
			v.add(index(field+".probes", i)+".name", fmt.Sprintf("found %q twice, allowed a name no other probe or query has", p.Name))
		}
		seen[p.Name] = true
	}
	for i, q := range g.Queries {
		if seen[q.Name] && q.Name != "" {
			v.add(index(field+".prometheus", i)+".name", fmt.Sprintf("found %q twice, allowed a name no other probe or query has", q.Name))
		}
		seen[q.Name] = true
	}
}

// Expand replaces the placeholders of s for cluster c.
func Expand(s string, c aksupgrade.Cluster) string {
	return strings.NewReplacer("{cluster}", c.Name, "{resourceGroup}", c.ResourceGroup,
		"{subscription}", c.SubscriptionID, "{location}", c.Location).Replace(s)
}
