package policy

import (
	"bytes"
	_ "embed"
)

//go:embed schema.json
var schema []byte

// Schema returns the JSON Schema (draft 2020-12) of the policy file, for
// editors: every field with its description, type, limits and default.
// Checks that span fields, such as unique stage names or a known time zone,
// are Parse's alone.
func Schema() []byte { return bytes.Clone(schema) }
