package runtime_test

import (
	"context"
	"testing"

	"github.com/luahost/luahost/runtime"
)

// hintsRegistry has one tenant's stores and another's, with a policy
// that lets acme open only its own.
const hintsRegistry = `namespace: t
entries:
  - {name: acme_cache, kind: store.memory}
  - {name: globex_cache, kind: store.memory}
  - {name: globex_secret_payroll, kind: store.memory}
  - name: policy_acme
    kind: security.policy
    policy: {actions: "*", resources: "t:acme_*", effect: allow}
    groups: [acme]
`

// A confined script learns of no store it may not open: a NOT_FOUND
// suggests only stores it may open, and a store it may not open is denied
// whether it exists or not. Without a scope, suggestions name any entry.
func TestStoreGetErrorsNameOnlyAllowedStores(t *testing.T) {
	rt, err := runtime.New(context.Background(), runtime.WithRegistryString("r.yaml", hintsRegistry))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(context.Background()) })
	acme := []runtime.RunOption{runtime.WithActor("acme", nil), runtime.WithScope("t:acme")}
	tests := []struct {
		name string
		id   string
		opts []runtime.RunOption
		want string
	}{
		{"near another tenant's store", "t:acme_secret_payroll", acme,
			`NOT_FOUND: no entry "t:acme_secret_payroll" in the registry`},
		{"near an own store", "t:acme_cachx", acme,
			`NOT_FOUND: no entry "t:acme_cachx" in the registry (did you mean "t:acme_cache"?)`},
		{"near both", "t:acme_", acme,
			`NOT_FOUND: no entry "t:acme_" in the registry`},
		{"another tenant's store", "t:globex_cache", acme,
			`PERMISSION_DENIED: store.get on "t:globex_cache" is not allowed`},
		{"a store nobody has", "t:globex_nothing", acme,
			`PERMISSION_DENIED: store.get on "t:globex_nothing" is not allowed`},
		{"no scope", "t:acme_secret_payroll", nil,
			`NOT_FOUND: no entry "t:acme_secret_payroll" in the registry (did you mean "t:globex_secret_payroll"?)`},
	}
	prog, err := runtime.Compile("hints.lua", `local s, e = store.get(...) return tostring(e)`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := rt.Call(context.Background(), prog, []any{tt.id}, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if got := res[0]; got != tt.want {
				t.Errorf("store.get(%q) error %q, want %q", tt.id, got, tt.want)
			}
		})
	}
}
