package runtime_test

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log"
	"sort"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/registry"
	"github.com/luahost/luahost/runtime"
)

// A registry in a string; entries without a namespace field get "app".
const exampleRegistry = `
- name: cache
  kind: store.memory
  lifecycle: {auto_start: true}
`

func ExampleNew() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("registry.yaml", exampleRegistry))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)
	for _, es := range rt.States() {
		fmt.Println(es.Entry.ID, es.Entry.Kind, es.State)
	}
	// Output:
	// app:cache store.memory running
}

// A registry problem is a *registry.Error listing every problem with its
// file:line:col.
func ExampleNew_registryError() {
	_, err := runtime.New(context.Background(), runtime.WithRegistryString("registry.yaml", `
- {name: cache, kind: store.memory, max_size: -1}
`))
	var re *registry.Error
	if errors.As(err, &re) {
		for _, p := range re.Problems {
			fmt.Println(p.Pos, p.Msg)
		}
	}
	// Output:
	// registry.yaml:2:47 max_size: must not be negative, got -1
}

//go:embed testdata/embedded
var embedded embed.FS

// A host can compile its registry in with go:embed (any fs.FS works, e.g.
// fstest.MapFS in tests).
func ExampleWithRegistryFS() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryFS(embedded, "testdata/embedded"))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)
	fmt.Println(rt.State("shop:carts"))
	// Output:
	// running
}

func ExampleRuntime_RunString() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("registry.yaml", exampleRegistry))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)

	results, err := rt.RunString(ctx, `
local s = assert(store.get("app:cache"))
assert(s:set("greeting", "hello"))
return 1 + 1, (s:get("greeting")), {n = 3}`)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%#v\n", results)

	// Every call is bounded by its context, even a script that never ends.
	ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = rt.RunString(ctx, `while true do end`)
	fmt.Println(errors.Is(err, context.DeadlineExceeded))
	// Output:
	// []interface {}{2, "hello", map[string]interface {}{"n":3}}
	// true
}

// A Go host that runs the same chunk for every request compiles it once;
// Call runs the Program on a pooled state, from any number of goroutines.
// Arguments are the chunk's varargs, converted as KV.Set converts values.
func ExampleRuntime_Call() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("registry.yaml", exampleRegistry))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)

	handler, err := runtime.Compile("handler.lua", `
local req = ...
local s = assert(store.get("app:cache"))
local n = (s:get("visits:" .. req.path)) or 0
assert(s:set("visits:" .. req.path, n + 1))
return 200, string.format("%s %s: visit %d", req.method, req.path, n + 1)`)
	if err != nil {
		log.Fatal(err)
	}
	for range 2 {
		req := map[string]any{"method": "GET", "path": "/a"}
		results, err := rt.Call(ctx, handler, []any{req}, runtime.WithActor("ada", nil))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(results[0], results[1])
	}

	// Source that does not compile is a *SyntaxError, with Lua's
	// chunk:line: message near 'token' text.
	_, err = runtime.Compile("bad.lua", "local x = = 1")
	var se *runtime.SyntaxError
	fmt.Println(errors.As(err, &se), se.Line, err)
	// Output:
	// 200 GET /a: visit 1
	// 200 GET /a: visit 2
	// true 1 bad.lua:1: unexpected symbol near '='
}

// A host that runs other people's scripts captures all of their standard
// output: print, io.write and io.stdout write to the run's writer, and
// nothing reaches the process's standard output.
func ExampleWithStdout() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("registry.yaml", exampleRegistry))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)

	var out strings.Builder
	_, err = rt.RunString(ctx, `
print("total", 0.1 + 0.2)
io.write("items: ", 3, "\n")
io.stdout:write("done\n")`, runtime.WithStdout(&out))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q\n", out.String())
	// Output:
	// "total\t0.3\nitems: 3\ndone\n"
}

func ExampleRuntime_RunFile() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("registry.yaml", exampleRegistry))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)
	if err := rt.RunFile(ctx, "testdata/hello.lua", "Ada"); err != nil {
		log.Fatal(err)
	}
	// Output:
	// hello, Ada
}

