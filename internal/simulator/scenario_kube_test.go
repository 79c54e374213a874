package simulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// withCluster adds lines to minimal's cluster (after nodePools).
func withCluster(lines string) string {
	return strings.Replace(minimal, "regions:\n", lines+"regions:\n", 1)
}

func TestParseScenarioClusterAPIErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{{
		name: "legacy Entra ID",
		yaml: withCluster("        aadProfile: {managed: false, tenantID: x}\n"),
		want: []string{
			`s.yaml:12:31: subscriptions[0].clusters[0].aadProfile.managed: only AKS-managed Microsoft Entra ID integration is simulated; set managed: true`,
			`s.yaml:12:48: subscriptions[0].clusters[0].aadProfile.tenantID: found "x", want a tenant GUID`,
		},
	}, {
		name: "local accounts off without Entra ID",
		yaml: withCluster("        disableLocalAccounts: true\n"),
		want: []string{`s.yaml:12:31: subscriptions[0].clusters[0].disableLocalAccounts: local accounts can only be disabled on a cluster with Microsoft Entra ID integration; add aadProfile: {managed: true}`},
	}, {
		name: "workloads",
		yaml: withCluster(`        workloads:
          - {namespace: Shop, name: web, replicas: 3, pool: nope}
          - {namespace: kube-system, name: web, replicas: -1}
          - {namespace: a, name: x, replicas: 1, pdb: {minAvailable: 1, maxUnavailable: 0}}
          - {namespace: a, name: x, replicas: 1, pdb: {minAvailable: -1}}
`),
		want: []string{
			`s.yaml:13:25: subscriptions[0].clusters[0].workloads[0].namespace: found "Shop": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
			`s.yaml:13:61: subscriptions[0].clusters[0].workloads[0].pool: found "nope", want one of the cluster's pools`,
			`s.yaml:14:25: subscriptions[0].clusters[0].workloads[1].namespace: kube-system holds AKS's own pods; put workloads in a namespace of their own`,
			`s.yaml:14:59: subscriptions[0].clusters[0].workloads[1].replicas: found -1, want 0 to 1000`,
			`s.yaml:15:56: subscriptions[0].clusters[0].workloads[2].pdb: a PodDisruptionBudget has exactly one of minAvailable and maxUnavailable`,
			`s.yaml:16:34: subscriptions[0].clusters[0].workloads[3].name: workload a/x is listed twice`,
			`s.yaml:16:70: subscriptions[0].clusters[0].workloads[3].pdb.minAvailable: found -1, want 0 or more`,
		},
	}, {
		name: "cluster API faults",
		yaml: minimal + `faults:
  - {kind: pdbBlocksDrain, cluster: aks-a, namespace: shop, name: web}
  - {kind: nodeNotReady, cluster: aks-a, count: 1}
  - {kind: systemPodCrashLoop, cluster: aks-a, pod: etcd}
  - {kind: appUnavailable}
  - {kind: metricBreach, cluster: aks-a, metric: "error rate"}
  - {kind: deprecatedAPI, resource: flowschemas, removedRelease: next}
  - {kind: throttle, pod: coredns, afterUpgrade: true}
`,
		want: []string{
			`s.yaml:18:67: faults[0].name: no cluster the fault targets has a workload shop/web`,
			`s.yaml:19:6: faults[1].pool: a nodeNotReady fault needs the pool whose node stays NotReady`,
			`s.yaml:19:49: faults[1].count: a nodeNotReady fault lasts until cleared or until its for ends; it has no count`,
			`s.yaml:20:53: faults[2].pod: found "etcd", want one of coredns, konnectivity-agent, kube-proxy, metrics-server or one of their pods' names`,
			`s.yaml:21:6: faults[3].cluster: an appUnavailable fault needs the cluster it happens on`,
			`s.yaml:22:6: faults[4].value: a metricBreach fault needs the value the metric takes`,
			`s.yaml:22:50: faults[4].metric: found "error rate", want a Prometheus metric name such as aks_app_error_ratio`,
			`s.yaml:23:37: faults[5].resource: a deprecated API has a resource and a version (and a group, except the core group)`,
			`s.yaml:23:66: faults[5].removedRelease: found "next", want the minor that removes the API, such as 1.32`,
			`s.yaml:24:27: faults[6].pod: a throttle fault has no pod (only systemPodCrashLoop)`,
			`s.yaml:24:50: faults[6].afterUpgrade: a throttle fault has no afterUpgrade (only nodeNotReady, systemPodCrashLoop, appUnavailable, metricBreach)`,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseScenario("s.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			if diff := cmp.Diff(tt.want, strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAddClusterAPIFaultOverHTTP(t *testing.T) {
	e := newEnv(t, "clusterapi.yaml")
	post := func(f any) (int, string) {
		t.Helper()
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(e.srv.URL+"/simulator/v1/faults", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out bytes.Buffer
		if _, err := out.ReadFrom(resp.Body); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, out.String()
	}
	if code, body := post(map[string]any{"kind": "pdbBlocksDrain", "cluster": "aks-local", "namespace": "shop", "name": "cart"}); code != 400 || !strings.Contains(body, "no cluster the fault targets has a workload shop/cart") {
		t.Errorf("an unknown workload: %d %s", code, body)
	}
	if code, body := post(map[string]any{"kind": "metricBreach", "cluster": "aks-local", "metric": "aks_app_error_ratio", "value": 0.3, "afterUpgrade": false}); code != 201 {
		t.Errorf("a metric breach: %d %s", code, body)
	}
	var faults []FaultStatus
	getJSON(t, e.srv.URL+"/simulator/v1/faults", &faults)
	if len(faults) != 1 || faults[0].Value == nil || *faults[0].Value != 0.3 || faults[0].AfterUpgrade == nil || *faults[0].AfterUpgrade || !faults[0].Active {
		t.Errorf("faults %+v", faults)
	}
}

func TestExampleClusterAPIScenario(t *testing.T) {
	sc, err := LoadScenario("../../examples/scenario-cluster-api.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{Scenario: sc}); err != nil {
		t.Fatal(err)
	}
}
