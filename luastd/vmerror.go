package luastd

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// Lua 5.1's wording of the errors gopher-lua's VM raises.
//
// gopher-lua says "attempt to call a non-function object" where Lua 5.1
// says "attempt to call global 'f' (a nil value)": Lua 5.1 names the
// variable the failed operand came from by symbolic execution of the
// function's bytecode up to the failing instruction (ldebug.c, getobjname),
// and gopher-lua's bytecode is Lua 5.1's with few changes. The rewrite runs
// when the error is raised (in the state's Panic function, which PCall and
// coroutine resumes set), while the failing frame, its registers and its
// instruction are still in place; nothing runs on a path without an error.

// rewriteVMError replaces the error message on top of L's stack, raised by
// gopher-lua in L's running frame, with Lua 5.1's wording of it, keeping
// its position prefix. Other errors, and error values that are not
// strings, are left alone.
func rewriteVMError(L *lua.LState) {
	p := statePaths
	if p == nil {
		return
	}
	msg, ok := L.Get(-1).(lua.LString)
	if !ok {
		return
	}
	// Code gopher-lua compiled differently than this reads keeps its
	// message rather than turning an error into a Go panic.
	defer func() { _ = recover() }()
	frame := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), p.currentFrame))
	if frame == nil {
		return
	}
	fn := *(**lua.LFunction)(unsafe.Add(frame, p.frameFn))
	if fn == nil {
		return
	}
	var text string
	if fn.IsG {
		text = argErrorText(frame, fn, string(msg))
	} else {
		text = vmErrorText(L, frame, fn.Proto, string(msg))
	}
	if text != "" {
		L.Replace(-1, lua.LString(text))
	}
}

// forErrors maps gopher-lua's numeric for errors to Lua 5.1's.
var forErrors = map[string]string{
	"for statement init must be a number":  "'for' initial value must be a number",
	"for statement limit must be a number": "'for' limit must be a number",
	"for statement step must be a number":  "'for' step must be a number",
}

// vmErrorText is Lua 5.1's message for msg, raised by the instruction a
// Lua frame of proto is running, or "" when msg is not one of gopher-lua's
// VM errors for that instruction.
func vmErrorText(L *lua.LState, frame unsafe.Pointer, proto *lua.FunctionProto, msg string) string {
	pc := *(*int)(unsafe.Add(frame, statePaths.framePc)) - 1
	if pc < 0 || pc >= len(proto.Code) || pc >= len(proto.DbgSourcePositions) {
		return ""
	}
	prefix := proto.SourceName + ":" + strconv.Itoa(proto.DbgSourcePositions[pc]) + ": "
	rest, ok := strings.CutPrefix(msg, prefix)
	if !ok {
		return ""
	}
	inst := proto.Code[pc]
	op, a, b, c := int(inst>>26), int(inst>>18)&0xff, int(inst&0x1ff), int(inst>>9)&0x1ff
	reg := func(r int) lua.LValue { return L.Get(r + 1) }
	rk := func(r int) lua.LValue {
		if r&opBitRK != 0 {
			if k := r &^ opBitRK; k < len(proto.Constants) {
				return proto.Constants[k]
			}
			return lua.LNil
		}
		return reg(r)
	}
	var text string
	switch {
	case rest == "attempt to call a non-function object":
		switch op {
		case lua.OP_CALL, lua.OP_TAILCALL:
			text = typeErrorText(proto, pc, a, reg(a), "call")
		case lua.OP_TFORLOOP:
			text = "attempt to call a " + reg(a).Type().String() + " value"
		}
	case strings.HasPrefix(rest, "attempt to index a non-table object("):
		typ, _, _ := strings.Cut(rest[len("attempt to index a non-table object("):], ")")
		switch op {
		case lua.OP_GETTABLE, lua.OP_GETTABLEKS, lua.OP_SELF:
			text = indexErrorText(L, proto, pc, b, reg(b), typ, "__index")
		case lua.OP_SETTABLE, lua.OP_SETTABLEKS:
			text = indexErrorText(L, proto, pc, a, reg(a), typ, "__newindex")
		}
	case strings.HasPrefix(rest, "cannot perform ") && op >= lua.OP_ADD && op <= lua.OP_POW:
		// luaG_aritherror: the first operand, unless it is a number.
		r := b
		if _, ok := toNumber(rk(b)); ok {
			r = c
		}
		if r&opBitRK != 0 {
			text = "attempt to perform arithmetic on a " + rk(r).Type().String() + " value"
		} else {
			text = typeErrorText(proto, pc, r, reg(r), "perform arithmetic on")
		}
	case rest == "__unm undefined" && op == lua.OP_UNM:
		text = typeErrorText(proto, pc, b, reg(b), "perform arithmetic on")
	case rest == "__len undefined" && op == lua.OP_LEN:
		text = typeErrorText(proto, pc, b, reg(b), "get length of")
	case strings.HasPrefix(rest, "attempt to compare ") && (op == lua.OP_LT || op == lua.OP_LE):
		// luaG_ordererror: "two T values" for operands of one type.
		t1, t2, ok := strings.Cut(rest[len("attempt to compare "):], " with ")
		if ok && t1 == t2 {
			text = "attempt to compare two " + t1 + " values"
		}
	case forErrors[rest] != "" && (op == lua.OP_FORPREP || op == lua.OP_FORLOOP):
		text = forErrors[rest]
	}
	if text == "" {
		return ""
	}
	return prefix + text
}

