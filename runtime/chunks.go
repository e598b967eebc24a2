package runtime

import (
	"sync"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/luastd"
)

// Compiled chunks are kept so that running the same code again skips the
// parser and compiler, which cost far more than running a small script.
// A FunctionProto is immutable once compiled and is shared between states.
const (
	maxCachedChunks    = 256
	maxCachedChunkSize = 64 << 10
)

// chunkCache maps source text to its compiled form, evicting the oldest
// entry when full.
type chunkCache struct {
	mu    sync.Mutex
	m     map[string]*lua.FunctionProto
	order []string // insertion order, for eviction
}

// load returns code compiled as a function of L, named "<string>" in
// error positions like LState.LoadString.
func (c *chunkCache) load(L *lua.LState, code string) (*lua.LFunction, error) {
	c.mu.Lock()
	proto, ok := c.m[code]
	c.mu.Unlock()
	if !ok {
		const name = "<string>"
		var err error
		if proto, err = luastd.Compile(code, name); err != nil {
			return nil, err
		}
		// A main chunk cannot name the Lua 5.0 "arg" table of its varargs
		// (it is no local there), so skip building it on every call.
		proto.IsVarArg &^= lua.VarArgNeedsArg
		if len(code) <= maxCachedChunkSize {
			c.add(code, proto)
		}
	}
	return L.NewFunctionFromProto(proto), nil
}

func (c *chunkCache) add(code string, proto *lua.FunctionProto) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]*lua.FunctionProto)
	}
	if _, ok := c.m[code]; ok {
		return
	}
	if len(c.order) >= maxCachedChunks {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.m[code] = proto
	c.order = append(c.order, code)
}
