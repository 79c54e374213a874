package policy

import (
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// position returns where to report a problem of field: its value when the
// file has it, else the key (or list entry) of the closest enclosing field
// that the file has. Block mappings and lists are reported at their key, as
// their own token is inside their first entry.
func position(root ast.Node, field string) (line, col int) {
	var at *token.Token
	node := root
	for _, seg := range segments(field) {
		next, tk := child(node, seg)
		if next == nil && tk == nil {
			return tokenPos(at)
		}
		node, at = next, tk
	}
	return tokenPos(valueToken(node, at))
}

// segments splits "stages[1].window.startTime" into "stages", "[1]",
// "window", "startTime".
func segments(field string) []string {
	var out []string
	for part := range strings.SplitSeq(field, ".") {
		for {
			i := strings.IndexByte(part, '[')
			if i < 0 {
				break
			}
			if i > 0 {
				out = append(out, part[:i])
			}
			j := strings.IndexByte(part, ']')
			if j < i {
				break
			}
			out = append(out, part[i:j+1])
			part = part[j+1:]
		}
		if part != "" {
			out = append(out, part)
		}
	}
	return out
}

// child returns the value of seg ("key" or "[i]") in node and the token to
// report it at when it has no better one: its key, or its list entry.
func child(node ast.Node, seg string) (ast.Node, *token.Token) {
	node = unwrap(node)
	if i, ok := strings.CutPrefix(seg, "["); ok {
		n, err := strconv.Atoi(strings.TrimSuffix(i, "]"))
		seq, isSeq := node.(*ast.SequenceNode)
		if err != nil || !isSeq || n < 0 || n >= len(seq.Values) {
			return nil, nil
		}
		return seq.Values[n], entryToken(seq, n)
	}
	var values []*ast.MappingValueNode
	switch n := node.(type) {
	case *ast.MappingNode:
		values = n.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{n}
	}
	for _, mv := range values {
		if tk := keyToken(mv.Key); tk != nil && tk.Value == seg {
			return mv.Value, tk
		}
	}
	return nil, nil
}

func unwrap(node ast.Node) ast.Node {
	for {
		switch n := node.(type) {
		case *ast.AnchorNode:
			node = n.Value
		case *ast.TagNode:
			node = n.Value
		default:
			return node
		}
	}
}

// valueToken is the token to report a value at: the value itself for
// scalars and flow collections, else key (the value's key or list entry).
func valueToken(node ast.Node, key *token.Token) *token.Token {
	switch n := unwrap(node).(type) {
	case nil, *ast.NullNode, *ast.MappingValueNode:
		return key
	case *ast.MappingNode:
		if !n.IsFlowStyle && key != nil {
			return key
		}
	case *ast.SequenceNode:
		if !n.IsFlowStyle && key != nil {
			return key
		}
	}
	if tk := node.GetToken(); tk != nil {
		return tk
	}
	return key
}

// startToken is the first token of node: a block mapping's first key.
func startToken(node ast.Node) *token.Token {
	if m, ok := node.(*ast.MappingNode); ok && !m.IsFlowStyle && len(m.Values) > 0 {
		return keyToken(m.Values[0].Key)
	}
	if mv, ok := node.(*ast.MappingValueNode); ok {
		return keyToken(mv.Key)
	}
	return node.GetToken()
}

func keyToken(k ast.MapKeyNode) *token.Token {
	if k == nil {
		return nil
	}
	if mk, ok := k.(*ast.MappingKeyNode); ok && mk.Value != nil {
		return mk.Value.GetToken()
	}
	return k.GetToken()
}

// entryToken is the "-" of a block list's entry i, or the entry's value.
func entryToken(seq *ast.SequenceNode, i int) *token.Token {
	if i < len(seq.Entries) && seq.Entries[i] != nil && seq.Entries[i].Start != nil {
		return seq.Entries[i].Start
	}
	return seq.Values[i].GetToken()
}

func tokenPos(tk *token.Token) (line, col int) {
	if tk == nil || tk.Position == nil || tk.Position.Line < 1 || tk.Position.Column < 1 {
		return 1, 1
	}
	return tk.Position.Line, tk.Position.Column
}