// indexErrorText is luaG_typeerror for indexing v, register r: Lua 5.1
// names the variable only when the failing value is v itself, not one
// reached through v's metamethod (event) chain; typ is the failing value's
// type, from gopher-lua's message.
func indexErrorText(L *lua.LState, proto *lua.FunctionProto, pc, r int, v lua.LValue, typ, event string) string {
	if v.Type().String() == typ && L.GetMetaField(v, event) == lua.LNil {
		return typeErrorText(proto, pc, r, v, "index")
	}
	return "attempt to " + "index a " + typ + " value"
}

// typeErrorText is luaG_typeerror: "attempt to <op> <kind> '<name>' (a
// <type> value)" for v, the value of register r at pc, or "attempt to
// <op> a <type> value" when the register has no name.
func typeErrorText(proto *lua.FunctionProto, pc, r int, v lua.LValue, op string) string {
	if kind, name := objName(proto, pc, r); kind != "" {
		return fmt.Sprintf("attempt to %s %s '%s' (a %s value)", op, kind, name, v.Type().String())
	}
	return fmt.Sprintf("attempt to %s a %s value", op, v.Type().String())
}

// toNumber is Lua 5.1's tonumber coercion of an arithmetic operand.
func toNumber(v lua.LValue) (float64, bool) {
	switch v := v.(type) {
	case lua.LNumber:
		return float64(v), true
	case lua.LString:
		return parseNumber(string(v))
	}
	return 0, false
}

// argErrorText is Lua 5.1's wording (luaL_argerror) of msg when it is an
// argument error gopher-lua raised for the Go function fn running in
// frame ("bad argument #1 to rep (string expected, got nil)"): the
// function named as its caller's call instruction names it ('rep', '?'
// when the caller is not Lua), "calling 'f' on bad self" for argument 1
// of a method call, and "no value" for a missing argument. It is "" for
// any other message.
func argErrorText(frame unsafe.Pointer, fn *lua.LFunction, msg string) string {
	const head = "bad argument #"
	i := strings.Index(msg, head)
	if i < 0 || !strings.HasSuffix(msg, ")") || isBaseError(fn) {
		return ""
	}
	prefix, rest := msg[:i], msg[i+len(head):]
	num, rest, ok := strings.Cut(rest, " to ")
	n, err := strconv.Atoi(num)
	if !ok || err != nil {
		return ""
	}
	name, extra, ok := strings.Cut(rest, " (")
	if !ok || strings.HasPrefix(name, "'") {
		return "" // luastd's own, already in Lua 5.1's words
	}
	extra = extra[:len(extra)-1]
	p := statePaths
	parent := *(*unsafe.Pointer)(unsafe.Add(frame, p.frameParent))
	if prefix != wherePrefix(parent) {
		return ""
	}
	if strings.HasSuffix(extra, " expected, got nil") && n > *(*int)(unsafe.Add(frame, p.frameNArgs)) {
		extra = strings.TrimSuffix(extra, "nil") + "no value"
	}
	kind, name := calledAs(parent)
	if kind == "method" {
		n--
		if n == 0 {
			return fmt.Sprintf("%scalling '%s' on bad self (%s)", prefix, name, extra)
		}
	}
	if kind == "" {
		name = "?"
	}
	return fmt.Sprintf("%sbad argument #%d to '%s' (%s)", prefix, n, name, extra)
}

