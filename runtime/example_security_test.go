package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/luahost/luahost/runtime"
)

// tenantRegistry gives each tenant stores of its own, and one policy for
// every tenant: a store the actor's meta lists under "stores" may be used,
// any other is denied (and a store nobody lists is denied too, so a
// tenant cannot tell which stores exist).
const tenantRegistry = `
namespace: tenants
entries:
  - {name: acme_cache, kind: store.memory}
  - {name: globex_cache, kind: store.memory}
  - name: own_stores
    kind: security.policy
    policy:
      actions: [store.get, store.info, "store.key.*"]
      resources: "tenants:*"
      effect: allow
      conditions:
        - field: resource
          operator: in
          value_from: actor.meta.stores
    groups: [tenant]
`

// A tenant may use the stores its actor's meta lists: the policy's
// condition reads the list with value_from (an expression policy can say
// the same: "resource in actor.meta.stores"). The list is any Go slice of
// IDs. WithRunDefaults(WithScope()) makes a run that forgets its tenant's
// options allowed nothing.
func ExampleWithScope() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("tenants.yaml", tenantRegistry),
		runtime.WithRunDefaults(runtime.WithScope()))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)
	tenant := func(id string, stores ...string) []runtime.RunOption {
		return []runtime.RunOption{
			runtime.WithActor(id, map[string]any{"stores": stores}),
			runtime.WithScope("tenants:tenant"),
		}
	}
	const script = `
local out = {}
for _, id in ipairs{"tenants:acme_cache", "tenants:globex_cache", "tenants:acme_cachx"} do
  local s, err = store.get(id)
  out[#out + 1] = s and (id .. " ok") or tostring(err)
end
return table.concat(out, "\n")`
	res, err := rt.RunString(ctx, script, tenant("acme", "tenants:acme_cache")...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res[0])
	res, _ = rt.RunString(ctx, `local s, err = store.get("tenants:acme_cache") return tostring(err)`)
	fmt.Println("no tenant:", res[0])
	// Output:
	// tenants:acme_cache ok
	// PERMISSION_DENIED: store.get on "tenants:globex_cache" is not allowed
	// PERMISSION_DENIED: store.get on "tenants:acme_cachx" is not allowed
	// no tenant: PERMISSION_DENIED: store.get on "tenants:acme_cache" is not allowed
}

// At shutdown, cancel the contexts scripts run under (here one derived
// from the host's), wait for the runs to return, then Close: Close stops
// the entries but does not stop scripts itself.
func ExampleRuntime_Close_shutdown() {
	rt, err := runtime.New(context.Background(), runtime.WithRegistryString("registry.yaml", exampleRegistry))
	if err != nil {
		log.Fatal(err)
	}
	host, shutdown := context.WithCancel(context.Background()) // e.g. signal.NotifyContext
	done := make(chan error)
	started := make(chan struct{})
	go func() {
		close(started)
		_, err := rt.RunString(host, `while true do end`) // a script that never ends by itself
		done <- err
	}()
	<-started
	shutdown()
	err = <-done
	fmt.Println("script:", errors.Is(err, context.Canceled))
	if err := rt.Close(context.Background()); err != nil {
		log.Fatal(err)
	}
	fmt.Println(rt.State("app:cache"))
	// Output:
	// script: true
	// stopped
}
