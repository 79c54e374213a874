package simulator

import (
	"strings"
	"testing"
	"time"
)

// osWorld is one cluster on 1.34.2 with an Ubuntu pool, a versioned
// Ubuntu2204 pool and a Windows Server 2019 pool, in a region that offers
// 1.35 and images of every family.
func osWorld(t *testing.T) *env {
	t.Helper()
	sc, err := ParseScenario("s.yaml", []byte(`start: 2026-03-02T08:00:00Z
subscriptions:
  - id: 11111111-1111-4111-8111-111111111111
    clusters:
      - name: aks-a
        resourceGroup: rg
        location: westeurope
        nodeOSUpgradeChannel: None
        kubernetesVersion: 1.34.2
        nodePools:
          - {name: system, count: 3}
          - {name: pinned, count: 2, osSKU: Ubuntu2204}
          - {name: win, count: 2, osType: Windows, osSKU: Windows2019, kubernetesVersion: 1.32.5}
regions:
  - name: westeurope
    kubernetesVersions:
      - {version: "1.32", patches: [1.32.5]}
      - {version: "1.33", patches: [1.33.3]}
      - {version: "1.34", patches: [1.34.2]}
      - {version: "1.35", patches: [1.35.1]}
    nodeImages:
      - AKSUbuntu-2204gen2containerd-202603.01.0
      - AKSUbuntu-2404gen2containerd-202603.01.0
      - AKSWindows-2019-containerd-17763.7000.260301
`))
	if err != nil {
		t.Fatal(err)
	}
	return newEnvFrom(t, sc)
}

// At Kubernetes 1.35 a pool on the unversioned Ubuntu SKU moves to Ubuntu
// 24.04's images; a pool pinned to Ubuntu2204 cannot go to 1.35, and
// Windows Server 2019 cannot go past 1.32.
func TestOSFamiliesFollowTheKubernetesVersion(t *testing.T) {
	e := osWorld(t)
	p, err := e.upgradeControlPlane("rg", "aks-a", "1.35.1")
	if err != nil {
		t.Fatal(err)
	}
	for !p.poll(t) {
		e.clock.Advance(5 * time.Minute)
	}
	up, err := e.upgradePool("rg", "aks-a", "system", "1.35.1")
	if err != nil {
		t.Fatal(err)
	}
	for !up.poll(t) {
		e.clock.Advance(5 * time.Minute)
	}
	if img := deref(e.getPool("rg", "aks-a", "system").Properties.NodeImageVersion); img != "AKSUbuntu-2404gen2containerd-202603.01.0" {
		t.Errorf("system pool on 1.35 runs %s, want Ubuntu 24.04's image", img)
	}
	if _, err := e.upgradePool("rg", "aks-a", "pinned", "1.35.1"); err == nil || !strings.Contains(err.Error(), "Ubuntu2204 is not supported on Kubernetes 1.35") {
		t.Errorf("Ubuntu2204 pool to 1.35: %v, want refused", err)
	}
	if _, err := e.upgradePool("rg", "aks-a", "win", "1.33.3"); err == nil || !strings.Contains(err.Error(), "Windows Server 2019 is not supported on Kubernetes 1.33") {
		t.Errorf("Windows2019 pool to 1.33: %v, want refused", err)
	}
}
