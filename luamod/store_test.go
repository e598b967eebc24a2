package luamod_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/luamod"
)

// stubStore records its last call and answers every call with err (Get
// answers val when err is nil).
type stubStore struct {
	err  error
	val  []byte
	ctx  context.Context
	key  string
	ttl  time.Duration
	set  []byte
	wait bool // block until the context is done
}

func (s *stubStore) call(ctx context.Context, key string) error {
	s.ctx, s.key = ctx, key
	if s.wait {
		<-ctx.Done()
		return errors.New("driver: bad connection") // as some drivers do: no context error to unwrap
	}
	return s.err
}

func (s *stubStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := s.call(ctx, key); err != nil {
		return nil, err
	}
	return s.val, nil
}

func (s *stubStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	s.ttl, s.set = ttl, append([]byte(nil), value...)
	return s.call(ctx, key)
}

func (s *stubStore) Delete(ctx context.Context, key string) (bool, error) {
	return true, s.call(ctx, key)
}

func (s *stubStore) Exists(ctx context.Context, key string) (bool, error) {
	return true, s.call(ctx, key)
}

func (s *stubStore) Clear(ctx context.Context) error { return s.call(ctx, "") }

// newState returns a Lua state with the store module open on a resolver
// holding st as "app:s", and a handle to it in the global s.
func newState(t *testing.T, st backends.Store) (*lua.LState, *luamod.Module) {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	m := luamod.Open(L, luamod.Options{Resolver: &memResolver{stores: map[string]backends.Store{"app:s": st}}})
	t.Cleanup(m.Close)
	if err := L.DoString(`store = require("store"); s = assert(store.get("app:s"))`); err != nil {
		t.Fatal(err)
	}
	return L, m
}

// run runs code and returns its results as strings.
func run(t *testing.T, L *lua.LState, code string) []string {
	t.Helper()
	top := L.GetTop()
	if err := L.DoString(code); err != nil {
		t.Fatalf("%s: %v", code, err)
	}
	var out []string
	for i := top + 1; i <= L.GetTop(); i++ {
		out = append(out, lua.LVAsString(L.ToStringMeta(L.Get(i))))
	}
	L.SetTop(top)
	return out
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		err       error
		kind      string
		retryable bool
	}{
		{nil, "", false},
		{backends.ErrInvalid, luamod.KindInvalid, false},
		{fmt.Errorf("key too long: %w", backends.ErrInvalid), luamod.KindInvalid, false},
		{backends.ErrNotFound, luamod.KindNotFound, false},
		{backends.ErrAlreadyExists, luamod.KindAlreadyExists, false},
		{backends.ErrConflict, luamod.KindConflict, true},
		{backends.ErrUnavailable, luamod.KindUnavailable, true},
		{fmt.Errorf("max_size 3: %w", backends.ErrFull), luamod.KindUnavailable, true},
		{backends.ErrPermissionDenied, luamod.KindPermissionDenied, false},
		{context.DeadlineExceeded, luamod.KindTimeout, true},
		{fmt.Errorf("query: %w", context.Canceled), luamod.KindCanceled, false},
		{errors.New("boom"), luamod.KindInternal, false},
	}
	for _, tc := range tests {
		if got := luamod.KindOf(tc.err); got != tc.kind {
			t.Errorf("KindOf(%v) = %q, want %q", tc.err, got, tc.kind)
		}
		if got := luamod.Retryable(tc.kind); got != tc.retryable {
			t.Errorf("Retryable(%q) = %v, want %v", tc.kind, got, tc.retryable)
		}
	}
}

