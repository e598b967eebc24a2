package storesuite

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestPCallLua51Errors checks that a failing suite test reports the error
// in Lua 5.1's words, with the traceback of where it was raised.
func TestPCallLua51Errors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"index nil local", "local t\nreturn t.x", "t.lua:2: attempt to index local 't' (a nil value)"},
		{"call nil global", "missing_fn()", "t.lua:1: attempt to call global 'missing_fn' (a nil value)"},
		{"arithmetic on field", "local t = {x = {}}\nreturn t.x + 1", "t.lua:2: attempt to perform arithmetic on field 'x' (a table value)"},
		{"argument error", "return string.rep()", "t.lua:1: bad argument #1 to 'rep' (string expected, got no value)"},
		{"script's own error", "error('check failed: x')", "t.lua:1: check failed: x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L := lua.NewState()
			defer L.Close()
			fn, err := L.Load(strings.NewReader(tt.src), "t.lua")
			if err != nil {
				t.Fatal(err)
			}
			top := L.GetTop()
			L.Push(fn)
			err = pcall(L)
			if L.GetTop() != top {
				t.Errorf("stack top %d after the call, want %d", L.GetTop(), top)
			}
			ae, ok := err.(*lua.ApiError)
			if !ok {
				t.Fatalf("error %T %v, want *lua.ApiError", err, err)
			}
			if got := ae.Object.String(); got != tt.want {
				t.Errorf("error %q, want %q", got, tt.want)
			}
			if !strings.Contains(ae.StackTrace, "t.lua:") {
				t.Errorf("traceback %q does not show the script", ae.StackTrace)
			}
			if msg := failure(err); strings.Contains(tt.want, "check failed") == strings.Contains(msg, "stack traceback") {
				t.Errorf("failure message %q", msg)
			}
		})
	}
	L := lua.NewState()
	defer L.Close()
	L.Push(L.NewFunction(func(*lua.LState) int { return 0 }))
	if err := pcall(L); err != nil {
		t.Fatalf("a function that succeeds: %v", err)
	}
}
