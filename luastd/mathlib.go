package luastd

import (
	"math"
	"math/rand/v2"

	lua "github.com/yuin/gopher-lua"
)

// openRandom replaces math.random and math.randomseed in m with Lua 5.1's
// argument checks and a generator of L's own, which math.randomseed
// reseeds (gopher-lua's used math/rand's global source, which Go no longer
// lets a program seed).
func openRandom(L *lua.LState, m *lua.LTable) {
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	if m.RawGetString("random") != lua.LNil {
		m.RawSetString("random", L.NewFunction(func(L *lua.LState) int { return mathRandom(L, rng) }))
	}
	if m.RawGetString("randomseed") != lua.LNil {
		m.RawSetString("randomseed", L.NewFunction(func(L *lua.LState) int {
			seed := checkCInt(L, 1, "randomseed")
			*rng = *rand.New(rand.NewPCG(uint64(int64(seed)), 0))
			return 0
		}))
	}
}

// mathRandom is math.random([m [, n]]) as Lua 5.1's: a number in [0, 1),
// an integer in [1, m], or one in [m, n]; an empty interval is an argument
// error.
func mathRandom(L *lua.LState, rng *rand.Rand) int {
	r := rng.Float64()
	var lo, hi int32
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(r))
		return 1
	case 1:
		lo, hi = 1, checkCInt(L, 1, "random")
		if lo > hi {
			argError(L, 1, "random", "interval is empty")
		}
	case 2:
		lo, hi = checkCInt(L, 1, "random"), checkCInt(L, 2, "random")
		if lo > hi {
			argError(L, 2, "random", "interval is empty")
		}
	default:
		raise(L, "wrong number of arguments")
	}
	L.Push(lua.LNumber(math.Floor(r*(float64(hi)-float64(lo)+1)) + float64(lo)))
	return 1
}

// checkCInt is luaL_checkint for argument n of fn: the number converted
// to a C long (x86-64 gives the smallest long for NaN and values out of
// range) and then to a C int, dropping the high bits.
func checkCInt(L *lua.LState, n int, fn string) int32 {
	f := checkNumberArg(L, n, fn)
	l := int64(math.MinInt64)
	if f == f && f >= -(1<<63) && f < 1<<63 {
		l = int64(f)
	}
	return int32(l)
}

// mathMax is math.max(x, ...) as Lua 5.1's: the greatest of its numbers
// (a later one replaces the greatest so far only when it is greater, so
// NaN first stays), with an argument error for no argument at all where
// gopher-lua said "wrong number of arguments".
func mathMax(L *lua.LState) int {
	return mathExtreme(L, func(d, best float64) bool { return d > best })
}

// mathMin is math.min(x, ...), as mathMax.
func mathMin(L *lua.LState) int {
	return mathExtreme(L, func(d, best float64) bool { return d < best })
}

func mathExtreme(L *lua.LState, better func(d, best float64) bool) int {
	n := L.GetTop()
	best := checkNumberNamed(L, 1)
	for i := 2; i <= n; i++ {
		if d := checkNumberNamed(L, i); better(d, best) {
			best = d
		}
	}
	L.Push(lua.LNumber(best))
	return 1
}

// checkNumberNamed is checkNumberArg raising its error as gopher-lua
// raises argument errors, so that the message names the function as its
// caller does (see argErrorText): 'max', or 'm' for local m = math.max.
func checkNumberNamed(L *lua.LState, n int) float64 {
	f, ok := numberArg(L, n)
	if !ok {
		L.ArgError(n, "number expected, got "+typeName(L, n))
	}
	return f
}