// TestStoreErrorsReachScripts checks that every method returns a store
// failure as nil, err with the right kind, and raises nothing; the
// message names the store and does not end with the Go text of the
// sentinel that gives the kind.
func TestStoreErrorsReachScripts(t *testing.T) {
	tests := []struct {
		err       error
		kind      string
		retryable string
		msg       string // err:message()
	}{
		{fmt.Errorf("dial tcp 127.0.0.1:5432: connection refused: %w", backends.ErrUnavailable), "Unavailable", "true",
			`store "app:s": dial tcp 127.0.0.1:5432: connection refused`},
		{backends.Errorf(backends.ErrUnavailable, "get: %w", syscall.ECONNREFUSED), "Unavailable", "true",
			`store "app:s": get: connection refused`},
		{backends.Errorf(backends.ErrFull, "the store is full (max_size 3)"), "Unavailable", "true",
			`store "app:s": the store is full (max_size 3)`},
		{backends.ErrPermissionDenied, "PermissionDenied", "false", `store "app:s": permission denied`},
		{fmt.Errorf("key is 300 bytes, over this store's limit of 255 bytes: %w", backends.ErrInvalid), "Invalid", "false",
			`store "app:s": key is 300 bytes, over this store's limit of 255 bytes`},
		{fmt.Errorf("row missing: %w", backends.ErrConflict), "Conflict", "true", `store "app:s": row missing`},
		{fmt.Errorf("row exists: %w", backends.ErrAlreadyExists), "AlreadyExists", "false", `store "app:s": row exists`},
		{context.DeadlineExceeded, "Timeout", "true", `store "app:s": context deadline exceeded`},
		{fmt.Errorf("query: %w", context.DeadlineExceeded), "Timeout", "true", `store "app:s": query`},
		{context.Canceled, "Canceled", "false", `store "app:s": context canceled`},
		{errors.New("disk on fire: invalid argument"), "Internal", "false", `store "app:s": disk on fire: invalid argument`},
		{fmt.Errorf("incr: outcome unknown: %w: %w", backends.ErrOutcomeUnknown, io.ErrUnexpectedEOF), "Unavailable", "false",
			`store "app:s": incr: outcome unknown: outcome unknown: unexpected EOF`},
		{fmt.Errorf("incr: %w: %w", backends.ErrOutcomeUnknown, context.DeadlineExceeded), "Timeout", "false",
			`store "app:s": incr: outcome unknown`},
	}
	calls := []string{`s:get("k")`, `s:set("k", 1)`, `s:delete("k")`, `s:exists("k")`, `s:has("k")`, `s:clear()`}
	for _, tc := range tests {
		L, _ := newState(t, &stubStore{err: tc.err})
		for _, call := range calls {
			got := run(t, L, `local v, err, extra = `+call+`
				return tostring(v), tostring(extra), err:kind(), tostring(err:retryable()), err:message(), tostring(err)`)
			want := []string{"nil", "nil", tc.kind, tc.retryable, tc.msg, luamod.KindName(tc.kind) + ": " + tc.msg}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("%s with %v = %q, want %q", call, tc.err, got, want)
			}
		}
	}
}

func TestNotFoundMessage(t *testing.T) {
	L, _ := newState(t, &stubStore{err: fmt.Errorf("row missing: %w", backends.ErrNotFound)})
	got := run(t, L, `local _, err = s:get("user:\0" .. string.rep("x", 100)); return tostring(err)`)
	want := `NOT_FOUND: store "app:s": key "user:\x00` + strings.Repeat("x", 58) + `"... not found`
	if got[0] != want {
		t.Errorf("tostring(err) = %q, want %q", got[0], want)
	}
}

func TestCorruptStoredValue(t *testing.T) {
	L, _ := newState(t, &stubStore{val: []byte{0xc1}})
	got := run(t, L, `local v, err = s:get("k"); return tostring(v), err:kind(), err:message()`)
	if got[0] != "nil" || got[1] != "Internal" || !strings.Contains(got[2], `key "k"`) || !strings.Contains(got[2], "0xc1") {
		t.Errorf("get of corrupt bytes = %q, want nil, INTERNAL naming the key and the bad byte", got)
	}
}

