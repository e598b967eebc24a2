package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/runtime"
	"github.com/luahost/luahost/security"
)

// tenantStores are the store entries the tenant example runs against, one
// registry per store kind; app:shared is the store the policies name.
var tenantStores = map[string]string{
	"memory": `
namespace: app
entries:
  - name: shared
    kind: store.memory
  - name: other
    kind: store.memory
`,
	"sqlite": `
namespace: app
entries:
  - name: shared
    kind: store.sql
    database: db
    table_name: kv_store
    create_table: true
  - name: db
    kind: db.sql.sqlite
    file: ${env:DB_FILE}
  - name: other
    kind: store.memory
`,
}

const tenantPolicies = "../scripts/tenants/security.yaml"

func newTenantRuntime(t *testing.T, kind string, opts ...runtime.Option) *runtime.Runtime {
	t.Helper()
	dbFile := filepath.Join(t.TempDir(), "kv.db")
	getenv := func(name string) (string, bool) {
		if name == "DB_FILE" {
			return dbFile, true
		}
		return os.LookupEnv(name)
	}
	opts = append([]runtime.Option{
		runtime.WithRegistry(tenantPolicies),
		runtime.WithRegistryString("stores.yaml", tenantStores[kind]),
		runtime.WithGetenv(getenv),
	}, opts...)
	rt, err := runtime.New(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	return rt
}

var seeds = map[string]int{"aaa/x": 0, "acme/k": 1, "globex/k": 2, "zzz": 3}

func seed(t *testing.T, rt *runtime.Runtime) {
	t.Helper()
	ctx := context.Background()
	kv, err := rt.Store(ctx, "app:shared")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range seeds {
		if err := kv.Set(ctx, k, v, 0); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 40 {
		if err := kv.Set(ctx, "acme0"+strings.Repeat("x", i), i, 0); err != nil { // sorts right after acme/
			t.Fatal(err)
		}
	}
}

func runFile(t *testing.T, rt *runtime.Runtime, path string, opts ...runtime.RunOption) []any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := rt.Run(context.Background(), runtime.Script{Name: path, Source: f}, opts...)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := make([]any, len(res))
	for i, v := range res {
		out[i] = v.String()
	}
	return out
}

func tenant(id string) []runtime.RunOption {
	return []runtime.RunOption{
		runtime.WithScope("app.security:tenant"),
		runtime.WithActor(id, map[string]any{"prefix": id + "/"}),
	}
}

// TestTenantConfinement runs the README's tenant example on each store
// kind: a tenant tries every store method on another tenant's key (all
// denied, nothing written), uses its own keys, and lists only its own.
func TestTenantConfinement(t *testing.T) {
	for _, kind := range []string{"memory", "sqlite"} {
		t.Run(kind, func(t *testing.T) {
			rt := newTenantRuntime(t, kind)
			seed(t, rt)
			if got := runFile(t, rt, "testdata/security/tenant.lua", tenant("acme")...); got[0] != "ok" {
				t.Fatalf("tenant.lua returned %v", got)
			}
			ctx := context.Background()
			kv, err := rt.Store(ctx, "app:shared")
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range map[string]int{"globex/k": 2, "aaa/x": 0, "zzz": 3, "acme/k": 11} {
				var got int
				if err := kv.Get(ctx, k, &got); err != nil || got != want {
					t.Errorf("%s = %d, %v after the tenant's run; want %d", k, got, err, want)
				}
			}
			raw, err := kv.Raw(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, has, err := raw.(backends.Extended).TTL(ctx, "globex/k"); err != nil || has {
				t.Errorf("globex/k has an expiry after a denied expire (%v)", err)
			}
			if got := runFile(t, rt, "testdata/security/support.lua", runtime.WithScope("app.security:support")); got[0] != "44" {
				t.Errorf("support listed %v keys, want 44", got[0])
			}
		})
	}
}

func TestRunOptions(t *testing.T) {
	rt := newTenantRuntime(t, "memory")
	seed(t, rt)
	ctx := context.Background()
	read := `local s, err = store.get("app:shared") if not s then return tostring(err) end
		local v, err = s:get("globex/k") if v == nil then return tostring(err) end return v`
	tests := []struct {
		name string
		opts []runtime.RunOption
		want string
	}{
		{"no scope reads everything", nil, "2"},
		{"actor alone checks nothing", []runtime.RunOption{runtime.WithActor("acme", nil)}, "2"},
		{"tenant denied", tenant("acme"), "PERMISSION_DENIED: store.key.get on \"app:shared\" for key \"globex/k\" is not allowed"},
		{"owner allowed", tenant("globex"), "2"},
		{"policy ID as scope", []runtime.RunOption{runtime.WithScope("app.security:support_read", "app.security:shared_open")}, "2"},
		{"empty scope allows nothing", []runtime.RunOption{runtime.WithScope()}, "PERMISSION_DENIED: store.get on \"app:shared\" is not allowed"},
		{"without scope", append(tenant("acme"), runtime.WithoutScope()), "2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, via := range []string{"RunString", "Run"} {
				var got any
				switch via {
				case "RunString":
					res, err := rt.RunString(ctx, read, tt.opts...)
					if err != nil {
						t.Fatal(err)
					}
					got = res[0]
				case "Run":
					res, err := rt.Run(ctx, runtime.Script{Name: "t", Source: strings.NewReader(read)}, tt.opts...)
					if err != nil {
						t.Fatal(err)
					}
					got = res[0].String()
				}
				if s := toString(got); s != tt.want {
					t.Errorf("%s: got %q, want %q", via, s, tt.want)
				}
			}
		})
	}
	// A pooled state used by a scoped run does not keep its scope.
	if res, err := rt.RunString(ctx, read); err != nil || toString(res[0]) != "2" {
		t.Errorf("run after scoped runs: %v, %v", res, err)
	}
	if _, err := rt.RunString(ctx, "return 1", runtime.WithScope("app.security:nope")); !errors.Is(err, backends.ErrInvalid) {
		t.Errorf("unknown scope: %v, want ErrInvalid", err)
	}
}

