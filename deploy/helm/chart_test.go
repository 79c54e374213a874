package helm_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/validation"
	kyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
)

// chartDir is the chart, relative to this package.
const chartDir = "aksupgrade"

// policyText stands for the policy file; the chart only carries it.
const policyText = `apiVersion: aksupgrade/v1
stages:
  - name: prod
    selector:
      tags:
        environment: prod
    window:
      schedule:
        weekly:
          dayOfWeek: Saturday
      durationHours: 6
      startTime: "22:00"
`

// base is what every release needs: a policy, API authentication and the
// identity aksupgrade acts as.
const base = `
policy: |
  apiVersion: aksupgrade/v1
  stages:
    - name: prod
      selector:
        tags:
          environment: prod
      window:
        schedule:
          weekly:
            dayOfWeek: Saturday
        durationHours: 6
        startTime: "22:00"
api:
  tokens:
    existingSecret: aksupgrade-api-tokens
azure:
  workloadIdentity:
    clientID: 00000000-1111-2222-3333-444444444444
`

// The values sets the chart is checked with, on top of base.
const (
	sqliteValues = ``

	postgresValues = `
database:
  postgres:
    existingSecret: aksupgrade-postgres
ingress:
  enabled: true
  className: webapprouting.kubernetes.azure.com
  host: aksupgrade.example.com
  tls:
    - secretName: aksupgrade-tls
      hosts: [aksupgrade.example.com]
serviceMonitor:
  enabled: true
  labels:
    release: prometheus
`

	webhookValues = `
webhook:
  existingSecret: aksupgrade-webhook
  subscriptions: [aks-clusters, aks-maintenance]
  separateListener: true
  ingress:
    enabled: true
    className: nginx
    host: events.example.com
ingress:
  enabled: true
  host: aksupgrade.internal.example.com
tls:
  existingSecret: aksupgrade-serving-cert
api:
  entra:
    tenantID: 72f988bf-86f1-41af-91ab-2d7cd011db47
    audience: api://aksupgrade
    operators: [Aksupgrade.Operator]
    viewers: [Aksupgrade.Viewer]
serviceMonitor:
  enabled: true
`

	postgresDSNValues = `
database:
  postgres:
    dsn: postgres://aksupgrade@pg.example.com:5432/aksupgrade?sslmode=verify-full
    passwordSecret:
      name: aksupgrade-pg-password
extraEnv:
  - name: SLACK_WEBHOOK_URL
    valueFrom:
      secretKeyRef: {name: aksupgrade-notify, key: slack-url}
envFromSecrets: [aksupgrade-notify-env]
`
)

// manifest is one rendered release: its objects decoded strictly.
type manifest struct {
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	accounts    []*corev1.ServiceAccount
	configMaps  []*corev1.ConfigMap
	claims      []*corev1.PersistentVolumeClaim
	ingresses   []*networkingv1.Ingress
	budgets     []*policyv1.PodDisruptionBudget
	monitors    []*unstructured.Unstructured
	notes       string
}

func TestChartSQLite(t *testing.T) {
	m := mustRender(t, sqliteValues)
	d := m.deployment(t)
	checkPod(t, m, d)
	if got := *d.Spec.Replicas; got != 1 {
		t.Errorf("SQLite: replicas = %d, want 1", got)
	}
	if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("SQLite: strategy %q, want Recreate (never two pods on the database file)", d.Spec.Strategy.Type)
	}
	if len(m.budgets) != 0 {
		t.Errorf("one replica: a PodDisruptionBudget would block node drains")
	}
	c := container(t, d)
	wantArg(t, c, "--db=/var/lib/aksupgrade/state.db")
	wantArg(t, c, "--listen=0.0.0.0:8080")
	mount := mountOf(t, d, "/var/lib/aksupgrade/state.db")
	v := volume(t, d, mount.Name)
	if v.PersistentVolumeClaim == nil {
		t.Fatalf("the database is on volume %q, not a PersistentVolumeClaim", v.Name)
	}
	if len(m.claims) != 1 || m.claims[0].Name != v.PersistentVolumeClaim.ClaimName {
		t.Errorf("the claim %q is not rendered (claims: %d)", v.PersistentVolumeClaim.ClaimName, len(m.claims))
	} else if m.claims[0].Annotations["helm.sh/resource-policy"] != "keep" {
		t.Errorf("the database claim is deleted with the release")
	}
	if slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == "webhook" }) {
		t.Errorf("a webhook port without webhook.separateListener")
	}
	if env := envVar(c, "AKSUPGRADE_DB"); env != nil {
		t.Errorf("SQLite: AKSUPGRADE_DB is set")
	}
	if !strings.Contains(m.notes, "SQLite allows exactly ONE replica") {
		t.Errorf("NOTES.txt does not say that SQLite allows one replica:\n%s", m.notes)
	}
	if len(m.ingresses)+len(m.monitors) != 0 {
		t.Errorf("Ingress or ServiceMonitor rendered by default")
	}
}

