package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/server"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/store/postgres/pgtest"
)

// runMain makes the test binary the aksupgrade command in the processes
// the tests start (the code under test, built once with the tests).
const runMain = "AKSUPGRADE_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMain) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// The world of the replica tests: two stages of two clusters on 1.31.4
// with 1.31.5 available, windows always open, half an hour's soak.
const (
	replicaScenario = `start: 2025-06-02T00:00:00Z
durations: {controlPlane: 20m, nodeBatch: 10m}
subscriptions:
  - id: 6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f
    name: fleet
    clusters:
      - {name: dev-1, resourceGroup: rg-dev, location: westeurope, nodeOSUpgradeChannel: None, kubernetesVersion: 1.31.4, tags: {environment: dev}, nodePools: [{name: system, count: 3}]}
      - {name: dev-2, resourceGroup: rg-dev, location: westeurope, nodeOSUpgradeChannel: None, kubernetesVersion: 1.31.4, tags: {environment: dev}, nodePools: [{name: system, count: 3}]}
      - {name: prod-1, resourceGroup: rg-prod, location: westeurope, nodeOSUpgradeChannel: None, kubernetesVersion: 1.31.4, tags: {environment: prod}, nodePools: [{name: system, count: 3}]}
      - {name: prod-2, resourceGroup: rg-prod, location: westeurope, nodeOSUpgradeChannel: None, kubernetesVersion: 1.31.4, tags: {environment: prod}, nodePools: [{name: system, count: 3}]}
regions:
  - name: westeurope
    kubernetesVersions:
      - {version: "1.31", patches: [1.31.4, 1.31.5], isDefault: true}
    nodeImages: [AKSUbuntu-2204gen2containerd-202502.10.0]
`
	replicaPolicy = `apiVersion: aksupgrade/v1
kubernetes: {channel: patch}
nodeImage: {channel: none}
stages:
  - name: dev
    selector: {tags: {environment: dev}}
    window: {name: anytime, schedule: {daily: {intervalDays: 1}}, durationHours: 24, startTime: "00:00"}
    maxParallel: 2
    soak: 30m
  - name: prod
    selector: {tags: {environment: prod}}
    window: {name: anytime, schedule: {daily: {intervalDays: 1}}, durationHours: 24, startTime: "00:00"}
    maxParallel: 2
    soak: 30m
notifications:
  receivers:
    - name: sink
      webhook: {urlEnv: SINK_URL}
  routes:
    - receiver: sink
      match: {kinds: [rolloutStarted, rolloutCompleted, stageHalted, approvalNeeded]}
`
	// speed of the simulated clock: an hour in 3 real seconds.
	speed = 1200
	// leaseTTL of the replicas, real time.
	leaseTTL = 3 * time.Second
	target   = "1.31.5"
)

// world is one run: the simulator, a database and a notification sink
// shared by the replicas.
type world struct {
	t      *testing.T
	sim    *simulator.Simulator
	arm    *httptest.Server
	clock  string // --simulated-clock
	dir    string
	dsn    string
	mu     sync.Mutex
	posted map[string]int // notification ID -> deliveries
}

