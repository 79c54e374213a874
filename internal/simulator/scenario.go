package simulator

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/aksupgrade/aksupgrade"
)

// Scenario is the simulated Azure a Simulator starts from: subscriptions and
// their clusters, regions and their catalogues, what changes when (the
// timeline) and what goes wrong (faults). examples/scenario.yaml documents
// every field, examples/scenario-cluster-api.yaml those of the clusters'
// own Kubernetes APIs.
type Scenario struct {
	// Start is the simulated time the scenario begins at; timeline entries
	// and scripted faults count from it. Zero: the clock's time at New.
	Start time.Time `yaml:"start,omitempty" json:"start,omitzero"`
	// PageSize is how many items a list page holds before a nextLink
	// (default 20).
	PageSize int `yaml:"pageSize,omitempty" json:"pageSize,omitempty"`
	// Throttling turns ARM and AKS request throttling on or off (default
	// on). Scripted throttle faults apply either way.
	Throttling *bool `yaml:"throttling,omitempty" json:"throttling,omitempty"`
	// Seed seeds the random faults.
	Seed uint64 `yaml:"seed,omitempty" json:"seed,omitempty"`
	// Durations of long-running operations.
	Durations     Durations      `yaml:"durations,omitempty" json:"durations,omitzero"`
	Subscriptions []Subscription `yaml:"subscriptions" json:"subscriptions"`
	Regions       []Region       `yaml:"regions" json:"regions"`
	// Timeline lists the catalogue changes to come.
	Timeline []TimelineEntry `yaml:"timeline,omitempty" json:"timeline,omitempty"`
	// Faults are in effect from Start (each may wait with After).
	Faults []Fault `yaml:"faults,omitempty" json:"faults,omitempty"`
	// Maintenance lists Azure-initiated planned maintenance, announced
	// with Azure Resource Notifications ScheduledEventEmitted events.
	Maintenance []MaintenanceEvent `yaml:"maintenance,omitempty" json:"maintenance,omitempty"`
	// EventSubscriptions are Event Grid subscriptions that exist from the
	// start; their validation handshake runs with the first delivery.
	EventSubscriptions []EventSubscription `yaml:"eventSubscriptions,omitempty" json:"eventSubscriptions,omitempty"`
}

// Durations sets how long operations take on the simulated clock.
type Durations struct {
	// ControlPlane is a control-plane upgrade (default 10m).
	ControlPlane Duration `yaml:"controlPlane,omitempty" json:"controlPlane,omitempty"`
	// NodeBatch is one batch of a node pool upgrade or node image upgrade:
	// drain, reimage and ready (default 8m). A pool upgrades in batches of
	// maxSurge nodes; each batch also waits nodeSoakDurationInMinutes.
	NodeBatch Duration `yaml:"nodeBatch,omitempty" json:"nodeBatch,omitempty"`
}

// Subscription is an Azure subscription and the clusters in it.
type Subscription struct {
	// ID is the subscription GUID.
	ID string `yaml:"id" json:"id"`
	// Name is the display name (default: the ID).
	Name     string    `yaml:"name,omitempty" json:"name,omitempty"`
	Clusters []Cluster `yaml:"clusters,omitempty" json:"clusters,omitempty"`
	// Fleets are Azure Kubernetes Fleet Manager fleets (fleets.go).
	Fleets []Fleet `yaml:"fleets,omitempty" json:"fleets,omitempty"`
}

