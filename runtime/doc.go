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
// # Lifecycle
//
// Entries start in dependency order and stop in reverse. A start belongs
// to the runtime, not to the caller that asked for it: an entry started on
// first use (store.get, Store, Start) starts in a goroutine of the
// runtime, bounded by the entry's start_timeout, and every caller that
// needs it waits for that one start. A caller whose context ends first
// gets an error matching context.DeadlineExceeded or context.Canceled
// (TIMEOUT or CANCELED in Lua) for itself; the start goes on, and the entry
// is neither failed nor put into backoff. An entry that could not start is
// UNAVAILABLE (an *UnavailableError, retryable) to every caller.
//
// A failed start is retried with exponential backoff (lifecycle.restart),
// except when no retry can fix it: a start error wrapping
// registry.ErrPermanent marks the entry failed at once, with its message.
// The built-in kinds report these as permanent:
//
//   - db.sql.*: a DSN or option the driver cannot parse; refused
//     credentials (PostgreSQL SQLSTATE 28P01 and 28000, MySQL/MariaDB
//     errors 1045 and 1044); an unknown database (PostgreSQL 3D000,
//     MySQL/MariaDB 1049).
//   - store.sql: a missing table without create_table, and a table whose
//     columns do not fit (the message holds the DDL that fixes it).
//
// Everything else (connection refused, timeouts, a server starting up or
// going away) is transient and retried. A dependency that failed for good
// fails its dependents too.
//
// Close stops every running entry, each bounded by Close's context and its
// stop_timeout, ends starts and retries in flight, and waits (bounded by
// the context) for every goroutine the runtime started; its error names
// each entry that did not stop in time.
//
// Reload applies a changed registry to the running host with the least
// disruption: unchanged entries keep running, changed and removed ones
// stop after their store calls in flight end, and store handles follow
// their entry to its new instance (UNAVAILABLE while it restarts,
// NOT_FOUND once removed). See Reload and Report.
//
// The runtime's clock (WithClock; the system clock by default) drives
// start and stop timeouts, retry backoff and the expiry of the built-in
// stores, so tests move time instead of sleeping.
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
