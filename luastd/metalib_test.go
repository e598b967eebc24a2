package luastd_test

import (
	"context"
	"testing"
	"time"
)

// TestNextKeys checks that next refuses keys a table never held, and goes
// on from keys cleared during a traversal, in the array part and the hash
// part alike, however large the table.
func TestNextKeys(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"absent string key", `return pcall(next, {a = 1}, "b")`, "false\tinvalid key to 'next'"},
		{"past the array", `return pcall(next, {1, 2}, 3)`, "false\tinvalid key to 'next'"},
		{"NaN", `return pcall(next, {1}, 0/0)`, "false\tinvalid key to 'next'"},
		{"cleared array item", `local t = {1, 2, 3} t[2] = nil return next(t, 2)`, "3\t3"},
		{"clear all while traversing", `
			local t = {}
			for i = 1, 5000 do t[i] = i t["k" .. i] = i t[i + 0.5] = i end
			local n = 0
			for k in next, t do t[k] = nil n = n + 1 end
			return n, next(t)`, "15000\tnil"},
		{"key cleared before next", `
			local t = {x = 1, y = 2, z = 3}
			local k = next(t)
			t[k] = nil
			local n = 0
			while k ~= nil do k = next(t, k) n = n + 1 end
			return n`, "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := run(t, context.Background(), tt.code)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestGenericForHiddenValues checks that a generic for passes its
// iterator nil for the state and control values its expression list does
// not give, whatever a register held before.
func TestGenericForHiddenValues(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"one variable, one value", `
			local a, b, c = 1, 2, 3
			local got
			for k in function(s, c) got = tostring(s) .. "," .. tostring(c) end do end
			return got`, "nil,nil"},
		{"two variables, two values", `
			local a, b, c = 1, 2, 3
			local got
			for k, v in function(s, c) got = tostring(s) .. "," .. tostring(c) end, "s" do end
			return got`, "s,nil"},
		{"call after a value", `
			local a, b, c = 1, 2, 3
			local function two() return "s", "c", "x" end
			local got
			for k in function(s, c) got = s .. "," .. c end, two() do end
			return got`, "s,c"},
		{"Go generator", `return pcall(function() for k in string.upper do end end)`,
			"false\ttest:1: bad argument #1 to '(for generator)' (string expected, got nil)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a liveness bound: the bug looped for ever
			defer cancel()
			got, err := run(t, ctx, tt.code)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
