package luastd

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
)

// gopher-lua's compiler finds a function's constant by scanning every
// constant it has so far, so compiling a function takes time quadratic in
// its number of distinct constants: a data table of 50,000 numbers took
// 20 s, and a compile left behind by a run at its deadline went on using
// CPU for minutes. So Compile rewrites the literals of a function with
// many of them (more than manyLiterals distinct ones, in the places
// listed at slot) into reads of one placeholder global, which the
// compiler sees as one constant, and then turns each read back into a
// load of the literal's own constant, appended to the function's
// constants through a map. The compiled function is what gopher-lua
// would have compiled, but for a literal that the compiler would have
// used in place (an RK operand) now being loaded into a register first,
// and arithmetic on literals being computed when it runs rather than
// folded by the compiler (to the same value).
//
// Each placeholder carries the number of its literal as its line, offset
// past any line of the source, so every instruction made for it can be
// told apart and given back its real line.

// constMarker is the name of the placeholder global: no name of Lua
// source has a NUL byte, so the compiler reads it with GETGLOBAL, and no
// other GETGLOBAL of the chunk has it.
const constMarker = "\x00luastd.const\x00"

// manyLiterals is how many distinct literals a function may have before
// they are rewritten; below it gopher-lua's own compile is fast and keeps
// its RK operands.
const manyLiterals = 256

// constBudget bounds the work (constants compared) gopher-lua may spend
// finding the constants that stay in one function: names of globals,
// fields and methods, and literals in places the rewrite does not touch.
// About a second of CPU; a function past it is refused.
const constBudget = 50_000_000

// maxConstants is the most constants a function may have: an instruction
// names a constant in 18 bits, as in Lua 5.1 (MAXARG_Bx).
const maxConstants = 1<<18 - 1

// ConstantsError is the error of a function whose constants luahost
// cannot compile: more than Lua 5.1 allows, or too many distinct names
// and literals in places the compile cannot handle in linear time.
type ConstantsError struct {
	// Chunk is the chunk's name as given to Compile.
	Chunk string
	// Line is the line where the function starts (1 for the main chunk).
	Line int
	// Count is the number of distinct constants that caused the error.
	Count int
	// Overflow is set when the function has more constants than Lua 5.1
	// allows, rather than too many for the compile's time bound.
	Overflow bool
}

// Error returns "chunk:line: " and what is wrong.
func (e *ConstantsError) Error() string {
	if e.Overflow {
		return fmt.Sprintf("%s:%d: constant table overflow (function has more than %d constants)", e.Chunk, e.Line, maxConstants)
	}
	return fmt.Sprintf("%s:%d: function has too many distinct names and operands (%d) to compile in bounded time", e.Chunk, e.Line, e.Count)
}

// constRewrite is what rewriteConstants did to a chunk, for its patch.
type constRewrite struct {
	base   int          // the first placeholder line
	values []lua.LValue // placeholder i stands for values[i]
	lines  []int        // and was on line lines[i]
}

// constFunc gathers one function's literals while walking it.
type constFunc struct {
	line     int
	slots    []*ast.Expr // where its rewritable literals are
	distinct map[lua.LValue]struct{}
	// others models the constants gopher-lua will look up that are not
	// rewritten, in order: index of each distinct one, and the work spent.
	others map[lua.LValue]int
	cost   int64
}

type constWalker struct {
	chunk string
	fn    *constFunc
	rw    *constRewrite
	err   error
	// locals holds the locals in view, of this function and the ones
	// around it (an upvalue is no constant either); inScope counts them
	// by name.
	locals  []string
	inScope map[string]int
}

// rewriteConstants rewrites the literals of each function of chunk that
// has more than manyLiterals distinct ones into placeholders, and returns
// what its patch needs to undo it after the compile (nil when
// nothing was rewritten). src is the chunk's source, name its name for
// errors.
func rewriteConstants(chunk []ast.Stmt, src, name string) (*constRewrite, error) {
	w := &constWalker{chunk: name, rw: &constRewrite{base: len(src) + 2}, inScope: map[string]int{}}
	w.function(1, func() { w.block(chunk) })
	if w.err != nil {
		return nil, w.err
	}
	if len(w.rw.values) == 0 {
		return nil, nil
	}
	return w.rw, nil
}

