package luastd

import (
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
)

// gopher-lua's VM runs the .. operator (OP_CONCAT) with no hook a host can
// use to check the size of the string before it is built. So Compile
// rewrites every chain of .. operators into a call of a Go function with
// the chain's operands as arguments: a .. b .. c becomes f(a, b, c), with
// f a constant of the compiled function (a Lua value no name in source
// can reach) that knows what Lua 5.1 calls each operand in an error; one
// per set of operand names, shared by the chains that have it. Operands are evaluated as before, left to right, and joined
// as OP_CONCAT joins them (see concatSite.concat); the chunk, its
// varargs, its environment, its line numbers and its locals and upvalues
// stay as they were.
//
// The call needs one register more than OP_CONCAT did (for f), so a chain
// of 200 operands, the most gopher-lua's 200 registers held before, is now
// "register overflow" too.

// concatMarker starts the placeholder string constant a rewritten chain
// calls until the compiled function's constants are patched; no name of
// source (identifiers have no NUL byte) can be equal to it, and no string
// constant of the chunk starts with the marker chosen for it.
const concatMarker = "\x00luastd.concat\x00"

// rewriter rewrites the .. chains of one chunk.
type rewriter struct {
	sites []*concatSite
	// byVars finds the site of chains whose operands have the same names,
	// which can share one function (and one constant of the function).
	byVars  map[string]int
	markers []*ast.StringExpr
	// siteOf holds the site of each marker.
	siteOf []int
	key    []byte // scratch for byVars's keys
	// clashes holds the chunk's own string constants that start with
	// concatMarker, which the marker chosen at the end must avoid.
	clashes []string
	scope   *funcScope
}

// funcScope is the locals in view in one function being rewritten, for
// naming operands as local, upvalue or global.
type funcScope struct {
	parent *funcScope
	locals []string
}

// rewriteConcat rewrites the .. chains of chunk in place and returns the
// prefix of its placeholder constants and the sites they stand for.
func rewriteConcat(chunk []ast.Stmt) (string, []*concatSite) {
	r := &rewriter{scope: &funcScope{}}
	r.block(chunk)
	if len(r.sites) == 0 {
		return "", nil
	}
	marker := concatMarker
	for clash := true; clash; {
		clash = false
		for _, s := range r.clashes {
			if strings.HasPrefix(s, marker) {
				marker += "\x00"
				clash = true
				break
			}
		}
	}
	for i, m := range r.markers {
		m.Value = marker + strconv.Itoa(r.siteOf[i])
	}
	return marker, r.sites
}

// patchConcat puts each site's function in place of its placeholder
// constant, in proto and the functions it defines, and names the calls of
// those functions for tracebacks.
func patchConcat(proto *lua.FunctionProto, marker string, sites []*concatSite) {
	var siteConsts map[int]bool
	for i, c := range proto.Constants {
		s, ok := c.(lua.LString)
		if !ok || !strings.HasPrefix(string(s), marker) {
			continue
		}
		n, err := strconv.Atoi(string(s[len(marker):]))
		if err != nil || n < 0 || n >= len(sites) {
			continue
		}
		proto.Constants[i] = sites[n].fn
		if siteConsts == nil {
			siteConsts = map[int]bool{}
		}
		siteConsts[i] = true
	}
	if siteConsts != nil {
		nameConcatCalls(proto, siteConsts)
	}
	for _, p := range proto.FunctionPrototypes {
		patchConcat(p, marker, sites)
	}
}

// nameConcatCalls gives the name concatFrame to the calls in proto of a
// function loaded from one of the constants siteConsts: gopher-lua names a
// call after the expression called, "?" for a constant. The function is
// loaded (LOADK) into the register the call (CALL) then uses, with the
// arguments in the registers above it.
func nameConcatCalls(proto *lua.FunctionProto, siteConsts map[int]bool) {
	// Instruction layout of gopher-lua (Lua 5.1's): opcode in the top 6
	// bits, then A in 8 bits; Bx in the low 18 bits.
	loaded := map[int]bool{}                        // registers holding a site's function
	calls := make(map[int]int, len(proto.DbgCalls)) // pc -> index in DbgCalls
	for i, c := range proto.DbgCalls {
		calls[c.Pc] = i
	}
	for pc, inst := range proto.Code {
		op, a := int(inst>>26), int(inst>>18)&0xff
		switch op {
		case lua.OP_LOADK:
			if siteConsts[int(inst&0x3ffff)] {
				loaded[a] = true
			}
		case lua.OP_CALL:
			if !loaded[a] {
				continue
			}
			delete(loaded, a)
			if i, ok := calls[pc]; ok {
				proto.DbgCalls[i].Name = concatFrame
			}
		}
	}
}

func (r *rewriter) block(stmts []ast.Stmt) {
	mark := len(r.scope.locals)
	for _, s := range stmts {
		r.stmt(s)
	}
	r.scope.locals = r.scope.locals[:mark]
}

