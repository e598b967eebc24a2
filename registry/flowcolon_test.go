package registry

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/token"
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
		{"mapping after colon", `l: {r: [a:{b: c}]}`, `{l: {r: [1:9 {a: {b: "c"}}]}}`},
		{"sequence after colon", `l: {r: [a:[b]]}`, `{l: {r: [1:9 {a: [1:12 "b"]}]}}`},

		// A key holding ":" (the scanner gave {a: "b: c"}, {app: "db: x"}).
		{"key in sequence", `l: {r: [a:b: c]}`, `{l: {r: [1:9 {"a:b": "c"}]}}`},
		{"key among items", `l: {r: [x, app:db: c, y]}`, `{l: {r: [1:9 "x", 1:12 {"app:db": "c"}, 1:23 "y"]}}`},
		{"key of flow mapping", `l: {app:db: x, y: z}`, `{l: {"app:db": "x", y: "z"}}`},
		{"key in nested mapping", `l: {r: [{app:db: x}]}`, `{l: {r: [1:9 {"app:db": "x"}]}}`},
		{"key, typed value", `l: {a:b: 5, c:d: true, e:f: null}`, `{l: {"a:b": 5, "c:d": true, "e:f": null}}`},
		{"key, value with colon", `l: {a:b: c:d}`, `{l: {"a:b": "c:d"}}`},
		{"key, many colons", `l: {r: [a:b:c: d]}`, `{l: {r: [1:9 {"a:b:c": "d"}]}}`},
		{"key without value", `l: {r: [a:b:], s: 1}`, `{l: {r: [1:9 {"a:b": null}], s: 1}}`},
		{"key, sequence value", `l: {app:db: [x:y]}`, `{l: {"app:db": [1:14 "x:y"]}}`},
		{"explicit key in mapping", `l: {? app:db : x}`, `{l: {"app:db": "x"}}`},
		{"key with space before colon", `l: {r: [a :b: c]}`, `{l: {r: [1:9 {"a :b": "c"}]}}`},
		{"key outside { }", `l: [a:b: c]`, `{l: [1:5 {"a:b": "c"}]}`},

		// Globs, as security policies write them.
		{"glob", `p: {resources: [app:*], actions: [store.get]}`, `{p: {resources: [1:17 "app:*"], actions: [1:35 "store.get"]}}`},
		{"glob among items", `p: {r: [app:*, b:*]}`, `{p: {r: [1:9 "app:*", 1:16 "b:*"]}}`},
		{"glob as value", `p: {r: app:*}`, `{p: {r: "app:*"}}`},
		{"other characters", `l: {r: [app:-x, app:?x, app::x]}`, `{l: {r: [1:9 "app:-x", 1:17 "app:?x", 1:25 "app::x"]}}`},

		// What the scanner cannot rebuild is refused, with the fix.
		{"quoted value", `l: {r: [a:"b"]}`, `error: inside [ ] or { }, YAML reads a:"b" as one plain string (a ":" with no space after it is part of the text), which luahost cannot read as written; quote it: 'a:"b"' (or put a space after ":" for a key and its value)`},
		{"single-quoted value", `l: {r: [app:'db']}`, `error: inside [ ] or { }, YAML reads app:'db' as one plain string (a ":" with no space after it is part of the text), which luahost cannot read as written; quote it: "app:'db'" (or put a space after ":" for a key and its value)`},
		{"glob with more", `l: {r: [app:*x]}`, `error: inside [ ] or { }, YAML reads app:*x as one plain string (a ":" with no space after it is part of the text), which luahost cannot read as written; quote it: "app:*x" (or put a space after ":" for a key and its value)`},
		{"anchor after colon", `l: {r: [a:&x]}`, `error: inside [ ] or { }, YAML reads a:&x as one plain string (a ":" with no space after it is part of the text), which luahost cannot read as written; quote it: "a:&x" (or put a space after ":" for a key and its value)`},
		{"tag after colon", `l: {r: [app:!x]}`, `error: inside [ ] or { }, YAML reads app:!x as one plain string (a ":" with no space after it is part of the text), which luahost cannot read as written; quote it: "app:!x" (or put a space after ":" for a key and its value)`},
		{"key, quoted value", `l: {r: [a:b: "c"]}`, `error: inside [ ] or { }, YAML reads a:b as a key (a ":" with no space after it is part of the text), which luahost cannot read as written; quote the key: "a:b": ...`},
		{"key, value on the next line", "l: {r: [a:b:\n  c]}", `error: inside [ ] or { }, YAML reads a:b as a key (a ":" with no space after it is part of the text), which luahost cannot read as written; quote the key: "a:b": ...`},
		// {name:cache} is the key "name:cache" with no value: JSON habits.
		{"key without value in { }", `{name:cache, kind: store.memory}`, `error: inside { }, YAML reads name:cache as a key with no value (a ":" with no space after it is part of the text); write name: cache for a key and its value, or quote the key: "name:cache": null`},
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

