package policy

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// checkShape compares the YAML tree with the Go type it decodes into, before
// decoding: unknown or repeated keys and values of the wrong kind are all
// reported at once, each at its own position. It also rejects scalars the
// decoder would silently change: 2.5 or "4" for a whole number, and unquoted
// numbers such as 1.30 (read as 1.3) for text.
func checkShape(name string, root ast.Node, t reflect.Type) Errors {
	s := &shape{name: name, anchors: map[string]ast.Node{}}
	s.check(root, nil, t, "")
	return s.errs
}

type shape struct {
	name    string
	errs    Errors
	anchors map[string]ast.Node
	// at, when set, is the alias being checked: problems inside the
	// anchored value are reported where it is used.
	at *token.Token
}

var decimalRE = regexp.MustCompile(`^-?[0-9]+$`)

func (s *shape) add(tk *token.Token, field, msg string) {
	if s.at != nil {
		tk = s.at
	}
	line, col := tokenPos(tk)
	s.errs = append(s.errs, &Error{File: s.name, Line: line, Col: col, Field: field, Msg: msg})
}

// check checks node, the value of key (nil for the root), against t.
func (s *shape) check(node ast.Node, key *token.Token, t reflect.Type, field string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch n := node.(type) {
	case nil, *ast.NullNode:
		return // null leaves the field unset
	case *ast.AnchorNode:
		if n.Name != nil && n.Name.GetToken() != nil {
			s.anchors[n.Name.GetToken().Value] = n.Value
		}
		s.check(n.Value, key, t, field)
		return
	case *ast.AliasNode:
		s.alias(n, func(target ast.Node) { s.check(target, key, t, field) })
		return
	case *ast.TagNode:
		if t.Kind() == reflect.String && n.Start != nil && n.Start.Value == "!!str" {
			return
		}
		s.check(n.Value, key, t, field)
		return
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		s.mapping(node, key, t, field)
	case reflect.Slice:
		seq, ok := node.(*ast.SequenceNode)
		if !ok {
			s.wrong(node, key, t, field)
			return
		}
		for i, v := range seq.Values {
			s.check(v, entryToken(seq, i), t.Elem(), index(field, i))
		}
	case reflect.String:
		switch n := node.(type) {
		case *ast.StringNode, *ast.LiteralNode:
		case ast.ScalarNode:
			text := n.GetToken().Value
			if read := fmt.Sprint(n.GetValue()); read != text {
				s.add(n.GetToken(), field, fmt.Sprintf("found %s, which YAML reads as %s, allowed text: write %q in quotes", text, read, text))
			}
		default:
			s.wrong(node, key, t, field)
		}
	case reflect.Int:
		n, ok := node.(*ast.IntegerNode)
		if !ok || !decimalRE.MatchString(n.GetToken().Value) {
			s.wrong(node, key, t, field)
		} else if _, err := strconv.Atoi(n.GetToken().Value); err != nil {
			s.add(n.GetToken(), field, foundAllowed(n.GetToken().Value, "a whole number of at most 18 digits"))
		}
	case reflect.Bool:
		if _, ok := node.(*ast.BoolNode); !ok {
			s.wrong(node, key, t, field)
		}
	}
}

// mapping checks a mapping for a struct (known keys) or a map[string]string.
func (s *shape) mapping(node ast.Node, key *token.Token, t reflect.Type, field string) {
	var values []*ast.MappingValueNode
	switch n := node.(type) {
	case *ast.MappingNode:
		values = n.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{n}
	default:
		s.wrong(node, key, t, field)
		return
	}
	seen := map[string]int{}
	for _, mv := range values {
		if _, merge := mv.Key.(*ast.MergeKeyNode); merge {
			s.merge(mv.Value, key, t, field)
			continue
		}
		ktk := keyToken(mv.Key)
		if ktk == nil {
			continue
		}
		k := ktk.Value
		sub := k
		if field != "" {
			sub = field + "." + k
		}
		if line, dup := seen[k]; dup {
			s.add(ktk, sub, fmt.Sprintf("found %q a second time, allowed each key once (the first is on line %d)", k, line))
			continue
		}
		seen[k], _ = tokenPos(ktk)
		if t.Kind() == reflect.Map {
			s.check(mv.Value, ktk, t.Elem(), sub)
			continue
		}
		f, ok := fieldByTag(t, k)
		if !ok {
			s.add(ktk, sub, unknownField(t, k))
			continue
		}
		s.check(mv.Value, ktk, f.Type, sub)
	}
}

// alias checks the value an alias stands for, once: aliases within it are
// left to the decoder, which bounds the work.
func (s *shape) alias(n *ast.AliasNode, check func(ast.Node)) {
	if s.at != nil || n.Value == nil || n.Value.GetToken() == nil {
		return
	}
	target, ok := s.anchors[n.Value.GetToken().Value]
	if !ok {
		return
	}
	s.at = n.GetToken()
	check(target)
	s.at = nil
}

// merge checks the mappings of a merge key ("<<: *base") as part of the
// mapping that holds it.
func (s *shape) merge(node ast.Node, key *token.Token, t reflect.Type, field string) {
	switch n := node.(type) {
	case *ast.AliasNode:
		s.alias(n, func(target ast.Node) { s.merge(target, key, t, field) })
	case *ast.SequenceNode:
		for _, v := range n.Values {
			s.merge(v, key, t, field)
		}
	case *ast.AnchorNode:
		s.merge(n.Value, key, t, field)
	default:
		s.mapping(node, key, t, field)
	}
}

// wrong reports a value of the wrong kind.
func (s *shape) wrong(node ast.Node, key *token.Token, t reflect.Type, field string) {
	found, allowed := describe(node), allowedKind(t)
	if str, ok := node.(*ast.StringNode); ok && (t.Kind() == reflect.Int && decimalRE.MatchString(str.Value) || t.Kind() == reflect.Bool && (str.Value == "true" || str.Value == "false")) {
		found, allowed = found+" in quotes", allowed+" without quotes"
	}
	s.add(valueToken(node, key), field, foundAllowed(found, allowed))
}
