package luamod

import (
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// ModuleDoc describes a Lua module as an editor sees it: the functions,
// constants and object types a script can use. Lua Language Server
// definition files (package luamod/luals) are written from it.
//
// Types are written in Lua Language Server syntax: "string", "number?",
// "luahost.Store", "table<string, any>", "fun(x: number): string".
type ModuleDoc struct {
	// Name is the module's name: what require takes when Require is set,
	// and the global's name when Global is set.
	Name    string
	Require bool // require(Name) returns the module
	Global  bool // the module is also the global Name
	Doc     string
	Fields  []FieldDoc // constants and tables of the module, e.g. errors.NOT_FOUND
	Funcs   []FuncDoc  // functions, called with a dot: store.get(id)
	Classes []ClassDoc // types of the values its functions take and return
	Aliases []AliasDoc // named unions of string constants, e.g. the error kinds
}

// FuncDoc describes a function or a method.
type FuncDoc struct {
	Name string
	// Also lists other names of the same function (s:has is s:exists).
	Also    []string
	Doc     string
	Params  []ParamDoc
	Returns []ReturnDoc
	// Overloads are further call forms, as Lua Language Server fun()
	// types, e.g. "fun(kind: string, message: string): luahost.Error".
	Overloads []string
}

// ParamDoc describes a parameter.
type ParamDoc struct {
	Name     string
	Type     string
	Optional bool
	Doc      string
}

// ReturnDoc describes one result. A function that returns "value, err"
// has two: the value's type made optional, and "luahost.Error?".
type ReturnDoc struct {
	Type string
	Name string
	Doc  string
}

// FieldDoc describes a field of a module or class. Value, when set, is
// the Lua literal of a constant (`"NotFound"`).
type FieldDoc struct {
	Name  string
	Type  string
	Value string
	Doc   string
}

// ClassDoc describes a type of value: a table shape (Fields) or an object
// whose Methods are called with a colon (s:get(key)).
type ClassDoc struct {
	Name    string
	Doc     string
	Fields  []FieldDoc
	Methods []FuncDoc
}

// AliasDoc names a union of string constants.
type AliasDoc struct {
	Name   string
	Doc    string
	Values []AliasValue
}

// AliasValue is one member of an alias: a string and what it means.
type AliasValue struct {
	Value string
	Doc   string
}

// fn pairs a Lua function with its description: both the registration
// and the editor definitions read these tables, so they cannot drift.
type fn struct {
	fn  lua.LGFunction
	doc FuncDoc
}

// modFn is fn for functions that read the Module of their state.
type modFn struct {
	fn  func(*Module, *lua.LState) int
	doc FuncDoc
}

// register sets each function of fns (and its other names) in t.
func register(L *lua.LState, t *lua.LTable, fns []fn, upvalues ...lua.LValue) *lua.LTable {
	for _, f := range fns {
		v := L.NewClosure(f.fn, upvalues...)
		t.RawSetString(f.doc.Name, v)
		for _, name := range f.doc.Also {
			t.RawSetString(name, v)
		}
	}
	return t
}

// bind is register for functions of m.
func (m *Module) bind(L *lua.LState, t *lua.LTable, fns []modFn) *lua.LTable {
	for _, f := range fns {
		method := f.fn
		v := L.NewFunction(func(L *lua.LState) int { return method(m, L) })
		t.RawSetString(f.doc.Name, v)
		for _, name := range f.doc.Also {
			t.RawSetString(name, v)
		}
	}
	return t
}

// Shared pieces of descriptions.
var (
	errReturn  = ReturnDoc{Type: "luahost.Error?", Name: "err", Doc: "set when the call failed"}
	keyParam   = ParamDoc{Name: "key", Type: "string", Doc: "non-empty, binary-safe"}
	valueParam = ParamDoc{Name: "value", Type: "luahost.Value", Doc: "boolean, number, string or a table of these (not nil)"}
	ttlParam   = ParamDoc{Name: "ttl", Type: "number", Optional: true, Doc: "seconds, fractions allowed; nil or 0: no expiry"}
)

func returns(typ, name, doc string) []ReturnDoc {
	return []ReturnDoc{{Type: typ, Name: name, Doc: doc}, errReturn}
}

// storeFuncs are the functions of the store module.
var storeFuncs = []modFn{
	{(*Module).storeGet, FuncDoc{
		Name: "get",
		Doc:  "Returns a handle on the store with registry ID `id` (\"namespace:name\"), starting it if needed. Malformed ID: INVALID; unknown ID: NOT_FOUND; cannot start: UNAVAILABLE.",
		Params: []ParamDoc{
			{Name: "id", Type: "string", Doc: "registry ID, e.g. \"app:cache\""},
		},
		Returns: returns("luahost.Store?", "store", ""),
	}},
}

// handleMethods are the methods of a store handle.
var handleMethods = []fn{
	{handleGet, FuncDoc{
		Name:    "get",
		Doc:     "Returns the value stored under key. A missing or expired key is NOT_FOUND.",
		Params:  []ParamDoc{keyParam},
		Returns: returns("luahost.Value?", "value", "a fresh copy"),
	}},
	{handleSet, FuncDoc{
		Name:    "set",
		Doc:     "Stores value under key; without a ttl, an existing expiry is removed (as Redis SET).",
		Params:  []ParamDoc{keyParam, valueParam, ttlParam},
		Returns: returns("true?", "ok", ""),
	}},
	{handleDelete, FuncDoc{
		Name:    "delete",
		Doc:     "Removes key: true if a live key was removed, false if there was none.",
		Params:  []ParamDoc{keyParam},
		Returns: returns("boolean?", "removed", ""),
	}},
	{handleExists, FuncDoc{
		Name:    "exists",
		Also:    []string{"has"},
		Doc:     "Reports whether a live key exists.",
		Params:  []ParamDoc{keyParam},
		Returns: returns("boolean?", "exists", ""),
	}},
	{handleClear, FuncDoc{
		Name:    "clear",
		Doc:     "Removes every key of this store, and only this store.",
		Returns: returns("true?", "ok", ""),
	}},
	{handleRelease, FuncDoc{
		Name:    "release",
		Doc:     "Releases the handle; later calls on it are INVALID \"store released\". Releasing twice is fine.",
		Returns: []ReturnDoc{{Type: "true"}},
	}},
	{handleEntry, FuncDoc{
		Name:    "entry",
		Doc:     "Returns the entry of key with its version. A missing or expired key is NOT_FOUND.",
		Params:  []ParamDoc{keyParam},
		Returns: returns("luahost.Entry?", "entry", ""),
	}},
	{handlePut, FuncDoc{
		Name: "put",
		Doc:  "Stores value under key, optionally only if absent (else ALREADY_EXISTS) or only at a version (else CONFLICT), and returns the new entry.",
		Params: []ParamDoc{keyParam, valueParam,
			{Name: "opts", Type: "luahost.PutOptions", Optional: true}},
		Returns: returns("luahost.Entry?", "entry", ""),
	}},
	{handleList, FuncDoc{
		Name:    "list",
		Doc:     "Returns a page of live entries in byte-wise key order.",
		Params:  []ParamDoc{{Name: "opts", Type: "luahost.ListOptions", Optional: true}},
		Returns: returns("luahost.Page?", "page", ""),
	}},
	{handleIncr, FuncDoc{
		Name: "incr",
		Doc:  "Atomically adds delta to the number under key and returns the new number. A missing key starts from opts.init with opts.ttl; a non-number value is INVALID.",
		Params: []ParamDoc{keyParam,
			{Name: "delta", Type: "number", Optional: true, Doc: "default 1"},
			{Name: "opts", Type: "luahost.IncrOptions", Optional: true}},
		Returns: returns("number?", "value", ""),
	}},
	{handleTTL, FuncDoc{
		Name:    "ttl",
		Doc:     "Returns the seconds left before key expires, or -1 when it has no expiry. A missing key is NOT_FOUND.",
		Params:  []ParamDoc{keyParam},
		Returns: returns("number?", "seconds", ""),
	}},
	{handleExpire, FuncDoc{
		Name: "expire",
		Doc:  "Sets the expiry of a live key to ttl seconds from now (0 removes it): true if the key exists, else false.",
		Params: []ParamDoc{keyParam,
			{Name: "ttl", Type: "number", Doc: "seconds; 0 removes the expiry"}},
		Returns: returns("boolean?", "found", ""),
	}},
	{handleInfo, FuncDoc{
		Name:    "info",
		Doc:     "Describes the store: its backend, size and capabilities.",
		Returns: returns("luahost.Info?", "info", ""),
	}},
}

// errorMethods are the methods of an error value.
var errorMethods = []fn{
	{errKind, FuncDoc{
		Name:      "kind",
		Doc:       "Returns the error's kind (one of the errors constants, or a kind of the script's own).",
		Returns:   []ReturnDoc{{Type: "luahost.ErrorKind|string"}},
		Overloads: []string{"fun(self: luahost.Error, kind: luahost.ErrorKind|string): luahost.Error"},
	}},
	{errMessage, FuncDoc{
		Name:    "message",
		Doc:     "Returns the message, without the kind.",
		Returns: []ReturnDoc{{Type: "string"}},
	}},
	{errRetryable, FuncDoc{
		Name:      "retryable",
		Doc:       "Reports whether repeating the call may succeed; nil when the error does not say.",
		Returns:   []ReturnDoc{{Type: "boolean?"}},
		Overloads: []string{"fun(self: luahost.Error, retryable: boolean): luahost.Error"},
	}},
	{errDetails, FuncDoc{
		Name:      "details",
		Doc:       "Returns the error's details table, or nil.",
		Returns:   []ReturnDoc{{Type: "table?"}},
		Overloads: []string{"fun(self: luahost.Error, details: table?): luahost.Error"},
	}},
	{errStack, FuncDoc{
		Name:    "stack",
		Doc:     "Returns a Lua traceback of where the error was made (\"\" for an error made outside a script).",
		Returns: []ReturnDoc{{Type: "string"}},
	}},
}

// errorsFuncs are the functions of the errors global; new and wrap read
// the error metatable from upvalue 1.
var errorsFuncs = []fn{
	{errorsIs, FuncDoc{
		Name: "is",
		Doc:  "Reports whether err is an error of kind. A nil kind (a misspelt constant) raises.",
		Params: []ParamDoc{
			{Name: "err", Type: "any"},
			{Name: "kind", Type: "luahost.ErrorKind|string"},
		},
		Returns: []ReturnDoc{{Type: "boolean"}},
	}},
	{errorsNew, FuncDoc{
		Name: "new",
		Doc:  "Makes an error (kind UNKNOWN unless given), recording the call stack.",
		Params: []ParamDoc{
			{Name: "message", Type: "string|luahost.ErrorSpec"},
		},
		Returns:   []ReturnDoc{{Type: "luahost.Error"}},
		Overloads: []string{"fun(kind: luahost.ErrorKind|string, message: string): luahost.Error"},
	}},
	{errorsWrap, FuncDoc{
		Name: "wrap",
		Doc:  "Returns an error whose message is \"message: <err's message>\", keeping err's kind, retryable flag and details; nil when err is nil.",
		Params: []ParamDoc{
			{Name: "err", Type: "luahost.Error|string|nil"},
			{Name: "message", Type: "string"},
		},
		Returns: []ReturnDoc{{Type: "luahost.Error?"}},
	}},
	{errorsCallStack, FuncDoc{
		Name:    "call_stack",
		Doc:     "Returns where err was made, innermost frame first; nil for a non-error or an error made outside a script.",
		Params:  []ParamDoc{{Name: "err", Type: "any"}},
		Returns: []ReturnDoc{{Type: "luahost.CallStack?"}},
	}},
}

// securityFuncs are the functions of the security module.
var securityFuncs = []modFn{
	{(*Module).securityActor, FuncDoc{
		Name:    "actor",
		Doc:     "Returns the run's actor, or nil.",
		Returns: []ReturnDoc{{Type: "luahost.Actor?"}},
	}},
	{(*Module).securityScope, FuncDoc{
		Name:    "scope",
		Doc:     "Returns the run's scope, or nil when the run is not checked.",
		Returns: []ReturnDoc{{Type: "luahost.Scope?"}},
	}},
	{(*Module).securityCan, FuncDoc{
		Name: "can",
		Doc:  "Reports whether the run's scope allows action on resource; true without a scope.",
		Params: []ParamDoc{
			{Name: "action", Type: "string", Doc: "e.g. \"store.key.get\""},
			{Name: "resource", Type: "string", Doc: "e.g. a store ID"},
			{Name: "meta", Type: "table", Optional: true, Doc: "attributes, e.g. {key = \"k\"}"},
		},
		Returns: []ReturnDoc{{Type: "boolean"}},
	}},
}

// securityObjects are the metatables of the security module's objects and
// their methods.
var securityObjects = []struct {
	key     string
	class   string
	doc     string
	methods []fn
}{
	{actorMetaKey, "luahost.Actor", "Who the run acts for.", []fn{
		{actorID, FuncDoc{Name: "id", Returns: []ReturnDoc{{Type: "string"}}}},
		{actorMeta, FuncDoc{Name: "meta", Doc: "A fresh table each call.", Returns: []ReturnDoc{{Type: "table<string, any>"}}}},
	}},
	{scopeMetaKey, "luahost.Scope", "The policies the run is checked against.", []fn{
		{scopePolicies, FuncDoc{Name: "policies", Returns: []ReturnDoc{{Type: "luahost.Policy[]"}}}},
		{scopeContains, FuncDoc{Name: "contains", Doc: "Reports whether the scope holds the policy with this ID.",
			Params: []ParamDoc{{Name: "id", Type: "string"}}, Returns: []ReturnDoc{{Type: "boolean"}}}},
	}},
	{policyMetaKey, "luahost.Policy", "A security policy.", []fn{
		{policyID, FuncDoc{Name: "id", Returns: []ReturnDoc{{Type: "string"}}}},
	}},
}

// constFields describes a table of string constants.
func constFields(pairs []struct{ name, value string }, typ string) []FieldDoc {
	out := make([]FieldDoc, len(pairs))
	for i, p := range pairs {
		out[i] = FieldDoc{Name: p.name, Type: typ, Value: strconv.Quote(p.value)}
	}
	return out
}

func constAlias(name, doc string, pairs []struct{ name, value string }, prefix string) AliasDoc {
	a := AliasDoc{Name: name, Doc: doc}
	for _, p := range pairs {
		a.Values = append(a.Values, AliasValue{Value: p.value, Doc: prefix + p.name})
	}
	return a
}

func funcDocs[T fn | modFn](fns []T) []FuncDoc {
	out := make([]FuncDoc, len(fns))
	for i, f := range fns {
		switch f := any(f).(type) {
		case fn:
			out[i] = f.doc
		case modFn:
			out[i] = f.doc
		}
	}
	return out
}

// Docs describes the modules Open installs, as package runtime sets them
// up: store (preloaded, and a global, which Open leaves to the host),
// errors (a global) and security (preloaded).
func Docs() []ModuleDoc {
	return []ModuleDoc{
		{
			Name:    ModuleName,
			Require: true,
			Global:  true,
			Doc:     "Stores from the registry. Every failure is returned as nil, err.",
			Fields: []FieldDoc{
				{Name: "backend", Type: "luahost.BackendNames", Doc: "The backends s:info().backend names."},
				{Name: "consistency", Type: "luahost.ConsistencyNames", Doc: "The consistency levels s:info().consistency names."},
			},
			Funcs: funcDocs(storeFuncs),
			Aliases: []AliasDoc{
				constAlias("luahost.Backend", "A store's backend, as s:info().backend names it.", backendNames[:], "store.backend."),
				constAlias("luahost.Consistency", "A store's consistency, as s:info().consistency names it.", consistencyNames[:], "store.consistency."),
				{Name: "luahost.Value", Doc: "A storable value: boolean, number, string, or a table of these nested up to 100 levels.",
					Values: []AliasValue{{Value: "boolean"}, {Value: "number"}, {Value: "string"}, {Value: "table"}}},
			},
			Classes: []ClassDoc{
				{Name: "luahost.Store", Doc: "A handle on a store, from store.get. Methods return nil, err on failure.",
					Methods: funcDocs(handleMethods)},
				{Name: "luahost.Entry", Doc: "A key with its value and version.", Fields: []FieldDoc{
					{Name: "key", Type: "string"},
					{Name: "value", Type: "luahost.Value"},
					{Name: "version", Type: "string", Doc: "Opaque; changes on every write of the key (\"\" on a store without versions)."},
					{Name: "error", Type: "luahost.Error?", Doc: "Set instead of value, in a listed page, when the stored bytes cannot be decoded."},
				}},
				{Name: "luahost.Page", Doc: "A page of s:list.", Fields: []FieldDoc{
					{Name: "items", Type: "luahost.Entry[]"},
					{Name: "cursor", Type: "string", Doc: "Pass as opts.after for the next page."},
					{Name: "has_more", Type: "boolean"},
				}},
				{Name: "luahost.PutOptions", Fields: []FieldDoc{
					{Name: "ttl", Type: "number?", Doc: "Seconds; nil or 0: no expiry."},
					{Name: "only_if_absent", Type: "boolean?", Doc: "ALREADY_EXISTS if a live key exists."},
					{Name: "if_version", Type: "string?", Doc: "CONFLICT if the live key's version differs or it is gone."},
				}},
				{Name: "luahost.ListOptions", Fields: []FieldDoc{
					{Name: "prefix", Type: "string?", Doc: "Only keys starting with it."},
					{Name: "after", Type: "string?", Doc: "A cursor: only keys after it."},
					{Name: "limit", Type: "integer?", Doc: "1 to 1000, default 100."},
				}},
				{Name: "luahost.IncrOptions", Fields: []FieldDoc{
					{Name: "init", Type: "number?", Doc: "Where a missing key starts, default 0."},
					{Name: "ttl", Type: "number?", Doc: "Expiry of a key incr creates, in seconds."},
				}},
				{Name: "luahost.Info", Doc: "What s:info() returns.", Fields: []FieldDoc{
					{Name: "id", Type: "string"},
					{Name: "kind", Type: "string", Doc: "The registry kind, e.g. \"store.memory\"."},
					{Name: "backend", Type: "luahost.Backend"},
					{Name: "dialect", Type: "string?", Doc: "The SQL dialect, on SQL stores only."},
					{Name: "consistency", Type: "luahost.Consistency"},
					{Name: "consistency_note", Type: "string?"},
					{Name: "durable", Type: "boolean"},
					{Name: "size", Type: "integer", Doc: "Live keys; may be approximate on SQL stores."},
					{Name: "max_size", Type: "integer", Doc: "0: no limit."},
					{Name: "bytes", Type: "integer?", Doc: "Bytes of keys and values of the live keys, on memory stores only."},
					{Name: "max_bytes", Type: "integer?", Doc: "The limit on bytes, on memory stores only; 0: no limit."},
					{Name: "ttl", Type: "boolean"},
					{Name: "list", Type: "boolean"},
					{Name: "versioned", Type: "boolean"},
					{Name: "conditional_put", Type: "boolean"},
					{Name: "incr", Type: "boolean"},
					{Name: "capabilities", Type: "luahost.Capabilities"},
				}},
				{Name: "luahost.Capabilities", Fields: []FieldDoc{
					{Name: "ttl", Type: "boolean"},
					{Name: "list", Type: "boolean"},
					{Name: "versioned", Type: "boolean"},
					{Name: "conditional_put", Type: "boolean"},
					{Name: "incr", Type: "boolean"},
				}},
				{Name: "luahost.BackendNames", Fields: constFields(backendNames[:], "luahost.Backend")},
				{Name: "luahost.ConsistencyNames", Fields: constFields(consistencyNames[:], "luahost.Consistency")},
			},
		},
		{
			Name:   "errors",
			Global: true,
			Doc:    "Error kinds and helpers, as in Wippy: errors.is(err, errors.NOT_FOUND).",
			Fields: constFields(kinds[:], "luahost.ErrorKind"),
			Funcs:  funcDocs(errorsFuncs),
			Aliases: []AliasDoc{
				constAlias("luahost.ErrorKind", "An error kind (Wippy's values).", kinds[:], "errors."),
			},
			Classes: []ClassDoc{
				{Name: "luahost.Error", Doc: "An error value: tostring(err) gives \"KIND: message\".",
					Methods: funcDocs(errorMethods)},
				{Name: "luahost.ErrorSpec", Doc: "The table form of errors.new.", Fields: []FieldDoc{
					{Name: "message", Type: "string"},
					{Name: "kind", Type: "luahost.ErrorKind|string|nil"},
					{Name: "retryable", Type: "boolean?"},
					{Name: "details", Type: "table?"},
				}},
				{Name: "luahost.CallStack", Fields: []FieldDoc{
					{Name: "thread", Type: "\"main\"|\"coroutine\""},
					{Name: "frames", Type: "luahost.Frame[]"},
				}},
				{Name: "luahost.Frame", Fields: []FieldDoc{
					{Name: "source", Type: "string"},
					{Name: "line", Type: "integer"},
					{Name: "name", Type: "string"},
				}},
			},
		},
		{
			Name:    SecurityModuleName,
			Require: true,
			Doc:     "The run's actor and scope, as in Wippy. A script cannot change them.",
			Funcs:   funcDocs(securityFuncs),
			Classes: func() []ClassDoc {
				var out []ClassDoc
				for _, o := range securityObjects {
					out = append(out, ClassDoc{Name: o.class, Doc: o.doc, Methods: funcDocs(o.methods)})
				}
				return out
			}(),
		},
	}
}
