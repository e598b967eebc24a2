// Package storesuite is the behavioural test suite every store backend
// passes: Lua scripts, in lua/, that use the store module as scripts do.
//
// # Basics
//
// A backend's test calls Run with a function that returns a Resolver for
// its stores and a Config saying which IDs to use and what the backend
// supports. Each .lua file runs in a fresh Lua state; each test a file
// declares with test(name, fn) is a Go subtest, and a failed check is
// reported with its file:line.
//
// # Clock
//
// The TTL checks call sleep(seconds), which moves the backend's clock
// (Config.Advance) instead of waiting, so the suite never sleeps and its
// expiry checks are exact. A backend that expires keys on a clock no test
// can move (a Redis server's own) sets Config.RealClock instead: sleep
// then waits, and time checks allow a tolerance.
package storesuite

import (
	"cmp"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/luastd"
)

//go:embed lua/*.lua
var scripts embed.FS

// helpersFile is loaded before each test file; it defines test, check
// helpers and deep comparison.
const helpersFile = "lua/helpers.lua"

// Config describes the stores under test and what their backend supports.
type Config struct {
	// StoreID is the store the tests use. It is cleared often.
	StoreID string
	// OtherStoreID is a second, empty store on the same backend, used to
	// check that clear removes only its own store's keys.
	OtherStoreID string
	// FullStoreID is a store with max_size MaxSize (a small number, say
	// 3); "" skips the full-store tests.
	FullStoreID string
	MaxSize     int
	// BytesStoreID is a store with max_bytes MaxBytes (about 1000); ""
	// skips the max_bytes tests.
	BytesStoreID string
	MaxBytes     int
	// CountsBytes says s:info() reports bytes and max_bytes, as
	// store.memory does; without it they must be absent.
	CountsBytes bool
	// MaxKeyLen is the longest key the backend holds, in bytes; 0 means
	// no limit, and a 64 KiB key is checked to work.
	MaxKeyLen int
	// MaxValueSize is the largest stored value (encoded bytes) the
	// backend holds; 0 means no limit below a few MiB. Larger values must
	// be INVALID, never truncated.
	MaxValueSize int
	// NonStoreID is an entry that exists but is not a store; "" skips
	// that check.
	NonStoreID string
	// Advance moves the backend's clock forward. Required unless
	// RealClock: the backend under test reads time from a clock the test
	// controls.
	Advance func(d time.Duration)
	// RealClock says the backend expires keys on a clock the test cannot
	// move (a database server's own): sleep waits in real time.
	RealClock bool
	// Timeout bounds each file; zero means 30 seconds.
	Timeout time.Duration

	// CoreOnly says the backend has only the core methods: the suite then
	// checks that every extended method (entry, put, list, incr, ttl,
	// expire, info) is INVALID "not supported by this store", instead of
	// testing them.
	CoreOnly bool
	// Versioned says the stores keep versions (conditional put with
	// if_version). Without, the suite checks that versions are "" and
	// that if_version is INVALID.
	Versioned bool
	// Kind, Backend and Durable are what the Go store's Info reports (Backend
	// is the dialect for SQL stores, which s:info() shows as backend "sql"
	// and dialect); an empty Kind or Backend is not checked.
	Kind    string
	Backend string
	Durable bool
}

// Run runs every suite file as a subtest of t. open is called once per
// file and returns the stores for it; it registers its own cleanup with
// t.Cleanup. The resolver answers as store.get documents: INVALID for a
// malformed ID (the suite tries "", "nocolon", ":name" and "ns:"),
// NOT_FOUND for "nosuch:entry", INVALID for Config.NonStoreID.
func Run(t *testing.T, open func(t *testing.T) (luamod.Resolver, Config)) {
	t.Helper()
	files, err := fs.Glob(scripts, "lua/*.lua")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f == helpersFile {
			continue
		}
		t.Run(path.Base(f), func(t *testing.T) {
			res, cfg := open(t)
			runFile(t, f, res, cfg)
		})
	}
}