func TestChartPostgres(t *testing.T) {
	m := mustRender(t, postgresValues)
	d := m.deployment(t)
	checkPod(t, m, d)
	checkReplicas(t, m, d)
	if len(m.claims) != 0 {
		t.Errorf("PostgreSQL: a PersistentVolumeClaim is rendered")
	}
	c := container(t, d)
	// serve takes the DSN from AKSUPGRADE_DB; a password in --db (on the
	// command line, where ps shows it) is refused.
	if db := argValue(c, "--db"); db != "" {
		t.Errorf("PostgreSQL: --db=%s on the command line; want the DSN from AKSUPGRADE_DB alone", db)
	}
	wantSecretEnv(t, c, "AKSUPGRADE_DB", "aksupgrade-postgres", "dsn")
	if len(m.ingresses) != 1 {
		t.Fatalf("%d Ingresses, want 1", len(m.ingresses))
	}
	checkIngress(t, m, m.ingresses[0], "aksupgrade.example.com", "/", "http")
	if len(m.monitors) != 1 {
		t.Fatalf("%d ServiceMonitors, want 1", len(m.monitors))
	}
	checkMonitor(t, m, m.monitors[0], "http")
	if got := m.monitors[0].GetLabels()["release"]; got != "prometheus" {
		t.Errorf("ServiceMonitor label release = %q, want the value's", got)
	}
}

func TestChartPostgresDSN(t *testing.T) {
	m := mustRender(t, postgresDSNValues)
	d := m.deployment(t)
	checkPod(t, m, d)
	checkReplicas(t, m, d)
	c := container(t, d)
	if db := argValue(c, "--db"); db != "" {
		t.Errorf("PostgreSQL: --db=%s on the command line; want the DSN from AKSUPGRADE_DB alone", db)
	}
	db := envVar(c, "AKSUPGRADE_DB")
	if db == nil || db.Value != "postgres://aksupgrade@pg.example.com:5432/aksupgrade?sslmode=verify-full" {
		t.Errorf("AKSUPGRADE_DB = %+v, want the DSN without its password", db)
	}
	wantSecretEnv(t, c, "PGPASSWORD", "aksupgrade-pg-password", "password")
	wantSecretEnv(t, c, "SLACK_WEBHOOK_URL", "aksupgrade-notify", "slack-url")
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef == nil || c.EnvFrom[0].SecretRef.Name != "aksupgrade-notify-env" {
		t.Errorf("envFrom = %+v, want the Secret aksupgrade-notify-env", c.EnvFrom)
	}
}