// function walks one function's body with a constFunc of its own and
// rewrites its literals if they are many.
func (w *constWalker) function(line int, body func()) {
	outer := w.fn
	fn := &constFunc{line: line, distinct: map[lua.LValue]struct{}{}, others: map[lua.LValue]int{}}
	w.fn = fn
	body()
	w.fn = outer
	if w.err != nil {
		return
	}
	if len(fn.distinct) <= manyLiterals {
		// The literals stay constants: count their look-ups too.
		for _, slot := range fn.slots {
			if v, ok := literalValue(*slot); ok {
				fn.use(v)
			}
		}
	} else {
		fn.use(lua.LString(constMarker))
		for _, slot := range fn.slots {
			v, _ := literalValue(*slot)
			ph := &ast.IdentExpr{Value: constMarker}
			ph.SetLine(w.rw.base + len(w.rw.values))
			ph.SetLastLine(ph.Line())
			w.rw.values = append(w.rw.values, v)
			w.rw.lines = append(w.rw.lines, (*slot).Line())
			*slot = ph
		}
	}
	if fn.cost > constBudget {
		w.err = &ConstantsError{Chunk: w.chunk, Line: line, Count: len(fn.others)}
	}
}

// use models gopher-lua's ConstIndex looking up v: it compares v with
// each constant up to v's, or with all of them when v is new.
func (fn *constFunc) use(v lua.LValue) {
	if i, ok := fn.others[v]; ok {
		fn.cost += int64(i) + 1
		return
	}
	fn.cost += int64(len(fn.others))
	fn.others[v] = len(fn.others)
}

// literalValue is the constant gopher-lua compiles e to, when e is a
// literal the rewrite handles: a string, a number, or a negated number.
func literalValue(e ast.Expr) (lua.LValue, bool) {
	switch e := e.(type) {
	case *ast.StringExpr:
		return lua.LString(e.Value), true
	case *ast.NumberExpr:
		return compilerNumber(e.Value), true
	case *ast.UnaryMinusOpExpr:
		if n, ok := e.Expr.(*ast.NumberExpr); ok {
			return -compilerNumber(n.Value), true
		}
	}
	return nil, false
}

// compilerNumber converts a numeral of source as gopher-lua's compiler does.
func compilerNumber(s string) lua.LNumber {
	s = strings.Trim(s, " \t\n")
	if v, err := strconv.ParseInt(s, 0, 64); err == nil {
		return lua.LNumber(v)
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		return lua.LNumber(v)
	}
	return lua.LNumber(math.NaN())
}

// slot records the literal at p for rewriting, or walks p's expression.
// A literal is rewritten where gopher-lua compiles it to a load of a
// constant into a register or an RK operand, which a register replaces
// with the same meaning: a table constructor's keys and values, a call's
// arguments, the values of return, local and assignment statements, and
// the operands of comparisons, arithmetic, and and or.
func (w *constWalker) slot(p *ast.Expr) {
	if v, ok := literalValue(*p); ok {
		w.fn.slots = append(w.fn.slots, p)
		w.fn.distinct[v] = struct{}{}
		return
	}
	w.expr(p)
}

func (w *constWalker) slots(es []ast.Expr) {
	for i := range es {
		w.slot(&es[i])
	}
}

func (w *constWalker) block(stmts []ast.Stmt) {
	mark := len(w.locals)
	for _, s := range stmts {
		w.stmt(s)
	}
	w.leave(mark)
}

func (w *constWalker) declare(names ...string) {
	for _, n := range names {
		w.locals = append(w.locals, n)
		w.inScope[n]++
	}
}

// leave ends the scope of the locals declared since mark.
func (w *constWalker) leave(mark int) {
	for _, n := range w.locals[mark:] {
		w.inScope[n]--
	}
	w.locals = w.locals[:mark]
}

