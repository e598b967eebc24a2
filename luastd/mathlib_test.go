package luastd_test

import "testing"

// TestMathRandomArguments: math.random refuses what Lua 5.1's refuses,
// with its messages and the caller's position (gopher-lua raised Go's
// "invalid argument to Intn" for math.random(0)), and randomseed makes the
// sequence repeat.
func TestMathRandomArguments(t *testing.T) {
	errs := []struct{ code, want string }{
		{`return math.random(0)`, "test:1: bad argument #1 to 'random' (interval is empty)"},
		{`return math.random(2^40)`, "test:1: bad argument #1 to 'random' (interval is empty)"},
		{`return math.random(0/0)`, "test:1: bad argument #1 to 'random' (interval is empty)"},
		{`return math.random(3, 1)`, "test:1: bad argument #2 to 'random' (interval is empty)"},
		{`return math.random(1, 2, 3)`, "test:1: wrong number of arguments"},
		{`return math.random("x")`, "test:1: bad argument #1 to 'random' (number expected, got string)"},
		{`return math.randomseed()`, "test:1: bad argument #1 to 'randomseed' (number expected, got no value)"},
	}
	for _, tt := range errs {
		wantError(t, tt.code, tt.code, tt.want)
	}
	results := []struct{ code, want string }{
		{`return math.random(1.5, 1.2)`, "1"},
		{`return math.random(2^31 - 1) >= 1`, "true"},
		{`local r = math.random(3, 5) return r >= 3 and r <= 5 and r % 1 == 0`, "true"},
		{`math.randomseed(7) local a = {math.random(1e6), math.random()}
		  math.randomseed(7) return a[1] == math.random(1e6) and a[2] == math.random()`, "true"},
	}
	for _, tt := range results {
		wantResults(t, tt.code, tt.code, tt.want)
	}
}