func TestChartWebhookListener(t *testing.T) {
	m := mustRender(t, webhookValues)
	d := m.deployment(t)
	checkPod(t, m, d)
	c := container(t, d)
	wantArg(t, c, "--webhook-listen=0.0.0.0:8081")
	wantArg(t, c, "--tls-cert=/etc/aksupgrade/tls/tls.crt")
	wantArg(t, c, "--tls-key=/etc/aksupgrade/tls/tls.key")
	for _, file := range []string{"/etc/aksupgrade/tls/tls.crt", "/etc/aksupgrade/tls/tls.key"} {
		mount := mountOf(t, d, file)
		if mount.SubPath != "" {
			t.Errorf("%s is mounted with subPath: a renewed certificate would never reach the pod", file)
		}
		if v := volume(t, d, mount.Name); v.Secret == nil || v.Secret.SecretName != "aksupgrade-serving-cert" {
			t.Errorf("%s is not from the Secret aksupgrade-serving-cert", file)
		}
	}
	for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
		if p.HTTPGet.Scheme != corev1.URISchemeHTTPS {
			t.Errorf("probe %s: scheme %q, want HTTPS with --tls-cert", p.HTTPGet.Path, p.HTTPGet.Scheme)
		}
	}
	if !slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == "webhook" && p.ContainerPort == 8081 }) {
		t.Errorf("no container port webhook 8081: %+v", c.Ports)
	}
	wantSecretEnv(t, c, "AKSUPGRADE_WEBHOOK_SECRET", "aksupgrade-webhook", "secret")
	for name, want := range map[string]string{
		"AKSUPGRADE_WEBHOOK_SUBSCRIPTIONS": "aks-clusters,aks-maintenance",
		"AKSUPGRADE_API_ENTRA_TENANT_ID":   "72f988bf-86f1-41af-91ab-2d7cd011db47",
		"AKSUPGRADE_API_ENTRA_AUDIENCE":    "api://aksupgrade",
		"AKSUPGRADE_API_ENTRA_OPERATORS":   "Aksupgrade.Operator",
		"AKSUPGRADE_API_ENTRA_VIEWERS":     "Aksupgrade.Viewer",
	} {
		if e := envVar(c, name); e == nil || e.Value != want {
			t.Errorf("%s = %+v, want %q", name, e, want)
		}
	}
	svc := m.service(t)
	if !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool {
		return p.Name == "webhook" && p.Port == 8081 && p.TargetPort.StrVal == "webhook"
	}) {
		t.Errorf("the Service has no port webhook 8081: %+v", svc.Spec.Ports)
	}
	if len(m.ingresses) != 2 {
		t.Fatalf("%d Ingresses, want 2 (API and webhook)", len(m.ingresses))
	}
	for _, ing := range m.ingresses {
		if strings.HasSuffix(ing.Name, "-webhook") {
			checkIngress(t, m, ing, "events.example.com", "/webhooks/eventgrid", "webhook")
			if pt := *ing.Spec.Rules[0].HTTP.Paths[0].PathType; pt != networkingv1.PathTypeExact {
				t.Errorf("webhook Ingress: pathType %q, want Exact (the webhook alone)", pt)
			}
		} else {
			checkIngress(t, m, ing, "aksupgrade.internal.example.com", "/", "http")
		}
	}
	checkMonitor(t, m, m.monitors[0], "https")
	if !strings.Contains(m.notes, "https://events.example.com/webhooks/eventgrid?code=") {
		t.Errorf("NOTES.txt does not give the webhook's endpoint:\n%s", m.notes)
	}
}