func runFile(t *testing.T, file string, res luamod.Resolver, cfg Config) {
	if cfg.StoreID == "" || cfg.OtherStoreID == "" {
		t.Fatal("storesuite: Config.StoreID and Config.OtherStoreID are required")
	}
	if cfg.Advance == nil && !cfg.RealClock {
		t.Fatal("storesuite: Config.Advance is required: give the backend a clock the test moves (or set RealClock)")
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	L := lua.NewState()
	defer L.Close()
	L.SetContext(ctx)
	m := luamod.Open(L, luamod.Options{Resolver: res})
	defer m.Close()
	L.SetGlobal("store", m.Table())

	cfgTable := L.NewTable()
	cfgTable.RawSetString("store_id", lua.LString(cfg.StoreID))
	cfgTable.RawSetString("other_store_id", lua.LString(cfg.OtherStoreID))
	cfgTable.RawSetString("full_store_id", lua.LString(cfg.FullStoreID))
	cfgTable.RawSetString("max_size", lua.LNumber(cfg.MaxSize))
	cfgTable.RawSetString("bytes_store_id", lua.LString(cfg.BytesStoreID))
	cfgTable.RawSetString("max_bytes", lua.LNumber(cfg.MaxBytes))
	cfgTable.RawSetString("counts_bytes", lua.LBool(cfg.CountsBytes))
	cfgTable.RawSetString("max_key_len", lua.LNumber(cfg.MaxKeyLen))
	cfgTable.RawSetString("max_value_size", lua.LNumber(cfg.MaxValueSize))
	cfgTable.RawSetString("non_store_id", lua.LString(cfg.NonStoreID))
	cfgTable.RawSetString("fake_clock", lua.LBool(!cfg.RealClock))
	cfgTable.RawSetString("core_only", lua.LBool(cfg.CoreOnly))
	cfgTable.RawSetString("versioned", lua.LBool(cfg.Versioned))
	cfgTable.RawSetString("kind", lua.LString(cfg.Kind))
	cfgTable.RawSetString("backend", lua.LString(cfg.Backend))
	cfgTable.RawSetString("durable", lua.LBool(cfg.Durable))
	L.SetGlobal("CONFIG", cfgTable)

	// raw_set(key, bytes) and raw_get(key) write and read the stored
	// bytes of the main store directly, as another program would.
	rawStore := func(L *lua.LState) backends.Store {
		st, err := res.Store(ctx, cfg.StoreID)
		if err != nil {
			L.RaiseError("raw access: %v", err)
		}
		return st
	}
	L.SetGlobal("raw_set", L.NewFunction(func(L *lua.LState) int {
		if err := rawStore(L).Set(ctx, L.CheckString(1), []byte(L.CheckString(2)), 0); err != nil {
			L.RaiseError("raw_set: %v", err)
		}
		return 0
	}))
	L.SetGlobal("raw_get", L.NewFunction(func(L *lua.LState) int {
		v, err := rawStore(L).Get(ctx, L.CheckString(1))
		if err != nil {
			L.RaiseError("raw_get: %v", err)
		}
		L.Push(lua.LString(v))
		return 1
	}))

	// busy() is the real time the test spent outside sleep, in seconds:
	// on a real clock, what a TTL read back may have lost beyond the
	// sleeps (a loaded machine makes it large).
	start, slept := time.Now(), time.Duration(0)
	L.SetGlobal("busy", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LNumber((time.Since(start) - slept).Seconds()))
		return 1
	}))
	L.SetGlobal("sleep", L.NewFunction(func(L *lua.LState) int {
		d := time.Duration(float64(L.CheckNumber(1)) * float64(time.Second))
		if cfg.RealClock {
			t := time.Now()
			select {
			case <-time.After(d):
			case <-ctx.Done():
			}
			slept += time.Since(t)
			return 0
		}
		cfg.Advance(d)
		return 0
	}))

	for _, f := range []string{helpersFile, file} {
		src, err := scripts.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fn, err := L.Load(strings.NewReader(string(src)), path.Base(f))
		if err != nil {
			t.Fatalf("load %s: %v", f, err)
		}
		L.Push(fn)
		if err := pcall(L); err != nil {
			t.Fatalf("run %s: %v", f, err)
		}
	}

	tests, ok := L.GetGlobal("TESTS").(*lua.LTable)
	if !ok || tests.Len() == 0 {
		t.Fatalf("%s declares no tests", file)
	}
	for i := 1; i <= tests.Len(); i++ {
		tc, _ := tests.RawGetInt(i).(*lua.LTable)
		name := lua.LVAsString(tc.RawGetString("name"))
		fn := tc.RawGetString("fn")
		t.Run(name, func(t *testing.T) {
			L.Push(fn)
			err := pcall(L)
			if err != nil {
				t.Error(failure(err))
			}
		})
	}
}

// pcall calls the function on top of L's stack with no arguments as the
// host runs scripts (luastd.PCall), so that errors read as Lua 5.1's, and
// gives the error the traceback of where it was raised.
func pcall(L *lua.LState) error {
	var trace string
	handler := L.NewFunction(func(L *lua.LState) int {
		var b strings.Builder
		b.WriteString("stack traceback:")
		for level := 1; ; level++ {
			dbg, ok := L.GetStack(level)
			if !ok {
				break
			}
			if _, err := L.GetInfo("Sln", dbg, lua.LNil); err != nil {
				break
			}
			fmt.Fprintf(&b, "\n\t%s:%d: in %s", dbg.Source, dbg.CurrentLine, cmp.Or(dbg.Name, dbg.What))
		}
		trace = b.String()
		return 1 // the error value, unchanged
	})
	top := L.GetTop() - 1
	err := luastd.PCall(L, 0, 0, handler)
	L.SetTop(top)
	if ae, ok := err.(*lua.ApiError); ok && ae.StackTrace == "" {
		ae.StackTrace = trace
	}
	return err
}

// failure returns the message of a failed test: the error the script raised
// (with its file:line), plus the Lua traceback for unexpected errors.
func failure(err error) string {
	ae, ok := err.(*lua.ApiError)
	if !ok {
		return err.Error()
	}
	msg := ae.Object.String()
	if !strings.Contains(msg, "check failed: ") && ae.StackTrace != "" {
		msg += "\n" + ae.StackTrace
	}
	return msg
}
