package policy

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade/internal/version"
)

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	var s map[string]any
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatalf("schema.json is not valid JSON: %v", err)
	}
	return s
}

// resolve follows a local "$ref": "#/$defs/name".
func resolve(t *testing.T, root, node map[string]any) map[string]any {
	t.Helper()
	ref, ok := node["$ref"].(string)
	if !ok {
		return node
	}
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	def, found := root["$defs"].(map[string]any)[name].(map[string]any)
	if !ok || !found {
		t.Fatalf("unresolvable $ref %q", ref)
	}
	return resolve(t, root, def)
}

func TestSchemaMatchesFileTypes(t *testing.T) {
	root := loadSchema(t)
	if got := root["$schema"]; got != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v, want draft 2020-12", got)
	}
	walkSchema(t, root, root, reflect.TypeFor[fileDoc](), "$")
}

// walkSchema compares t, a type of file.go, with its schema node.
func walkSchema(t *testing.T, root, node map[string]any, typ reflect.Type, path string) {
	t.Helper()
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	node = resolve(t, root, node)
	wantType := map[reflect.Kind]string{
		reflect.Struct: "object", reflect.Map: "object", reflect.Slice: "array",
		reflect.String: "string", reflect.Int: "integer", reflect.Bool: "boolean",
	}[typ.Kind()]
	if got := node["type"]; got != wantType {
		t.Errorf("%s: type %v, want %q (Go %s)", path, got, wantType, typ)
	}
	switch typ.Kind() {
	case reflect.Struct:
		if node["additionalProperties"] != false {
			t.Errorf("%s: additionalProperties %v, want false", path, node["additionalProperties"])
		}
		props, _ := node["properties"].(map[string]any)
		var inSchema []string
		for k := range props {
			inSchema = append(inSchema, k)
		}
		keys := yamlKeys(typ)
		sort.Strings(inSchema)
		if diff := cmp.Diff(slices.Sorted(slices.Values(keys)), inSchema); diff != "" {
			t.Errorf("%s: schema properties differ from the yaml keys of %s (-Go +schema):\n%s", path, typ, diff)
		}
		for _, k := range keys {
			prop, ok := props[k].(map[string]any)
			if !ok {
				continue
			}
			if d, _ := prop["description"].(string); d == "" && resolve(t, root, prop)["description"] == nil {
				t.Errorf("%s.%s: no description", path, k)
			}
			f, _ := fieldByTag(typ, k)
			walkSchema(t, root, prop, f.Type, path+"."+k)
		}
	case reflect.Map:
		elem, ok := node["additionalProperties"].(map[string]any)
		if !ok {
			t.Fatalf("%s: additionalProperties %v, want the schema of the values", path, node["additionalProperties"])
		}
		walkSchema(t, root, elem, typ.Elem(), path+".*")
	case reflect.Slice:
		items, ok := node["items"].(map[string]any)
		if !ok {
			t.Fatalf("%s: no items", path)
		}
		if _, anyOf := items["anyOf"]; anyOf && typ.Elem().Kind() == reflect.String {
			return // subscriptions: a GUID or "*"
		}
		walkSchema(t, root, items, typ.Elem(), path+"[]")
	}
}

func parseOr(v any) time.Duration {
	s, _ := v.(string)
	d, err := ParseDuration(s)
	if err != nil {
		return -1
	}
	return d
}

// TestSchemaValues checks enums and defaults against the Go constants.
func TestSchemaValues(t *testing.T) {
	root := loadSchema(t)
	def := func(path ...string) map[string]any {
		t.Helper()
		n := resolve(t, root, root["$defs"].(map[string]any)[path[0]].(map[string]any))
		for _, p := range path[1:] {
			n = resolve(t, root, n["properties"].(map[string]any)[p].(map[string]any))
		}
		return n
	}
	var channels []any
	for _, c := range version.Channels() {
		channels = append(channels, string(c))
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"channel enum", def("kubernetes", "channel")["enum"], channels},
		{"channel default", def("kubernetes", "channel")["default"], string(DefaultChannel)},
		{"minorUpgrades enum", def("kubernetes", "minorUpgrades")["enum"], []any{string(MinorAuto), string(MinorApproval), string(MinorNever)}},
		{"minorUpgrades default", def("kubernetes", "minorUpgrades")["default"], string(DefaultMinorUpgrades)},
		{"nodeImage enum", def("nodeImage", "channel")["enum"], []any{NodeImageLatest, NodeImageNone}},
		{"nodeImage default", def("nodeImage", "channel")["default"], DefaultNodeImageChannel},
		{"maxParallel default", def("stage", "maxParallel")["default"], float64(DefaultMaxParallel)},
		{"soak default", parseOr(def("stage", "soak")["default"]), DefaultSoak},
		{"maxSurge default", def("upgradeSettings", "maxSurge")["default"], DefaultMaxSurge},
		{"drainTimeout default", def("upgradeSettings", "drainTimeoutInMinutes")["default"], float64(DefaultDrainTimeoutInMinutes)},
		{"nodeSoak default", def("upgradeSettings", "nodeSoakDurationInMinutes")["default"], float64(DefaultNodeSoakDurationInMinutes)},
		{"weekIndex enum", def("schedule", "relativeMonthly", "weekIndex")["enum"], []any{"First", "Second", "Third", "Fourth", "Last"}},
		{"dayOfWeek enum", def("schedule", "weekly", "dayOfWeek")["enum"], []any{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}},
		{"apiVersion", resolve(t, root, root["properties"].(map[string]any)["apiVersion"].(map[string]any))["const"], APIVersion},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.got); diff != "" {
			t.Errorf("%s (-Go +schema):\n%s", tt.name, diff)
		}
	}
}
