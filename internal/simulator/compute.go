package simulator

import (
	"net/http"
	"strings"
)

// The two Microsoft.Compute reads a surge capacity preflight makes: the
// subscription's vCPU usage and quota in a region
// (GET .../providers/Microsoft.Compute/locations/{location}/usages) and
// the region's VM sizes
// (GET .../providers/Microsoft.Compute/locations/{location}/vmSizes).
// Both are plain ARM reads: they draw from the subscription's read bucket
// and accept any api-version (the SDK's armcompute v6 sends 2024-11-01).

const computeLocPath = "/subscriptions/{sub}/providers/microsoft.compute/locations/{loc}"

// defaultVCPUQuota is a region's "cores" limit when the scenario sets no
// vcpuQuota. Azure's defaults vary by subscription type and region (often
// far lower); this one is generous so that quota never gets in the way
// unless a scenario asks for it (unverified as any real default).
const defaultVCPUQuota = 10000

// vmSize is one row of the VM size table.
type vmSize struct {
	name           string
	cores          int32
	memoryMB       int32
	maxDataDisks   int32
	resourceDiskMB int32 // the temporary disk; 0 for sizes without one
	// family is the quota family's usage name, and familyName its
	// localized name, as `az vm list-usage` shows them (unverified).
	family, familyName string
}

// osDiskSizeInMB is what the vmSizes API reports for every size (1023 GiB).
const osDiskSizeInMB = 1047552

// vmSizes are the sizes the simulator's scenarios use and their
// neighbours. vCPUs, memory (GiB × 1024), temporary storage (GiB × 1024)
// and max data disks come from learn.microsoft.com:
//
//   - DSv2: /azure/virtual-machines/sizes/general-purpose/dsv2-series
//   - Dsv3: /azure/virtual-machines/sizes/general-purpose/dsv3-series
//   - Dsv5: /azure/virtual-machines/sizes/general-purpose/dsv5-series
//   - Ddsv5: /azure/virtual-machines/sizes/general-purpose/ddsv5-series
//   - Esv5: /azure/virtual-machines/sizes/memory-optimized/esv5-series
//
// The API lists every size the region offers; this table is a subset.
var vmSizes = []vmSize{
	{"Standard_DS2_v2", 2, 7168, 8, 14336, "standardDSv2Family", "Standard DSv2 Family vCPUs"},
	{"Standard_DS3_v2", 4, 14336, 16, 28672, "standardDSv2Family", "Standard DSv2 Family vCPUs"},
	{"Standard_D2s_v3", 2, 8192, 4, 16384, "standardDSv3Family", "Standard DSv3 Family vCPUs"},
	{"Standard_D4s_v3", 4, 16384, 8, 32768, "standardDSv3Family", "Standard DSv3 Family vCPUs"},
	{"Standard_D8s_v3", 8, 32768, 16, 65536, "standardDSv3Family", "Standard DSv3 Family vCPUs"},
	{"Standard_D16s_v3", 16, 65536, 32, 131072, "standardDSv3Family", "Standard DSv3 Family vCPUs"},
	{"Standard_D2s_v5", 2, 8192, 4, 0, "standardDSv5Family", "Standard DSv5 Family vCPUs"},
	{"Standard_D4s_v5", 4, 16384, 8, 0, "standardDSv5Family", "Standard DSv5 Family vCPUs"},
	{"Standard_D8s_v5", 8, 32768, 16, 0, "standardDSv5Family", "Standard DSv5 Family vCPUs"},
	{"Standard_D16s_v5", 16, 65536, 32, 0, "standardDSv5Family", "Standard DSv5 Family vCPUs"},
	{"Standard_D2ds_v5", 2, 8192, 4, 76800, "standardDDSv5Family", "Standard DDSv5 Family vCPUs"},
	{"Standard_D4ds_v5", 4, 16384, 8, 153600, "standardDDSv5Family", "Standard DDSv5 Family vCPUs"},
	{"Standard_D8ds_v5", 8, 32768, 16, 307200, "standardDDSv5Family", "Standard DDSv5 Family vCPUs"},
	{"Standard_E8s_v5", 8, 65536, 16, 0, "standardESv5Family", "Standard ESv5 Family vCPUs"},
	{"Standard_E16s_v5", 16, 131072, 32, 0, "standardESv5Family", "Standard ESv5 Family vCPUs"},
}

