// Package luamod gives Lua states the store module and the errors global,
// and converts Lua values to and from the bytes stores keep.
//
// # Basics
//
// A host opens the module in each Lua state it creates and closes it when
// the state is done:
//
//	m := luamod.Open(L, luamod.Options{Resolver: r})
//	defer m.Close()                // releases the state's store handles
//	L.SetGlobal("store", m.Table()) // optional: require("store") works anyway
//
// Store calls run under L.Context(), so a state's deadline or interrupt
// reaches the backend. Every failure a script sees is an error value with
// a kind; KindOf gives the kind of a Go error, and AsError recovers the
// Go side of an error value a script raised.
//
// # Errors
//
// The errors global follows Wippy: kinds with Wippy's values
// (errors.NOT_FOUND == "NotFound"), errors.new, errors.wrap, errors.is,
// errors.call_stack, and err:kind/message/retryable/details/stack, whose
// kind, retryable and details forms with an argument return a changed
// copy. Store errors and script-made errors are one Go type, *Error, which
// matches the backends sentinels with errors.Is; NewError and Push let Go
// functions hand errors to scripts. Errors made by errors.new and
// errors.wrap record the Lua call stack; store errors do not, so a failed
// store call costs no more than before.
//
// The message of a failed call on a store handle starts with the store,
// named by the ID the script acquired it with (`store "app:cache": incr
// "k": the stored value is a string, not a number`), whatever the
// backend; a Go error's trailing text of its kind's sentinel is dropped
// (see Message), since tostring(err) shows the kind in front.
//
// The extended methods (s:entry, s:put, s:list, s:incr, s:ttl, s:expire,
// s:info) call the store's backends.Extended methods; on a store without
// them they return INVALID "not supported by this store".
//
// # Values
//
// Encode and Decode convert between Lua values and MessagePack: a sequence
// (keys exactly 1..n, or no keys) is an array, any other table a map whose
// keys keep their types, integral numbers within int64 are integers, other
// numbers float64, and strings are str when valid UTF-8, bin otherwise.
//
// # Access control
//
// [Module.SetSecurity] gives the state the running script's actor and
// scope (package security). With a scope, every store call is checked
// before the store is touched: store.get as store.get on the ID, get,
// entry and ttl as store.key.get with meta.key, set, put, incr and expire
// as store.key.set, delete as store.key.delete, exists and has as
// store.key.has, list as store.key.list with meta.prefix (listed keys the
// actor may not read as store.key.get are left out), clear as store.clear
// and info as store.info. A denial is PERMISSION_DENIED. The preloaded
// security module (actor, scope, can) reads the same context and cannot
// change it.
//
// # Editor definitions
//
// Docs describes every function, constant and object type Open gives
// scripts, as ModuleDoc values. They are read from the same tables that
// register the Lua functions, so the description cannot miss a function;
// package luals writes them as Lua Language Server definition files.
//
// # Caveats
//
//   - -0 is stored as a float64, so that it comes back as -0.
//   - Metatables are not stored; a table is stored by its raw contents.
//   - A table that appears several times in a value is stored once per
//     appearance, and comes back as separate copies.
//   - Limits keep hostile bytes from costing unbounded memory: MaxDepth
//     levels of tables, MaxElements values, MaxHoles missing integer keys.
//     Encode enforces the same limits, so what is stored can be read back.
//   - Converting a value is bounded by the run (its context, as
//     luastd.WithMemoryLimit sets it): s:set, s:put, security.can's meta
//     and a run's results stop once the context is done, and refuse an
//     encoding that would pass the run's memory cap (with the buffer it
//     grows from, so about half of it) or, without a cap, MaxValueSize
//     (1 GiB): INVALID, naming where in the value the output passed it,
//     matching luastd.ErrMemoryLimit. A write also stops at the store's
//     own limit when the store states one (backends.ValueLimiter). s:get, s:entry, s:put and s:list
//     charge what they decode to the cap (a page of s:list together), as
//     luastd's functions do, and fail with the memory-limit error past it.
//   - Every Lua number is a float64. An integer another program wrote
//     that a float64 cannot hold exactly (beyond 2^53, such as 2^53+1) is
//     never rounded: get and entry fail with INVALID naming the key, the
//     path inside the value and the exact integer (in s:list the item
//     carries that error); incr refuses it too.
//   - Bytes that are not valid MessagePack (written by another program)
//     make get and entry of that key fail with INTERNAL naming the key;
//     in s:list the item carries the error instead (an error field, no
//     value), so the rest of the page, and paging, still work.
//   - A write that is not safe to repeat (incr, put with only_if_absent)
//     whose connection failed after it was sent returns UNAVAILABLE with
//     "outcome unknown" and retryable() false: it may have been applied.
package luamod
