package kindtest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/registry"
	"github.com/luahost/luahost/runtime"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testKV is the "test.kv" kind: a store on a Go map with a key limit.
type testKV struct {
	cfg   kvConfig
	mu    sync.Mutex
	m     map[string][]byte
	stops *int // counts Stop calls, shared with the test
}

type kvConfig struct {
	MaxKeys   int64
	FailStart bool
}

var stops int // Stop calls across every test.kv entry

// Problems makes kvConfig a registry.Validator.
func (c kvConfig) Problems() []registry.FieldError {
	if c.MaxKeys > 1000 {
		return []registry.FieldError{{Field: "max_keys", Msg: fmt.Sprintf("%d is more than this store holds (1000)", c.MaxKeys)}}
	}
	return nil
}

func init() {
	runtime.RegisterTyped(registry.TypedKind[kvConfig]{
		Name: "test.kv",
		Decode: func(f *registry.Fields) kvConfig {
			return kvConfig{MaxKeys: f.Size("max_keys", 0), FailStart: f.Bool("fail_start", false)}
		},
		New: func(cfg kvConfig, _ registry.Env) (registry.Component, error) {
			return &testKV{cfg: cfg, m: map[string][]byte{}, stops: &stops}, nil
		},
	})
	// A kind written against the untyped API still registers and runs.
	runtime.RegisterKind(registry.Kind{
		Name:   "test.untyped",
		Decode: func(f *registry.Fields) any { return kvConfig{MaxKeys: f.Size("max_keys", 0)} },
		New: func(cfg any, _ registry.Env) (registry.Component, error) {
			return &testKV{cfg: cfg.(kvConfig), m: map[string][]byte{}, stops: new(int)}, nil
		},
	})
}

func (s *testKV) Start(ctx context.Context) error {
	if s.cfg.FailStart {
		return errors.New("test.kv refuses to start")
	}
	return nil
}

func (s *testKV) Stop(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	*s.stops++
	return nil
}

func (s *testKV) Get(ctx context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		return nil, backends.Errorf(backends.ErrNotFound, "key %q not found", key)
	}
	return v, nil
}

func (s *testKV) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := backends.ValidateKey(key, 0); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[key]; !ok && s.cfg.MaxKeys > 0 && int64(len(s.m)) >= s.cfg.MaxKeys {
		return fmt.Errorf("test.kv holds %d keys: %w", len(s.m), backends.ErrFull)
	}
	s.m[key] = append([]byte(nil), value...)
	return nil
}

func (s *testKV) Delete(ctx context.Context, key string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[key]
	delete(s.m, key)
	return ok, nil
}

func (s *testKV) Exists(ctx context.Context, key string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[key]
	return ok, nil
}

func (s *testKV) Clear(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.m)
	return nil
}

func TestCustomKindFromLuaAndGo(t *testing.T) {
	ctx := context.Background()
	before := stops
	rt, err := runtime.New(ctx, runtime.WithRegistryString("custom.yaml", `
- {name: custom, kind: test.kv, max_keys: 2, lifecycle: {auto_start: true}}
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := rt.State("app:custom").Phase; got != runtime.Running {
		t.Fatalf("app:custom is %s after New", got)
	}
	res, err := rt.RunString(ctx, `
local s = assert(store.get("app:custom"))
assert(s:set("user", {name = "Ada", n = 3}))
assert(s:set("other", 1))
local ok, err = s:set("third", 1)
return ok, err:kind(), (s:get("user")).name`)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(res) != "[<nil> Unavailable Ada]" {
		t.Errorf("script results %v", res)
	}
	kv, err := rt.Store(ctx, "app:custom")
	if err != nil {
		t.Fatal(err)
	}
	var u struct {
		Name string `msgpack:"name"`
		N    int    `msgpack:"n"`
	}
	if err := kv.Get(ctx, "user", &u); err != nil || u.Name != "Ada" || u.N != 3 {
		t.Errorf("Go reads %+v, %v", u, err)
	}
	if err := kv.Set(ctx, "fourth", 1, 0); !errors.Is(err, runtime.ErrFull) {
		t.Errorf("Set over the limit = %v, want ErrFull", err)
	}
	if err := rt.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if stops != before+1 {
		t.Errorf("Stop called %d times, want 1", stops-before)
	}
}

func TestUntypedKind(t *testing.T) {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("untyped.yaml", `
- {name: old, kind: test.untyped, max_keys: 1, lifecycle: {auto_start: true}}
`))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	res, err := rt.RunString(ctx, `
local s = assert(store.get("app:old"))
assert(s:set("a", 1))
local ok, err = s:set("b", 2)
return ok, err:kind()`)
	if err != nil || fmt.Sprint(res) != "[<nil> Unavailable]" {
		t.Errorf("script results %v, %v; want the untyped kind's key limit", res, err)
	}
}

func TestCustomKindProblems(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name, registry, want string
	}{
		{"unknown field", "- {name: custom, kind: test.kv, max_key: 2}\n",
			`bad.yaml:1:33: app:custom: unknown field "max_key" (did you mean "max_keys"?)`},
		{"config problem", "- {name: custom, kind: test.kv, max_keys: 5000}\n",
			"bad.yaml:1:43: app:custom: max_keys: 5000 is more than this store holds (1000)"},
		{"kind never imported", "- {name: custom, kind: test.queue}\n",
			`bad.yaml:1:24: app:custom: kind: unknown kind "test.queue" (forgotten import?); known kinds: `},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runtime.New(ctx, runtime.WithRegistryString("bad.yaml", tt.registry))
			var re *registry.Error
			if !errors.As(err, &re) || len(re.Problems) != 1 {
				t.Fatalf("New = %v, want a *registry.Error with one problem", err)
			}
			if got := re.Problems[0].Error(); !strings.HasPrefix(got, tt.want) {
				t.Errorf("problem\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	t.Run("failed start", func(t *testing.T) {
		rt, err := runtime.New(ctx, runtime.WithRegistryString("fail.yaml",
			"- {name: custom, kind: test.kv, fail_start: true, lifecycle: {restart: {max_attempts: 1}}}\n"))
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close(ctx)
		_, err = rt.Store(ctx, "app:custom")
		if !errors.Is(err, runtime.ErrUnavailable) || !strings.Contains(err.Error(), "refuses to start") {
			t.Errorf("Store = %v, want ErrUnavailable with the start error", err)
		}
		res, err := rt.RunString(ctx, `local s, err = store.get("app:custom") return err:kind()`)
		if err != nil || fmt.Sprint(res) != "[Unavailable]" {
			t.Errorf("script sees %v, %v", res, err)
		}
	})
	t.Run("duplicate kind panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("no panic")
			}
		}()
		runtime.RegisterKind(registry.Kind{Name: "test.kv", Decode: func(*registry.Fields) any { return nil },
			New: func(any, registry.Env) (registry.Component, error) { return nil, nil }})
	})
}