// TestFlowColonPositions: the tokens a split key leaves keep the columns
// of the source, so that problems point at them.
func TestFlowColonPositions(t *testing.T) {
	tests := []struct {
		src  string
		want string // value:line:col of each token from the key on
	}{
		{`l: {app:db: x}`, `app:db@1:5 :@1:11 x@1:13 }@1:14`},
		{`l: {app:db:   7}`, `app:db@1:5 :@1:11 7@1:15 }@1:16`},
		{`l: {é:ü: x}`, `é:ü@1:5 :@1:8 x@1:10 }@1:11`},
		{`l: {r: [a:b:]}`, `a:b@1:9 :@1:12 null@1:13 ]@1:13 }@1:14`},
		{"l:\n  - {r: [app:*]}", `app:*@2:10 ]@2:15 }@2:16`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			tks, err := joinFlowColons(lexer.Tokenize(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tk := range tks {
				if len(got) > 0 || strings.Contains(tk.Value, ":") && tk.Type != token.MappingValueType {
					got = append(got, fmt.Sprintf("%s@%d:%d", tk.Value, tk.Position.Line, tk.Position.Column))
				}
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("got  %s\nwant %s", strings.Join(got, " "), tt.want)
			}
		})
	}
}

// TestFlowColonProblems: a registry file with a form the parser would
// misread loads as one problem at its file:line:col, naming the fix; one
// with IDs YAML reads as IDs loads.
func TestFlowColonProblems(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"IDs load",
			"namespace: app\nentries:\n  - {name: db, kind: test.db}\n" +
				"  - {name: c, kind: test.store, lifecycle: {requires: [app:db]}, meta: {app:db: primary, globs: [app:*]}}\n", ""},
		{"quoted part", "namespace: app\nentries:\n  - {name: c, kind: test.store, lifecycle: {requires: [app:\"db\"]}}\n",
			`reg.yaml:3:56: inside [ ] or { }, YAML reads app:"db" as one plain string`},
		{"missing space", "namespace: app\nentries:\n  - {name:c, kind: test.store}\n",
			`reg.yaml:3:6: inside { }, YAML reads name:c as a key with no value (a ":" with no space after it is part of the text); write name: c for a key and its value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, err := Load([]Source{{Name: "reg.yaml", Data: []byte(tt.src)}}, Options{})
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				e, ok := reg.Entry("app:c")
				if !ok {
					t.Fatal("app:c did not load")
				}
				if got, want := fmt.Sprintf("%q %q", e.Lifecycle.Requires, e.Meta), `["app:db"] map["app:db":"primary" "globs":["app:*"]]`; got != want {
					t.Errorf("requires and meta %s, want %s", got, want)
				}
				return
			}
			var re *Error
			if !errors.As(err, &re) || len(re.Problems) != 1 {
				t.Fatalf("err = %v, want one problem", err)
			}
			if got := re.Problems[0].Error(); !strings.HasPrefix(got, tt.want) {
				t.Errorf("problem\n%s\nwant it to start\n%s", got, tt.want)
			}
		})
	}
}