func toString(v any) string { return fmt.Sprint(v) }

func TestRunDefaults(t *testing.T) {
	rt := newTenantRuntime(t, "memory", runtime.WithRunDefaults(tenant("acme")...))
	seed(t, rt)
	ctx := context.Background()
	res, err := rt.RunString(ctx, `local s = store.get("app:shared") local v, err = s:get("globex/k") return tostring(err)`)
	if err != nil || !strings.Contains(toString(res[0]), "PERMISSION_DENIED") {
		t.Errorf("default scope not applied: %v, %v", res, err)
	}
	res, err = rt.RunString(ctx, `return store.get("app:shared"):get("globex/k")`, runtime.WithoutScope())
	if err != nil || toString(res[0]) != "2" {
		t.Errorf("WithoutScope over the default: %v, %v", res, err)
	}
	s, err := rt.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.L(); got == nil {
		t.Fatal("no state")
	}
	_, err = runtime.New(ctx, runtime.WithRegistry(tenantPolicies), runtime.WithRegistryString("s.yaml", tenantStores["memory"]),
		runtime.WithRunDefaults(runtime.WithScope("app.security:tenants")))
	var se *runtime.ScopeError
	if !errors.As(err, &se) || se.ID != "app.security:tenants" {
		t.Errorf("New with an unknown default scope: %v", err)
	}
}

func TestEntrySecurity(t *testing.T) {
	ctx := context.Background()
	reg := `
namespace: app
entries:
  - name: worker_store
    kind: store.memory
    lifecycle:
      security:
        actor:
          id: service:worker
          meta: {prefix: "jobs/"}
        groups: [app.security:tenant]
`
	rt, err := runtime.New(ctx, runtime.WithRegistry(tenantPolicies), runtime.WithRegistryString("w.yaml", reg),
		runtime.WithRegistryString("s.yaml", tenantStores["memory"]))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	sec, err := rt.EntrySecurity("app:worker_store")
	if err != nil || sec == nil {
		t.Fatalf("EntrySecurity: %v, %v", sec, err)
	}
	if sec.Actor.ID != "service:worker" || !sec.Scope.Contains("app.security:tenant_keys") {
		t.Errorf("EntrySecurity = %+v", sec)
	}
	res, err := rt.RunString(ctx, `local s = store.get("app:shared") return s:set("jobs/1", 1), tostring(select(2, s:set("x", 1)))`, runtime.WithSecurity(sec))
	if err != nil || res[0] != true || !strings.Contains(toString(res[1]), "PERMISSION_DENIED") {
		t.Errorf("run as the entry: %v, %v", res, err)
	}

	for _, tt := range []struct{ name, block, want string }{
		{"missing group", "groups: [app.security:nobody]", "w.yaml:3:5: app:worker_store: lifecycle.security.groups: no policy is in group app.security:nobody"},
		{"missing policy", "policies: [app.security:nothing]", "w.yaml:3:5: app:worker_store: lifecycle.security.policies: no security.policy or security.policy.expr entry app.security:nothing"},
	} {
		reg := "namespace: app\nentries:\n  - name: worker_store\n    kind: store.memory\n    lifecycle:\n      security:\n        actor: {id: w}\n        " + tt.block + "\n"
		_, err := runtime.New(ctx, runtime.WithRegistry(tenantPolicies), runtime.WithRegistryString("w.yaml", reg))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %s...", tt.name, err, tt.want)
		}
	}
}