// body walks a function's body, with its parameters in view.
func (w *constWalker) body(f *ast.FunctionExpr, method bool) {
	w.function(f.Line(), func() {
		mark := len(w.locals)
		w.declare(funcLocals(f, method)...)
		w.block(f.Stmts)
		w.leave(mark)
	})
}

func (w *constWalker) stmt(s ast.Stmt) {
	switch s := s.(type) {
	case *ast.AssignStmt:
		w.exprs(s.Lhs)
		w.slots(s.Rhs)
	case *ast.LocalAssignStmt:
		if len(s.Names) == 1 && len(s.Exprs) == 1 {
			if _, ok := s.Exprs[0].(*ast.FunctionExpr); ok {
				w.declare(s.Names[0]) // local function f: f is in view in its body
				w.slots(s.Exprs)
				return
			}
		}
		w.slots(s.Exprs)
		w.declare(s.Names...)
	case *ast.FuncCallStmt:
		w.expr(&s.Expr)
	case *ast.DoBlockStmt:
		w.block(s.Stmts)
	case *ast.WhileStmt:
		w.expr(&s.Condition)
		w.block(s.Stmts)
	case *ast.RepeatStmt:
		// The condition sees the body's locals.
		mark := len(w.locals)
		for _, st := range s.Stmts {
			w.stmt(st)
		}
		w.expr(&s.Condition)
		w.leave(mark)
	case *ast.IfStmt:
		w.expr(&s.Condition)
		w.block(s.Then)
		w.block(s.Else)
	case *ast.NumberForStmt:
		w.expr(&s.Init)
		w.expr(&s.Limit)
		if s.Step != nil {
			w.expr(&s.Step)
		}
		mark := len(w.locals)
		w.declare(s.Name)
		w.block(s.Stmts)
		w.leave(mark)
	case *ast.GenericForStmt:
		w.exprs(s.Exprs)
		mark := len(w.locals)
		w.declare(s.Names...)
		w.block(s.Stmts)
		w.leave(mark)
	case *ast.FuncDefStmt:
		if s.Name.Func != nil {
			w.expr(&s.Name.Func)
		} else {
			w.expr(&s.Name.Receiver)
			w.fn.use(lua.LString(s.Name.Method))
		}
		w.body(s.Func, s.Name.Func == nil)
	case *ast.ReturnStmt:
		w.slots(s.Exprs)
	}
}

func (w *constWalker) exprs(es []ast.Expr) {
	for i := range es {
		w.expr(&es[i])
	}
}

// expr walks the expression at p, whose own literal stays a constant.
func (w *constWalker) expr(p *ast.Expr) {
	if w.err != nil {
		return
	}
	e := *p
	if v, ok := literalValue(e); ok {
		w.fn.use(v)
		return
	}
	switch e := e.(type) {
	case *ast.IdentExpr:
		if w.inScope[e.Value] == 0 {
			w.fn.use(lua.LString(e.Value)) // a global's name
		}
	case *ast.AttrGetExpr:
		w.expr(&e.Object)
		w.expr(&e.Key)
	case *ast.TableExpr:
		if call := w.lastBlock(e); call != nil {
			*p = call
			w.expr(p)
			return
		}
		for _, f := range e.Fields {
			if f.Key != nil {
				w.slot(&f.Key)
				// A field k = f() or k = ... has one value. gopher-lua
				// takes all of them when it is the last field, and then
				// stores its registers as the constructor's last
				// positional items.
				switch v := f.Value.(type) {
				case *ast.FuncCallExpr:
					v.AdjustRet = true
				case *ast.Comma3Expr:
					v.AdjustRet = true
				}
			}
			w.slot(&f.Value)
		}
	case *ast.FuncCallExpr:
		if e.Func != nil {
			w.expr(&e.Func)
		}
		if e.Receiver != nil {
			w.expr(&e.Receiver)
			w.fn.use(lua.LString(e.Method))
		}
		w.slots(e.Args)
	case *ast.LogicalOpExpr:
		w.slot(&e.Lhs)
		w.slot(&e.Rhs)
	case *ast.RelationalOpExpr:
		w.slot(&e.Lhs)
		w.slot(&e.Rhs)
	case *ast.StringConcatOpExpr:
		w.expr(&e.Lhs)
		w.expr(&e.Rhs)
	case *ast.ArithmeticOpExpr:
		// Operands that are placeholders are not folded: the VM computes
		// what the compile would have.
		w.slot(&e.Lhs)
		w.slot(&e.Rhs)
	case *ast.UnaryMinusOpExpr:
		w.expr(&e.Expr)
	case *ast.UnaryNotOpExpr:
		w.expr(&e.Expr)
	case *ast.UnaryLenOpExpr:
		w.expr(&e.Expr)
	case *ast.FunctionExpr:
		w.body(e, false)
	}
}

