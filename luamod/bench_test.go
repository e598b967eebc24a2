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

func benchLoop(b *testing.B, withCtx bool, object func(L *lua.LState) lua.LValue) {
	L := lua.NewState()
	defer L.Close()
	if withCtx {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		L.SetContext(ctx)
	}
	obj := object(L)
	keys := L.NewTable()
	for i := 1; i <= 10000; i++ {
		keys.Append(lua.LString("key:" + itoa(i)))
	}
	if err := L.DoString(loopScript); err != nil {
		b.Fatal(err)
	}
	run := L.Get(-1)
	L.Pop(L.GetTop())
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := L.CallByParam(lua.P{Fn: run, Protect: true}, obj, keys); err != nil {
			b.Fatal(err)
		}
	}
}

func itoa(i int) string {
	return lua.LNumber(i).String()
}