// TestSecurityDeadline: a scoped list over many hidden keys still stops at
// the script's limit.
func TestSecurityDeadline(t *testing.T) {
	rt := newTenantRuntime(t, "memory")
	seed(t, rt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := rt.RunString(ctx, `return #store.get("app:shared"):list({limit = 1000}).items`, tenant("nobody")...)
	if err != nil || res[0] != int64(0) {
		t.Errorf("list with nothing visible: %v, %v", res, err)
	}
}

// TestConcurrentScopes: runs with different scopes share pooled states
// and never see each other's scope.
func TestConcurrentScopes(t *testing.T) {
	rt := newTenantRuntime(t, "memory")
	seed(t, rt)
	ctx := context.Background()
	code := `local v, err = store.get("app:shared"):get("globex/k") return v ~= nil`
	errc := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 200 {
				scoped := (g+i)%2 == 0
				var opts []runtime.RunOption
				if scoped {
					opts = tenant("acme")
				}
				res, err := rt.RunString(ctx, code, opts...)
				if err != nil {
					errc <- err
					return
				}
				if res[0] != !scoped {
					errc <- fmt.Errorf("scoped=%v read globex/k: %v", scoped, res[0])
					return
				}
			}
			errc <- nil
		}()
	}
	for range 8 {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
}

