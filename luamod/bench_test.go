package luamod_test

import (
	"context"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/luamod"
)

// loopScript returns a function that makes 1,000,000 obj:set and
// 1,000,000 obj:get calls over the given keys with a short string value.
const loopScript = `
return function(obj, keys)
  local n = #keys
  for i = 1, 1000000 do
    obj:set(keys[i % n + 1], "short value")
  end
  for i = 1, 1000000 do
    local v = obj:get(keys[i % n + 1])
  end
end
`

// tableObject is the baseline: a Lua table behind set/get methods.
const tableObject = `
local Obj = {}
Obj.__index = Obj
function Obj:set(k, v) self.t[k] = v return true end
function Obj:get(k) return self.t[k] end
return setmetatable({ t = {} }, Obj)
`

// BenchmarkLoop compares the same Lua loop run against a store handle and
// against a plain Lua table object; one op is the whole 2,000,000-call
// loop. The ctx variants run the state under a context, as the host does
// for scripts with a time limit.
func BenchmarkLoop(b *testing.B) {
	for _, withCtx := range []bool{false, true} {
		suffix := ""
		if withCtx {
			suffix = "-ctx"
		}
		b.Run("table"+suffix, func(b *testing.B) {
			benchLoop(b, withCtx, func(L *lua.LState) lua.LValue {
				if err := L.DoString(tableObject); err != nil {
					b.Fatal(err)
				}
				return L.Get(-1)
			})
		})
		b.Run("store"+suffix, func(b *testing.B) {
			benchLoop(b, withCtx, func(L *lua.LState) lua.LValue {
				res := &memResolver{stores: map[string]backends.Store{"app:cache": newMemStore(time.Now)}}
				luamod.Open(L, luamod.Options{Resolver: res})
				if err := L.DoString(`return require("store").get("app:cache")`); err != nil {
					b.Fatal(err)
				}
				return L.Get(-1)
			})
		})
	}
}

// BenchmarkLoopRatio runs the table loop and the store loop alternately,
// each op one of each, and reports store time over table time: machine
// load that drifts during the run hits both sides alike.
func BenchmarkLoopRatio(b *testing.B) {
	for _, withCtx := range []bool{false, true} {
		name := "plain"
		if withCtx {
			name = "ctx"
		}
		b.Run(name, func(b *testing.B) {
			table := newLoop(b, withCtx, tableLoopObject)
			defer table.close()
			st := newLoop(b, withCtx, storeLoopObject)
			defer st.close()
			var tt, ts time.Duration
			for b.Loop() {
				start := time.Now()
				table.run(b)
				mid := time.Now()
				st.run(b)
				tt += mid.Sub(start)
				ts += time.Since(mid)
			}
			b.ReportMetric(float64(ts)/float64(tt), "store/table")
		})
	}
}

func tableLoopObject(b *testing.B, L *lua.LState) lua.LValue {
	if err := L.DoString(tableObject); err != nil {
		b.Fatal(err)
	}
	return L.Get(-1)
}

func storeLoopObject(b *testing.B, L *lua.LState) lua.LValue {
	res := &memResolver{stores: map[string]backends.Store{"app:cache": newMemStore(time.Now)}}
	luamod.Open(L, luamod.Options{Resolver: res})
	if err := L.DoString(`return require("store").get("app:cache")`); err != nil {
		b.Fatal(err)
	}
	return L.Get(-1)
}

// loop is a Lua state ready to run loopScript against one object.
type loop struct {
	L         *lua.LState
	fn        lua.LValue
	obj, keys lua.LValue
	cancel    context.CancelFunc
}

func newLoop(b *testing.B, withCtx bool, object func(*testing.B, *lua.LState) lua.LValue) *loop {
	l := &loop{L: lua.NewState(), cancel: func() {}}
	if withCtx {
		var ctx context.Context
		ctx, l.cancel = context.WithCancel(context.Background())
		l.L.SetContext(ctx)
	}
	l.obj = object(b, l.L)
	keys := l.L.NewTable()
	for i := 1; i <= 10000; i++ {
		keys.Append(lua.LString("key:" + itoa(i)))
	}
	l.keys = keys
	if err := l.L.DoString(loopScript); err != nil {
		b.Fatal(err)
	}
	l.fn = l.L.Get(-1)
	l.L.Pop(l.L.GetTop())
	return l
}

func (l *loop) run(b *testing.B) {
	if err := l.L.CallByParam(lua.P{Fn: l.fn, Protect: true}, l.obj, l.keys); err != nil {
		b.Fatal(err)
	}
}

func (l *loop) close() {
	l.cancel()
	l.L.Close()
}

func benchLoop(b *testing.B, withCtx bool, object func(L *lua.LState) lua.LValue) {
	l := newLoop(b, withCtx, func(_ *testing.B, L *lua.LState) lua.LValue { return object(L) })
	defer l.close()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		l.run(b)
	}
}

func itoa(i int) string {
	return lua.LNumber(i).String()
}