// patch turns the placeholder reads of proto and the functions
// it defines into loads of their literals, and gives their instructions
// back their lines.
func (rw *constRewrite) patch(proto *lua.FunctionProto, chunk string) error {
	marker := -1
	index := make(map[lua.LValue]int, len(proto.Constants))
	for i, c := range proto.Constants {
		if _, ok := index[c]; !ok && isConstKey(c) {
			index[c] = i
		}
		if c == lua.LValue(lua.LString(constMarker)) {
			marker = i
		}
	}
	for pc, inst := range proto.Code {
		line := proto.DbgSourcePositions[pc]
		if line < rw.base {
			continue
		}
		id := line - rw.base
		proto.DbgSourcePositions[pc] = rw.lines[id]
		if int(inst>>26) != lua.OP_GETGLOBAL || marker < 0 || int(inst&0x3ffff) != marker {
			continue
		}
		v := rw.values[id]
		k, ok := index[v]
		if !ok || !isConstKey(v) {
			k = len(proto.Constants)
			if k > maxConstants {
				return &ConstantsError{Chunk: chunk, Line: max(proto.LineDefined, 1), Count: k + 1, Overflow: true}
			}
			proto.Constants = append(proto.Constants, v)
			if isConstKey(v) {
				index[v] = k
			}
		}
		proto.Code[pc] = uint32(lua.OP_LOADK)<<26 | inst&(0xff<<18) | uint32(k)
	}
	for _, p := range proto.FunctionPrototypes {
		if err := rw.patch(p, chunk); err != nil {
			return err
		}
	}
	return nil
}

// isConstKey reports whether constants equal to v can be shared, as
// gopher-lua shares them (a NaN equals nothing, not even itself).
func isConstKey(v lua.LValue) bool {
	n, ok := v.(lua.LNumber)
	return !ok || n == n
}

// fixSetList corrects what gopher-lua compiles for table constructors, in
// proto and the functions it defines, so that they build the table Lua
// 5.1 builds:
//
//   - From the 512th block of 50 positional items on, SETLIST names its
//     block in the word after it, which gopher-lua writes as 0, so those
//     items went to t[-49..0]. The blocks of one constructor are stored
//     in order, so the word gets the block after the one stored last.
//   - gopher-lua stores the last block of 50 again after each field
//     k = v that follows it, from registers the field may have used, so
//     t[1] and t[2] could become the field's key and value. Such a store
//     comes right after the field's SETTABLE; it becomes a no-op.
//   - After a multiple of 50 positional items, a last call or ... stored
//     its values over the last block of items rather than after it.
func fixSetList(proto *lua.FunctionProto) error {
	code := proto.Code
	last := map[int]int{} // table register -> last block stored
	for pc := 0; pc < len(code); pc++ {
		inst := code[pc]
		op, a := int(inst>>26), int(inst>>18)&0xff
		switch op {
		case lua.OP_NEWTABLE:
			last[a] = 0
		case lua.OP_SETLIST:
			b, c := int(inst&0x1ff), int(inst>>9)&0x1ff
			extended := c == 0 && pc+1 < len(code)
			if b == lua.FieldsPerFlush && pc > 0 && storesInto(code[pc-1], a) {
				nop := uint32(lua.OP_MOVE)<<26 | uint32(a)<<18 | uint32(a)
				code[pc] = nop
				if extended {
					pc++
					code[pc] = nop
				}
				continue
			}
			if b == 0 {
				// A last item of several values: gopher-lua names the
				// block of the items before it, which is one too few
				// when they are a multiple of 50.
				last[a]++
				switch {
				case extended:
					pc++
					code[pc] = uint32(last[a])
				case last[a] <= 0x1ff:
					code[pc] = inst&^(0x1ff<<9) | uint32(last[a])<<9
				default:
					// lastBlock rewrote every constructor that needs this.
					return fmt.Errorf("SETLIST at pc %d of the function at line %d needs block %d", pc, proto.LineDefined, last[a])
				}
				continue
			}
			if !extended {
				last[a] = c
				continue
			}
			last[a]++
			pc++
			code[pc] = uint32(last[a])
		}
	}
	for _, p := range proto.FunctionPrototypes {
		if err := fixSetList(p); err != nil {
			return err
		}
	}
	return nil
}

