// Package examples holds the example files people start from, embedded
// so that the demo plays the very world examples/scenario.yaml documents.
package examples

import _ "embed"

// Scenario is examples/scenario.yaml: the simulated Azure of the demo and
// of `aksupgrade simulator serve`.
//
//go:embed scenario.yaml
var Scenario []byte