func (r *rewriter) declare(names ...string) {
	r.scope.locals = append(r.scope.locals, names...)
}

func (r *rewriter) stmt(s ast.Stmt) {
	switch s := s.(type) {
	case *ast.AssignStmt:
		r.exprs(s.Lhs)
		r.exprs(s.Rhs)
	case *ast.LocalAssignStmt:
		if len(s.Names) == 1 && len(s.Exprs) == 1 {
			if _, ok := s.Exprs[0].(*ast.FunctionExpr); ok {
				// gopher-lua declares the local before compiling the
				// function, for local function f and local f = function
				// alike.
				r.declare(s.Names[0])
				r.exprs(s.Exprs)
				return
			}
		}
		r.exprs(s.Exprs)
		r.declare(s.Names...)
	case *ast.FuncCallStmt:
		s.Expr = r.expr(s.Expr)
	case *ast.DoBlockStmt:
		r.block(s.Stmts)
	case *ast.WhileStmt:
		s.Condition = r.expr(s.Condition)
		r.block(s.Stmts)
	case *ast.RepeatStmt:
		// The condition sees the body's locals.
		mark := len(r.scope.locals)
		for _, st := range s.Stmts {
			r.stmt(st)
		}
		s.Condition = r.expr(s.Condition)
		r.scope.locals = r.scope.locals[:mark]
	case *ast.IfStmt:
		s.Condition = r.expr(s.Condition)
		r.block(s.Then)
		r.block(s.Else)
	case *ast.NumberForStmt:
		s.Init = r.expr(s.Init)
		s.Limit = r.expr(s.Limit)
		if s.Step != nil {
			s.Step = r.expr(s.Step)
		}
		mark := len(r.scope.locals)
		r.declare(s.Name)
		r.block(s.Stmts)
		r.scope.locals = r.scope.locals[:mark]
	case *ast.GenericForStmt:
		r.exprs(s.Exprs)
		padForNames(s)
		mark := len(r.scope.locals)
		r.declare(s.Names...)
		r.block(s.Stmts)
		r.scope.locals = r.scope.locals[:mark]
	case *ast.FuncDefStmt:
		if s.Name.Func != nil {
			s.Name.Func = r.expr(s.Name.Func)
			r.function(s.Func, false)
		} else {
			s.Name.Receiver = r.expr(s.Name.Receiver)
			r.function(s.Func, true)
		}
	case *ast.ReturnStmt:
		r.exprs(s.Exprs)
	}
}

func (r *rewriter) exprs(es []ast.Expr) {
	for i, e := range es {
		es[i] = r.expr(e)
	}
}

// function rewrites a function's body in a scope of its own, with the
// locals gopher-lua gives it: self for a method, its parameters, and arg
// in a vararg function (Lua 5.0's table of the varargs).
func (r *rewriter) function(f *ast.FunctionExpr, method bool) {
	r.scope = &funcScope{parent: r.scope}
	r.declare(funcLocals(f, method)...)
	r.block(f.Stmts)
	r.scope = r.scope.parent
}

// funcLocals returns the locals gopher-lua gives a function before its
// body: self for a method, its parameters, and arg in a vararg function
// (Lua 5.0's table of the varargs).
func funcLocals(f *ast.FunctionExpr, method bool) []string {
	names := make([]string, 0, len(f.ParList.Names)+2)
	if method {
		names = append(names, "self")
	}
	names = append(names, f.ParList.Names...)
	if f.ParList.HasVargs && lua.CompatVarArg {
		names = append(names, "arg")
	}
	return names
}

func (r *rewriter) expr(e ast.Expr) ast.Expr {
	switch e := e.(type) {
	case *ast.StringConcatOpExpr:
		return r.concat(e)
	case *ast.StringExpr:
		if strings.HasPrefix(e.Value, concatMarker) {
			r.clashes = append(r.clashes, e.Value)
		}
	case *ast.AttrGetExpr:
		e.Object = r.expr(e.Object)
		e.Key = r.expr(e.Key)
	case *ast.TableExpr:
		for _, f := range e.Fields {
			if f.Key != nil {
				f.Key = r.expr(f.Key)
			}
			f.Value = r.expr(f.Value)
		}
	case *ast.FuncCallExpr:
		if e.Func != nil {
			e.Func = r.expr(e.Func)
		}
		if e.Receiver != nil {
			e.Receiver = r.expr(e.Receiver)
		}
		r.exprs(e.Args)
	case *ast.LogicalOpExpr:
		e.Lhs = r.expr(e.Lhs)
		e.Rhs = r.expr(e.Rhs)
	case *ast.RelationalOpExpr:
		e.Lhs = r.expr(e.Lhs)
		e.Rhs = r.expr(e.Rhs)
	case *ast.ArithmeticOpExpr:
		e.Lhs = r.expr(e.Lhs)
		e.Rhs = r.expr(e.Rhs)
	case *ast.UnaryMinusOpExpr:
		e.Expr = r.expr(e.Expr)
	case *ast.UnaryNotOpExpr:
		e.Expr = r.expr(e.Expr)
	case *ast.UnaryLenOpExpr:
		e.Expr = r.expr(e.Expr)
	case *ast.FunctionExpr:
		r.function(e, false)
	}
	return e
}

// concat turns the chain starting at e (a .. b .. c parses as
// a .. (b .. c), and gopher-lua's compiler, like Lua 5.1's, joins such a
// chain in one instruction) into a call of a new site's function.
func (r *rewriter) concat(e *ast.StringConcatOpExpr) ast.Expr {
	var operands []ast.Expr
	for cur := e; ; {
		operands = append(operands, cur.Lhs)
		next, ok := cur.Rhs.(*ast.StringConcatOpExpr)
		if !ok {
			operands = append(operands, cur.Rhs)
			break
		}
		cur = next
	}
	// The key of the chain's operand names: each name with its length
	// before it, so that no two lists are alike.
	r.key = r.key[:0]
	named := false
	for i, op := range operands {
		kind, name := r.varInfo(op)
		r.key = append(r.key, kind...)
		if kind != "" {
			named = true
			r.key = strconv.AppendInt(append(r.key, ' '), int64(len(name)), 10)
			r.key = append(append(r.key, ' '), name...)
		}
		r.key = append(r.key, ';')
		operands[i] = r.expr(op)
	}
	// The last operand gives one value, as an operand of .. does, not all
	// of a call's results or all varargs.
	switch last := operands[len(operands)-1].(type) {
	case *ast.FuncCallExpr:
		last.AdjustRet = true
	case *ast.Comma3Expr:
		last.AdjustRet = true
	}
	marker := &ast.StringExpr{}
	marker.SetLine(e.Line())
	marker.SetLastLine(e.Line())
	// AdjustRet: the call gives one value, and return a .. b is no tail
	// call (that would drop the caller's frame, and its line, from errors).
	call := &ast.FuncCallExpr{Func: marker, Args: operands, AdjustRet: true}
	call.SetLine(e.Line())
	call.SetLastLine(e.LastLine())
	site, ok := r.byVars[string(r.key)]
	if !ok {
		var vars []string // nil when no operand has a name
		if named {
			vars = make([]string, len(operands))
			for i, op := range operands {
				if kind, name := r.varInfo(op); kind != "" {
					vars[i] = kind + " '" + name + "'"
				}
			}
		}
		site = len(r.sites)
		r.sites = append(r.sites, newConcatSite(vars))
		if r.byVars == nil {
			r.byVars = map[string]int{}
		}
		r.byVars[string(r.key)] = site
	}
	r.markers = append(r.markers, marker)
	r.siteOf = append(r.siteOf, site)
	return call
}

// varInfo is what Lua 5.1's errors call the value of e (getobjname): its
// kind, "local", "upvalue", "global" or "field" (a field indexed by a
// constant string, else named "?"), and its name; or "" for a value with
// no name.
func (r *rewriter) varInfo(e ast.Expr) (kind, name string) {
	switch e := e.(type) {
	case *ast.IdentExpr:
		kind = "global"
		for sc := r.scope; sc != nil; sc = sc.parent {
			if sc.has(e.Value) {
				kind = "local"
				if sc != r.scope {
					kind = "upvalue"
				}
				break
			}
		}
		return kind, e.Value
	case *ast.AttrGetExpr:
		if k, ok := e.Key.(*ast.StringExpr); ok {
			return "field", k.Value
		}
		return "field", "?"
	}
	return "", ""
}

func (sc *funcScope) has(name string) bool {
	for i := len(sc.locals) - 1; i >= 0; i-- {
		if sc.locals[i] == name {
			return true
		}
	}
	return false
}

// forPad names the hidden loop variables padForNames adds; no name in
// source can be equal to it.
const forPad = "(for pad)"

// padForNames makes gopher-lua's compiler give a generic for its three
// hidden values (generator, state, control) as Lua 5.1 does, adjusting
// the expression list to three values. gopher-lua adjusts the list to the
// number of loop variables instead, so for k in f do and for k, v in next,
// t do left the state or control register holding whatever a previous
// statement left there (for k in string.upper do never ended). With at
// least three loop variables, or a list ending in a call or ... that
// starts before the last variable, it adjusts right; otherwise unnamable
// loop variables are added to make three, which cost a register each and
// take the iterator's extra results.
func padForNames(s *ast.GenericForStmt) {
	n, e := len(s.Names), len(s.Exprs)
	if n >= 3 || e == 0 {
		return
	}
	if e <= n {
		switch s.Exprs[e-1].(type) {
		case *ast.FuncCallExpr, *ast.Comma3Expr:
			return
		}
	}
	for len(s.Names) < 3 {
		s.Names = append(s.Names, forPad)
	}
}
