// Package luastd holds luahost's own implementations of the Lua 5.1
// standard library functions that must honour a run's limits (its context
// and its memory cap) or behave as PUC Lua 5.1.5 does where gopher-lua's
// own do not.
package luastd