// TestChartRefuses: values that could not work, or that would put a
// secret into the chart, fail the render with a message naming the value.
func TestChartRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, values, want string
	}{
		{"SQLite with two replicas", "replicas: 2", "SQLite allows exactly one replica"},
		{"a password in the DSN", "database: {postgres: {dsn: 'postgres://aksupgrade:hunter2@pg:5432/db'}}", "holds a password"},
		{"a password in a key=value DSN", "database: {postgres: {dsn: 'host=pg user=aksupgrade password=hunter2'}}", "holds a password"},
		{"two ways to the DSN", "database: {postgres: {existingSecret: pg, dsn: 'postgres://aksupgrade@pg/db'}}", "not both"},
		{"no authentication", "api: {tokens: {existingSecret: ''}}", "the API needs authentication"},
		{"half of Entra ID", "api: {entra: {tenantID: t}}", "api.entra needs both"},
		{"Entra ID without roles", "api: {entra: {tenantID: t, audience: a}}", "operators"},
		{"no policy", "policy: ''", "set policy"},
		{"a webhook listener without a webhook", "webhook: {separateListener: true}", "the webhook is off"},
		{"no identity", "azure: {workloadIdentity: {clientID: ''}}", "azure.workloadIdentity.clientID"},
		{"an unknown value", "replica: 2", "replica"},
		{"a value of the wrong type", "api: {port: '8080'}", "port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := render(tc.values)
			if err == nil {
				t.Fatalf("rendered; want an error saying %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

// TestStrictDecoding: the decoding below refuses an unknown field, so a
// misspelt or misplaced field in a template cannot pass unnoticed.
func TestStrictDecoding(t *testing.T) {
	doc := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replica: 2\n"
	if _, err := decode("test.yaml", doc); err == nil || !strings.Contains(err.Error(), "replica") {
		t.Errorf("an unknown field decoded: %v", err)
	}
	doc = "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: x}\nspec:\n  endpoints: [{port: http, intervall: 1m}]\n"
	if _, err := decode("test.yaml", doc); err == nil || !strings.Contains(err.Error(), "intervall") {
		t.Errorf("an unknown ServiceMonitor field decoded: %v", err)
	}
}

// checkPod checks what every release promises of its pods.
func checkPod(t *testing.T, m *manifest, d *appsv1.Deployment) {
	t.Helper()
	pod := d.Spec.Template
	if sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err != nil || !sel.Matches(labels.Set(pod.Labels)) {
		t.Errorf("the Deployment's selector %v does not select its pods %v", d.Spec.Selector, pod.Labels)
	}
	// Azure workload identity.
	if got := pod.Labels["azure.workload.identity/use"]; got != "true" {
		t.Errorf(`pod label azure.workload.identity/use = %q, want "true"`, got)
	}
	sa := m.account(t, pod.Spec.ServiceAccountName)
	if got := sa.Annotations["azure.workload.identity/client-id"]; got != "00000000-1111-2222-3333-444444444444" {
		t.Errorf("ServiceAccount annotation azure.workload.identity/client-id = %q", got)
	}
	if pod.Spec.AutomountServiceAccountToken == nil || *pod.Spec.AutomountServiceAccountToken {
		t.Errorf("the pod mounts a Kubernetes API token it has no use for")
	}

	// Security contexts.
	psc := pod.Spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 ||
		psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext %+v: want runAsNonRoot, a non-root runAsUser and seccomp RuntimeDefault", psc)
	}
	c := container(t, d)
	sc := c.SecurityContext
	switch {
	case sc == nil:
		t.Fatalf("container %s has no securityContext", c.Name)
	case sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot:
		t.Errorf("container: runAsNonRoot not true")
	case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Errorf("container: readOnlyRootFilesystem not true")
	case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Errorf("container: allowPrivilegeEscalation not false")
	case sc.Privileged != nil && *sc.Privileged:
		t.Errorf("container: privileged")
	case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0:
		t.Errorf("container: capabilities %+v, want drop [ALL] and no add", sc.Capabilities)
	case sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault:
		t.Errorf("container: seccompProfile not RuntimeDefault")
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("container resources %+v: want CPU and memory requests and a memory limit", c.Resources)
	}

	// Probes, on the API's port.
	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{
		{"liveness", c.LivenessProbe, "/healthz"},
		{"readiness", c.ReadinessProbe, "/readyz"},
		{"startup", c.StartupProbe, "/healthz"},
	} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("no %s probe over HTTP", p.name)
			continue
		}
		if p.probe.HTTPGet.Path != p.path {
			t.Errorf("%s probe: path %q, want %q", p.name, p.probe.HTTPGet.Path, p.path)
		}
		if !slices.ContainsFunc(c.Ports, func(cp corev1.ContainerPort) bool { return cp.Name == p.probe.HTTPGet.Port.StrVal }) {
			t.Errorf("%s probe: port %q is not a port of the container", p.name, p.probe.HTTPGet.Port.String())
		}
	}

	// The command line: serve, the policy from the ConfigMap, the API on
	// every address, the token file from its Secret.
	if len(c.Args) == 0 || c.Args[0] != "serve" {
		t.Errorf("args %q do not start with serve", c.Args)
	}
	wantArg(t, c, "--policy=/etc/aksupgrade/policy.yaml")
	mount := mountOf(t, d, "/etc/aksupgrade/policy.yaml")
	v := volume(t, d, mount.Name)
	if v.ConfigMap == nil {
		t.Fatalf("the policy is on volume %q, not a ConfigMap", v.Name)
	}
	cm := m.configMap(t, v.ConfigMap.Name)
	if got := cm.Data[mount.SubPath]; got != policyText {
		t.Errorf("the policy ConfigMap holds %q; want the policy value as given:\n%s", mount.SubPath, got)
	}
	if pod.Annotations["checksum/policy"] == "" {
		t.Errorf("no checksum/policy annotation: a new policy would not restart the pods")
	}
	if tokens := argValue(c, "--tokens-file"); tokens != "" {
		v := volume(t, d, mountOf(t, d, tokens).Name)
		if v.Secret == nil || v.Secret.SecretName != "aksupgrade-api-tokens" {
			t.Errorf("--tokens-file %s is not from the Secret aksupgrade-api-tokens", tokens)
		} else if mode := v.Secret.DefaultMode; mode == nil || *mode != 0o440 {
			t.Errorf("the tokens Secret's files have mode %v, want 0440 (readable by the pod's group only)", mode)
		}
	} else if envVar(c, "AKSUPGRADE_API_ENTRA_TENANT_ID") == nil {
		t.Errorf("the API has neither --tokens-file nor Entra ID")
	}
	if slices.Contains(c.Args, "--insecure-no-auth") {
		t.Errorf("--insecure-no-auth without api.insecureNoAuth")
	}
	if !slices.ContainsFunc(c.VolumeMounts, func(vm corev1.VolumeMount) bool { return vm.MountPath == "/tmp" && !vm.ReadOnly }) {
		t.Errorf("no writable /tmp on a read-only root file system")
	}

	// Secrets by reference only: no Secret object, and every variable
	// that carries one comes from a Secret.
	for _, e := range c.Env {
		secretish := strings.Contains(e.Name, "SECRET") || strings.Contains(e.Name, "PASSWORD") ||
			e.Name == "AKSUPGRADE_API_TOKENS" || e.Name == "AZURE_CLIENT_SECRET"
		if secretish && (e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
			t.Errorf("env %s is not read from a Secret", e.Name)
		}
		if e.Name == "AKSUPGRADE_DB" && e.ValueFrom == nil && regexp.MustCompile(`://[^/@]*:[^/@]*@|password=`).MatchString(e.Value) {
			t.Errorf("AKSUPGRADE_DB holds a password")
		}
	}

	// The Service reaches the pods on ports they have.
	svc := m.service(t)
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(pod.Labels)) || len(svc.Spec.Selector) == 0 {
		t.Errorf("the Service's selector %v does not select the pods %v", svc.Spec.Selector, pod.Labels)
	}
	for _, p := range svc.Spec.Ports {
		if !slices.ContainsFunc(c.Ports, func(cp corev1.ContainerPort) bool { return cp.Name == p.TargetPort.StrVal }) {
			t.Errorf("Service port %s: targetPort %q is not a port of the container", p.Name, p.TargetPort.String())
		}
	}
	if !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == "http" && p.Port == 8080 }) {
		t.Errorf("the Service has no port http 8080")
	}
}

