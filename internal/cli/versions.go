package cli

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/snapshot"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

func newVersions(e *env) *cobra.Command {
	var file, now, output string
	cmd := &cobra.Command{
		Use:   "versions --catalog FILE",
		Short: "Show a region's Kubernetes versions with their support status",
		Long: `versions prints a version catalogue (the JSON of ARM's ListKubernetesVersions or
'az aks get-versions') for people: each minor with its patches, whether it is
preview or default, its support plans, and where it stands in AKS's support
calendar. With -o json each minor's support carries the names the plan gives
a cluster's (support, supportLevel, supportUntil).`,
		Example: `  az aks get-versions --location westeurope -o json > westeurope.json
  aksupgrade versions --catalog westeurope.json
  aksupgrade versions --catalog westeurope.json -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			at, err := e.timeFlag("now", now)
			if err != nil {
				return err
			}
			var list aksupgrade.KubernetesVersionList
			if err := snapshot.DecodeFile(file, &list); err != nil {
				return failure("%v", err)
			}
			cat, err := version.NewCatalog(list)
			if err != nil {
				return failure("%s: %v", file, err)
			}
			v := versionsOf(cat, version.DefaultCalendar(), at)
			if output == "json" {
				return encodeJSON(e, v)
			}
			return writeVersions(e.stdout, v)
		},
	}
	cmd.Flags().StringVar(&file, "catalog", "", "version catalogue file (JSON or YAML)")
	cmd.Flags().StringVar(&now, "now", "", "support status as of this time (RFC 3339); default: now")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	requireFlags(cmd, "catalog")
	return cmd
}

// Versions is what versions -o json writes: a catalogue's minors, newest
// first, with their support as of AsOf.
type Versions struct {
	AsOf time.Time `json:"asOf"`
	// CalendarUpdated is when AKS's release calendar the support comes
	// from was last updated.
	CalendarUpdated time.Time      `json:"calendarUpdated"`
	Minors          []MinorVersion `json:"minors"`
}

// MinorVersion is one minor of a catalogue. Support, SupportLevel and
// SupportUntil are named as in the plan's clusters (planner.ClusterPlan)
// and are of the KubernetesOfficial plan.
type MinorVersion struct {
	Minor   string   `json:"minor"`
	Patches []string `json:"patches"`
	Preview bool     `json:"preview,omitempty"`
	Default bool     `json:"default,omitempty"`
	// LTSOnly: offered only on the AKSLongTermSupport plan.
	LTSOnly bool `json:"ltsOnly,omitempty"`
	// Support says it in words ("supported until 2026-07-31"),
	// SupportLevel in a word (version.Support), SupportUntil the last day
	// of that level when one is published.
	Support      string     `json:"support"`
	SupportLevel string     `json:"supportLevel"`
	SupportUntil *time.Time `json:"supportUntil,omitempty"`
	// LTSUntil is the last day of long-term support, when the minor has
	// one.
	LTSUntil *time.Time `json:"ltsUntil,omitempty"`
}

// versionsOf reads a catalogue's minors, newest first, with their support
// at now.
func versionsOf(cat *version.Catalog, cal *version.Calendar, now time.Time) Versions {
	plans := []version.Filter{{}, {SupportPlan: aksupgrade.SupportPlanLTS}, {AllowPreview: true}, {AllowPreview: true, SupportPlan: aksupgrade.SupportPlanLTS}}
	seen := map[version.Version]bool{}
	var minors []version.Version
	for _, f := range plans {
		for _, m := range cat.Minors(f) {
			if !seen[m] {
				seen[m] = true
				minors = append(minors, m)
			}
		}
	}
	slices.SortFunc(minors, version.Version.Compare)
	out := Versions{AsOf: now, CalendarUpdated: cal.Updated(), Minors: []MinorVersion{}}
	for i := len(minors) - 1; i >= 0; i-- {
		m := minors[i]
		patches := cat.Patches(m, version.Filter{AllowPreview: true})
		official := len(patches) > 0
		if !official {
			patches = cat.Patches(m, version.Filter{AllowPreview: true, SupportPlan: aksupgrade.SupportPlanLTS})
		}
		mv := MinorVersion{Minor: m.MinorString(), Patches: make([]string, len(patches)), Preview: cat.IsPreview(m), LTSOnly: !official}
		for j, p := range patches {
			mv.Patches[j] = p.String()
		}
		if d, ok := cat.Default(version.Filter{}); ok && d.SameMinor(m) {
			mv.Default = true
		}
		st := cal.Status(m, aksupgrade.SupportPlanOfficial, now)
		mv.Support, mv.SupportLevel = supportText(st), string(st.Support)
		switch until := st.EndOfPlatformSupport; {
		case st.Support == version.Supported && !st.EndOfSupport.IsZero():
			mv.SupportUntil = &st.EndOfSupport
		case st.Support == version.PlatformSupport && !until.IsZero():
			mv.SupportUntil = &until
		}
		if lts := cal.Status(m, aksupgrade.SupportPlanLTS, now).LTSEnd; !lts.IsZero() {
			mv.LTSUntil = &lts
		}
		out.Minors = append(out.Minors, mv)
	}
	return out
}

// writeVersions prints a catalogue's minors for a terminal. The text is
// drawn in memory and written in one go.
func writeVersions(w io.Writer, v Versions) error {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MINOR\tPATCHES\tFLAGS\tSUPPORT (KubernetesOfficial)\tLTS")
	for _, m := range v.Minors {
		var flags []string
		if m.Preview {
			flags = append(flags, "preview")
		}
		if m.Default {
			flags = append(flags, "default")
		}
		if m.LTSOnly {
			flags = append(flags, "LTS only")
		}
		lts := "-"
		if m.LTSUntil != nil {
			lts = "until " + m.LTSUntil.Format("2006-01-02")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.Minor, strings.Join(m.Patches, " "), strings.Join(flags, ","), m.Support, lts)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(&b, "\nSupport status as of %s, from AKS's published release calendar (as of %s).\n", v.AsOf.Format("2006-01-02"), v.CalendarUpdated.Format("2006-01-02"))
	_, err := b.WriteTo(w)
	return err
}

func supportText(s version.Status) string {
	switch s.Support {
	case version.Supported:
		if !s.EndOfSupport.IsZero() {
			return "supported until " + s.EndOfSupport.Format("2006-01-02")
		}
		return "supported"
	case version.PlatformSupport:
		t := "platform support only (ended " + s.EndOfSupport.Format("2006-01-02") + ")"
		if !s.EndOfPlatformSupport.IsZero() {
			t += " until " + s.EndOfPlatformSupport.Format("2006-01-02")
		}
		return t
	case version.OutOfSupport:
		return "OUT OF SUPPORT"
	}
	return "unknown"
}