func newWorld(t *testing.T) *world {
	t.Helper()
	_, dsn := pgtest.Schema(t)
	sc, err := simulator.ParseScenario("replicas", []byte(replicaScenario))
	if err != nil {
		t.Fatal(err)
	}
	since := time.Now()
	sim, err := simulator.New(simulator.Options{Clock: clock.NewScaledSince(sc.Start, since, speed), Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, sim: sim, dsn: dsn, dir: t.TempDir(), posted: map[string]int{},
		clock: fmt.Sprintf("%s,%s,%d", sc.Start.Format(time.RFC3339Nano), since.Format(time.RFC3339Nano), speed)}
	w.arm = httptest.NewServer(sim.Handler())
	t.Cleanup(w.arm.Close)
	sink := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var ce struct {
			ID string `json:"id"`
		}
		if err := json.NewDecoder(r.Body).Decode(&ce); err != nil || ce.ID == "" {
			http.Error(rw, "want a CloudEvent with an id", http.StatusBadRequest)
			return
		}
		w.mu.Lock()
		w.posted[ce.ID]++
		w.mu.Unlock()
	}))
	t.Cleanup(sink.Close)
	t.Setenv("SINK_URL", sink.URL)
	if err := os.WriteFile(filepath.Join(w.dir, "policy.yaml"), []byte(replicaPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	return w
}

// replica is one `aksupgrade serve` process.
type replica struct {
	name string
	cmd  *exec.Cmd
	api  string // http://127.0.0.1:PORT
	mu   sync.Mutex
	log  strings.Builder
	done chan struct{} // closed when its stderr ends
}

var servingRE = regexp.MustCompile(`msg="aksupgrade serving" api=(http://[^ ]+)/api/v1/status`)

// start runs `aksupgrade serve` against the world, and waits until it
// serves.
func (w *world) start(name string) *replica {
	w.t.Helper()
	cmd := exec.Command(os.Args[0], "serve", "--policy", filepath.Join(w.dir, "policy.yaml"),
		"--listen", "127.0.0.1:0", "--arm-endpoint", w.arm.URL, "--simulated-clock", w.clock,
		"--lease-ttl", leaseTTL.String(), "--poll-interval", "2m", "--observe-interval", "30m", "--log-level", "debug")
	// The DSN from the environment: serve refuses a password on its
	// command line, and CI's server has one.
	cmd.Env = append(os.Environ(), runMain+"=1", "AKSUPGRADE_DB="+w.dsn)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		w.t.Fatal(err)
	}
	r := &replica{name: name, cmd: cmd, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	serving := make(chan string, 1)
	go func() { // ends when the process's stderr closes: when it exits
		defer close(r.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			r.mu.Lock()
			r.log.WriteString(line + "\n")
			r.mu.Unlock()
			if m := servingRE.FindStringSubmatch(line); m != nil {
				serving <- m[1]
			}
		}
	}()
	w.t.Cleanup(func() {
		// Killed if still running; its exit status tells the test nothing.
		_ = cmd.Process.Signal(syscall.SIGCONT)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		<-r.done
		if w.t.Failed() {
			w.t.Logf("log of replica %s:\n%s", name, r.logText())
		}
	})
	select {
	case r.api = <-serving:
	case <-r.done:
		w.t.Fatalf("replica %s exited before serving:\n%s", name, r.logText())
	case <-time.After(30 * time.Second):
		w.t.Fatalf("replica %s does not serve after 30s:\n%s", name, r.logText())
	}
	return r
}

func (r *replica) logText() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log.String()
}

// get reads path of the replica's API; "" when it does not answer.
func (r *replica) get(path string) (int, string) {
	resp, err := http.Get(r.api + path)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, ""
	}
	return resp.StatusCode, string(b)
}

func (r *replica) leads() bool {
	code, body := r.get("/readyz")
	return code == http.StatusOK && strings.Contains(body, "leader: this replica")
}

func (r *replica) status() (server.Status, bool) {
	code, body := r.get("/api/v1/status")
	var st server.Status
	if code != http.StatusOK || json.Unmarshal([]byte(body), &st) != nil {
		return server.Status{}, false
	}
	return st, true
}

// waitFor polls cond, every 50ms of real time, until it holds: the
// processes run on real time, which no test clock can step.
func (w *world) waitFor(what string, limit time.Duration, cond func() bool) time.Duration {
	w.t.Helper()
	start := time.Now()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Since(start) > limit {
			w.t.Fatalf("after %s: still waiting for %s", limit, what)
		}
		<-tick.C
	}
	return time.Since(start)
}

// proven reports whether r's status shows the target proven in prod.
func proven(r *replica) bool {
	st, ok := r.status()
	if !ok {
		return false
	}
	for _, ro := range st.Rollouts {
		if ro.Target.Version != target {
			continue
		}
		for _, sp := range ro.Stages {
			if sp.Stage == "prod" && sp.ProvenAt != nil {
				return true
			}
		}
	}
	return false
}