// checkReplicas: on PostgreSQL, two pods by default (one leads, by the
// lease), rolled one at a time with a ready one kept, and a
// PodDisruptionBudget of the pods that keeps one while nodes drain.
func checkReplicas(t *testing.T, m *manifest, d *appsv1.Deployment) {
	t.Helper()
	if got := *d.Spec.Replicas; got != 2 {
		t.Errorf("replicas = %d, want 2", got)
	}
	ru := d.Spec.Strategy.RollingUpdate
	if d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
		t.Errorf("strategy %+v, want RollingUpdate with maxUnavailable 0", d.Spec.Strategy)
	}
	if len(m.budgets) != 1 {
		t.Fatalf("%d PodDisruptionBudgets, want 1", len(m.budgets))
	}
	b := m.budgets[0]
	if b.Spec.MinAvailable == nil || b.Spec.MinAvailable.IntValue() != 1 || b.Spec.MaxUnavailable != nil {
		t.Errorf("PodDisruptionBudget: minAvailable %v, maxUnavailable %v; want minAvailable 1", b.Spec.MinAvailable, b.Spec.MaxUnavailable)
	}
	sel, err := metav1.LabelSelectorAsSelector(b.Spec.Selector)
	if err != nil || sel.Empty() || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("the PodDisruptionBudget's selector %v does not select the pods %v (%v)", b.Spec.Selector, d.Spec.Template.Labels, err)
	}
	wantArg(t, container(t, d), "--lease-ttl=15s")
}

