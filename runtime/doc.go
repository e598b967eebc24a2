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
// ready, and RunString keeps recently compiled chunks (a bounded cache:
// see RunString) so that code run again skips the compiler. A state stopped
// by its context or by os.exit is dropped, never reused.
//
// A host that runs one chunk many times (a request handler) compiles it
// once with Compile or CompileFile and runs the Program with Call, from
// any number of goroutines: Call skips the parser, the compiler and
// RunString's cache lookup, passes Go arguments to the chunk as its
// varargs and returns its results as Go values, and otherwise runs as
// RunString does. Source that does not compile is a *SyntaxError, whose
// text is Lua 5.1's ("handler.lua:3: '<eof>' expected near 'end'").
//
// # Isolation
//
// Runs that share a pooled state (RunString, Call and Do, with or without
// WithSandbox) do not see each other: nothing one run does is visible to a
// later one. Each run has a global table of its own: _G, getfenv(0),
// getfenv of any library function, L.G.Global for Go code in Do, and the
// environment of every chunk or function the run loads or defines.
// Library tables (string, table, math, os, io, coroutine, debug, package,
// store, errors and the tables they hold), package.loaded,
// package.preload and package.loaders, the metatables of strings, store
// handles, error values and files, and library closures' upvalues are
// copied for a run the first time it reaches them, so a script may change
// its own copy (function string.trim(s) ... end, then s:trim(); wrapping a
// store handle's methods through getmetatable(h).__index) and the change
// ends with the run. Changes to the metatables of strings, numbers,
// booleans, nil and functions (debug.setmetatable) and to the environment
// of library functions (debug.setfenv) are undone when the run ends. A
// module the runtime preloads is loaded afresh by each run that requires
// it. A run's standard output (WithStdout: print, io.write, io.stdout) is
// its own: the state writes to os.Stdout again once the run ends, and a
// default output the run chose with io.output ends with the run.
//
// A run pays only for what it reaches: a script that sets no global and
// reads no library table allocates no more than without isolation (its
// global table is reused); one that sets globals pays for that table; the
// first use of a library copies it (string with its metatable: about 65
// small allocations); package, require of a module
// not yet loaded, or traversing _G (pairs, next, rawget, getmetatable or
// setmetatable of _G) copies all of them. A run that ends with every copy
// it reached as it was made (compared exactly: the same keys, values,
// metatables, environments and upvalues; no global set) hands its copies
// on to the next run on its state, so a state running such scripts copies
// once; a change the run leaves in place makes the next run copy afresh.
// Go code in Do sees the run's globals through the Lua API (L.GetGlobal
// and L.GetField read the host's globals through the global table's
// metatable until the run's table is complete; a raw read of L.G.Global
// sees only what the run set). The Lua registry itself belongs to the
// state: Go code that stores its own values there shares them between
// runs; scripts cannot reach it.
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
// stores (except where a server's clock decides expiry: store.redis, and
// store.sql on PostgreSQL and MySQL), so tests move time instead of
// sleeping.
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
// exceeded", and for an allocation refused before it was made, what asked:
// ": string.rep needs 2147483648 bytes") that matches ErrInvalid and
// luastd.ErrMemoryLimit, and the state is dropped. The cap is measured on
// the process's Go heap: set debug.SetMemoryLimit as WithMemoryLimit says.
//
// To stop running scripts at shutdown, cancel the contexts they run under
// (derive each from one the host cancels on SIGTERM, as well as giving it
// a deadline): every script then stops within milliseconds, wherever it
// is. Wait for the calls to return (e.g. http.Server.Shutdown), then call
// Close with a deadline. Close does not stop scripts itself: it refuses
// new runs (ErrShuttingDown), lets store calls in flight end (each
// entry's stop_timeout bounds the wait), then stops the entries in reverse
// dependency order; a script still running gets UNAVAILABLE from its
// store calls but runs on until its context ends.
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
// # Observability
//
// WithMeterProvider and WithTracerProvider report through OpenTelemetry
// (no-op without them; the global providers are not used): a counter of
// store calls by store, operation and outcome (MetricStoreOperations), a
// latency histogram in seconds (MetricStoreOperationDuration), entry
// state changes (MetricEntryTransitions) and entries per state
// (MetricEntries); a span per run (SpanRun) and, with WithStoreCallSpans,
// per store call. Only store IDs, operations and error kinds are
// recorded, never keys, values or messages. Log lines about an entry carry
// its ID under "entry" and errors under "error".
//
// # Extending
//
// RegisterTyped adds an entry kind for every runtime in the process, like
// database/sql.Register (a registry naming a kind no imported package
// registers fails with "forgotten import?"); Preload adds a Lua module to
// one runtime, and PreloadModule adds one with a description, so the
// editor definitions ModuleDocs feeds to package luamod/luals cover it.
// Nothing else is shared: two runtimes in one process see neither each
// other's stores nor their modules.
package runtime
