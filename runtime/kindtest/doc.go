// Package kindtest holds tests that extend the runtime from outside, as a
// host program does: entry kinds registered with runtime.RegisterTyped
// (and the untyped runtime.RegisterKind) and used from the registry, from
// Lua and from Go.
package kindtest