func TestSetPassesTTLAndBytes(t *testing.T) {
	tests := []struct {
		ttl  string
		want time.Duration
	}{
		{"nil", 0},
		{"0", 0},
		{"1", time.Second},
		{"1.5", 1500 * time.Millisecond},
		{"0.001", time.Millisecond},
		{"0.0015", 2 * time.Millisecond},
		{"0.0004", time.Millisecond}, // never rounded down to "no expiry"
		{"1e-300", time.Millisecond},
		{"86400 * 365 * 100", 100 * 365 * 24 * time.Hour},
	}
	for _, tc := range tests {
		st := &stubStore{}
		L, _ := newState(t, st)
		got := run(t, L, `return s:set("key", "v", `+tc.ttl+`)`)
		if got[0] != "true" || st.ttl != tc.want {
			t.Errorf("set with ttl %s: result %v, store got ttl %v; want true, %v", tc.ttl, got, st.ttl, tc.want)
		}
		if st.key != "key" || string(st.set) != "\xa1v" {
			t.Errorf("set: store got key %q value % x", st.key, st.set)
		}
	}
	st := &stubStore{}
	L, _ := newState(t, st)
	for _, ttl := range []string{"-1", "0/0", "1/0", "-1/0", "1e300", `"1"`, "{}"} {
		got := run(t, L, `local ok, err = s:set("k", "v", `+ttl+`); return tostring(ok), err:kind(), err:message()`)
		if got[0] != "nil" || got[1] != "Invalid" || !strings.Contains(got[2], "ttl") {
			t.Errorf("set with ttl %s = %q, want nil, INVALID about the ttl", ttl, got)
		}
	}
	if st.key != "" {
		t.Errorf("a set with a bad ttl reached the store (key %q)", st.key)
	}
}

func TestCallsUseTheStateContext(t *testing.T) {
	type ctxKey struct{}
	st := &stubStore{}
	L, _ := newState(t, st)
	ctx := context.WithValue(context.Background(), ctxKey{}, "mine")
	L.SetContext(ctx)
	run(t, L, `s:exists("k")`)
	if st.ctx == nil || st.ctx.Value(ctxKey{}) != "mine" {
		t.Errorf("store call context = %v, want the state's context", st.ctx)
	}
	L.RemoveContext()
	run(t, L, `s:exists("k")`)
	if st.ctx == nil {
		t.Error("store call context is nil for a state without one")
	}
}

// TestTimeoutInsideStoreCall checks the kind a store call reports when
// the state's deadline passes while the store waits, even when the driver
// error does not say so clearly.
func TestTimeoutInsideStoreCall(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind string
		stop func(context.Context) (context.Context, context.CancelFunc)
	}{
		{"deadline", "Timeout", func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, 20*time.Millisecond)
		}},
		{"interrupt", "Canceled", func(ctx context.Context) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(ctx)
			time.AfterFunc(20*time.Millisecond, cancel)
			return ctx, cancel
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			L, _ := newState(t, &stubStore{wait: true})
			ctx, cancel := tc.stop(context.Background())
			defer cancel()
			L.SetContext(ctx)
			// Call the method from Go: a Lua caller would be stopped by the
			// VM at its next instruction, before it could look at err.
			s := L.GetGlobal("s")
			get := L.GetField(s, "get")
			if err := L.CallByParam(lua.P{Fn: get, NRet: 2, Protect: true}, s, lua.LString("k")); err != nil {
				t.Fatal(err)
			}
			e, ok := luamod.AsError(L.Get(-1))
			if !ok || e.Kind != tc.kind {
				t.Fatalf("err = %v, want kind %s", L.Get(-1), tc.kind)
			}
		})
	}
}

