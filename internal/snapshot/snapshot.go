// Package snapshot reads fleet snapshot files (aksupgrade.Snapshot in YAML
// or JSON) strictly, and turns their catalogues into version catalogues for
// the planner.
package snapshot

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/goccy/go-yaml"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// Load reads the snapshot file at path. Unknown keys and values of the
// wrong type are errors that name path:line:col.
func Load(path string) (*aksupgrade.Snapshot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read fleet snapshot: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes a snapshot document; name is used in error positions.
func Parse(name string, data []byte) (*aksupgrade.Snapshot, error) {
	var s aksupgrade.Snapshot
	if err := DecodeStrict(name, data, &s); err != nil {
		return nil, err
	}
	if err := check(&s); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &s, nil
}

// DecodeStrict decodes one YAML or JSON document into v, rejecting unknown
// keys; errors read "name:line:col: message".
func DecodeStrict(name string, data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return fmt.Errorf("%s:1:1: the file is empty", name)
	}
	if err := yaml.NewDecoder(bytes.NewReader(data), yaml.Strict()).Decode(v); err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) {
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				return fmt.Errorf("%s:%d:%d: %s", name, tk.Position.Line, tk.Position.Column, ye.GetMessage())
			}
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func check(s *aksupgrade.Snapshot) error {
	var errs []error
	seen := map[string]bool{}
	for i, c := range s.Clusters {
		switch id := aksupgrade.NormalizeID(c.ID); {
		case id == "":
			errs = append(errs, fmt.Errorf("clusters[%d] (%q): id is empty, want its ARM resource ID", i, c.Name))
		case seen[id]:
			errs = append(errs, fmt.Errorf("clusters[%d]: %s is listed twice", i, c.ID))
		default:
			seen[id] = true
		}
	}
	return errors.Join(errs...)
}

// Catalogs builds each region's version catalogue, keyed as the planner
// expects.
func Catalogs(s *aksupgrade.Snapshot) (map[string]*version.Catalog, error) {
	out := make(map[string]*version.Catalog, len(s.Catalogs))
	for region, l := range s.Catalogs {
		c, err := version.NewCatalog(l)
		if err != nil {
			return nil, fmt.Errorf("catalogue of %s: %w", region, err)
		}
		out[planner.NormalizeLocation(region)] = c
	}
	return out, nil
}

// DecodeFile reads the file at path into v strictly (see DecodeStrict).
func DecodeFile(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return DecodeStrict(path, data, v)
}
