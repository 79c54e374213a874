package history

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/aksupgrade/aksupgrade/internal/version"
)

// releasesJSON is the AKS release history; see its "sources" and "notes".
// A string, so nothing can change it.
//
//go:embed aks-releases.json
var releasesJSON string

// embeddedName is the name Load gives the embedded file in errors.
const embeddedName = "aks-releases.json (embedded)"

// History is the release history of AKS. Parse and Load return it checked,
// with minors and their patches ascending by version and node images by
// date, OS and version.
type History struct {
	// GatheredAt is the day the data was gathered.
	GatheredAt Date `json:"gatheredAt"`
	// Sources are the documents the dates come from.
	Sources []Source `json:"sources"`
	// Notes say how the dates were read and where the sources disagree.
	Notes      []string    `json:"notes,omitempty"`
	Minors     []Minor     `json:"minors"`
	NodeImages []NodeImage `json:"nodeImages,omitempty"`
}

// Source is a document the history was read from.
type Source struct {
	URL   string `json:"url"`
	About string `json:"about,omitempty"`
}

// Minor is one Kubernetes minor on AKS. AKSGA and EndOfSupport are
// required; the other dates are zero when unknown or not applicable (no
// LTS; platform support whose end is not published).
type Minor struct {
	// Name is the minor, "1.31".
	Name string `json:"minor"`
	// AKSPreview and AKSGA are the days AKS started rolling out the
	// preview and the GA.
	AKSPreview Date `json:"aksPreview,omitzero"`
	AKSGA      Date `json:"aksGA"`
	// EndOfSupport is the last day of AKS community support.
	EndOfSupport Date `json:"endOfSupport"`
	// PlatformSupportEnd is the last day of platform support.
	PlatformSupportEnd Date `json:"platformSupportEnd,omitzero"`
	// LTSEnd is the last day of long-term support.
	LTSEnd Date `json:"ltsEnd,omitzero"`
	// Precision maps a date's JSON field name ("aksGA") to how well it is
	// known: PrecisionDay (the default) or PrecisionMonth.
	Precision map[string]Precision `json:"precision,omitempty"`
	// Planned: the dates are a published plan no release has confirmed.
	Planned bool   `json:"planned,omitempty"`
	Notes   string `json:"notes,omitempty"`
	// Patches are the minor's patch releases the sources name.
	Patches []Patch `json:"patches"`

	version version.Version // Name, parsed by Parse
}

// Version returns the minor as a Version with Patch 0 (zero unless the
// Minor came from Parse or Load).
func (m Minor) Version() version.Version { return m.version }

// DatePrecision returns how well the date in the JSON field named field
// ("aksPreview", "aksGA", "endOfSupport", "platformSupportEnd", "ltsEnd")
// is known.
func (m Minor) DatePrecision(field string) Precision { return m.Precision[field].orDay() }

// Patch is one patch release: the day AKS made it available.
type Patch struct {
	// Name is the patch version, "1.31.4".
	Name      string    `json:"version"`
	Date      Date      `json:"date"`
	Precision Precision `json:"precision,omitempty"`
	// LTS marks an AKS long-term-support build (1.27.100-akslts).
	LTS    bool   `json:"lts,omitempty"`
	Source string `json:"source,omitempty"`
	Note   string `json:"note,omitempty"`

	version version.Version // Name, parsed by Parse
}

// Version returns the patch version (zero unless the Patch came from Parse
// or Load).
func (p Patch) Version() version.Version { return p.version }

// NodeImage is one node image release, such as AKSUbuntu-2204 202502.09.0.
type NodeImage struct {
	// OS is the image family as AKS's vhd-notes name it: AKSUbuntu-2204,
	// AzureLinuxv3, ...
	OS string `json:"os"`
	// Version is the image version, 202502.09.0 (2022.05.10 in 2022).
	Version   string    `json:"version"`
	Date      Date      `json:"date"`
	Precision Precision `json:"precision,omitempty"`
	Source    string    `json:"source,omitempty"`
	Note      string    `json:"note,omitempty"`
}

// Load returns the history embedded in the binary. It parses the file on
// every call, which is cheap; the package's tests make sure it is valid.
func Load() (*History, error) { return Parse(embeddedName, []byte(releasesJSON)) }

// Parse reads and checks a history file of aks-releases.json's shape; name
// is the file's name for errors. These are errors, all reported at once,
// each naming its entry and field: unknown fields and trailing data; bad
// dates, versions and precisions; a minor without aksGA or endOfSupport;
// dates out of order (aksPreview ≤ aksGA ≤ endOfSupport ≤
// platformSupportEnd, endOfSupport ≤ ltsEnd); a patch of another minor,
// dated before its minor's preview (its GA when there is no preview) or
// after its minor's last end date; a node image dated before the build day
// in its version; duplicate minors, patches and node images. Dates are
// compared at their precision: "June 2025" is not before 2025-06-09.
func Parse(name string, data []byte) (*History, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var h History
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("history file %s: %w; the file must be a JSON object of aks-releases.json's shape", name, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("history file %s: unexpected data after the JSON object; the file must hold one object", name)
	}
	if err := h.check(); err != nil {
		return nil, fmt.Errorf("history file %s: fix these entries:\n%w", name, err)
	}
	h.sort()
	return &h, nil
}

// sort orders minors and patches by version and node images by date, OS
// and version.
func (h *History) sort() {
	slices.SortFunc(h.Minors, func(a, b Minor) int { return a.version.Compare(b.version) })
	for i := range h.Minors {
		slices.SortFunc(h.Minors[i].Patches, func(a, b Patch) int { return a.version.Compare(b.version) })
	}
	slices.SortFunc(h.NodeImages, func(a, b NodeImage) int {
		if c := a.Date.t.Compare(b.Date.t); c != 0 {
			return c
		}
		if c := strings.Compare(a.OS, b.OS); c != 0 {
			return c
		}
		return strings.Compare(a.Version, b.Version)
	})
}

// Minor returns the entry of v's minor.
func (h *History) Minor(v version.Version) (Minor, bool) {
	i, ok := slices.BinarySearchFunc(h.Minors, v.MinorOf(), func(m Minor, t version.Version) int {
		return m.version.Compare(t)
	})
	if !ok {
		return Minor{}, false
	}
	return h.Minors[i], true
}

// errorList collects validation errors.
type errorList []error

func (l *errorList) add(format string, args ...any) { *l = append(*l, fmt.Errorf(format, args...)) }

func (l errorList) err() error { return errors.Join(l...) }
