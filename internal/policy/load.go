package policy

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Load reads and validates the policy file at path (see Parse).
func Load(path string, vocab ...Vocabulary) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	return Parse(path, data, vocab...)
}

// Parse decodes and validates a policy document. name is used in error
// positions. The error, if any, is Errors.
//
// The kinds of message the notifications name, and their templates, are
// checked against vocab (notify.Vocabulary(): a kind of any vocabulary
// given is allowed). Without one they are taken as written, and
// notify.New refuses a bad one when it is built, without a position.
func Parse(name string, data []byte, vocab ...Vocabulary) (*Policy, error) {
	var doc fileDoc
	root, err := decodeStrict(name, data, &doc)
	if err != nil {
		return nil, err
	}
	p, problems := build(&doc, vocab)
	if len(problems) > 0 {
		return nil, locate(name, root, problems)
	}
	return p, nil
}

// decodeStrict decodes one YAML document into v, rejecting unknown keys,
// duplicate keys, values of the wrong type and further documents, and
// returns the document's syntax tree.
func decodeStrict(name string, data []byte, v any) (ast.Node, error) {
	// Repeated keys are left to checkShape, which reports them with the rest.
	file, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		return nil, Errors{decodeError(name, err)}
	}
	var root ast.Node
	for _, doc := range file.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if root != nil {
			line, col := tokenPos(startToken(doc.Body))
			return nil, Errors{{File: name, Line: line, Col: col, Msg: "found a second YAML document, allowed one document per file"}}
		}
		root = doc.Body
	}
	if _, null := root.(*ast.NullNode); root == nil || null {
		found, line, col := "no YAML document (the file is empty or holds only comments)", 1, 1
		if root != nil {
			found = describe(root)
			line, col = tokenPos(root.GetToken())
		}
		return nil, Errors{{File: name, Line: line, Col: col, Msg: foundAllowed(found, allowedKind(reflect.TypeOf(v)))}}
	}
	if errs := checkShape(name, root, reflect.TypeOf(v)); len(errs) > 0 {
		return nil, errs
	}
	if err := yaml.NodeToValue(root, v, yaml.Strict(), yaml.AllowDuplicateMapKey()); err != nil {
		return nil, Errors{decodeError(name, err)}
	}
	return root, nil
}

// decodeError converts an error of the YAML parser or decoder. Most type
// and key problems are found by checkShape first; what reaches here is
// syntax, or values that come through aliases.
func decodeError(name string, err error) *Error {
	e := &Error{File: name, Line: 1, Col: 1, Msg: err.Error()}
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return e
	}
	e.Msg = ye.GetMessage()
	e.Line, e.Col = tokenPos(ye.GetToken())
	var se *yaml.SyntaxError
	if errors.As(err, &se) {
		e.Msg = "invalid YAML: " + e.Msg
	}
	var te *yaml.TypeError
	if errors.As(err, &te) && te.DstType != nil {
		found := te.SrcType.String()
		if tk := te.GetToken(); tk != nil {
			found = strconv.Quote(tk.Value)
		}
		e.Msg = foundAllowed(found, allowedKind(te.DstType))
	}
	return e
}

// locate gives each problem the position of its field, or of the closest
// enclosing field that exists in the file.
func locate(name string, root ast.Node, problems []problem) Errors {
	out := make(Errors, 0, len(problems))
	for _, p := range problems {
		e := &Error{File: name, Field: p.field, Msg: p.msg}
		e.Line, e.Col = position(root, p.field)
		out = append(out, e)
	}
	slices.SortStableFunc(out, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return out
}

func index(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }
