package runtime

import (
	lua "github.com/yuin/gopher-lua"
)

// isolation keeps the runs that share a pooled state from seeing each
// other. What the state is built with (its global table, the libraries,
// package.loaded, package.preload and package.loaders, the registry's
// tables, the metatables of strings, store handles and error values) is a
// template that no run changes. A run starts with a global table of its
// own whose metatable reads the template's Go functions; the first time
// the run reaches a table of the template (a global such as string or
// store, package.loaded, a metatable through getmetatable, ...) it gets a
// private copy of that table and of what the table leads to, and from
// then on sees only that copy: the run's globals, the registry entry and
// the string metatable point at it. When the run ends the state points at
// the template again. A run that left every copy it made as it was made
// (same entries, metatables, environments and upvalues, compared exactly
// with the template) and its globals holding only those copies hands
// them on to the next run; any change drops them, and the next run
// copies afresh.
//
// Go functions are shared, not copied: Lua cannot change them, except
// their environment through debug.setfenv, which is undone at the end of
// the run. Go closures whose upvalues hold tables (errors.new, io's
// functions) are copied with their upvalues translated to the run's
// copies, so no upvalue of a library function leads back to the template.
type isolation struct {
	L        *lua.LState
	globals  *lua.LTable // the template's global table
	registry *lua.LTable
	builtins []builtinMeta
	plan     []planObj
	index    map[lua.LValue]int // template object -> its position in plan
	envMeta  *lua.LTable        // metatable of a run's globals until they are complete

	globalsAt, loadedAt, packageAt int // positions in plan (packageAt -1 if none)
	// forced are Go functions copied although they have no upvalues: the
	// package.loaders searchers read package through their environment.
	forced map[*lua.LFunction]bool

	// The current run; env is nil between runs.
	env     *lua.LTable
	spare   *lua.LTable  // a run's globals it left as they began, for the next run
	copies  []lua.LValue // by plan position; nil until copied
	made    []int        // plan positions copied, in copy order
	kept    bool         // copies, regUndo and given come from earlier runs
	dirty   bool         // the run changed the state beyond env: end must undo
	regUndo []int        // plan positions of registry values replaced by a copy
	given   []lua.LValue // globals lazyGlobal put in env
	undo    []*lua.LFunction
	origReq lua.LGFunction
}

// builtinMeta is the template metatable of a type whose values share one
// (strings), with a value of that type to set it through.
type builtinMeta struct {
	sample lua.LValue
	meta   lua.LValue
	at     int // position of meta in plan, -1 if none
	of     int // position of meta.__index in plan, -1 if none
}

// planObj is one table, userdata or closure of the template, with what a
// copy of it is filled with.
type planObj struct {
	obj        lua.LValue
	keys, vals []lua.LValue // a table's entries, array part first
	nArray     int
	meta       lua.LValue // a table's or userdata's metatable
	env        lua.LValue // a userdata's or function's environment
	ups        []lua.LValue
	regKey     lua.LValue // the registry key holding obj, if any

	// Plan positions of keys, vals, ups, meta and env (-1 for a value
	// that is not copied), so that end can compare a copy with what own
	// made it as.
	keyAt, valAt, upAt []int
	metaAt, envAt      int
}

// newIsolation makes L's current contents the template of every run on
// it. Call it once the state is fully built.
func newIsolation(L *lua.LState) *isolation {
	iso := &isolation{
		L:        L,
		globals:  L.G.Global,
		registry: L.G.Registry,
		index:    make(map[lua.LValue]int),
	}
	iso.wrapLibrary()
	iso.forced = make(map[*lua.LFunction]bool)
	if loaders, ok := iso.registry.RawGetString("_LOADERS").(*lua.LTable); ok {
		loaders.ForEach(func(_, v lua.LValue) {
			if f, ok := v.(*lua.LFunction); ok {
				iso.forced[f] = true
			}
		})
	}
	iso.add(iso.globals)
	iso.add(iso.registry)
	iso.registry.ForEach(func(k, v lua.LValue) {
		if i, ok := iso.index[v]; ok && v != lua.LValue(iso.registry) {
			iso.plan[i].regKey = k
		}
	})
	var fn lua.LValue = L.NewFunction(func(*lua.LState) int { return 0 })
	for _, sample := range []lua.LValue{lua.LNil, lua.LFalse, lua.LNumber(0), lua.LString(""), fn, L} {
		mt := L.GetMetatable(sample)
		iso.add(mt)
		b := builtinMeta{sample: sample, meta: mt, at: iso.at(mt), of: -1}
		if t, ok := mt.(*lua.LTable); ok {
			b.of = iso.at(t.RawGetString("__index"))
		}
		iso.builtins = append(iso.builtins, b)
	}
	iso.globalsAt = iso.at(iso.globals)
	iso.loadedAt = iso.at(iso.registry.RawGetString("_LOADED"))
	iso.packageAt = iso.at(iso.globals.RawGetString("package"))
	iso.copies = make([]lua.LValue, len(iso.plan))
	for i := range iso.plan {
		p := &iso.plan[i]
		p.keyAt, p.valAt, p.upAt = iso.ats(p.keys), iso.ats(p.vals), iso.ats(p.ups)
		p.metaAt, p.envAt = iso.at(p.meta), iso.at(p.env)
	}

	// Until a run's globals are complete, they read the template's values
	// that need no copy (Go functions, _VERSION) from base; base's own
	// metatable gives the run its copy of anything else.
	base := L.CreateTable(0, 64)
	iso.globals.ForEach(func(k, v lua.LValue) {
		if _, ok := iso.index[v]; !ok {
			base.RawSet(k, v)
		}
	})
	baseMeta := L.CreateTable(0, 1)
	baseMeta.RawSetString("__index", L.NewFunction(iso.lazyGlobal))
	base.Metatable = baseMeta
	iso.envMeta = L.CreateTable(0, 2)
	iso.envMeta.RawSetString("__index", base)
	iso.envMeta.RawSetString("__newindex", L.NewFunction(iso.newGlobal))
	return iso
}

// at returns v's position in plan, or -1.
func (iso *isolation) at(v lua.LValue) int {
	if i, ok := iso.index[v]; ok {
		return i
	}
	return -1
}

// ats returns the plan position of each of vs, -1 for none.
func (iso *isolation) ats(vs []lua.LValue) []int {
	if len(vs) == 0 {
		return nil
	}
	at := make([]int, len(vs))
	for i, v := range vs {
		at[i] = iso.at(v)
	}
	return at
}

// add records v and everything reachable from it in the plan.
func (iso *isolation) add(v lua.LValue) {
	switch o := v.(type) {
	case *lua.LTable:
		if _, ok := iso.index[o]; ok {
			return
		}
		iso.index[o] = len(iso.plan)
		p := planObj{obj: o, meta: o.Metatable, nArray: o.Len()}
		for i := 1; i <= p.nArray; i++ {
			p.keys = append(p.keys, lua.LNumber(i))
			p.vals = append(p.vals, o.RawGetInt(i))
		}
		o.ForEach(func(k, v lua.LValue) {
			if n, ok := k.(lua.LNumber); ok && n >= 1 && int(n) <= p.nArray && n == lua.LNumber(int(n)) {
				return
			}
			p.keys = append(p.keys, k)
			p.vals = append(p.vals, v)
		})
		iso.plan = append(iso.plan, p)
		for i := range p.keys {
			iso.add(p.keys[i])
			iso.add(p.vals[i])
		}
		iso.add(p.meta)
	case *lua.LUserData:
		if _, ok := iso.index[o]; ok {
			return
		}
		iso.index[o] = len(iso.plan)
		iso.plan = append(iso.plan, planObj{obj: o, meta: o.Metatable, env: tableOrNil(o.Env)})
		iso.add(o.Metatable)
		iso.add(tableOrNil(o.Env))
	case *lua.LFunction:
		if _, ok := iso.index[o]; ok || !(iso.forced[o] || needsCopy(o, nil)) {
			return
		}
		iso.index[o] = len(iso.plan)
		p := planObj{obj: o, env: tableOrNil(o.Env)}
		for _, u := range o.Upvalues {
			p.ups = append(p.ups, u.Value())
		}
		iso.plan = append(iso.plan, p)
		for _, u := range p.ups {
			iso.add(u)
		}
		iso.add(p.env)
	}
}

// needsCopy reports whether a run needs its own copy of f: a Lua
// function (its environment and upvalues can change), or a Go closure whose
// upvalues hold tables or userdata, directly or through other closures.
func needsCopy(f *lua.LFunction, seen map[*lua.LFunction]bool) bool {
	if !f.IsG {
		return true
	}
	if seen[f] {
		return false
	}
	for _, u := range f.Upvalues {
		switch v := u.Value().(type) {
		case *lua.LTable, *lua.LUserData:
			return true
		case *lua.LFunction:
			if seen == nil {
				seen = make(map[*lua.LFunction]bool)
			}
			seen[f] = true
			if needsCopy(v, seen) {
				return true
			}
		}
	}
	return false
}

func tableOrNil(t *lua.LTable) lua.LValue {
	if t == nil {
		return lua.LNil
	}
	return t
}

// begin starts a run: the state gets a fresh global table, or the one
// and the copies that the last run left as it made them.
func (iso *isolation) begin() {
	env := iso.spare
	iso.spare = nil
	if env == nil {
		env = iso.L.CreateTable(0, 1)
		env.RawSetString("_G", env)
		env.Metatable = iso.envMeta
	}
	iso.env = env
	iso.L.G.Global = env
	iso.L.Env = env
	if !iso.kept {
		return
	}
	for _, i := range iso.regUndo {
		iso.registry.RawSet(iso.plan[i].regKey, iso.copies[i])
	}
	for _, b := range iso.builtins {
		if b.at >= 0 && iso.copies[b.at] != nil {
			iso.L.SetMetatable(b.sample, iso.copies[b.at])
		}
	}
}

// end ends a run: the state points at the template again.
func (iso *isolation) end() {
	L := iso.L
	env := iso.env
	keep := iso.dirty && iso.unchanged()
	L.G.Global = iso.globals
	L.Env = iso.globals
	iso.env = nil
	if !keep && iso.untouched(env) {
		// Nothing of the run is in it, so the next run may have it.
		iso.spare = env
	}
	if !iso.dirty {
		return
	}
	for _, i := range iso.regUndo {
		iso.registry.RawSet(iso.plan[i].regKey, iso.plan[i].obj)
	}
	for _, b := range iso.builtins {
		L.SetMetatable(b.sample, b.meta)
	}
	if keep {
		// begin points the registry and the builtin metatables at the
		// copies again.
		iso.spare, iso.kept = env, true
		return
	}
	for _, f := range iso.undo {
		f.Env = iso.globals
	}
	clear(iso.copies)
	iso.made, iso.regUndo, iso.undo, iso.given = iso.made[:0], iso.regUndo[:0], iso.undo[:0], iso.given[:0]
	iso.dirty, iso.kept = false, false
}

// unchanged reports whether the run left the state as the copies it made
// (or was handed) were made: every copy holds exactly what own put in it,
// the run's globals hold _G and the copies lazyGlobal gave them and
// nothing else (or, completed, exactly the template's globals as copies),
// the registry and the builtin metatables still point at the copies, and
// no Go function's environment was changed. The next run may then start
// from them as if it had made them itself.
func (iso *isolation) unchanged() bool {
	if len(iso.undo) > 0 {
		return false
	}
	for _, b := range iso.builtins {
		want := b.meta
		if b.at >= 0 && iso.copies[b.at] != nil {
			want = iso.copies[b.at]
		}
		if iso.L.GetMetatable(b.sample) != want {
			return false
		}
	}
	for _, i := range iso.regUndo {
		if iso.registry.RawGet(iso.plan[i].regKey) != iso.copies[i] {
			return false
		}
	}
	env := iso.env
	if iso.copies[iso.globalsAt] == nil {
		if env.Metatable != lua.LValue(iso.envMeta) || env.RawGetString("_G") != lua.LValue(env) || count(env) != 1+len(iso.given) {
			return false
		}
		for _, k := range iso.given {
			v := iso.globals.RawGet(k)
			if got := env.RawGet(k); got == lua.LNil || got != iso.want(v, iso.at(v)) {
				return false
			}
		}
	}
	for _, i := range iso.made {
		if !iso.same(i) {
			return false
		}
	}
	return true
}

// want is what a copy holds for the template value v at plan position at.
func (iso *isolation) want(v lua.LValue, at int) lua.LValue {
	if at < 0 {
		return v
	}
	return iso.copies[at]
}

// wantEnv is want for an environment, as trEnv gives it.
func (iso *isolation) wantEnv(p *planObj) lua.LValue {
	if p.env == lua.LValue(iso.globals) {
		return iso.env
	}
	return iso.want(p.env, p.envAt)
}

// same reports whether the copy at plan position i holds exactly what own
// (or completeEnv) put in it.
func (iso *isolation) same(i int) bool {
	p := &iso.plan[i]
	switch c := iso.copies[i].(type) {
	case *lua.LTable:
		if c.Metatable != iso.want(p.meta, p.metaAt) || count(c) != len(p.keys) {
			return false
		}
		for j, k := range p.keys {
			if c.RawGet(iso.want(k, p.keyAt[j])) != iso.want(p.vals[j], p.valAt[j]) {
				return false
			}
		}
	case *lua.LUserData:
		return c.Metatable == iso.want(p.meta, p.metaAt) && tableOrNil(c.Env) == iso.wantEnv(p)
	case *lua.LFunction:
		if tableOrNil(c.Env) != iso.wantEnv(p) || len(c.Upvalues) != len(p.ups) {
			return false
		}
		for j, u := range c.Upvalues {
			if u.Value() != iso.want(p.ups[j], p.upAt[j]) {
				return false
			}
		}
	}
	return true
}

// count returns the number of entries of t. It walks with Next, which
// (unlike ForEach) allocates nothing for string keys.
func count(t *lua.LTable) int {
	n := 0
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		n++
	}
	return n
}

// untouched reports whether env holds only _G (itself) and still has its
// template metatable, as begin made it.
func (iso *isolation) untouched(env *lua.LTable) bool {
	if env.Metatable != lua.LValue(iso.envMeta) {
		return false
	}
	k, v := env.Next(lua.LNil)
	if k != lua.LString("_G") || v != lua.LValue(env) {
		return false
	}
	k, _ = env.Next(k)
	return k == lua.LNil
}

// tr returns the run's copy of v if v is a template object, else v.
func (iso *isolation) tr(v lua.LValue) lua.LValue {
	switch v.(type) {
	case *lua.LTable, *lua.LUserData, *lua.LFunction:
		if i, ok := iso.index[v]; ok {
			return iso.own(i)
		}
	}
	return v
}

// trEnv is tr for an environment: the template's globals become the
// run's globals as they are, without completing them.
func (iso *isolation) trEnv(v lua.LValue) *lua.LTable {
	if v == lua.LValue(iso.globals) {
		return iso.env
	}
	t, _ := iso.tr(v).(*lua.LTable)
	return t
}

