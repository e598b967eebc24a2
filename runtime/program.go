package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/internal/mpack"
	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/luastd"
)

// Program is compiled Lua source: a main chunk that Call runs any number
// of times, from any number of goroutines at once, without parsing or
// compiling it again. A Program is immutable; each run gets its own
// globals (see Isolation in the package doc), so nothing one run does is
// seen by the next.
type Program struct {
	name  string
	proto *lua.FunctionProto
}

// Compile compiles Lua 5.1 source into a Program. name is the chunk name
// used in error positions and tracebacks (a file path, or e.g.
// "handler.lua"). Source that does not compile returns a *SyntaxError.
func Compile(name, source string) (*Program, error) {
	proto, err := luastd.Compile(source, name)
	if err != nil {
		return nil, err
	}
	// A main chunk cannot name the Lua 5.0 "arg" table of its varargs
	// (it is no local there), so skip building it on every run.
	proto.IsVarArg &^= lua.VarArgNeedsArg
	return &Program{name: name, proto: proto}, nil
}

// CompileFile compiles the Lua file at path, named by its path in error
// positions. A first line starting with "#!" is skipped, as the lua
// command does.
func CompileFile(path string) (*Program, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Compile(path, stripShebang(string(src)))
}

// Name returns the chunk name the program was compiled with.
func (p *Program) Name() string { return p.name }

// Function returns the program as a function of L whose environment is
// L's globals, for Go code that runs it itself (in Do, or on a Session).
func (p *Program) Function(L *lua.LState) *lua.LFunction {
	return L.NewFunctionFromProto(p.proto)
}

// Call runs p on a pooled Lua state, as RunString runs source, and returns
// its results as RunString does: as KV.Get decodes a value into any
// (int64 for integral numbers, float64, string, bool, []any for
// sequences, map[string]any, or map[any]any when a key is not a string),
// nil for nil, the text of an error value ("NOT_FOUND: no entry ..."), and
// the text of another value no store can hold (a function).
// args are the chunk's varargs (local a, b = ...), converted from Go
// values as KV.Set converts them (see KV), except that nil is Lua nil:
// numbers become Lua numbers, strings and []byte strings, maps, slices and
// structs tables. An argument Lua cannot hold returns an error wrapping
// ErrInvalid that names it, and the program does not run. Lua strings,
// numbers and booleans pass through unchanged; other Lua values belong to
// the state that made them and are refused.
//
// The run has everything RunString's has: ctx bounds it, the runtime's
// memory limit applies, it sees nothing an earlier run did, opts set its
// actor, scope and output (WithStdout), and a Lua error returns a
// *ScriptError.
func (rt *Runtime) Call(ctx context.Context, p *Program, args []any, opts ...RunOption) ([]any, error) {
	if p == nil {
		return nil, backends.Errorf(backends.ErrInvalid, "call: program is nil")
	}
	return rt.runPooled(ctx, p.name, p, args, opts)
}

// runPooled runs p with args on a pooled state: the run path of RunString
// and Call. name is the script name of the run's span ("" for none).
func (rt *Runtime) runPooled(ctx context.Context, name string, p *Program, args []any, opts []RunOption) ([]any, error) {
	var out []any
	err := rt.do(ctx, name, func(L *lua.LState) error {
		largs := make([]lua.LValue, len(args))
		for i, a := range args {
			v, err := toLua(L, a)
			if err != nil {
				return fmt.Errorf("%s: argument %d: %w", p.name, i+1, err)
			}
			largs[i] = v
		}
		results, err := call(ctx, L, p.Function(L), largs...)
		if err != nil {
			return err
		}
		conv := make([]any, len(results))
		for i, v := range results {
			if conv[i], err = toGo(L.Context(), v); err != nil {
				return resultError(ctx, L, i+1, err)
			}
		}
		out = conv
		return nil
	}, opts)
	return out, err
}

// toLua converts a Go value to a Lua value of L, as a value KV.Set
// stores reaches a script.
func toLua(L *lua.LState, v any) (lua.LValue, error) {
	c := converter{L: L}
	return c.value(v, 0)
}

// converter turns Go values into Lua values. The types hosts pass most
// (scalars, map[string]any, []any, map[string]string, []string) it builds
// directly; any other value goes through MessagePack. Both ways give the
// same Lua value.
type converter struct {
	L     *lua.LState
	elems int // values converted so far, see luamod.MaxElements
}

