package luamod

import lua "github.com/yuin/gopher-lua"

// Open is replaced by the real module.
func Open(L *lua.LState, r Resolver) func() { return func() {} }

// ToGo is replaced by the real module.
func ToGo(v lua.LValue) any { return v.String() }
