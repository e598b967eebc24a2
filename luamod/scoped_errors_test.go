package luamod_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/security"
)

// allowAll is a scope that allows every store action: what a scoped
// script sees differs from an unscoped one only in its error messages.
func allowAll(t *testing.T) *security.Context {
	t.Helper()
	p, err := security.NewPolicy(security.Config{ID: "app:all", Actions: []string{"*"},
		Resources: []string{"*"}, Effect: security.Allow})
	if err != nil {
		t.Fatal(err)
	}
	return &security.Context{Scope: security.NewScope(p)}
}

// errInfra is a backend error naming the host's infrastructure.
var errInfra = errors.New("dependency app:secret_db: connect to 10.0.0.7:5432 as admin: connection refused")

// A scoped script sees, for an error from the host's infrastructure, only
// its store, the kind and the retry flag; errors about its own call keep
// their message; an unscoped one sees everything. The Go error keeps the
// cause either way.
func TestScopedStoreErrorMessages(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		unscoped string // tostring(err) without a scope
		scoped   string // and with one
		retry    string
	}{
		{"unavailable", backends.Errorf(backends.ErrUnavailable, "get: %w", errInfra),
			`UNAVAILABLE: store "app:s": get: ` + errInfra.Error(),
			`UNAVAILABLE: store "app:s": unavailable, try again later`, "true"},
		{"internal driver text", fmt.Errorf("get: %w", errInfra),
			`INTERNAL: store "app:s": get: ` + errInfra.Error(),
			`INTERNAL: store "app:s": internal error`, "false"},
		{"denied by the database", backends.Errorf(backends.ErrPermissionDenied, "get: NOPERM user admin on 10.0.0.7"),
			`PERMISSION_DENIED: store "app:s": get: NOPERM user admin on 10.0.0.7`,
			`PERMISSION_DENIED: store "app:s": access denied by the store's backend`, "false"},
		{"outcome unknown", fmt.Errorf("get: %w: %w", backends.ErrOutcomeUnknown, errInfra),
			`UNAVAILABLE: store "app:s": get: outcome unknown: ` + errInfra.Error(),
			`UNAVAILABLE: store "app:s": the write may or may not have been applied`, "false"},
		{"unavailable start of an invalid entry", backends.Errorf(backends.ErrUnavailable, "%w", backends.Errorf(backends.ErrInvalid, "%w", errInfra)),
			`INVALID: store "app:s": ` + errInfra.Error(),
			`INVALID: store "app:s": invalid configuration or state`, "false"},
		{"full: the store's own limit", backends.Errorf(backends.ErrFull, "the store is full (max_size 10)"),
			`UNAVAILABLE: store "app:s": the store is full (max_size 10)`,
			`UNAVAILABLE: store "app:s": the store is full (max_size 10)`, "true"},
		{"invalid call", backends.Errorf(backends.ErrInvalid, "key too long (300 bytes, limit 255)"),
			`INVALID: store "app:s": key too long (300 bytes, limit 255)`,
			`INVALID: store "app:s": key too long (300 bytes, limit 255)`, "false"},
		{"conflict", backends.Errorf(backends.ErrConflict, "version 3 is not 2"),
			`CONFLICT: store "app:s": version 3 is not 2`,
			`CONFLICT: store "app:s": version 3 is not 2`, "true"},
	}
	for _, tt := range tests {
		for _, scoped := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/scoped=%v", tt.name, scoped), func(t *testing.T) {
				L, m := newState(t, &stubStore{err: tt.err})
				want := tt.unscoped
				if scoped {
					m.SetSecurity(allowAll(t))
					want = tt.scoped
				}
				got := run(t, L, `local v, err = s:get("k"); e = err; return tostring(err), tostring(err:retryable())`)
				if got[0] != want || got[1] != tt.retry {
					t.Errorf("got %q retryable %s, want %q retryable %s", got[0], got[1], want, tt.retry)
				}
				le, ok := luamod.AsError(L.GetGlobal("e"))
				if !ok || !errors.Is(le, tt.err) || le.Err != tt.err {
					t.Errorf("Go error of %q does not keep its cause %v", got[0], tt.err)
				}
			})
		}
	}
}

// store.get of a store that cannot start names the store the script
// asked for and nothing of what it depends on.
func TestScopedStoreGetUnavailable(t *testing.T) {
	res := resolverFunc(func(context.Context, string) (backends.Store, error) {
		return nil, backends.Errorf(backends.ErrUnavailable, "entry app:s is unavailable (%w)", errInfra)
	})
	for _, tt := range []struct {
		sec  bool
		want string
	}{
		{false, "UNAVAILABLE: entry app:s is unavailable (" + errInfra.Error() + ")"},
		{true, `UNAVAILABLE: store "app:s": unavailable, try again later`},
	} {
		L := lua.NewState()
		t.Cleanup(L.Close)
		m2 := luamod.Open(L, luamod.Options{Resolver: res})
		t.Cleanup(m2.Close)
		if tt.sec {
			m2.SetSecurity(allowAll(t))
		}
		got := run(t, L, `local s, err = require("store").get("app:s"); return tostring(err), tostring(err:retryable())`)
		if got[0] != tt.want || got[1] != "true" {
			t.Errorf("scoped=%v: got %q retryable %s, want %q retryable true", tt.sec, got[0], got[1], tt.want)
		}
	}
}

// A script's time limit, or the host stopping it with an error of its
// own (the memory limit), reached in a store call reads under a scope as
// TIMEOUT with no driver text, or as the host's error.
func TestScopedStoreStopped(t *testing.T) {
	memErr := luamod.NewError(luamod.KindInvalid, "memory limit of 1 MiB exceeded")
	tests := []struct {
		name string
		stop func() (context.Context, context.CancelFunc)
		want string
	}{
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 10*time.Millisecond)
		}, `TIMEOUT: store "app:s": timed out`},
		{"host's error", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancelCause(context.Background())
			time.AfterFunc(10*time.Millisecond, func() { cancel(memErr) })
			return ctx, func() { cancel(nil) }
		}, `INVALID: store "app:s": memory limit of 1 MiB exceeded`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L, m := newState(t, &stubStore{wait: true})
			m.SetSecurity(allowAll(t))
			ctx, cancel := tt.stop()
			defer cancel()
			L.SetContext(ctx)
			// Called from Go: a Lua caller would be stopped by the VM first.
			s := L.GetGlobal("s")
			if err := L.CallByParam(lua.P{Fn: L.GetField(s, "get"), NRet: 2, Protect: true}, s, lua.LString("k")); err != nil {
				t.Fatal(err)
			}
			if got := L.ToStringMeta(L.Get(-1)).String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