// value converts v, found inside depth tables.
func (c *converter) value(v any, depth int) (lua.LValue, error) {
	if c.elems++; c.elems > luamod.MaxElements {
		return nil, backends.Errorf(backends.ErrInvalid, "value holds more than %d values", luamod.MaxElements)
	}
	switch v := v.(type) {
	case nil:
		return lua.LNil, nil
	case string:
		return lua.LString(v), nil
	case []byte:
		return lua.LString(v), nil
	case bool:
		return lua.LBool(v), nil
	case int:
		return intNumber(int64(v))
	case int64:
		return intNumber(v)
	case int32:
		return lua.LNumber(v), nil
	case uint64:
		if !mpack.FloatHoldsUint(v) {
			return nil, inexactInt(strconv.FormatUint(v, 10), float64(v))
		}
		return lua.LNumber(v), nil
	case float64:
		return lua.LNumber(v), nil
	case float32:
		return lua.LNumber(v), nil
	case map[string]any:
		if v == nil {
			return lua.LNil, nil
		}
		t, err := c.table(depth, 0, len(v))
		if err != nil {
			return nil, err
		}
		for k, e := range v {
			lv, err := c.value(e, depth+1)
			if err != nil {
				return nil, withPathKey(err, lua.LString(k))
			}
			if lv != lua.LNil { // a nil value leaves the key out
				t.RawSetString(k, lv)
			}
		}
		return t, nil
	case []any:
		if v == nil {
			return lua.LNil, nil
		}
		t, err := c.table(depth, len(v), 0)
		if err != nil {
			return nil, err
		}
		for i, e := range v {
			lv, err := c.value(e, depth+1)
			if err != nil {
				return nil, withPathKey(err, lua.LNumber(i+1))
			}
			if lv != lua.LNil { // a nil element leaves a hole
				t.RawSetInt(i+1, lv)
			}
		}
		return t, nil
	case map[string]string:
		if v == nil {
			return lua.LNil, nil
		}
		t, err := c.table(depth, 0, len(v))
		if err != nil {
			return nil, err
		}
		c.elems += len(v)
		for k, e := range v {
			t.RawSetString(k, lua.LString(e))
		}
		return t, nil
	case []string:
		if v == nil {
			return lua.LNil, nil
		}
		t, err := c.table(depth, len(v), 0)
		if err != nil {
			return nil, err
		}
		c.elems += len(v)
		for i, e := range v {
			t.RawSetInt(i+1, lua.LString(e))
		}
		return t, nil
	case lua.LString, lua.LNumber, lua.LBool:
		return v.(lua.LValue), nil
	case *lua.LNilType:
		return lua.LNil, nil
	case lua.LValue:
		return nil, backends.Errorf(backends.ErrInvalid, "a Lua %s belongs to the state that made it; pass a Go value", v.Type())
	}
	b, err := marshal(v)
	if err != nil {
		return nil, err
	}
	if len(b) == 1 && b[0] == msgpcode.Nil { // a nil pointer, map or slice
		return lua.LNil, nil
	}
	lv, err := luamod.Decode(c.L, b)
	if err != nil {
		return nil, backends.Errorf(backends.ErrInvalid, "%T cannot be read by Lua: %w", v, err)
	}
	return lv, nil
}

// intNumber is n as a Lua number, or an error when a float64 cannot hold
// it exactly: a Go integer is never rounded on its way to a script.
func intNumber(n int64) (lua.LValue, error) {
	if !mpack.FloatHoldsInt(n) {
		return nil, inexactInt(strconv.FormatInt(n, 10), float64(n))
	}
	return lua.LNumber(n), nil
}

func inexactInt(n string, nearest float64) error {
	return &luamod.ValueError{Path: "value", Reason: "integer " + n +
		" is beyond 2^53 and has no exact Lua number (the nearest is " + strconv.FormatFloat(nearest, 'f', 0, 64) + ")"}
}

// withPathKey puts k in front of the path of a *luamod.ValueError from
// inside a table, as the recursion unwinds.
func withPathKey(err error, k lua.LValue) error {
	var ve *luamod.ValueError
	if !errors.As(err, &ve) {
		return err
	}
	rest := strings.TrimPrefix(ve.Path, "value")
	return &luamod.ValueError{Path: luamod.PathKey("value", k) + rest, Reason: ve.Reason}
}

// table makes a table found inside depth tables, which must not pass
// luamod.MaxDepth, as a stored value may not.
func (c *converter) table(depth, narr, nhash int) (*lua.LTable, error) {
	if depth >= luamod.MaxDepth {
		return nil, backends.Errorf(backends.ErrInvalid, "tables nested deeper than %d levels", luamod.MaxDepth)
	}
	return c.L.CreateTable(narr, nhash), nil
}

// marshal is the MessagePack encoding of v that KV.Set stores, before the
// check that a script can read it.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	if err := enc.Encode(v); err != nil {
		return nil, backends.Errorf(backends.ErrInvalid, "encode %T: %w", v, err)
	}
	return buf.Bytes(), nil
}

// SyntaxError is Lua source that does not compile: a syntax error, or
// source nested deeper than luastd.MaxSyntaxLevels. Its text is Lua 5.1's,
// "chunk:line: message near 'token'", with the message PUC Lua 5.1 gives
// for the same source (see luastd.SyntaxError for its fields). Compile
// returns it; RunString and Run return it as the Cause of a *ScriptError.
type SyntaxError = luastd.SyntaxError
