// Package luastd holds luahost's own implementations of the Lua 5.1
// standard library functions that must honour a run's limits (its context
// and its memory cap) or behave as PUC Lua 5.1.5 does where gopher-lua's
// own do not, and the checked compiler every source chunk goes through.
//
// # Basics
//
// Open a state with Options, open gopher-lua's libraries, then call Open:
// it puts luastd's functions over gopher-lua's (string patterns, format,
// rep, byte, char; table concat, sort, insert, remove; unpack, select,
// tostring, tonumber, print, error, load, loadstring, loadfile, dofile,
// collectgarbage, setmetatable, next; the coroutine library; os.date,
// os.time; math.max, math.min, math.huge).
// OpenClock gives os.clock the start of the run to count from (see Clock:
// wall time since the run began, not Lua 5.1's process CPU time).
// OpenStdout then gives the state a standard output the host points at
// any io.Writer, for print and for io.write and io.stdout, which
// gopher-lua binds to os.Stdout. Compile (or Load) compiles source after
// CheckNesting has bounded its nesting, with each chain of .. operators
// turned into a call of a luastd function that no name in source reaches.
//
// # Syntax errors
//
// Before gopher-lua's parser sees source, a port of PUC Lua 5.1.5's
// scanner and syntax rules reads it: source Lua 5.1 rejects fails with
// Lua 5.1's message ("[string \"x = \"]:1: unexpected symbol near
// '<eof>'"), as a *SyntaxError, from Compile, Load, loadstring, load,
// loadfile and dofile alike, even where gopher-lua would accept it
// (f\n(g), empty statements, 1e, "\300", nested [[). Source Lua 5.1
// accepts and gopher-lua does not (hexadecimal exponents such as 0x1p4, a
// NUL byte after a numeral) fails with gopher-lua's message instead.
//
// # Limits
//
// Loops in these functions look at the state's context every 1024 steps
// and raise its error once it is done, as gopher-lua's VM does between
// instructions. Strings and result lists are checked before they are
// allocated against MemoryLimit of the state's context and MaxAlloc, and a
// large one also with what the run holds (WithMemoryUsage); so is the
// string of each .. chain. A refusal raises a Lua error whose Go cause
// (see Cause) wraps ErrMemoryLimit.
//
// # Compiling large chunks
//
// gopher-lua's compiler takes time quadratic in a function's distinct
// constants (a table of 50,000 numbers took 20 s). In a function of more
// than 256 distinct literals, Compile has each literal of a constructor,
// a call's arguments, a return, local or assignment statement's values,
// or an operand of a comparison, arithmetic, and or or loaded from a
// constant the compile does not search for,
// so such functions compile in linear time (100,000 items: well under a
// second). The names of globals, fields and methods, and literals
// elsewhere, stay in gopher-lua's search: a function whose search would
// take more than about a second (some 10,000 distinct such names) fails
// to compile with "function has too many distinct names and operands",
// as one of more than 262,143 constants fails with Lua 5.1's "constant
// table overflow". Both are a *SyntaxError wrapping a *ConstantsError.
//
// Table constructors build Lua 5.1's table at every size, where
// gopher-lua's own code put the items past 25,550 at t[-49..0], let a
// field k = v after a multiple of 50 items overwrite t[1] and t[2], and
// let a last call or ... after a multiple of 50 items, or a last field
// k = f(), overwrite or add positional items.
//
// A generic for adjusts its expression list to three values, generator,
// state and control, as Lua 5.1's does: gopher-lua's compiler adjusted it
// to the number of loop variables, so for k in f do and for k, v in next,
// t do gave the iterator whatever a register held before. Compile adds
// hidden loop variables named "(for pad)" where that is needed.
//
// setmetatable takes only a table and a present nil or table; next raises
// "invalid key to 'next'" for a key its table does not hold (it reads
// gopher-lua's tables through reflection to accept keys cleared during a
// traversal, and accepts every key if those fields change); math.max and
// math.min with no argument give Lua 5.1's argument error.
//
// # Coroutines
//
// A coroutine runs under the context of whoever resumes it, each time
// (gopher-lua gave it the context it was created under, for good), so a
// run's deadline, cancellation and memory cap reach coroutines made in an
// earlier run or session call, and a resume first looks at the context.
// As in Lua 5.1, resume and wrap refuse a running, normal or dead
// coroutine ("cannot resume normal coroutine") and a chain of more than
// MaxCoroutineDepth nested resumes ("C stack overflow"); status reports
// "normal" for a coroutine that is resuming another; yield fails across
// pcall, metamethods, for iterators and library callbacks ("attempt to
// yield across metamethod/C-call boundary"); create and wrap take only
// Lua functions. Two gopher-lua faults are covered: a yield in the tail
// call of a coroutine's body (return coroutine.yield(...)) and a resume
// passing fewer values than the yield's call wants no longer crash the
// next resume. yield reads gopher-lua's call frames (unexported) through
// reflection to find a Go boundary, or the Go stack if they change.
//
// # Protected calls
//
// pcall and xpcall follow Lua 5.1 (xpcall takes no arguments for f; a
// failing or missing handler gives "error in error handling"), and keep
// closures right where gopher-lua does not: an error inside a protected
// call detaches no closure of the frames outside it, and the closures of
// the frames it unwinds keep their variables' last values instead of
// reading registers later calls reuse, after a call-stack overflow too;
// xpcall's handler runs after an overflow as well (frames at the top of
// the full stack are dropped to make room for it). Hosts run chunks
// through PCall for the same reason. It reads and sets gopher-lua's state (unexported)
// through offsets found by reflection, and is gopher-lua's own PCall if
// those fields change.
//
// # Error messages
//
// Errors gopher-lua's VM raises read as Lua 5.1's when a script's pcall
// or xpcall, a coroutine's resume or the host's run (PCall) catches them:
// "attempt to call global 'f' (a nil value)", "attempt to index local 't'
// (a nil value)", "attempt to perform arithmetic on field 'x' (a table
// value)", "attempt to get length of a nil value", "attempt to compare two
// table values", "'for' limit must be a number", and argument errors name
// the function as its call names it ("bad argument #1 to 'rep' (string
// expected, got no value)", "calling 'up' on bad self (...)"). The names
// come from the failing instruction and a symbolic execution of the
// function's bytecode, as in Lua 5.1, when the error is raised; the
// position prefix stays gopher-lua's. A script's own error values are
// left as they are.
//
// collectgarbage has Lua 5.1's options and results; "count" is the Go
// heap's live objects in kilobytes, the process's rather than the run's,
// and "stop", "restart", "setpause" and "setstepmul" change nothing, as Go's
// collector serves the whole process.
//
// # Caveats
//
// A .. chain runs as a call of a Go function: a __concat metamethod sees
// one more stack level (debug.getinfo, error with a level of 2 or more)
// and tracebacks show it as "[G]: in function '..'"; a chain needs one
// register more than OP_CONCAT did, so the longest chain is 199 operands.
// Comparisons, arithmetic and table growth run in gopher-lua's VM, out of
// reach of a check before they allocate.
//
// An argument error of a Go function called by a Go function (pcall(
// string.rep)) has the position of the nearest Lua caller, where Lua 5.1
// has none. An error raised outside PCall and coroutines (e.g. by
// lua.LState.PCall) keeps gopher-lua's wording.
package luastd