// Cluster is an AKS managed cluster as the scenario starts it.
type Cluster struct {
	Name          string `yaml:"name" json:"name"`
	ResourceGroup string `yaml:"resourceGroup" json:"resourceGroup"`
	// Location is one of the scenario's regions.
	Location string `yaml:"location" json:"location"`
	// KubernetesVersion is the control plane's version, "1.31.4".
	KubernetesVersion string            `yaml:"kubernetesVersion" json:"kubernetesVersion"`
	Tags              map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
	// Tier is the SKU tier: Free (default), Standard or Premium.
	Tier string `yaml:"tier,omitempty" json:"tier,omitempty"`
	// SupportPlan is KubernetesOfficial (default) or AKSLongTermSupport.
	SupportPlan string `yaml:"supportPlan,omitempty" json:"supportPlan,omitempty"`
	// AutoUpgradeChannel is none (default), patch, stable, rapid or
	// node-image; all but none make AKS upgrade the cluster by itself.
	AutoUpgradeChannel string `yaml:"autoUpgradeChannel,omitempty" json:"autoUpgradeChannel,omitempty"`
	// NodeOSUpgradeChannel is NodeImage (the API's default since
	// 2023-06-01), None, Unmanaged or SecurityPatch. With NodeImage or
	// SecurityPatch AKS reimages the pools by itself (aks_initiated.go).
	NodeOSUpgradeChannel string `yaml:"nodeOSUpgradeChannel,omitempty" json:"nodeOSUpgradeChannel,omitempty"`
	// ServicePrincipal is the clientId of the cluster's service principal;
	// empty for a managed identity (clientId "msi"). A GET never returns
	// its secret.
	ServicePrincipal string `yaml:"servicePrincipal,omitempty" json:"servicePrincipal,omitempty"`
	// ForceUpgrade leaves upgradeSettings.overrideSettings.forceUpgrade on
	// the cluster, until 14 days after the scenario starts: a PUT that
	// sends it back bypasses AKS's deprecated-API block.
	ForceUpgrade bool `yaml:"forceUpgrade,omitempty" json:"forceUpgrade,omitempty"`
	// PowerState is Running (default) or Stopped.
	PowerState  string       `yaml:"powerState,omitempty" json:"powerState,omitempty"`
	Maintenance *Maintenance `yaml:"maintenance,omitempty" json:"maintenance,omitempty"`
	NodePools   []NodePool   `yaml:"nodePools" json:"nodePools"`
	// AADProfile turns on AKS-managed Microsoft Entra ID integration: the
	// user kubeconfig runs kubelogin and the cluster's API takes Entra ID
	// bearer tokens. Absent: local accounts only, AKS's default.
	AADProfile *AADProfile `yaml:"aadProfile,omitempty" json:"aadProfile,omitempty"`
	// DisableLocalAccounts refuses the static admin credential; it needs
	// aadProfile.
	DisableLocalAccounts bool `yaml:"disableLocalAccounts,omitempty" json:"disableLocalAccounts,omitempty"`
	// Workloads are application Deployments in the cluster's Kubernetes
	// API, each with an optional PodDisruptionBudget.
	Workloads []Workload `yaml:"workloads,omitempty" json:"workloads,omitempty"`
}

// Maintenance holds a cluster's planned maintenance configurations, each
// an AKS maintenanceWindow (a Window without timeZone).
type Maintenance struct {
	// Default is the "default" configuration.
	Default *aksupgrade.Window `yaml:"default,omitempty" json:"default,omitempty"`
	// AutoUpgradeSchedule is "aksManagedAutoUpgradeSchedule".
	AutoUpgradeSchedule *aksupgrade.Window `yaml:"autoUpgradeSchedule,omitempty" json:"autoUpgradeSchedule,omitempty"`
	// NodeOSUpgradeSchedule is "aksManagedNodeOSUpgradeSchedule".
	NodeOSUpgradeSchedule *aksupgrade.Window `yaml:"nodeOSUpgradeSchedule,omitempty" json:"nodeOSUpgradeSchedule,omitempty"`
}

// NodePool is an agent pool of a cluster.
type NodePool struct {
	// Name: lowercase letters and digits, starting with a letter, at most
	// 12 characters.
	Name string `yaml:"name" json:"name"`
	// Mode is System or User (default: System for the first pool, User
	// for the others).
	Mode string `yaml:"mode,omitempty" json:"mode,omitempty"`
	// OSType is Linux (default) or Windows.
	OSType string `yaml:"osType,omitempty" json:"osType,omitempty"`
	// OSSKU is Ubuntu (default for Linux), AzureLinux, Windows2019 or
	// Windows2022 (default for Windows).
	OSSKU string `yaml:"osSKU,omitempty" json:"osSKU,omitempty"`
	// VMSize (default Standard_D4s_v5).
	VMSize string `yaml:"vmSize,omitempty" json:"vmSize,omitempty"`
	Count  int    `yaml:"count" json:"count"`
	// KubernetesVersion defaults to the cluster's.
	KubernetesVersion string `yaml:"kubernetesVersion,omitempty" json:"kubernetesVersion,omitempty"`
	// NodeImageVersion ("AKSUbuntu-2204gen2containerd-202501.12.0")
	// defaults to the region's latest image of the OS SKU's family.
	NodeImageVersion string           `yaml:"nodeImageVersion,omitempty" json:"nodeImageVersion,omitempty"`
	UpgradeSettings  *UpgradeSettings `yaml:"upgradeSettings,omitempty" json:"upgradeSettings,omitempty"`
}

