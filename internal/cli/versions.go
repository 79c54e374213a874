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
	var file, now string
	cmd := &cobra.Command{
		Use:   "versions --catalog FILE",
		Short: "Show a region's Kubernetes versions with their support status",
		Long: `versions prints a version catalogue (the JSON of ARM's ListKubernetesVersions or
'az aks get-versions') for people: each minor with its patches, whether it is
preview or default, its support plans, and where it stands in AKS's support
calendar.`,
		Example: `  az aks get-versions --location westeurope -o json > westeurope.json
  aksupgrade versions --catalog westeurope.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
			return writeVersions(e.stdout, cat, version.DefaultCalendar(), at)
		},
	}
	cmd.Flags().StringVar(&file, "catalog", "", "version catalogue file (JSON or YAML)")
	cmd.Flags().StringVar(&now, "now", "", "support status as of this time (RFC 3339); default: now")
	requireFlags(cmd, "catalog")
	return cmd
}

// writeVersions prints a version catalogue for a terminal. The text is
// drawn in memory and written in one go.
func writeVersions(w io.Writer, cat *version.Catalog, cal *version.Calendar, now time.Time) error {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MINOR\tPATCHES\tFLAGS\tSUPPORT (KubernetesOfficial)\tLTS")
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
	for i := len(minors) - 1; i >= 0; i-- {
		m := minors[i]
		var flags []string
		if cat.IsPreview(m) {
			flags = append(flags, "preview")
		}
		if d, ok := cat.Default(version.Filter{}); ok && d.SameMinor(m) {
			flags = append(flags, "default")
		}
		official := len(cat.Patches(m, version.Filter{AllowPreview: true})) > 0
		if !official {
			flags = append(flags, "LTS only")
		}
		patches := cat.Patches(m, version.Filter{AllowPreview: true})
		if !official {
			patches = cat.Patches(m, version.Filter{AllowPreview: true, SupportPlan: aksupgrade.SupportPlanLTS})
		}
		ps := make([]string, len(patches))
		for j, p := range patches {
			ps[j] = p.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.MinorString(), strings.Join(ps, " "), strings.Join(flags, ","),
			supportText(cal.Status(m, aksupgrade.SupportPlanOfficial, now)), ltsText(cal.Status(m, aksupgrade.SupportPlanLTS, now)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(&b, "\nSupport status as of %s, from AKS's published release calendar (as of %s).\n", now.Format("2006-01-02"), cal.Updated().Format("2006-01-02"))
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

func ltsText(s version.Status) string {
	if s.LTSEnd.IsZero() {
		return "-"
	}
	return "until " + s.LTSEnd.Format("2006-01-02")
}
