// Package runtime is the luahost host: it loads a registry, starts its
// entries under lifecycle control and runs Lua scripts against them. A Go
// program embeds it to get everything the luahost command has.
//
// # Running scripts
//
// New loads a registry (from files, an fs.FS such as an embed.FS, or a
// string) and starts its auto_start entries. RunString runs code on a
// pooled Lua state; RunFile and Run use a fresh state; Do lends a pooled
// state to Go code. Pooled states make small scripts cheap: the state is
// ready, and RunString compiles each distinct chunk once. Each RunString
// gets its own globals (including _G); a script that changes a library
// table (string, math, a required module) changes it for later runs on
// that state, so scripts should not. A state stopped by its context or by
// os.exit is dropped, never reused.
//
// Every call takes a context: its deadline or cancellation stops a script
// inside long loops and store calls, and the error matches
// context.DeadlineExceeded or context.Canceled with errors.Is.
//
// # Limits
//
// Cancelling the context is all a Go host needs to stop a script: nothing a
// script does (loops, pcall around the limit error, coroutines, error
// objects whose __tostring or __index never return, store calls on a
// database that never answers) keeps the call from returning once the
// context ends. The host's own Go code is the exception: a Go function
// preloaded with Preload, or lent a state by Do, runs until it returns,
// so it should watch L.Context() too. The luahost command maps SIGINT and
// SIGTERM to this cancellation, and exits anyway after a stop timeout.
//
// WithMemoryLimit and WithRunMemoryLimit cap what a script may allocate;
// past the cap it stops with an INVALID error ("memory limit of 256 MiB
// exceeded") that matches luastd.ErrMemoryLimit, and the state is dropped.
//
// # Stores from Go
//
// Store gives typed access (KV) to the same stores scripts use, with the
// same MessagePack values, so Go code and scripts read each other's data.
// See KV for how Go values map to Lua values.
//
// # Errors
//
// Errors work with errors.Is and errors.As: ErrNotFound, ErrInvalid,
// ErrFull (which matches ErrUnavailable too), ErrUnavailable and the others
// are the backends errors; a store error a script raises with error(err)
// unwraps to its Go error through *ScriptError; a registry problem is a
// *registry.Error whose Problems carry file:line:col.
//
// # Extending
//
// RegisterKind adds an entry kind for every runtime in the process, like
// database/sql.Register; Preload adds a Lua module to one runtime. Nothing
// else is shared: two runtimes in one process see neither each other's
// stores nor their modules.
package runtime
