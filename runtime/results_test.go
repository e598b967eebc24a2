package runtime_test

import (
	"context"
	"strings"
	"testing"

	"github.com/luahost/luahost/runtime"
)

// An error value a script returns reaches Go as its text, the text
// tostring gives in Lua, not "userdata: 0x...".
func TestErrorValueResultIsItsText(t *testing.T) {
	rt, err := runtime.New(context.Background(), runtime.WithRegistryString("r.yaml", "namespace: app\nentries:\n  - {name: cache, kind: store.memory}\n"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(context.Background()) })
	tests := []struct{ name, code, want string }{
		{"store.get", `local s, e = store.get("app:cahce") return e, tostring(e)`,
			`NOT_FOUND: no entry "app:cahce" in the registry (did you mean "app:cache"?)`},
		{"a store method", `local s = store.get("app:cache") local v, e = s:get("nope") return e, tostring(e)`, "NOT_FOUND: "},
		{"errors.new", `local e = errors.new({kind = errors.INVALID, message = "bad input"}) return e, tostring(e)`, "INVALID: bad input"},
		{"errors.wrap", `local e = errors.wrap(errors.new("inner"), "outer") return e, tostring(e)`, "outer: inner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := rt.RunString(context.Background(), tt.code)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := res[0].(string)
			if !ok || !strings.HasPrefix(got, tt.want) {
				t.Fatalf("result %#v, want text starting %q", res[0], tt.want)
			}
			if got != res[1] {
				t.Errorf("result %q, but tostring gives %q", got, res[1])
			}
		})
	}
}