// Policies are registry entries: a reload that changes one decides the
// next calls, including those on kept stores and with the runtime's
// default scope.
func TestReloadChangesPolicies(t *testing.T) {
	ctx := context.Background()
	reg := func(effect string) string {
		return `
version: "1.0"
namespace: app
entries:
  - name: kv
    kind: store.memory
  - name: readers
    kind: security.policy
    policy:
      actions: ["store.get", "store.key.get"]
      resources: "app:kv"
      effect: ` + effect + `
`
	}
	rt, err := runtime.New(ctx, runtime.WithRegistryString("app.yaml", reg("allow")),
		runtime.WithRunDefaults(runtime.WithScope("app:readers")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	read := `local s, err = store.get("app:kv") if not s then return err:kind() end
		local v, err = s:get("k") if err and err:kind() ~= "NotFound" then return err:kind() end return "read"`
	check := func(want string) {
		t.Helper()
		for _, opts := range [][]runtime.RunOption{nil, {runtime.WithScope("app:readers")}} {
			res, err := rt.RunString(ctx, read, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if got := toString(res[0]); got != want {
				t.Errorf("with %d options: got %q, want %q", len(opts), got, want)
			}
		}
	}
	check("read")
	rep, err := rt.Reload(ctx, runtime.WithRegistryString("app.yaml", reg("deny")))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(rep.Kept, "app:kv") {
		t.Errorf("app:kv was not kept: %+v", rep)
	}
	check("PermissionDenied")
}

// A run's options replace what the runtime's defaults set, each on its
// own: a run's scope replaces the default scope (it does not add to it),
// its actor replaces the default actor, meta included, and what the run
// does not set stays as the defaults have it.
func TestRunOptionsReplaceDefaults(t *testing.T) {
	const tenantGroup, supportGroup = "app.security:tenant", "app.security:support"
	tenantPolicies := "app.security:no_clear,app.security:shared_open,app.security:tenant_keys"
	supportPolicies := "app.security:no_clear,app.security:shared_open,app.security:support_read"
	bothPolicies := "app.security:no_clear,app.security:shared_open,app.security:support_read,app.security:tenant_keys"
	acme := runtime.WithActor("acme", map[string]any{"prefix": "acme/"})
	sec, err := newTenantRuntime(t, "memory").Scope(tenantGroup)
	if err != nil {
		t.Fatal(err)
	}
	// The script reports its actor, its scope's policies and what reading
	// another tenant's key gives.
	const script = `
local security = require("security")
local who, meta = "none", ""
local a = security.actor()
if a then
	who = a:id()
	local ks = {}
	for k, v in pairs(a:meta() or {}) do ks[#ks + 1] = k .. "=" .. tostring(v) end
	table.sort(ks)
	meta = table.concat(ks, ",")
end
local ids = "unchecked"
local sc = security.scope()
if sc then
	local t = {}
	for _, p in ipairs(sc:policies()) do t[#t + 1] = p:id() end
	ids = table.concat(t, ",")
end
local read
local s, err = store.get("app:shared")
if not s then read = err:kind() else
	local v, err = s:get("globex/k")
	read = err and err:kind() or tostring(v)
end
return who, meta, ids, read`
	tests := []struct {
		name               string
		defaults, run      []runtime.RunOption
		actor, meta, scope string
		read               string // s:get("globex/k")
	}{
		{"run scope replaces default scope", []runtime.RunOption{runtime.WithScope(supportGroup)},
			[]runtime.RunOption{acme, runtime.WithScope(tenantGroup)}, "acme", "prefix=acme/", tenantPolicies, "PermissionDenied"},
		{"empty default scope replaced", []runtime.RunOption{runtime.WithScope()},
			[]runtime.RunOption{acme, runtime.WithScope(tenantGroup)}, "acme", "prefix=acme/", tenantPolicies, "PermissionDenied"},
		{"default scope kept without a run scope", []runtime.RunOption{runtime.WithScope(supportGroup)},
			[]runtime.RunOption{acme}, "acme", "prefix=acme/", supportPolicies, "2"},
		{"scopes of one call add up", nil,
			[]runtime.RunOption{runtime.WithScope(tenantGroup), runtime.WithScope(supportGroup)}, "none", "", bothPolicies, "2"},
		{"default scopes add up", []runtime.RunOption{runtime.WithScope(tenantGroup), runtime.WithScope(supportGroup)},
			[]runtime.RunOption{acme}, "acme", "prefix=acme/", bothPolicies, "2"},
		{"several run scopes replace the default together", []runtime.RunOption{runtime.WithScope(supportGroup)},
			[]runtime.RunOption{acme, runtime.WithScope(), runtime.WithScope(tenantGroup)}, "acme", "prefix=acme/", tenantPolicies, "PermissionDenied"},
		{"WithoutScope then WithScope", []runtime.RunOption{runtime.WithScope(supportGroup)},
			[]runtime.RunOption{acme, runtime.WithoutScope(), runtime.WithScope(tenantGroup)}, "acme", "prefix=acme/", tenantPolicies, "PermissionDenied"},
		{"WithoutScope", []runtime.RunOption{runtime.WithScope(supportGroup)},
			[]runtime.RunOption{runtime.WithoutScope()}, "none", "", "unchecked", "2"},
		{"WithSecurity replaces default scope and actor", []runtime.RunOption{runtime.WithScope(supportGroup), runtime.WithActor("support:ann", nil)},
			[]runtime.RunOption{runtime.WithSecurity(&security.Context{Actor: &security.Actor{ID: "acme", Meta: map[string]any{"prefix": "acme/"}}, Scope: sec})},
			"acme", "prefix=acme/", tenantPolicies, "PermissionDenied"},
		{"run actor replaces default actor and meta", []runtime.RunOption{acme, runtime.WithScope(tenantGroup)},
			[]runtime.RunOption{runtime.WithActor("globex", map[string]any{"org": "globex"})}, "globex", "org=globex", tenantPolicies, "PermissionDenied"},
		{"run actor without meta drops default meta", []runtime.RunOption{acme, runtime.WithScope(tenantGroup)},
			[]runtime.RunOption{runtime.WithActor("globex", nil)}, "globex", "", tenantPolicies, "PermissionDenied"},
		{"default actor kept without a run actor", []runtime.RunOption{acme},
			[]runtime.RunOption{runtime.WithScope(tenantGroup)}, "acme", "prefix=acme/", tenantPolicies, "PermissionDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := newTenantRuntime(t, "memory", runtime.WithRunDefaults(tt.defaults...))
			seed(t, rt)
			res, err := rt.RunString(context.Background(), script, tt.run...)
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("%v | %v | %v | %v", res...)
			want := fmt.Sprintf("%v | %v | %v | %v", tt.actor, tt.meta, tt.scope, tt.read)
			if got != want {
				t.Errorf("actor, meta, scope, read = %q\nwant %q", got, want)
			}
		})
	}
}