// lookupVMSize finds a size by name, ignoring case.
func lookupVMSize(name string) *vmSize {
	for i := range vmSizes {
		if strings.EqualFold(vmSizes[i].name, name) {
			return &vmSizes[i]
		}
	}
	return nil
}

// computeUsage is armcompute's Usage.
type computeUsage struct {
	Name         usageName `json:"name"`
	CurrentValue int32     `json:"currentValue"`
	Limit        int64     `json:"limit"`
	Unit         string    `json:"unit"`
}

type usageName struct {
	Value          string `json:"value"`
	LocalizedValue string `json:"localizedValue"`
}

// computeSize is armcompute's VirtualMachineSize.
type computeSize struct {
	Name                 string `json:"name"`
	NumberOfCores        int32  `json:"numberOfCores"`
	OSDiskSizeInMB       int32  `json:"osDiskSizeInMB"`
	ResourceDiskSizeInMB int32  `json:"resourceDiskSizeInMB"`
	MemoryInMB           int32  `json:"memoryInMB"`
	MaxDataDiskCount     int32  `json:"maxDataDiskCount"`
}

// computeRegion finds the region the path names, or answers as ARM does
// for a location the resource type is not offered in (the code and
// wording are unverified).
func (s *Simulator) computeRegion(c *call, typ string) *regionState {
	r := s.regions[lower(c.param("loc"))]
	if r == nil {
		c.fail(&armError{status: http.StatusBadRequest, code: "NoRegisteredProviderFound",
			message: "No registered resource provider found for location '" + c.param("loc") + "' and API version '" + c.r.URL.Query().Get("api-version") + "' for type '" + typ + "'. The supported locations are '" + strings.Join(s.regionOrder, ", ") + "'."})
	}
	return r
}

// regionCores is the vCPUs the subscription's clusters use in the region
// at now, in all and by quota family: each running cluster's pools'
// nodes, plus the surge nodes of a pool upgrade in progress. A stopped
// cluster's VMs are deallocated and use no quota.
func (s *Simulator) regionCores(c *call, region string) (total int, byFamily map[string]int) {
	byFamily = map[string]int{}
	for _, cl := range c.sub.clusters {
		if cl.location != region || s.powerState(cl) == "Stopped" {
			continue
		}
		for _, p := range cl.pools {
			nodes := p.count
			if r := rolloutOf(p, c.now); r != nil {
				nodes += r.size
			}
			n := nodes * vmCores(p.vmSize)
			total += n
			if z := lookupVMSize(p.vmSize); z != nil {
				byFamily[z.family] += n
			}
		}
	}
	return total, byFamily
}

func (s *Simulator) listComputeUsages(c *call) {
	r := s.computeRegion(c, "locations/usages")
	if r == nil {
		return
	}
	limit := int64(orDefaultInt(r.vcpuQuota, defaultVCPUQuota))
	total, byFamily := s.regionCores(c, r.name)
	out := []computeUsage{{Name: usageName{"cores", "Total Regional vCPUs"}, CurrentValue: int32(total), Limit: limit, Unit: "Count"}}
	// Per-family limits are separate quotas in Azure; here each family
	// gets the regional limit (unverified as any real default).
	seen := map[string]bool{}
	for _, z := range vmSizes {
		if seen[z.family] {
			continue
		}
		seen[z.family] = true
		out = append(out, computeUsage{Name: usageName{z.family, z.familyName}, CurrentValue: int32(byFamily[z.family]), Limit: limit, Unit: "Count"})
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"value": out})
}

func (s *Simulator) listComputeVMSizes(c *call) {
	if s.computeRegion(c, "locations/vmSizes") == nil {
		return
	}
	out := make([]computeSize, 0, len(vmSizes))
	for _, z := range vmSizes {
		out = append(out, computeSize{Name: z.name, NumberOfCores: z.cores, OSDiskSizeInMB: osDiskSizeInMB,
			ResourceDiskSizeInMB: z.resourceDiskMB, MemoryInMB: z.memoryMB, MaxDataDiskCount: z.maxDataDisks})
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"value": out})
}

func orDefaultInt(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}
