package luastd

import (
	"runtime/metrics"

	lua "github.com/yuin/gopher-lua"
)

// gcDefault is what Lua 5.1 reports as the previous pause and step
// multiplier of its collector: its defaults, 200 (percent).
const gcDefault = 200

// baseCollectGarbage is collectgarbage([opt [, arg]]) with Lua 5.1's
// options and results. Go's collector serves the whole process, every run
// of every state, so a script may look at it and ask for a collection but
// not tune or stop it:
//
//   - "collect" (the default) runs a Go collection, unless none has
//     completed since the last one luahost forced (so a loop of them
//     cannot stall the process), and returns 0;
//   - "count" returns the kilobytes (a fraction, as in Lua 5.1) of the Go
//     heap's live objects: the process's, not this run's alone;
//   - "step" does what "collect" does and returns whether it collected;
//   - "setpause" and "setstepmul" return 200, Lua 5.1's default, and
//     change nothing; "stop" and "restart" return 0 and change nothing.
//
// Another option is an error, "invalid option 'X'", as in Lua 5.1.
func baseCollectGarbage(L *lua.LState) int {
	opt := "collect"
	switch v := L.Get(1).(type) {
	case lua.LString:
		opt = string(v)
	case lua.LNumber:
		opt = ToString(L, v)
	default:
		if v != lua.LNil {
			argError(L, 1, "collectgarbage", "string expected, got "+v.Type().String())
		}
	}
	if L.Get(2) != lua.LNil {
		checkNumberArg(L, 2, "collectgarbage")
	}
	switch opt {
	case "collect":
		collect()
		L.Push(lua.LNumber(0))
	case "count":
		L.Push(lua.LNumber(float64(heapLive()) / 1024))
	case "step":
		L.Push(lua.LBool(collect()))
	case "setpause", "setstepmul":
		L.Push(lua.LNumber(gcDefault))
	case "stop", "restart":
		L.Push(lua.LNumber(0))
	default:
		argError(L, 1, "collectgarbage", "invalid option '"+opt+"'")
	}
	return 1
}

// heapLive returns the bytes of the Go heap's objects, live or not yet
// swept (what runtime/metrics calls /memory/classes/heap/objects).
func heapLive() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