// own returns the run's copy of the template object at plan position i,
// making it (and the copies it leads to) on first use.
func (iso *isolation) own(i int) lua.LValue {
	if c := iso.copies[i]; c != nil {
		return c
	}
	iso.dirty = true
	p := &iso.plan[i]
	switch o := p.obj.(type) {
	case *lua.LTable:
		if o == iso.globals {
			iso.completeEnv()
			return iso.env
		}
		c := iso.L.CreateTable(p.nArray, len(p.keys)-p.nArray)
		iso.copies[i] = c
		iso.made = append(iso.made, i)
		for j, k := range p.keys {
			c.RawSet(iso.tr(k), iso.tr(p.vals[j]))
		}
		c.Metatable = iso.tr(p.meta)
	case *lua.LUserData:
		c := &lua.LUserData{Value: o.Value}
		iso.copies[i] = c
		iso.made = append(iso.made, i)
		c.Env = iso.trEnv(p.env)
		c.Metatable = iso.tr(p.meta)
	case *lua.LFunction:
		c := &lua.LFunction{IsG: o.IsG, Proto: o.Proto, GFunction: o.GFunction}
		iso.copies[i] = c
		iso.made = append(iso.made, i)
		c.Env = iso.trEnv(p.env)
		c.Upvalues = make([]*lua.Upvalue, len(p.ups))
		for j, v := range p.ups {
			u := &lua.Upvalue{}
			u.Close()
			u.SetValue(iso.tr(v))
			c.Upvalues[j] = u
		}
	}
	c := iso.copies[i]
	if p.regKey != nil {
		iso.registry.RawSet(p.regKey, c)
		iso.regUndo = append(iso.regUndo, i)
	}
	// A run with its own string table gets its own string metatable too,
	// so that function string.trim(s) ... end makes s:trim() work.
	for _, b := range iso.builtins {
		switch i {
		case b.at:
			iso.L.SetMetatable(b.sample, c)
		case b.of:
			iso.own(b.at)
		}
	}
	return c
}

// completeEnv gives the run's globals every template global they lack
// (its copy, for a table) and drops their template metatable, so the run
// sees a complete global table as a fresh Lua state has.
func (iso *isolation) completeEnv() {
	env := iso.env
	if iso.copies[iso.globalsAt] != nil {
		return
	}
	iso.copies[iso.globalsAt] = env
	iso.made = append(iso.made, iso.globalsAt)
	iso.dirty = true
	p := &iso.plan[iso.globalsAt]
	for j, k := range p.keys {
		if env.RawGet(k) == lua.LNil {
			env.RawSet(k, iso.tr(p.vals[j]))
		}
	}
	if env.Metatable == lua.LValue(iso.envMeta) {
		env.Metatable = lua.LNil
	}
}

// lazyGlobal is the __index of base: a global of the template that needs
// a copy gets one, kept in the run's globals.
func (iso *isolation) lazyGlobal(L *lua.LState) int {
	k := L.Get(2)
	v := iso.globals.RawGet(k)
	if iso.env != nil && v != lua.LNil {
		for _, g := range iso.given {
			if g == k { // given once, and the run removed it since
				L.Push(lua.LNil)
				return 1
			}
		}
		v = iso.tr(v)
		iso.env.RawSet(k, v)
		iso.given = append(iso.given, k)
	}
	L.Push(v)
	return 1
}

// newGlobal is the __newindex of a run's globals before they are
// complete. Assigning nil to a host global (print = nil) completes them
// first, so that the global stays nil instead of reading the template's.
func (iso *isolation) newGlobal(L *lua.LState) int {
	t, k, v := L.CheckTable(1), L.Get(2), L.Get(3)
	if v == lua.LNil && t == iso.env && iso.globals.RawGet(k) != lua.LNil {
		iso.completeEnv()
	}
	t.RawSet(k, v)
	return 0
}

// wrapLibrary puts guards on the library functions that reach a run's
// globals, the registry or a metatable without reading a global.
func (iso *isolation) wrapLibrary() {
	g := iso.globals
	L := iso.L
	onGlobals := func(L *lua.LState) {
		if iso.env != nil && L.Get(1) == lua.LValue(iso.env) {
			iso.completeEnv()
		}
	}
	wrap(L, g, "rawget", onGlobals, nil)
	wrap(L, g, "next", onGlobals, nil)
	wrap(L, g, "pairs", onGlobals, nil)
	wrap(L, g, "setmetatable", onGlobals, nil)
	wrap(L, g, "getmetatable", iso.beforeGetmetatable, nil)
	wrap(L, g, "module", iso.ownPackage, nil)
	if req, ok := g.RawGetString("require").(*lua.LFunction); ok && req.IsG && len(req.Upvalues) == 0 {
		iso.origReq = req.GFunction
		g.RawSetString("require", L.NewFunction(iso.require))
	}
	if dbg, ok := g.RawGetString("debug").(*lua.LTable); ok {
		wrap(L, dbg, "getmetatable", iso.beforeGetmetatable, nil)
		wrap(L, dbg, "setmetatable", func(*lua.LState) { iso.dirty = iso.env != nil }, nil)
		wrap(L, dbg, "setfenv", iso.beforeSetfenv, nil)
		wrap(L, dbg, "getfenv", nil, iso.afterGetfenv)
	}
}