func checkIngress(t *testing.T, m *manifest, ing *networkingv1.Ingress, host, path, port string) {
	t.Helper()
	svc := m.service(t)
	if len(ing.Spec.Rules) != 1 || ing.Spec.Rules[0].HTTP == nil || len(ing.Spec.Rules[0].HTTP.Paths) != 1 {
		t.Fatalf("Ingress %s: want one rule with one path: %+v", ing.Name, ing.Spec.Rules)
	}
	r := ing.Spec.Rules[0]
	p := r.HTTP.Paths[0]
	if r.Host != host || p.Path != path {
		t.Errorf("Ingress %s: %s%s, want %s%s", ing.Name, r.Host, p.Path, host, path)
	}
	b := p.Backend.Service
	if b == nil || b.Name != svc.Name || b.Port.Name != port {
		t.Errorf("Ingress %s: backend %+v, want Service %s port %s", ing.Name, b, svc.Name, port)
	} else if !slices.ContainsFunc(svc.Spec.Ports, func(sp corev1.ServicePort) bool { return sp.Name == b.Port.Name }) {
		t.Errorf("Ingress %s: the Service has no port %s", ing.Name, b.Port.Name)
	}
}

// serviceMonitor is the part of monitoring.coreos.com/v1 ServiceMonitor
// the chart writes, for a strict decoding (the type is not in client-go).
type serviceMonitor struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       struct {
		Selector  metav1.LabelSelector `json:"selector"`
		Endpoints []struct {
			Port          string         `json:"port"`
			Path          string         `json:"path"`
			Scheme        string         `json:"scheme"`
			Interval      string         `json:"interval"`
			ScrapeTimeout string         `json:"scrapeTimeout"`
			TLSConfig     map[string]any `json:"tlsConfig"`
		} `json:"endpoints"`
	} `json:"spec"`
}

// promDuration is the CRD's pattern of a Prometheus duration.
var promDuration = regexp.MustCompile(`^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$`)

func checkMonitor(t *testing.T, m *manifest, u *unstructured.Unstructured, scheme string) {
	t.Helper()
	svc := m.service(t)
	sel, found, err := unstructured.NestedStringMap(u.Object, "spec", "selector", "matchLabels")
	if err != nil || !found || len(sel) == 0 || !labels.SelectorFromSet(sel).Matches(labels.Set(svc.Labels)) {
		t.Errorf("ServiceMonitor: spec.selector.matchLabels %v does not select the Service (labels %v)", sel, svc.Labels)
	}
	eps, _, err := unstructured.NestedSlice(u.Object, "spec", "endpoints")
	if err != nil || len(eps) != 1 {
		t.Fatalf("ServiceMonitor: want one endpoint, have %v (%v)", eps, err)
	}
	ep, ok := eps[0].(map[string]any)
	if !ok {
		t.Fatalf("ServiceMonitor: endpoint %v is not an object", eps[0])
	}
	want := map[string]string{"port": "http", "path": "/metrics", "scheme": scheme}
	for k, v := range want {
		if ep[k] != v {
			t.Errorf("ServiceMonitor endpoint %s = %v, want %q", k, ep[k], v)
		}
	}
	for _, k := range []string{"interval", "scrapeTimeout"} {
		if s, _ := ep[k].(string); !promDuration.MatchString(s) || s == "" {
			t.Errorf("ServiceMonitor endpoint %s = %v: not a Prometheus duration", k, ep[k])
		}
	}
}

