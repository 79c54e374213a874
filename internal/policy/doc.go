// Package policy reads the policy file: the fleet's stages in order, how each
// stage selects its clusters, its maintenance window, parallelism, soak and
// approvals, and how the first stage picks its Kubernetes and node image
// targets.
//
// Reading is strict and happens in three passes: the YAML is decoded with
// unknown keys, repeated keys and values of the wrong kind rejected (all of
// them reported together, before any value is converted, so that 2.5 never
// becomes 2 nor 1.30 becomes "1.3"), defaults are filled, then every field is
// validated. Every problem is reported as FILE:LINE:COL: field: found X,
// allowed Y, and all problems of a pass are reported at once.
//
// The kinds of message notifications name, and their templates, belong to
// package notify, which reads policies: Parse and Load check them against
// the Vocabulary they are given (notify.Vocabulary()), with the same
// positions and wording as every other problem.
//
// Schema returns the JSON Schema of the file for editors; testdata/good and
// testdata/bad hold example files and the exact errors of the bad ones
// (go test -update rewrites them).
package policy