// UpgradeSettings are a pool's surge upgrade settings.
type UpgradeSettings struct {
	// MaxSurge is a node count ("3") or a percentage of the pool ("33%");
	// default "10%", at least one node.
	MaxSurge string `yaml:"maxSurge,omitempty" json:"maxSurge,omitempty"`
	// DrainTimeoutInMinutes is how long a drain may take before the
	// upgrade fails (default 30).
	DrainTimeoutInMinutes int `yaml:"drainTimeoutInMinutes,omitempty" json:"drainTimeoutInMinutes,omitempty"`
	// NodeSoakDurationInMinutes is the wait after each batch (default 0).
	NodeSoakDurationInMinutes int `yaml:"nodeSoakDurationInMinutes,omitempty" json:"nodeSoakDurationInMinutes,omitempty"`
}

// Region is an Azure region: its Kubernetes version catalogue and its node
// image releases.
type Region struct {
	Name string `yaml:"name" json:"name"`
	// KubernetesVersions are the minors offered, each with its patches.
	// Upgrade paths are computed: a patch upgrades to every newer patch
	// of its minor and to every patch of the next minor.
	KubernetesVersions []MinorVersion `yaml:"kubernetesVersions" json:"kubernetesVersions"`
	// NodeImages are the node image versions released in the region,
	// oldest first ("AKSUbuntu-2204gen2containerd-202501.12.0"). The last
	// one of a family (the text before the last "-") is its latest.
	NodeImages []string `yaml:"nodeImages,omitempty" json:"nodeImages,omitempty"`
	// VCPUQuota is each subscription's regional vCPU quota (the "cores"
	// usage's limit in Microsoft.Compute's usages) in the region; 0: a
	// generous 10000.
	VCPUQuota int `yaml:"vcpuQuota,omitempty" json:"vcpuQuota,omitempty"`
}

// MinorVersion is one minor of a catalogue.
type MinorVersion struct {
	// Version is the minor, "1.31".
	Version string `yaml:"version" json:"version"`
	// Patches are its patch versions, "1.31.4".
	Patches   []string `yaml:"patches" json:"patches"`
	IsPreview bool     `yaml:"isPreview,omitempty" json:"isPreview,omitempty"`
	IsDefault bool     `yaml:"isDefault,omitempty" json:"isDefault,omitempty"`
	// SupportPlans default to [KubernetesOfficial].
	SupportPlans []string `yaml:"supportPlans,omitempty" json:"supportPlans,omitempty"`
}

// TimelineEntry changes one region's catalogue at Start+After. It holds
// exactly one change.
type TimelineEntry struct {
	After  Duration `yaml:"after" json:"after"`
	Region string   `yaml:"region" json:"region"`
	// AddPatch adds a patch ("1.31.5") to a listed minor.
	AddPatch string `yaml:"addPatch,omitempty" json:"addPatch,omitempty"`
	// AddMinor adds a minor with its patches.
	AddMinor *MinorVersion `yaml:"addMinor,omitempty" json:"addMinor,omitempty"`
	// Remove removes a patch ("1.30.9") or a whole minor ("1.29").
	Remove string `yaml:"remove,omitempty" json:"remove,omitempty"`
	// GA makes a preview minor ("1.33") generally available.
	GA string `yaml:"ga,omitempty" json:"ga,omitempty"`
	// SetDefault makes a minor the region's default.
	SetDefault string `yaml:"setDefault,omitempty" json:"setDefault,omitempty"`
	// NodeImage publishes a node image version; it becomes its family's
	// latest.
	NodeImage string `yaml:"nodeImage,omitempty" json:"nodeImage,omitempty"`
	// SupportEnding announces that a minor ("1.30") the region lists will
	// soon leave support: clusters running it get ClusterSupportEnding. It
	// changes nothing in the catalogue.
	SupportEnding string `yaml:"supportEnding,omitempty" json:"supportEnding,omitempty"`
}

