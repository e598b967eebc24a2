package luamod_test

import (
	"context"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/security"
)

// scopedResolver records what store.get passes to StoreVisible.
type scopedResolver struct {
	resolverFunc
	visible func(string) bool
}

func (r *scopedResolver) StoreVisible(ctx context.Context, id string, visible func(string) bool) (backends.Store, error) {
	r.visible = visible
	return r.resolverFunc(ctx, id)
}

// Under a scope, store.get lets a ScopedResolver limit its errors to the
// stores the scope may open; a plain Resolver's NOT_FOUND, which may name
// other stores, is replaced by one that names none.
func TestStoreGetLimitsWhatResolverErrorsName(t *testing.T) {
	p, err := security.NewPolicy(security.Config{ID: "app:acme", Actions: []string{"store.get"},
		Resources: []string{"app:acme_*"}, Effect: security.Allow})
	if err != nil {
		t.Fatal(err)
	}
	scoped := &security.Context{Scope: security.NewScope(p)}
	notFound := resolverFunc(func(_ context.Context, id string) (backends.Store, error) {
		return nil, backends.Errorf(backends.ErrNotFound, "no entry %q (did you mean \"app:globex_secret\"?)", id)
	})
	sr := &scopedResolver{resolverFunc: notFound}
	tests := []struct {
		name string
		res  luamod.Resolver
		sec  *security.Context
		want string
	}{
		{"plain resolver, no scope", notFound, nil, `NOT_FOUND: no entry "app:acme_secret" (did you mean "app:globex_secret"?)`},
		{"plain resolver, scope", notFound, scoped, `NOT_FOUND: no store "app:acme_secret"`},
		{"scoped resolver, scope", sr, scoped, `NOT_FOUND: no entry "app:acme_secret" (did you mean "app:globex_secret"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L := lua.NewState()
			defer L.Close()
			m := luamod.Open(L, luamod.Options{Resolver: tt.res})
			defer m.Close()
			m.SetSecurity(tt.sec)
			got := run(t, L, `local s, err = require("store").get("app:acme_secret") return tostring(err)`)
			if got[0] != tt.want {
				t.Errorf("store.get error %q, want %q", got[0], tt.want)
			}
		})
	}
	// What the scoped resolver was told it may name.
	if sr.visible == nil {
		t.Fatal("StoreVisible got no visible func")
	}
	for id, want := range map[string]bool{"app:acme_cache": true, "app:globex_secret": false} {
		if got := sr.visible(id); got != want {
			t.Errorf("visible(%q) = %v, want %v", id, got, want)
		}
	}
}