// isBaseError reports whether fn is error(), whose messages are the
// script's own.
func isBaseError(fn *lua.LFunction) bool {
	return reflect.ValueOf(fn.GFunction).Pointer() == baseErrorPC
}

var baseErrorPC = reflect.ValueOf(lua.LGFunction(baseError)).Pointer()

// wherePrefix is the position gopher-lua puts before an error a Go
// function called from frame raises: the line of the nearest Lua frame
// ("name:12: "), or " " when there is none.
func wherePrefix(frame unsafe.Pointer) string {
	p := statePaths
	for ; frame != nil; frame = *(*unsafe.Pointer)(unsafe.Add(frame, p.frameParent)) {
		fn := *(**lua.LFunction)(unsafe.Add(frame, p.frameFn))
		if fn == nil || fn.IsG {
			continue
		}
		pc := *(*int)(unsafe.Add(frame, p.framePc)) - 1
		if pc < 0 || pc >= len(fn.Proto.DbgSourcePositions) {
			return ""
		}
		return fn.Proto.SourceName + ":" + strconv.Itoa(fn.Proto.DbgSourcePositions[pc]) + ": "
	}
	return " "
}

// calledAs is getfuncname of Lua 5.1: how the call instruction of caller,
// the frame that called a Go function, names the function ("global",
// "rep"), or "" when caller is not a Lua frame or did not call it with a
// call instruction (a metamethod).
func calledAs(caller unsafe.Pointer) (kind, name string) {
	if caller == nil {
		return "", ""
	}
	p := statePaths
	fn := *(**lua.LFunction)(unsafe.Add(caller, p.frameFn))
	if fn == nil || fn.IsG {
		return "", ""
	}
	pc := *(*int)(unsafe.Add(caller, p.framePc)) - 1
	if pc < 0 || pc >= len(fn.Proto.Code) {
		return "", ""
	}
	inst := fn.Proto.Code[pc]
	switch int(inst >> 26) {
	case lua.OP_CALL, lua.OP_TAILCALL:
		return objName(fn.Proto, pc, int(inst>>18)&0xff)
	case lua.OP_TFORLOOP:
		// Lua 5.1's generic for keeps its iterator in a hidden local
		// active at the loop's instruction; gopher-lua's ends a step
		// before it.
		return "local", "(for generator)"
	}
	return "", ""
}

// opBitRK marks an RK operand that is a constant (ISK).
const opBitRK = 1 << 8

// objName is getobjname of Lua 5.1: what register r holds at pc, as the
// kind and name error messages give it ("local", "x"; "global", "print";
// "field", "y"; "upvalue", "u"; "method", "m"), or "" when it has none.
func objName(proto *lua.FunctionProto, pc, r int) (kind, name string) {
	for depth := 0; depth < 256; depth++ { // a chain of moves, each to a lower register
		if name, ok := localName(proto, r+1, pc); ok {
			return "local", name
		}
		at := symbexec(proto, pc, r)
		if at < 0 {
			return "", ""
		}
		inst := proto.Code[at]
		a, b, c := int(inst>>18)&0xff, int(inst&0x1ff), int(inst>>9)&0x1ff
		switch int(inst >> 26) {
		case lua.OP_GETGLOBAL:
			if k, ok := constString(proto, int(inst&0x3ffff)); ok {
				return "global", k
			}
			return "", ""
		case lua.OP_MOVE, lua.OP_MOVEN:
			if b < a {
				r = b
				continue
			}
		case lua.OP_GETTABLE:
			return "field", kname(proto, at, c, false)
		case lua.OP_GETTABLEKS:
			return "field", kname(proto, at, c, true)
		case lua.OP_GETUPVAL:
			if b < len(proto.DbgUpvalues) {
				return "upvalue", proto.DbgUpvalues[b]
			}
			return "upvalue", "?"
		case lua.OP_SELF:
			return "method", kname(proto, at, c, true)
		}
		return "", ""
	}
	return "", ""
}

