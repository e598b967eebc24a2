package luastd

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

var (
	baseFuncs = map[string]lua.LGFunction{
		"tostring":       baseToString,
		"tonumber":       baseToNumber,
		"error":          baseError,
		"print":          basePrint,
		"unpack":         baseUnpack,
		"select":         baseSelect,
		"load":           baseLoad,
		"loadstring":     baseLoadString,
		"loadfile":       baseLoadFile,
		"dofile":         baseDoFile,
		"collectgarbage": baseCollectGarbage,
		"pcall":          basePCall,
		"xpcall":         baseXPCall,
		"setmetatable":   baseSetMetatable,
		"next":           baseNext,
	}
	stringFuncs = map[string]lua.LGFunction{
		"find":    strFind,
		"match":   strMatch,
		"gmatch":  strGmatch,
		"gsub":    strGsub,
		"rep":     strRep,
		"format":  strFormat,
		"byte":    strByte,
		"char":    strChar,
		"upper":   strUpper,
		"lower":   strLower,
		"reverse": strReverse,
	}
	tableFuncs = map[string]lua.LGFunction{
		"concat": tabConcat,
		"insert": tabInsert,
		"remove": tabRemove,
		"sort":   tabSort,
	}
	mathFuncs = map[string]lua.LGFunction{
		"max": mathMax,
		"min": mathMin,
	}
	osFuncs = map[string]lua.LGFunction{
		"date": osDate,
		"time": osTime,
	}
)

// Open installs luastd's functions in L over gopher-lua's, in the
// libraries L has open: error, pcall, xpcall, tonumber, tostring, print,
// unpack, select, load, loadstring, loadfile, dofile, collectgarbage,
// setmetatable and next; coroutine.create, resume, wrap, status, running and yield; string.find,
// match, gmatch, gsub, rep, format, byte, char, upper, lower and reverse;
// table.concat, insert, remove and sort; os.date and os.time; math.max,
// min, random and randomseed; and math.huge as infinity. A function L
// lacks (e.g. dofile in a sandbox) is not added. Call it after opening the
// libraries and before removing any.
func Open(L *lua.LState) {
	setIn(L, L.Get(lua.GlobalsIndex), baseFuncs)
	setIn(L, L.GetGlobal("string"), stringFuncs)
	setIn(L, L.GetGlobal("table"), tableFuncs)
	setIn(L, L.GetGlobal("os"), osFuncs)
	setIn(L, L.GetGlobal("math"), mathFuncs)
	if co, ok := L.GetGlobal("coroutine").(*lua.LTable); ok {
		openCoroutine(L, co)
	}
	if m, ok := L.GetGlobal("math").(*lua.LTable); ok {
		m.RawSetString("huge", lua.LNumber(math.Inf(1)))
		openRandom(L, m)
	}
}

func setIn(L *lua.LState, lib lua.LValue, funcs map[string]lua.LGFunction) {
	t, ok := lib.(*lua.LTable)
	if !ok {
		return
	}
	for name, fn := range funcs {
		if t.RawGetString(name) != lua.LNil {
			t.RawSetString(name, L.NewFunction(fn))
		}
	}
}