// wrap replaces the Go function name in t by one that calls before, the
// function (with the same upvalues), then after with its result count.
func wrap(L *lua.LState, t *lua.LTable, name string, before func(*lua.LState), after func(*lua.LState, int)) {
	orig, ok := t.RawGetString(name).(*lua.LFunction)
	if !ok || !orig.IsG {
		return
	}
	ups := make([]lua.LValue, len(orig.Upvalues))
	for i, u := range orig.Upvalues {
		ups[i] = u.Value()
	}
	t.RawSetString(name, L.NewClosure(func(L *lua.LState) int {
		if before != nil {
			before(L)
		}
		n := orig.GFunction(L)
		if after != nil {
			after(L, n)
		}
		return n
	}, ups...))
}

// ownPackage gives the run its copy of package (and so of package.loaded,
// package.preload and package.loaders, which require and module use).
func (iso *isolation) ownPackage(*lua.LState) {
	if iso.env != nil && iso.packageAt >= 0 {
		iso.own(iso.packageAt)
	}
}

// require is Lua's require on the run's package.loaded. A module the
// template has loaded (store, the libraries) comes from the run's copies
// without copying package; anything else goes through the run's copy of
// package, and a module table a loader returns from the template becomes
// the run's copy too.
func (iso *isolation) require(L *lua.LState) int {
	if iso.env == nil {
		return iso.origReq(L)
	}
	if iso.loadedAt >= 0 && iso.copies[iso.loadedAt] == nil {
		name := L.CheckString(1)
		if v := iso.plan[iso.loadedAt].obj.(*lua.LTable).RawGetString(name); lua.LVAsBool(v) {
			L.Push(iso.tr(v))
			return 1
		}
	}
	iso.ownPackage(L)
	n := iso.origReq(L)
	if n > 0 {
		v := L.Get(-1)
		if c := iso.tr(v); c != v {
			L.Replace(-1, c)
			if loaded, ok := iso.registry.RawGetString("_LOADED").(*lua.LTable); ok {
				loaded.RawSet(L.Get(1), c)
			}
		}
	}
	return n
}

// beforeGetmetatable completes the run's globals when asked for their
// metatable, and gives a value whose metatable is a template one (a store
// handle or error value made before the run copied it, a string) the
// run's copy of it.
func (iso *isolation) beforeGetmetatable(L *lua.LState) {
	if iso.env == nil {
		return
	}
	v := L.Get(1)
	if v == lua.LValue(iso.env) {
		iso.completeEnv()
		return
	}
	var mt lua.LValue
	switch o := v.(type) {
	case *lua.LTable:
		mt = o.Metatable
	case *lua.LUserData:
		mt = o.Metatable
	default:
		mt = L.GetMetatable(v)
	}
	i, ok := iso.index[mt]
	if !ok {
		return
	}
	c := iso.own(i)
	switch o := v.(type) {
	case *lua.LTable:
		o.Metatable = c
	case *lua.LUserData:
		o.Metatable = c
	}
}

// beforeSetfenv remembers a shared Go function whose environment
// debug.setfenv changes, to undo it when the run ends.
func (iso *isolation) beforeSetfenv(L *lua.LState) {
	if iso.env == nil {
		return
	}
	if f, ok := L.Get(1).(*lua.LFunction); ok && f.Env == iso.globals {
		iso.undo = append(iso.undo, f)
		iso.dirty = true
	}
}

// afterGetfenv shows the run's globals where debug.getfenv would give the
// template's (the environment of a shared Go function).
func (iso *isolation) afterGetfenv(L *lua.LState, n int) {
	if iso.env != nil && n == 1 && L.Get(-1) == lua.LValue(iso.globals) {
		L.Replace(-1, L.G.Global)
	}
}
