package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kubectl runs the real kubectl with a kubeconfig from the simulator. It
// is a subprocess: the simulator's manual clock stands still meanwhile.
type kubectl struct {
	t          *testing.T
	bin        string
	kubeconfig string
	cache      string
}

func newKubectl(t *testing.T, kubeconfig []byte) *kubectl {
	t.Helper()
	bin, err := exec.LookPath("kubectl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("kubectl is not on PATH, and CI needs it: %v", err)
		}
		t.Skipf("kubectl is not on PATH (%v); install it to run this test", err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	return &kubectl{t: t, bin: bin, kubeconfig: path, cache: filepath.Join(dir, "cache")}
}

func (k *kubectl) run(args ...string) string {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// A cache of its own: kubectl keeps discovery under --cache-dir.
	cmd := exec.CommandContext(ctx, k.bin, append([]string{"--kubeconfig", k.kubeconfig, "--cache-dir", k.cache}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+filepath.Dir(k.kubeconfig), "KUBECONFIG=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		k.t.Fatalf("kubectl %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

func TestKubectl(t *testing.T) {
	e := newTLSEnv(t, "clusterapi.yaml")
	k := newKubectl(t, e.kubeconfig("rg-a", "aks-local", false))
	hash := nodeHash(t, e, "aks-local")

	nodes := strings.Fields(k.run("get", "nodes", "-o", "name"))
	if len(nodes) != 6 || nodes[0] != "node/aks-apps-"+hash+"-vmss000000" {
		t.Errorf("get nodes -o name: %v", nodes)
	}

	// kubectl get prints the Tables the API answers.
	if table := k.run("get", "nodes"); !strings.HasPrefix(table, "NAME ") || !strings.Contains(table, "STATUS") || strings.Count(table, " Ready ") != 6 || !strings.Contains(table, "v1.30.9") {
		t.Errorf("get nodes:\n%s", table)
	}
	pods := k.run("get", "pods", "-A")
	for _, want := range []string{"RESTARTS", "kube-system", "coredns-", "kube-proxy-", "metrics-server-", "konnectivity-agent-", "shop", "web-", "api-"} {
		if !strings.Contains(pods, want) {
			t.Errorf("get pods -A lacks %q:\n%s", want, pods)
		}
	}
	if got := strings.Count(pods, "\n"); got != 1+2+1+1+6+3+2 {
		t.Errorf("get pods -A: %d lines, want a header and 15 pods:\n%s", got, pods)
	}

	pdbs := k.run("get", "pdb", "-A")
	if !strings.Contains(pdbs, "ALLOWED DISRUPTIONS") || !strings.Contains(pdbs, "web-pdb") || !strings.Contains(pdbs, "api-pdb") {
		t.Errorf("get pdb -A:\n%s", pdbs)
	}
	all := k.run("get", "nodes,pods,pdb", "-A", "-o", "name")
	if strings.Count(all, "node/") != 6 || strings.Count(all, "pod/") != 15 || strings.Count(all, "poddisruptionbudget.policy/") != 2 {
		t.Errorf("get nodes,pods,pdb -A -o name:\n%s", all)
	}

	var v struct {
		ServerVersion struct {
			GitVersion string `json:"gitVersion"`
			Minor      string `json:"minor"`
		} `json:"serverVersion"`
	}
	out := k.run("version", "-o", "json")
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("version -o json: %v\n%s", err, out)
	}
	if v.ServerVersion.GitVersion != "v1.31.4" || v.ServerVersion.Minor != "31" {
		t.Errorf("server version %+v", v.ServerVersion)
	}

	// A node drained by an upgrade shows as such.
	if _, err := e.upgradePool("rg-a", "aks-local", "apps", "1.31.4"); err != nil {
		t.Fatal(err)
	}
	cordoned := k.run("get", "nodes", "--field-selector", "spec.unschedulable=true", "-o", "name")
	if strings.Count(cordoned, "node/") != 2 {
		t.Errorf("cordoned nodes during the upgrade:\n%s", cordoned)
	}
	if table := k.run("get", "nodes"); strings.Count(table, "Ready,SchedulingDisabled") != 2 || !strings.Contains(table, "v1.31.4") {
		t.Errorf("get nodes during the upgrade:\n%s", table)
	}
	if got := len(e.sim.KubernetesRequests("aks-local")); got == 0 {
		t.Error("kubectl's requests were not logged")
	}
}