// delivered reports whether r's outbox holds the message that the
// rollout completed, and has sent everything it holds.
func delivered(r *replica) bool {
	out, ok := r.outbox()
	if !ok {
		return false
	}
	completed := false
	for _, o := range out {
		if o.State != store.OutgoingSent {
			return false
		}
		completed = completed || strings.HasPrefix(o.Key, "rolloutCompleted")
	}
	return completed
}

func (r *replica) outbox() ([]store.Outgoing, bool) {
	code, body := r.get("/api/v1/notifications")
	var n server.Notifications
	if code != http.StatusOK || json.Unmarshal([]byte(body), &n) != nil {
		return nil, false
	}
	return n.Recent, true
}

// done waits until r proved the target in prod and delivered what it
// has to tell.
func (w *world) done(r *replica) {
	w.t.Helper()
	w.waitFor("the rollout to prove "+target+" in prod", 2*time.Minute, func() bool { return proven(r) })
	w.waitFor("the notifications to be delivered", time.Minute, func() bool { return delivered(r) })
}

// activeStep reports whether r's status shows an operation in flight.
func activeStep(r *replica) bool {
	st, ok := r.status()
	return ok && len(st.Steps) > 0
}

// outcome is what a run did: the upgrade requests ARM accepted, by
// resource, the clusters' versions, the stages proven and halted, the
// notifications delivered, by ID, and the outbox's keys.
type outcome struct {
	writes   map[string]int
	versions map[string]string
	proven   []string
	halted   []string
	posted   map[string]int
	outbox   []string
}

func (w *world) outcome(r *replica) outcome {
	w.t.Helper()
	o := outcome{writes: map[string]int{}, versions: map[string]string{}}
	for _, req := range w.sim.Requests() {
		// Upgrades: PUTs and POST actions, but not the credential reads
		// of the gates (listClusterUserCredential is a POST that changes
		// nothing).
		if (req.Method == http.MethodPut || req.Method == http.MethodPost) && req.Status/100 == 2 &&
			!strings.Contains(strings.ToLower(req.Path), "credential") {
			o.writes[req.Method+" "+strings.ToLower(req.Path)]++
		}
	}
	for _, c := range w.sim.Fleet().Clusters {
		o.versions[c.Name] = c.KubernetesVersion
		for _, p := range c.NodePools {
			o.versions[c.Name+"/"+p.Name] = p.KubernetesVersion
		}
	}
	st, ok := r.status()
	if !ok {
		w.t.Fatalf("replica %s gives no status", r.name)
	}
	for _, ro := range st.Rollouts {
		for _, sp := range ro.Stages {
			if sp.ProvenAt != nil {
				o.proven = append(o.proven, ro.Target.Version+" "+sp.Stage)
			}
			if sp.Halt != nil {
				o.halted = append(o.halted, ro.Target.Version+" "+sp.Stage+": "+sp.Halt.Reason)
			}
		}
	}
	slices.Sort(o.proven)
	out, ok := r.outbox()
	if !ok {
		w.t.Fatalf("replica %s gives no outbox", r.name)
	}
	for _, m := range out {
		o.outbox = append(o.outbox, m.Key)
	}
	slices.Sort(o.outbox)
	w.mu.Lock()
	o.posted = maps.Clone(w.posted)
	w.mu.Unlock()
	return o
}

// check compares a run with faults to the uninterrupted one: the same
// resources written, each once; the same versions and proofs; no halt;
// every notification of the outbox delivered once.
func check(t *testing.T, got, want outcome) {
	t.Helper()
	for res, n := range got.writes {
		if n != 1 {
			t.Errorf("%s was accepted %d times; an operation must start once", res, n)
		}
	}
	if !sameKeys(got.writes, want.writes) {
		t.Errorf("writes %v, want those of the uninterrupted run %v", keys(got.writes), keys(want.writes))
	}
	for k, v := range want.versions {
		if got.versions[k] != v {
			t.Errorf("%s is on %q, want %q as in the uninterrupted run", k, got.versions[k], v)
		}
	}
	if !slices.Equal(got.proven, want.proven) {
		t.Errorf("proven %v, want %v", got.proven, want.proven)
	}
	if len(got.halted) > 0 {
		t.Errorf("halts %v, want none", got.halted)
	}
	for id, n := range got.posted {
		if n != 1 {
			t.Errorf("notification %s was delivered %d times, want once", id, n)
		}
	}
	// How messages group depends on real timing; that each one the
	// outbox holds arrived once does not.
	if !slices.Equal(keys(got.posted), got.outbox) {
		t.Errorf("delivered %v, want what the outbox holds: %v", keys(got.posted), got.outbox)
	}
}

