// Package kindtest holds tests that extend the runtime from outside, as a
// host program does: an entry kind registered with runtime.RegisterKind and
// used from the registry, from Lua and from Go.
package kindtest