// mustRender renders the chart with base and values.
func mustRender(t *testing.T, values string) *manifest {
	t.Helper()
	m, err := render(values)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// render renders the chart as `helm install` would, with the values of
// base and then values, and decodes every object strictly.
func render(values string) (*manifest, error) {
	ch, err := loader.Load(chartDir)
	if err != nil {
		return nil, err
	}
	vals, err := chartutil.ReadValues([]byte(base))
	if err != nil {
		return nil, fmt.Errorf("base values: %w", err)
	}
	over, err := chartutil.ReadValues([]byte(values))
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	merged := chartutil.CoalesceTables(over.AsMap(), vals.AsMap())
	top, err := chartutil.ToRenderValues(ch, merged, chartutil.ReleaseOptions{
		Name: "prod", Namespace: "aksupgrade", Revision: 1, IsInstall: true,
	}, nil)
	if err != nil {
		return nil, err
	}
	// Strict: a template that reads a value the values do not have fails.
	out, err := engine.Engine{Strict: true}.Render(ch, top)
	if err != nil {
		return nil, err
	}
	return decodeAll(ch, out)
}

func decodeAll(ch *chart.Chart, out map[string]string) (*manifest, error) {
	m := &manifest{}
	names := make([]string, 0, len(out))
	for name := range out {
		names = append(names, name)
	}
	sort.Strings(names)
	seen := map[string]string{}
	for _, name := range names {
		text := out[name]
		if path.Base(name) == "NOTES.txt" {
			m.notes = text
			continue
		}
		if !strings.HasSuffix(name, ".yaml") {
			return nil, fmt.Errorf("%s: a template the check does not know", name)
		}
		for i, doc := range splitDocuments(text) {
			obj, err := decode(fmt.Sprintf("%s#%d", name, i), doc)
			if err != nil {
				return nil, err
			}
			meta, err := metaOf(obj)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			if err := checkMeta(ch, meta); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			key := fmt.Sprintf("%T/%s", obj, meta.GetName())
			if prev, ok := seen[key]; ok {
				return nil, fmt.Errorf("%s: %s is also made by %s", name, key, prev)
			}
			seen[key] = name
			switch o := obj.(type) {
			case *appsv1.Deployment:
				m.deployments = append(m.deployments, o)
			case *corev1.Service:
				m.services = append(m.services, o)
			case *corev1.ServiceAccount:
				m.accounts = append(m.accounts, o)
			case *corev1.ConfigMap:
				m.configMaps = append(m.configMaps, o)
			case *corev1.PersistentVolumeClaim:
				m.claims = append(m.claims, o)
			case *networkingv1.Ingress:
				m.ingresses = append(m.ingresses, o)
			case *policyv1.PodDisruptionBudget:
				m.budgets = append(m.budgets, o)
			case *unstructured.Unstructured:
				m.monitors = append(m.monitors, o)
			default:
				// A Secret among them would be a secret value in the chart.
				return nil, fmt.Errorf("%s: the chart makes a %T, which this check does not know", name, obj)
			}
		}
	}
	return m, nil
}

// documentSep splits a multi-document YAML stream.
var documentSep = regexp.MustCompile(`(?m)^---[ \t]*$`)

// splitDocuments returns the non-empty documents of a template's output
// (a template that renders nothing, or only comments, has none).
func splitDocuments(text string) []string {
	var docs []string
	for _, d := range documentSep.Split(text, -1) {
		empty := true
		for _, line := range strings.Split(d, "\n") {
			if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
				empty = false
				break
			}
		}
		if !empty {
			docs = append(docs, d)
		}
	}
	return docs
}

// decoder decodes YAML into client-go's types, refusing unknown and
// duplicate fields.
var decoder = kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme.Scheme, scheme.Scheme,
	kjson.SerializerOptions{Yaml: true, Strict: true})

// decode decodes one object strictly: a type client-go knows into that
// type, a ServiceMonitor against the fields the chart writes.
func decode(name, doc string) (runtime.Object, error) {
	js, err := kyaml.ToJSON([]byte(doc))
	if err != nil {
		return nil, fmt.Errorf("%s: not YAML: %w", name, err)
	}
	gvk, err := kjson.DefaultMetaFactory.Interpret(js)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if gvk.Group == "monitoring.coreos.com" {
		if gvk.Version != "v1" || gvk.Kind != "ServiceMonitor" {
			return nil, fmt.Errorf("%s: %s, want monitoring.coreos.com/v1 ServiceMonitor", name, gvk)
		}
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.DisallowUnknownFields()
		var sm serviceMonitor
		if err := dec.Decode(&sm); err != nil {
			return nil, fmt.Errorf("%s: ServiceMonitor: %w", name, err)
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(js); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return u, nil
	}
	obj, _, err := decoder.Decode([]byte(doc), nil, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", name, err, doc)
	}
	return obj, nil
}

func metaOf(obj runtime.Object) (metav1.Object, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return u, nil
	}
	o, ok := obj.(metav1.Object)
	if !ok {
		return nil, fmt.Errorf("%T has no metadata", obj)
	}
	return o, nil
}