func keys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sameKeys(a, b map[string]int) bool { return slices.Equal(keys(a), keys(b)) }

// uninterrupted runs the rollout with one replica, for what the runs
// with faults must match.
func uninterrupted(t *testing.T) outcome {
	w := newWorld(t)
	a := w.start("a")
	w.done(a)
	o := w.outcome(a)
	if len(o.writes) == 0 || len(o.proven) != 2 || len(o.posted) == 0 {
		t.Fatalf("the uninterrupted run wrote %v, proved %v and told %v; want upgrades, two stages proven and notifications", o.writes, o.proven, o.posted)
	}
	t.Logf("uninterrupted: %d upgrade requests, %d notifications", len(o.writes), len(o.posted))
	for k, v := range o.versions {
		if v != target {
			t.Fatalf("after the uninterrupted run %s is on %s, want %s", k, v, target)
		}
	}
	return o
}

// TestReplicas runs two `serve` processes on one PostgreSQL database:
// one leads, the other follows; killed or paused mid-rollout, the leader
// is replaced within the lease's TTL and the rollout ends as an
// uninterrupted one does, nothing done twice.
func TestReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("real processes and real time: skipped with -short")
	}
	want := uninterrupted(t)

	t.Run("kill -9 the leader", func(t *testing.T) {
		w := newWorld(t)
		a := w.start("a")
		w.waitFor("a to lead", 30*time.Second, a.leads)
		b := w.start("b")
		w.waitFor("b to be ready", 30*time.Second, func() bool {
			code, body := b.get("/readyz")
			return code == http.StatusOK && strings.Contains(body, "follows")
		})
		w.waitFor("an operation in flight", time.Minute, func() bool { return activeStep(a) })
		if err := a.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		took := w.waitFor("b to take over", 30*time.Second, b.leads)
		t.Logf("b leads %s after a was killed (lease TTL %s)", took.Round(time.Millisecond), leaseTTL)
		w.done(b)
		check(t, w.outcome(b), want)
	})

	t.Run("SIGSTOP the leader past its lease", func(t *testing.T) {
		w := newWorld(t)
		a := w.start("a")
		w.waitFor("a to lead", 30*time.Second, a.leads)
		b := w.start("b")
		w.waitFor("an operation in flight", time.Minute, func() bool { return activeStep(a) })
		if err := a.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		took := w.waitFor("b to take over", 30*time.Second, b.leads)
		t.Logf("b leads %s after a was stopped (lease TTL %s)", took.Round(time.Millisecond), leaseTTL)
		// b acts as leader: it starts an operation of its own.
		begun := len(w.outcome(b).writes)
		w.waitFor("b to start an operation", time.Minute, func() bool { return len(w.outcome(b).writes) > begun })
		if err := a.cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		w.waitFor("a to follow", 30*time.Second, func() bool {
			code, body := a.get("/readyz")
			return code == http.StatusOK && strings.Contains(body, "follows")
		})
		w.done(b)
		check(t, w.outcome(b), want)
		// Whether a tried to write before it learnt it lost the lease is
		// a race of its timers on waking; when it did, it was refused.
		t.Logf("a's log after waking: %d lines say fenced, %d say the lease lapsed",
			strings.Count(a.logText(), "fenced"), strings.Count(a.logText(), "renewed too long ago"))
		if !b.leads() || a.leads() {
			t.Errorf("after the run: a leads %v, b leads %v; want b alone", a.leads(), b.leads())
		}
	})
}