// kname is the name of the key operand rk of the instruction at pc: its
// string constant, else "?". Where Lua 5.1 has a constant string key
// (t.name, t:name()), gopher-lua may load the constant into a register
// first (constKey): the constant loaded is the name then.
func kname(proto *lua.FunctionProto, pc, rk int, constKey bool) string {
	if rk&opBitRK != 0 {
		if s, ok := constString(proto, rk&^opBitRK); ok {
			return s
		}
		return "?"
	}
	if constKey {
		if at := symbexec(proto, pc, rk); at >= 0 && int(proto.Code[at]>>26) == lua.OP_LOADK {
			if s, ok := constString(proto, int(proto.Code[at]&0x3ffff)); ok {
				return s
			}
		}
	}
	return "?"
}

func constString(proto *lua.FunctionProto, k int) (string, bool) {
	if k < 0 || k >= len(proto.Constants) {
		return "", false
	}
	s, ok := proto.Constants[k].(lua.LString)
	return string(s), ok
}

// localName is luaF_getlocalname: the name of the n-th local variable
// active at pc. gopher-lua's EndPc is the last instruction a variable is
// active at, one less than Lua 5.1's.
func localName(proto *lua.FunctionProto, n, pc int) (string, bool) {
	for _, v := range proto.DbgLocals {
		if v.StartPc > pc {
			break
		}
		if pc <= v.EndPc {
			if n--; n == 0 {
				return v.Name, true
			}
		}
	}
	return "", false
}

// setsA reports whether an opcode writes register A (Lua 5.1's testAMode).
var setsA = func() [lua.OP_NOP + 1]bool {
	var t [lua.OP_NOP + 1]bool
	for _, op := range []int{lua.OP_MOVE, lua.OP_MOVEN, lua.OP_LOADK, lua.OP_LOADBOOL,
		lua.OP_LOADNIL, lua.OP_GETUPVAL, lua.OP_GETGLOBAL, lua.OP_GETTABLE,
		lua.OP_GETTABLEKS, lua.OP_NEWTABLE, lua.OP_SELF, lua.OP_ADD, lua.OP_SUB,
		lua.OP_MUL, lua.OP_DIV, lua.OP_MOD, lua.OP_POW, lua.OP_UNM, lua.OP_NOT,
		lua.OP_LEN, lua.OP_CONCAT, lua.OP_TEST, lua.OP_TESTSET, lua.OP_CALL,
		lua.OP_TAILCALL, lua.OP_FORLOOP, lua.OP_FORPREP, lua.OP_CLOSURE, lua.OP_VARARG} {
		t[op] = true
	}
	return t
}()

// symbexec is Lua 5.1's symbolic execution (ldebug.c) of proto's code up
// to lastpc, tracking register r: the index of the last instruction before
// lastpc that set r, following forward jumps that do not pass lastpc, or
// of the final return when none did (-1 for no code). gopher-lua's
// compiler emits valid code, so Lua 5.1's checks of the code are left out.
func symbexec(proto *lua.FunctionProto, lastpc, r int) int {
	code := proto.Code
	last := len(code) - 1
	for pc := 0; pc < lastpc && pc < len(code); pc++ {
		inst := code[pc]
		op := int(inst >> 26)
		if op > lua.OP_NOP {
			break
		}
		a, b, c := int(inst>>18)&0xff, int(inst&0x1ff), int(inst>>9)&0x1ff
		if setsA[op] && a == r {
			last = pc
		}
		switch op {
		case lua.OP_LOADNIL:
			if a <= r && r <= b {
				last = pc
			}
		case lua.OP_SELF:
			if r == a+1 {
				last = pc
			}
		case lua.OP_TFORLOOP:
			if r >= a+2 {
				last = pc
			}
		case lua.OP_JMP, lua.OP_FORLOOP, lua.OP_FORPREP:
			sbx := int(inst&0x3ffff) - (1<<18-1)>>1
			if dest := pc + 1 + sbx; pc < dest && dest <= lastpc {
				pc += sbx
			}
		case lua.OP_CALL, lua.OP_TAILCALL:
			if r >= a {
				last = pc
			}
		case lua.OP_SETLIST:
			if c == 0 {
				pc++
			}
		case lua.OP_CLOSURE:
			if bx := int(inst & 0x3ffff); bx < len(proto.FunctionPrototypes) {
				pc += int(proto.FunctionPrototypes[bx].NumUpvalues)
			}
		}
	}
	return last
}
