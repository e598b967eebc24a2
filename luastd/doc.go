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
// tostring, tonumber, print, error, load, loadstring, loadfile, dofile;
// os.date, os.time; math.huge). Compile (or Load) compiles source after
// CheckNesting has bounded its nesting.
//
// # Limits
//
// Loops in these functions look at the state's context every 1024 steps
// and raise its error once it is done, as gopher-lua's VM does between
// instructions. Strings and result lists are checked before they are
// allocated against MemoryLimit of the state's context and MaxAlloc; a
// refusal raises a Lua error whose Go cause (see Cause) wraps
// ErrMemoryLimit.
//
// # Caveats
//
// The .. operator, comparisons and arithmetic run in gopher-lua's VM and
// keep its behaviour: .. formats fractional numbers with Go's shortest
// representation, not "%.14g".
package luastd
