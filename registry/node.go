package registry

import (
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// srcFile is one parsed source with its anchors.
type srcFile struct {
	index   int
	name    string
	dir     string
	anchors map[string]ast.Node
}

// pair is one key/value of a mapping, merge keys already applied.
type pair struct {
	key     string
	keyNode ast.Node
	val     ast.Node
}

// maxAliasHops bounds alias chains; maxMergeDepth bounds nested merge keys.
const (
	maxAliasHops  = 64
	maxMergeDepth = 16
)

// nodePos returns where n starts, falling back to at.
func (fl *srcFile) nodePos(n ast.Node, at Pos) Pos {
	switch t := n.(type) {
	case nil:
		return at
	case *ast.MappingNode:
		if !t.IsFlowStyle && len(t.Values) > 0 {
			return fl.nodePos(t.Values[0], at)
		}
	case *ast.MappingValueNode:
		if t.Key != nil {
			return fl.nodePos(t.Key, at)
		}
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return at
	}
	p := Pos{File: fl.name, Line: tk.Position.Line, Col: tk.Position.Column}
	if p.Line < 1 {
		p.Line = 1
	}
	if p.Col < 1 {
		p.Col = 1
	}
	return p
}

// deref follows anchors, tags and aliases to the node they stand for. An
// alias without an anchor gives nil (reported when the file is scanned).
func (fl *srcFile) deref(n ast.Node) ast.Node {
	for range maxAliasHops {
		switch t := n.(type) {
		case *ast.AnchorNode:
			n = t.Value
		case *ast.TagNode:
			n = t.Value
		case *ast.AliasNode:
			n = fl.anchors[aliasName(t)]
		default:
			return n
		}
	}
	return nil
}

func aliasName(a *ast.AliasNode) string {
	if a.Value == nil {
		return ""
	}
	if tk := a.Value.GetToken(); tk != nil {
		return tk.Value
	}
	return ""
}

func anchorName(a *ast.AnchorNode) string {
	if a.Name == nil {
		return ""
	}
	if tk := a.Name.GetToken(); tk != nil {
		return tk.Value
	}
	return ""
}

// isNull reports whether n (dereferenced) is absent or a YAML null.
func isNull(n ast.Node) bool {
	if n == nil {
		return true
	}
	_, ok := n.(*ast.NullNode)
	return ok
}

// scalarText returns the text of a scalar node, and false for collections.
func scalarText(n ast.Node) (string, bool) {
	switch t := n.(type) {
	case *ast.StringNode:
		return t.Value, true
	case *ast.LiteralNode:
		if t.Value == nil {
			return "", true
		}
		return t.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode, *ast.NullNode:
		if tk := n.GetToken(); tk != nil {
			return tk.Value, true
		}
		return "", true
	}
	return "", false
}

// isStringNode reports whether n is a YAML string (the only scalars in which
// ${env:...} is expanded).
func isStringNode(n ast.Node) bool {
	switch n.(type) {
	case *ast.StringNode, *ast.LiteralNode:
		return true
	}
	return false
}

// typeName names the YAML type of a dereferenced node for messages.
func typeName(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a sequence"
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	case *ast.IntegerNode:
		return "an integer"
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a number"
	case *ast.BoolNode:
		return "a boolean"
	case nil, *ast.NullNode:
		return "null"
	}
	return "an unsupported value"
}

// keyText returns a mapping key as text.
func (fl *srcFile) keyText(k ast.Node) (string, bool) {
	if mk, ok := k.(*ast.MappingKeyNode); ok {
		k = mk.Value
	}
	if _, ok := k.(*ast.MergeKeyNode); ok {
		return "<<", true
	}
	return scalarText(fl.deref(k))
}

