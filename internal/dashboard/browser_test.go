package dashboard_test

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aksupgrade/aksupgrade/internal/app"
	"github.com/aksupgrade/aksupgrade/internal/apptest"
	"github.com/aksupgrade/aksupgrade/internal/auth"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

var screenshots = flag.String("screenshots", "", "write the browser test's screenshots of each page to this directory (default: a temporary one)")

// chromium finds Debian's chromium (or $CHROME); without one the browser
// tests are skipped, except in CI (CI set), where .ci/run installs it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("CHROME"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium on PATH: .ci/run installs Debian's chromium package (apt-get install chromium)")
	}
	t.Skip("no chromium on PATH: apt-get install chromium (or set CHROME) to run the browser tests")
	return ""
}

// browser starts a headless Chromium with a fresh profile; t's cleanup
// stops it.
func browser(t *testing.T, exe string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 1000),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// The browser starts with the first action on this context and lives
	// as long as it: the steps' own deadlines (a minute each: a page that
	// never shows what is awaited fails the test rather than hang it)
	// must not end it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	return ctx
}

// do runs browser actions with a deadline.
func do(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// value runs a browser action that reads something, with a deadline.
func value[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// shot saves a full-page screenshot as name.png.
func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png := value(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// runUntil steps the engine an hour at a time until ok holds of its plan,
// for at most limit of simulated time.
func runUntil(t *testing.T, env *apptest.Env, limit time.Duration, what string, ok func(*planner.Result) bool) {
	t.Helper()
	for spent := time.Duration(0); spent < limit; spent += time.Hour {
		env.Run(t, time.Hour)
		if res, err := env.App.Engine.LastPlan(); err == nil && res != nil && ok(res) {
			return
		}
	}
	t.Fatalf("not within %s of simulated time: %s", limit, what)
}

func halted(stage string) func(*planner.Result) bool {
	return func(res *planner.Result) bool {
		for _, sp := range res.Stages {
			if sp.Name == stage && sp.Halted != "" {
				return true
			}
		}
		return false
	}
}

func awaitsApproval(stage string) func(*planner.Result) bool {
	return func(res *planner.Result) bool {
		for _, sp := range res.Stages {
			for _, tp := range sp.Targets {
				if sp.Name == stage && tp.State == planner.TargetApproval {
					return true
				}
			}
		}
		return false
	}
}

// clearFaults plays the person who fixes what the demo's world breaks.
func clearFaults(env *apptest.Env) {
	for _, f := range env.Sim.Faults() {
		env.Sim.ClearFault(f.ID)
	}
}

// audited tells whether the audit holds an entry of stage by actor whose
// message contains word.
func audited(t *testing.T, env *apptest.Env, stage, actor, word string) bool {
	t.Helper()
	entries, err := env.App.Store.Audit(context.Background(), store.AuditQuery{Stage: stage, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Actor == actor && strings.Contains(strings.ToLower(e.Message), word) {
			return true
		}
	}
	return false
}

// TestDashboardInABrowser drives the dashboard in headless Chromium
// through the demo's story: sign in with a token, watch a page update
// itself while the engine works, see dev halt and retry it with the
// page's button, see the minor wait for approval before prod and approve
// it there: both actions land in the audit as the signed-in person. It
// takes a screenshot of each page along the way (-screenshots DIR keeps
// them).
func TestDashboardInABrowser(t *testing.T) {
	exe := chromium(t)
	dir := *screenshots
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	secret, line, err := auth.NewToken("alice", auth.Operator)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := auth.ParseTokens("test", []byte(line))
	if err != nil {
		t.Fatal(err)
	}
	env := apptest.Start(t, func(o *app.Options) { o.Auth = tokens; o.LiveEvery = 50 * time.Millisecond })
	env.Run(t, 2*time.Hour)
	ctx := browser(t, exe)
	base := env.API.URL

	// Signing in: a page asks for the token, then shows the fleet.
	do(t, ctx, "sign in", chromedp.Navigate(base+"/"), chromedp.WaitVisible(`input[name=token]`))
	loc := value(t, ctx, "location", chromedp.Location())
	if !strings.Contains(loc, "/login") {
		t.Fatalf("an unauthenticated browser is at %s, not the sign-in page", loc)
	}
	shot(t, ctx, dir, "login")
	do(t, ctx, "sign in",
		chromedp.SendKeys(`input[name=token]`, secret),
		chromedp.Submit(`input[name=token]`),
		chromedp.WaitVisible(`section.stage`),
		chromedp.WaitVisible(`.meta .who`),
	)

	// A page open while the engine works updates itself: the same
	// document (the marker survives: no reload) shows the new state.
	value(t, ctx, "mark the document", chromedp.Evaluate[int](`window.marker = 1`))
	// Read in one go in the page: the live script may swap #main any time.
	const mainText = `document.getElementById("main").innerText`
	before := value(t, ctx, "read the fleet", chromedp.Evaluate[string](mainText))
	env.Run(t, 7*time.Hour) // dev upgrading, sandbox soaking
	value(t, ctx, "see the fleet change", chromedp.Poll[bool](`document.body.dataset.updated !== undefined && window.marker === 1`, chromedp.WithPollingTimeout(30*time.Second)))
	after := value(t, ctx, "read the fleet", chromedp.Evaluate[string](mainText))
	if before == after {
		t.Fatal("the fleet page says the same after 7 simulated hours of rollout")
	}
	shot(t, ctx, dir, "fleet-mid-rollout")
	do(t, ctx, "timeline", chromedp.Navigate(base+"/timeline"), chromedp.WaitVisible(`.chart svg`))
	shot(t, ctx, dir, "timeline")
	do(t, ctx, "rollouts", chromedp.Navigate(base+"/rollouts"), chromedp.WaitVisible(`table.rollouts`))
	shot(t, ctx, dir, "rollouts")
	do(t, ctx, "the latest rollout", chromedp.Click(`table.rollouts tbody tr:first-child a`, chromedp.NodeVisible), chromedp.WaitVisible(`table.audit`))
	shot(t, ctx, dir, "rollout")
	do(t, ctx, "events", chromedp.Navigate(base+"/events"), chromedp.WaitVisible(`h1`))
	shot(t, ctx, dir, "events")

	// The standalone chart is a well-formed SVG document: the browser
	// parses it as one (an XML error would make a parsererror page).
	do(t, ctx, "timeline.svg", chromedp.Navigate(base+"/timeline.svg"))
	root := value(t, ctx, "timeline.svg", chromedp.Evaluate[string](`document.documentElement.tagName + (document.querySelector('parsererror') ? ' parsererror' : '')`))
	if root != "svg" {
		t.Fatalf("/timeline.svg in a browser: %q, want an svg document", root)
	}

	// dev halts: the fleet page and the approvals page say so; the fix,
	// then the Retry button.
	runUntil(t, env, 5*24*time.Hour, "dev halts", halted("dev"))
	do(t, ctx, "halted fleet", chromedp.Navigate(base+"/"), chromedp.WaitVisible(`#stage-dev .banner.bad`))
	shot(t, ctx, dir, "fleet-halted")
	do(t, ctx, "halted approvals", chromedp.Navigate(base+"/approvals"), chromedp.WaitVisible(`section.card.halt`))
	shot(t, ctx, dir, "approvals-halted")
	clearFaults(env)
	do(t, ctx, "retry dev",
		chromedp.Click(`form[action="/stages/dev/retry"] button`, chromedp.NodeVisible),
		chromedp.WaitVisible(`.flash.ok`),
	)
	flash := value(t, ctx, "read the confirmation", chromedp.Text(`.flash`))
	if !strings.Contains(flash, "alice") {
		t.Errorf("the retry's confirmation names nobody: %q", flash)
	}
	if !audited(t, env, "dev", "alice", "retr") {
		t.Fatal("the retry clicked in the page is not in the audit as alice's")
	}

	// The minor waits for approval before prod: approve it in the page.
	runUntil(t, env, 10*24*time.Hour, "the minor awaits approval for prod", func(res *planner.Result) bool {
		clearFaults(env) // the test cluster's deprecated API, moved off
		return awaitsApproval("prod")(res)
	})
	do(t, ctx, "approvals", chromedp.Navigate(base+"/approvals"), chromedp.WaitVisible(`section.card.approval`))
	shot(t, ctx, dir, "approvals-waiting")
	do(t, ctx, "fleet awaiting approval", chromedp.Navigate(base+"/"), chromedp.WaitVisible(`section.stage`))
	shot(t, ctx, dir, "fleet-approval-waiting")
	do(t, ctx, "approve",
		chromedp.Navigate(base+"/approvals"),
		chromedp.Click(`section.card.approval form[action$="/approve"] button`, chromedp.NodeVisible),
		chromedp.WaitVisible(`.flash.ok`),
	)
	flash = value(t, ctx, "read the confirmation", chromedp.Text(`.flash`))
	if !strings.Contains(flash, "Approved") || !strings.Contains(flash, "alice") {
		t.Errorf("the approval's confirmation: %q", flash)
	}
	if !audited(t, env, "prod", "alice", "approv") {
		t.Fatal("the approval clicked in the page is not in the audit as alice's")
	}
	hist, err := env.App.Store.History(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	approved := false
	for _, ro := range hist.Rollouts {
		for _, sp := range ro.Stages {
			approved = approved || (sp.Stage == "prod" && sp.Approval != nil && sp.Approval.By == "alice")
		}
	}
	if !approved {
		t.Fatal("the history records no approval of prod by alice")
	}
	t.Logf("screenshots in %s", dir)
}