// Do lends a pooled state: cheap to get, with the store module loaded.
// Keep data in locals; globals stay in the state for the next borrower.
func ExampleRuntime_Do() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("registry.yaml", exampleRegistry))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)
	err = rt.Do(ctx, func(L *lua.LState) error {
		fn, err := L.LoadString(`local a, b = ... return a * b`)
		if err != nil {
			return err
		}
		L.Push(fn)
		L.Push(lua.LNumber(6))
		L.Push(lua.LNumber(7))
		if err := L.PCall(2, 1, nil); err != nil {
			return err
		}
		fmt.Println(L.Get(-1))
		L.Pop(1)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// 42
}

// User is stored as a map {name=..., tags={...}, visits=...} that scripts
// read and write.
type User struct {
	Name   string   `msgpack:"name"`
	Tags   []string `msgpack:"tags"`
	Visits int      `msgpack:"visits"`
}

// Go and Lua share store values both ways, as MessagePack.
func ExampleRuntime_Store() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("registry.yaml", exampleRegistry))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)
	kv, err := rt.Store(ctx, "app:cache")
	if err != nil {
		log.Fatal(err)
	}

	// Go writes, a script reads and updates.
	if err := kv.Set(ctx, "user:1", User{Name: "Ada", Tags: []string{"x", "y"}}, time.Hour); err != nil {
		log.Fatal(err)
	}
	_, err = rt.RunString(ctx, `
local s = store.get("app:cache")
local u = assert(s:get("user:1"))
print(u.name, #u.tags, u.visits)
u.visits = u.visits + 1
assert(s:set("user:1", u))
assert(s:set("user:2", {name = "Grace", tags = {"z"}, visits = 5}))`)
	if err != nil {
		log.Fatal(err)
	}

	// Go reads what the script wrote, into a struct or a map.
	var u User
	if err := kv.Get(ctx, "user:1", &u); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", u)
	var m map[string]any
	if err := kv.Get(ctx, "user:2", &m); err != nil {
		log.Fatal(err)
	}
	fmt.Println(m["name"], m["tags"], m["visits"])

	// Errors match the runtime's error values.
	err = kv.Get(ctx, "user:3", &u)
	fmt.Println(errors.Is(err, runtime.ErrNotFound))
	// Output:
	// Ada	2	0
	// {Name:Ada Tags:[x y] Visits:1}
	// Grace [z] 5
	// true
}

// Preload adds a Lua module written in Go to every state of the runtime.
func ExampleRuntime_Preload() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("registry.yaml", exampleRegistry))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)
	rt.Preload("greet", func(L *lua.LState) int {
		mod := L.NewTable()
		L.SetField(mod, "hello", L.NewFunction(func(L *lua.LState) int {
			L.Push(lua.LString("hello, " + L.CheckString(1)))
			return 1
		}))
		L.Push(mod)
		return 1
	})
	res, err := rt.RunString(ctx, `return require("greet").hello("Ada")`)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res[0])
	// Output:
	// hello, Ada
}

// staticStore is the example.static kind: a read-only store whose values
// come from the registry entry.
type staticStore struct{ values map[string]string }

func (s *staticStore) Start(context.Context) error { return nil }
func (s *staticStore) Stop(context.Context) error  { return nil }

func (s *staticStore) Get(_ context.Context, key string) ([]byte, error) {
	v, ok := s.values[key]
	if !ok {
		return nil, backends.Errorf(backends.ErrNotFound, "no value %q", key)
	}
	return runtime.Marshal(v) // the MessagePack scripts read
}

func (s *staticStore) Set(context.Context, string, []byte, time.Duration) error {
	return backends.Errorf(backends.ErrPermissionDenied, "example.static is read-only")
}

func (s *staticStore) Delete(context.Context, string) (bool, error) {
	return false, backends.Errorf(backends.ErrPermissionDenied, "example.static is read-only")
}

func (s *staticStore) Exists(_ context.Context, key string) (bool, error) {
	_, ok := s.values[key]
	return ok, nil
}

func (s *staticStore) Clear(context.Context) error {
	return backends.Errorf(backends.ErrPermissionDenied, "example.static is read-only")
}

// RegisterTyped adds an entry kind; usually called from init.
func ExampleRegisterTyped() {
	runtime.RegisterTyped(registry.TypedKind[map[string]string]{
		Name: "example.static",
		// Decode reads the kind's fields; problems are reported with
		// their position, and unknown fields are rejected.
		Decode: func(f *registry.Fields) map[string]string { return f.StringMap("values") },
		New: func(values map[string]string, _ registry.Env) (registry.Component, error) {
			return &staticStore{values: values}, nil
		},
	})

	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("registry.yaml", `
- name: settings
  kind: example.static
  values: {greeting: hello, color: blue}
`))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)
	res, err := rt.RunString(ctx, `
local s = assert(store.get("app:settings"))
local ok, err = s:set("color", "red")
return (s:get("greeting")), (s:get("color")), err:kind()`)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res...)
	// Output:
	// hello blue PermissionDenied
}

// State reports where an entry is in its lifecycle; entries without
// auto_start start on first use.
func ExampleRuntime_State() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("registry.yaml", `
- {name: cache, kind: store.memory, lifecycle: {auto_start: true}}
- {name: lazy, kind: store.memory}
`))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)
	fmt.Println(rt.State("app:cache"), rt.State("app:lazy"))
	if _, err := rt.RunString(ctx, `assert(store.get("app:lazy"))`); err != nil {
		log.Fatal(err)
	}
	fmt.Println(rt.State("app:lazy"))
	// Output:
	// running stopped
	// running
}

// Close stops every entry in reverse dependency order; afterwards the
// runtime refuses new work.
func ExampleRuntime_Close() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("registry.yaml", exampleRegistry))
	if err != nil {
		log.Fatal(err)
	}
	if err := rt.Close(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println(rt.State("app:cache"))
	_, err = rt.RunString(ctx, `return 1`)
	fmt.Println(err)
	var names []string
	for _, es := range rt.States() {
		names = append(names, es.Entry.ID+"="+string(es.State.Phase))
	}
	sort.Strings(names)
	fmt.Println(names)
	// Output:
	// stopped
	// host is shutting down
	// [app:cache=stopped]
}