func TestResolverErrors(t *testing.T) {
	startErr := fmt.Errorf("start app:db: dial tcp: connection refused: %w", backends.ErrUnavailable)
	L := lua.NewState()
	defer L.Close()
	m := luamod.Open(L, luamod.Options{Resolver: resolverFunc(func(_ context.Context, id string) (backends.Store, error) {
		return nil, startErr
	})})
	defer m.Close()
	got := run(t, L, `local s, err = require("store").get("app:db"); return tostring(s), err:kind(), tostring(err:retryable()), err:message()`)
	want := []string{"nil", "Unavailable", "true", "start app:db: dial tcp: connection refused"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("store.get = %q, want %q", got, want)
	}
}

type resolverFunc func(ctx context.Context, id string) (backends.Store, error)

func (f resolverFunc) Store(ctx context.Context, id string) (backends.Store, error) {
	return f(ctx, id)
}

func TestCloseReleasesHandles(t *testing.T) {
	L, m := newState(t, &stubStore{})
	run(t, L, `t = assert(store.get("app:s"))`)
	m.Close()
	m.Close()
	for _, code := range []string{`return s:exists("k")`, `return t:set("k", 1)`, `return store.get("app:s")`} {
		got := run(t, L, `local v, err = (function() `+code+` end)(); return tostring(v), tostring(err)`)
		if got[0] != "nil" || !strings.HasPrefix(got[1], "INVALID: ") {
			t.Errorf("after Close, %s = %q, want nil, INVALID", code, got)
		}
	}
	if got := run(t, L, `return s:release()`); got[0] != "true" {
		t.Errorf("release after Close = %q, want true", got)
	}
}

func TestOpenGlobals(t *testing.T) {
	L, m := newState(t, &stubStore{})
	if got := run(t, L, `return type(errors), errors.TIMEOUT, tostring(store == require("store"))`); strings.Join(got, " ") != "table Timeout true" {
		t.Errorf("globals = %q", got)
	}
	if m.Table() != L.GetGlobal("store") {
		t.Error("Table() is not the module table")
	}
	if got := run(t, L, `return tostring(s)`); got[0] != `store "app:s"` {
		t.Errorf("tostring(s) = %q", got)
	}
}

func TestOpenWithoutResolverPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Open with a nil resolver did not panic")
		}
	}()
	L := lua.NewState()
	defer L.Close()
	luamod.Open(L, luamod.Options{})
}

func TestAsError(t *testing.T) {
	L, _ := newState(t, &stubStore{err: backends.ErrConflict})
	if err := L.DoString(`_, e = s:get("k")`); err != nil {
		t.Fatal(err)
	}
	e, ok := luamod.AsError(L.GetGlobal("e"))
	if !ok || e.Kind != luamod.KindConflict || !e.Retryable() || !errors.Is(e, backends.ErrConflict) {
		t.Errorf("AsError = %+v, %v; want a retryable CONFLICT wrapping ErrConflict", e, ok)
	}
	if _, ok := luamod.AsError(lua.LString("x")); ok {
		t.Error("AsError accepted a string")
	}
}

// TestMisuseHints: calls written as in ngx.shared.DICT or with a colon
// instead of a dot are refused with the form that works.
func TestMisuseHints(t *testing.T) {
	tests := []struct {
		name string
		code string
		want string
	}{
		{"incr with a positional init", `return s:incr("n", 1, 5)`,
			`INVALID: store "app:s": incr: options must be a table, got number (for a starting value, write {init = 5})`},
		{"incr with a string", `return s:incr("n", 1, "5")`,
			`INVALID: store "app:s": incr: options must be a table, got string "5"`},
		{"store.get with a colon", `return store:get("app:s")`,
			`INVALID: store ID must be a string, got table (call store.get with a dot: store.get("ns:name"))`},
		{"store.get with a table", `return store.get({})`,
			`INVALID: store ID must be a string, got table`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L, _ := newState(t, newMemStore(time.Now))
			got := run(t, L, `local v, err = (function() `+tt.code+` end)(); return tostring(v), tostring(err)`)
			if got[0] != "nil" || got[1] != tt.want {
				t.Errorf("got %q, want nil, %q", got, tt.want)
			}
		})
	}
}
