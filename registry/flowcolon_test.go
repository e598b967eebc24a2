package registry

import (
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/ast"
)

// TestFlowColonScalars checks how parseYAML reads a ":" inside flow
// collections: as YAML 1.2 (and PyYAML) read it where goccy/go-yaml's
// scanner splits a plain scalar, and unchanged everywhere else. Each want
// is the document in JSON-like form: strings quoted, other scalars bare,
// and each item of a sequence marked with its line:col; or the
// first line of the parse error.
func TestFlowColonScalars(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		// The reported case and its neighbours: a flow sequence inside a
		// flow mapping.
		{"in flow mapping", `l: {requires: [app:db]}`, `{l: {requires: [1:16 "app:db"]}}`},
		{"two items", `l: {requires: [app:db, app:cache]}`, `{l: {requires: [1:16 "app:db", 1:24 "app:cache"]}}`},
		{"dotted and dashed", `l: {r: [app.security:tenant, my-app:read-only]}`, `{l: {r: [1:9 "app.security:tenant", 1:30 "my-app:read-only"]}}`},
		{"padded", `l: {r: [ app:db ]}`, `{l: {r: [1:10 "app:db"]}}`},
		{"quoted", `l: {r: [ "app:db" ]}`, `{l: {r: [1:10 "app:db"]}}`},
		{"several colons", `l: {r: [a:b:c]}`, `{l: {r: [1:9 "a:b:c"]}}`},
		{"space before colon", `l: {r: [a :b]}`, `{l: {r: [1:9 "a :b"]}}`},
		{"numbers stay text", `l: {r: [12:30]}`, `{l: {r: [1:9 "12:30"]}}`},
		{"value with spaces", `l: {r: [a:b c]}`, `{l: {r: [1:9 "a:b c"]}}`},
		{"multi-line", "l: {r: [\n    app:db,\n    app:cache\n  ]}", `{l: {r: [2:5 "app:db", 3:5 "app:cache"]}}`},
		{"deeper", `l: [{r: [{s: [app:db]}]}]`, `{l: [1:5 {r: [1:10 {s: [1:15 "app:db"]}]}]}`},
		{"anchored", `l: {r: [&k app:db, *k]}`, `{l: {r: [1:9 &k "app:db", 1:20 *k]}}`},
		// YAML reads [? a:b] as [{"a:b": null}]; the parser has no such
		// key without a value in [ ], and says so as it does outside { }.
		{"explicit key", `l: {r: [? a:b]}`, `error: [1:14] could not find '[' character corresponding to ']'`},
		{"block sequence in block mapping", "l:\n  requires:\n    - app:db", `{l: {requires: [3:7 "app:db"]}}`},
		{"flow sequence in block mapping", "l:\n  requires: [app:db]", `{l: {requires: [2:14 "app:db"]}}`},

		// Mappings YAML reads as mappings stay mappings.
		{"space after colon", `l: {r: [app: db]}`, `{l: {r: [1:9 {app: "db"}]}}`},
		{"JSON-like key", `l: {r: ["app":db]}`, `{l: {r: [1:9 {"app": "db"}]}}`},
		{"flow mapping item", `l: {r: [{app: db}]}`, `{l: {r: [1:9 {app: "db"}]}}`},
		{"flow mapping values", `{name: cache, kind: store.memory}`, `{name: "cache", kind: "store.memory"}`},
		{"colon in a value", `l: {a: app:db}`, `{l: {a: "app:db"}}`},
		{"URL", `l: {r: [http://x/y]}`, `{l: {r: [1:9 "http://x/y"]}}`},
		// YAML reads [a:b: c] as [{"a:b": c}]; the scanner gives {a: "b: c"}.
		// Either way a mapping, so it is not joined.
		{"value holding a mapping", `l: {r: [a:b: c]}`, `{l: {r: [1:9 {a: "b: c"}]}}`},
		// A quoted value after the colon would need the source text to
		// rebuild the plain scalar a:"b"; it keeps the scanner's reading.
		{"quoted value", `l: {r: [a:"b"]}`, `{l: {r: [1:9 {a: "b"}]}}`},
		// A line break before the colon is left to the parser, which
		// rejects it (YAML folds it to "a :b").
		{"line break before colon", "l: {r: [a\n  :b]}", `error: [1:9] map key definition includes an implicit line break`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parseYAML([]byte(tt.src))
			if err != nil {
				if got := "error: " + firstLine(err.Error()); got != tt.want {
					t.Errorf("parseYAML(%q)\n got %s\nwant %s", tt.src, got, tt.want)
				}
				return
			}
			if len(f.Docs) != 1 {
				t.Fatalf("parseYAML(%q): %d documents", tt.src, len(f.Docs))
			}
			if got := renderNode(f.Docs[0].Body); got != tt.want {
				t.Errorf("parseYAML(%q)\n got %s\nwant %s", tt.src, got, tt.want)
			}
		})
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// renderNode writes n in the JSON-like form TestFlowColonScalars compares.
func renderNode(n ast.Node) string {
	var b strings.Builder
	fl := &srcFile{}
	var walk func(ast.Node)
	walk = func(n ast.Node) {
		switch t := n.(type) {
		case nil:
			b.WriteString("null")
		case *ast.MappingNode:
			b.WriteString("{")
			for i, v := range t.Values {
				if i > 0 {
					b.WriteString(", ")
				}
				walk(v)
			}
			b.WriteString("}")
		case *ast.MappingValueNode:
			k := ast.Node(t.Key)
			if mk, ok := k.(*ast.MappingKeyNode); ok {
				k = mk.Value
			}
			if s, ok := k.(*ast.StringNode); ok && isPlainScalar(s.Token) && !strings.Contains(s.Value, ":") {
				b.WriteString(s.Value)
			} else {
				walk(k)
			}
			b.WriteString(": ")
			walk(t.Value)
		case *ast.SequenceNode:
			b.WriteString("[")
			for i, v := range t.Values {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(shortPos(fl.nodePos(v, Pos{})) + " ")
				walk(v)
			}
			b.WriteString("]")
		case *ast.AnchorNode:
			b.WriteString("&" + anchorName(t) + " ")
			walk(t.Value)
		case *ast.AliasNode:
			b.WriteString("*" + aliasName(t))
		case *ast.StringNode:
			b.WriteString(strconv.Quote(t.Value))
		case *ast.NullNode:
			b.WriteString("null")
		default:
			if tk := n.GetToken(); tk != nil {
				b.WriteString(tk.Value)
			} else {
				b.WriteString("?")
			}
		}
	}
	walk(n)
	return b.String()
}