// scan walks the whole document once: it records anchors and reports
// aliases that name no anchor defined before them.
func (l *loader) scan(fl *srcFile, n ast.Node, depth int) {
	if n == nil {
		return
	}
	if depth > 10000 {
		l.problem(fl.index, fl.nodePos(n, Pos{File: fl.name, Line: 1, Col: 1}), "", "document nested too deeply")
		return
	}
	switch t := n.(type) {
	case *ast.DocumentNode:
		l.scan(fl, t.Body, depth+1)
	case *ast.MappingNode:
		for _, v := range t.Values {
			l.scan(fl, v, depth+1)
		}
	case *ast.MappingValueNode:
		l.scan(fl, t.Key, depth+1)
		l.scan(fl, t.Value, depth+1)
	case *ast.MappingKeyNode:
		l.scan(fl, t.Value, depth+1)
	case *ast.SequenceNode:
		for _, v := range t.Values {
			l.scan(fl, v, depth+1)
		}
	case *ast.TagNode:
		l.scan(fl, t.Value, depth+1)
	case *ast.AnchorNode:
		l.scan(fl, t.Value, depth+1)
		// Registered after its value: an alias inside its own anchor has
		// nothing to point at yet.
		fl.anchors[anchorName(t)] = t.Value
	case *ast.AliasNode:
		name := aliasName(t)
		if _, ok := fl.anchors[name]; !ok {
			l.problem(fl.index, fl.nodePos(t, Pos{File: fl.name, Line: 1, Col: 1}), "",
				"alias *"+name+" refers to no anchor &"+name+" defined before it")
		}
	}
}

// pairs returns the key/value pairs of m with merge keys applied (explicit
// keys win). A key given twice is reported once, for entryID.
func (l *loader) pairs(fl *srcFile, m *ast.MappingNode, entryID string) []pair {
	return l.pairsDepth(fl, m, entryID, 0, map[*ast.MappingNode]bool{})
}

// pairsDepth merges each mapping at most once (seen): a repeat adds no key,
// and skipping it keeps self-referencing or fanned-out merges linear.
func (l *loader) pairsDepth(fl *srcFile, m *ast.MappingNode, entryID string, depth int, seen map[*ast.MappingNode]bool) []pair {
	if m == nil || seen[m] {
		return nil
	}
	seen[m] = true
	var out, merged []pair
	first := map[string]ast.Node{}
	for _, mv := range m.Values {
		if mv == nil {
			continue
		}
		at := fl.nodePos(mv, fl.nodePos(m, Pos{File: fl.name, Line: 1, Col: 1}))
		key, ok := fl.keyText(mv.Key)
		if !ok {
			if !l.reported[mv] {
				l.reported[mv] = true
				l.problem(fl.index, at, entryID, "mapping keys must be scalars")
			}
			continue
		}
		if _, isMerge := mv.Key.(*ast.MergeKeyNode); isMerge {
			if depth >= maxMergeDepth {
				l.problem(fl.index, at, entryID, "merge keys nested too deeply")
				continue
			}
			v := fl.deref(mv.Value)
			var srcs []ast.Node
			if s, ok := v.(*ast.SequenceNode); ok {
				srcs = s.Values
			} else {
				srcs = []ast.Node{mv.Value}
			}
			for _, s := range srcs {
				sm, ok := fl.deref(s).(*ast.MappingNode)
				if !ok {
					if !l.reported[mv] {
						l.reported[mv] = true
						l.problem(fl.index, at, entryID, "merge key << wants a mapping or a sequence of mappings")
					}
					continue
				}
				merged = append(merged, l.pairsDepth(fl, sm, entryID, depth+1, seen)...)
			}
			continue
		}
		if prev, dup := first[key]; dup {
			if !l.reported[mv] {
				l.reported[mv] = true
				l.problem(fl.index, at, entryID, "key "+strconv.Quote(key)+" given twice (first at "+
					shortPos(fl.nodePos(prev, at))+")")
			}
			continue
		}
		first[key] = mv.Key
		out = append(out, pair{key: key, keyNode: mv.Key, val: mv.Value})
	}
	for _, p := range merged {
		if _, ok := first[p.key]; ok {
			continue
		}
		first[p.key] = p.keyNode
		out = append(out, p)
	}
	return out
}

// shortPos is "line:col".
func shortPos(p Pos) string { return itoa(p.Line) + ":" + itoa(p.Col) }

// validName reports whether s is a valid entry name.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_':
		case (c == '.' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

// validNamespace reports whether s is dot-separated segments of
// [a-z0-9_][a-z0-9_-]*.
func validNamespace(s string) bool {
	if s == "" {
		return false
	}
	for seg := range strings.SplitSeq(s, ".") {
		if seg == "" || strings.Contains(seg, ".") || !validName(seg) {
			return false
		}
	}
	return true
}