// LoadScenario reads and checks the scenario file at path.
func LoadScenario(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return ParseScenario(path, data)
}

// ParseScenario decodes and checks a scenario document (YAML or JSON).
// Unknown keys, values of the wrong type and inconsistent content are
// errors, each reported as "name:line:col: message" (several are joined).
func ParseScenario(name string, data []byte) (*Scenario, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s:1:1: the scenario is empty", name)
	}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, yamlError(name, err)
	}
	if len(file.Docs) != 1 {
		return nil, fmt.Errorf("%s:1:1: found %d YAML documents, want one", name, len(file.Docs))
	}
	// The YAML decoder turns a malformed timestamp into the zero time
	// without a word; read start ourselves.
	if err := checkStart(name, file); err != nil {
		return nil, err
	}
	var sc Scenario
	if err := yaml.NewDecoder(bytes.NewReader(data), yaml.Strict()).Decode(&sc); err != nil {
		return nil, yamlError(name, err)
	}
	if problems := sc.check(); len(problems) > 0 {
		type located struct {
			line, col int
			problem
		}
		ls := make([]located, len(problems))
		for i, p := range problems {
			ls[i].line, ls[i].col = locate(file, p.field)
			ls[i].problem = p
		}
		slices.SortStableFunc(ls, func(a, b located) int { return cmp.Or(cmp.Compare(a.line, b.line), cmp.Compare(a.col, b.col)) })
		errs := make([]error, len(ls))
		for i, l := range ls {
			errs[i] = fmt.Errorf("%s:%d:%d: %s: %s", name, l.line, l.col, l.field, l.msg)
		}
		return nil, errors.Join(errs...)
	}
	return &sc, nil
}

func checkStart(name string, file *ast.File) error {
	p, err := yaml.PathString("$.start")
	if err != nil {
		return err
	}
	n, err := p.FilterFile(file)
	if err != nil || n == nil {
		return nil // absent
	}
	tk := n.GetToken()
	if tk == nil {
		return nil
	}
	if _, err := time.Parse(time.RFC3339, strings.Trim(tk.Value, `"'`)); err != nil {
		return fmt.Errorf("%s:%d:%d: start: found %q, want an RFC 3339 time such as 2025-03-03T08:00:00Z", name, tk.Position.Line, tk.Position.Column, tk.Value)
	}
	return nil
}

// yamlError gives a decoding error its file position.
func yamlError(name string, err error) error {
	var pe *positionError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d:%d: %s", name, pe.line, pe.col, pe.msg)
	}
	var ye yaml.Error
	if errors.As(err, &ye) {
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			return fmt.Errorf("%s:%d:%d: %s", name, tk.Position.Line, tk.Position.Column, ye.GetMessage())
		}
	}
	return fmt.Errorf("%s:1:1: %w", name, err)
}

// locate returns the position of field ("subscriptions[0].clusters[2].location")
// in file, or of its closest enclosing field that the file has.
func locate(file *ast.File, field string) (line, col int) {
	for f := field; f != ""; f = parentField(f) {
		p, err := yaml.PathString("$." + f)
		if err != nil {
			continue
		}
		n, err := p.FilterFile(file)
		if err != nil || n == nil {
			continue
		}
		if tk := nodeToken(n); tk != nil && tk.Position != nil {
			return tk.Position.Line, tk.Position.Column
		}
	}
	return 1, 1
}

// nodeToken is where a node starts: a mapping at its first key.
func nodeToken(n ast.Node) *token.Token {
	switch m := n.(type) {
	case *ast.MappingNode:
		if len(m.Values) > 0 && m.Values[0].Key != nil {
			return m.Values[0].Key.GetToken()
		}
	case *ast.MappingValueNode:
		if m.Key != nil {
			return m.Key.GetToken()
		}
	}
	return n.GetToken()
}

// parentField drops the last step of a field path: "a[1].b" -> "a[1]" ->
// "a" -> "".
func parentField(f string) string {
	if strings.HasSuffix(f, "]") {
		if i := strings.LastIndexByte(f, '['); i >= 0 {
			return f[:i]
		}
	}
	if i := strings.LastIndexAny(f, ".["); i >= 0 {
		return f[:i]
	}
	return ""
}