// checkMeta checks an object's name and labels as the API server would,
// and that it carries the release's labels.
func checkMeta(ch *chart.Chart, o metav1.Object) error {
	if errs := validation.IsDNS1123Subdomain(o.GetName()); len(errs) > 0 {
		return fmt.Errorf("name %q: %s", o.GetName(), strings.Join(errs, "; "))
	}
	if o.GetNamespace() != "" {
		return fmt.Errorf("%s sets its namespace: the release's namespace is Helm's to give", o.GetName())
	}
	for k, v := range o.GetLabels() {
		if errs := append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...); len(errs) > 0 {
			return fmt.Errorf("%s: label %s=%s: %s", o.GetName(), k, v, strings.Join(errs, "; "))
		}
	}
	for _, k := range []string{"app.kubernetes.io/name", "app.kubernetes.io/instance", "helm.sh/chart"} {
		if o.GetLabels()[k] == "" {
			return fmt.Errorf("%s: no label %s", o.GetName(), k)
		}
	}
	if got := o.GetLabels()["app.kubernetes.io/version"]; got != ch.Metadata.AppVersion {
		return fmt.Errorf("%s: label app.kubernetes.io/version %q, want %q", o.GetName(), got, ch.Metadata.AppVersion)
	}
	return nil
}

func (m *manifest) deployment(t *testing.T) *appsv1.Deployment {
	t.Helper()
	if len(m.deployments) != 1 {
		t.Fatalf("%d Deployments, want 1", len(m.deployments))
	}
	return m.deployments[0]
}

func (m *manifest) service(t *testing.T) *corev1.Service {
	t.Helper()
	if len(m.services) != 1 {
		t.Fatalf("%d Services, want 1", len(m.services))
	}
	return m.services[0]
}

func (m *manifest) account(t *testing.T, name string) *corev1.ServiceAccount {
	t.Helper()
	for _, a := range m.accounts {
		if a.Name == name {
			return a
		}
	}
	t.Fatalf("the pods run as ServiceAccount %q, which the chart does not make", name)
	return nil
}

func (m *manifest) configMap(t *testing.T, name string) *corev1.ConfigMap {
	t.Helper()
	for _, c := range m.configMaps {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("the pods mount ConfigMap %q, which the chart does not make", name)
	return nil
}

func container(t *testing.T, d *appsv1.Deployment) *corev1.Container {
	t.Helper()
	if n := len(d.Spec.Template.Spec.Containers); n != 1 {
		t.Fatalf("%d containers, want 1", n)
	}
	return &d.Spec.Template.Spec.Containers[0]
}

// mountOf returns the container's mount a file is under.
func mountOf(t *testing.T, d *appsv1.Deployment, file string) corev1.VolumeMount {
	t.Helper()
	var best corev1.VolumeMount
	for _, vm := range container(t, d).VolumeMounts {
		if (file == vm.MountPath || strings.HasPrefix(file, strings.TrimSuffix(vm.MountPath, "/")+"/")) && len(vm.MountPath) > len(best.MountPath) {
			best = vm
		}
	}
	if best.Name == "" {
		t.Fatalf("no volume is mounted at %s", file)
	}
	return best
}

func volume(t *testing.T, d *appsv1.Deployment, name string) corev1.Volume {
	t.Helper()
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("no volume %q", name)
	return corev1.Volume{}
}

func wantArg(t *testing.T, c *corev1.Container, arg string) {
	t.Helper()
	if !slices.Contains(c.Args, arg) {
		t.Errorf("args %q: no %s", c.Args, arg)
	}
}

// argValue returns the value of a --flag=value argument ("" if absent).
func argValue(c *corev1.Container, flag string) string {
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, flag+"="); ok {
			return v
		}
	}
	return ""
}

func envVar(c *corev1.Container, name string) *corev1.EnvVar {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	return nil
}

func wantSecretEnv(t *testing.T, c *corev1.Container, name, secret, key string) {
	t.Helper()
	e := envVar(c, name)
	if e == nil || e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil ||
		e.ValueFrom.SecretKeyRef.Name != secret || e.ValueFrom.SecretKeyRef.Key != key {
		t.Errorf("env %s = %+v, want it from Secret %s key %s", name, e, secret, key)
	}
}

// TestChartPostgresOneReplica: replicas 1 on PostgreSQL is one pod with
// no PodDisruptionBudget (it would block node drains).
func TestChartPostgresOneReplica(t *testing.T) {
	m := mustRender(t, postgresValues+"replicas: 1\n")
	if got := *m.deployment(t).Spec.Replicas; got != 1 {
		t.Errorf("replicas = %d, want 1", got)
	}
	if len(m.budgets) != 0 {
		t.Errorf("one replica: a PodDisruptionBudget would block node drains")
	}
}