// storesInto reports whether inst is SETTABLE or SETTABLEKS into register
// a: a constructor's field k = v.
func storesInto(inst uint32, a int) bool {
	op := int(inst >> 26)
	return (op == lua.OP_SETTABLE || op == lua.OP_SETTABLEKS) && int(inst>>18)&0xff == a
}

// lastBlockItems is the number of positional items of 511 blocks of 50,
// the most SETLIST can name in its operand.
const lastBlockItems = 511 * 50 // lua.FieldsPerFlush

// appendLast is a Go function that stores its arguments after the first
// in the table it is given, from lastBlockItems+1 on, and returns the
// table.
var appendLast = &lua.LFunction{IsG: true, GFunction: func(L *lua.LState) int {
	t := L.CheckTable(1)
	for i := 2; i <= L.GetTop(); i++ {
		t.RawSetInt(lastBlockItems+i-1, L.Get(i))
	}
	L.SetTop(1)
	return 1
}}

// lastBlock rewrites a constructor whose last item is a call or ... after
// exactly lastBlockItems positional items: gopher-lua stores that item's
// values from the 511th block on, and its SETLIST has no word after it to
// name the 512th. {..., f()} becomes appendLast({...}, f()): the items
// are evaluated and stored in the same order, and nothing can see the
// table before it is complete. It returns nil for any other constructor.
func (w *constWalker) lastBlock(e *ast.TableExpr) ast.Expr {
	n := len(e.Fields)
	if n < 2 || e.Fields[n-1].Key != nil || !isMultiValue(e.Fields[n-1].Value) {
		return nil
	}
	positional := 0
	for _, f := range e.Fields[:n-1] {
		if f.Key == nil {
			positional++
		}
	}
	if positional != lastBlockItems {
		return nil
	}
	last := e.Fields[n-1].Value
	e.Fields = e.Fields[:n-1]
	// The item before it is last now, and still gives one value.
	switch v := e.Fields[n-2].Value.(type) {
	case *ast.FuncCallExpr:
		v.AdjustRet = true
	case *ast.Comma3Expr:
		v.AdjustRet = true
	}
	fn := &ast.IdentExpr{Value: constMarker}
	fn.SetLine(w.rw.base + len(w.rw.values))
	fn.SetLastLine(fn.Line())
	w.rw.values = append(w.rw.values, appendLast)
	w.rw.lines = append(w.rw.lines, last.Line())
	call := &ast.FuncCallExpr{Func: fn, Args: []ast.Expr{e, last}, AdjustRet: true}
	call.SetLine(e.Line())
	call.SetLastLine(e.LastLine())
	return call
}

// isMultiValue reports whether e gives all its values as the last item
// of a list: a call or ... not in parentheses.
func isMultiValue(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.FuncCallExpr:
		return !e.AdjustRet
	case *ast.Comma3Expr:
		return !e.AdjustRet
	}
	return false
}
