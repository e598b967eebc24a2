package luamod_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/luamod"
)

// TestErrorsAPI runs each form of the errors API in a script and compares
// what it returns, joined with "|".
func TestErrorsAPI(t *testing.T) {
	tests := []struct {
		name, code, want string
	}{
		// errors.new, all three forms.
		{"new(message)", `local e = errors.new("boom")
			return e:kind(), e:message(), tostring(e:retryable()), tostring(e:details()), tostring(e)`,
			"|boom|nil|nil|boom"},
		{"new(table)", `local e = errors.new({message = "no user", kind = errors.NOT_FOUND, retryable = true, details = {id = 7}})
			return e:kind(), e:message(), tostring(e:retryable()), e:details().id, tostring(e)`,
			`NotFound|no user|true|7|NOT_FOUND: no user`},
		{"new(table) kind default retryable", `local e = errors.new({message = "slow", kind = errors.TIMEOUT})
			return tostring(e:retryable())`, "true"},
		{"new(table) no kind", `local e = errors.new({message = "m"})
			return e:kind() == errors.UNKNOWN, tostring(e:retryable())`, "true|nil"},
		{"new(kind, message)", `local e = errors.new(errors.CONFLICT, "locked")
			return e:kind(), e:message(), tostring(e:retryable())`, "Conflict|locked|nil"},
		{"new(constant name, message)", `local e = errors.new("CONFLICT", "locked")
			return e:kind(), tostring(e)`, "Conflict|CONFLICT: locked"},
		{"new custom kind", `local e = errors.new({message = "m", kind = "Quota"})
			return e:kind(), tostring(e), errors.is(e, "Quota")`, "Quota|Quota: m|true"},
		{"new rate limited", `local e = errors.new({message = "slow down", kind = errors.RATE_LIMITED})
			return e:kind(), tostring(e:retryable()), tostring(e)`, "RateLimited|true|RATE_LIMITED: slow down"},

		// Builders return new errors; the original is unchanged.
		{"kind builder", `local a = errors.new("x"); local b = a:kind(errors.INVALID)
			return a:kind(), b:kind(), b:message(), tostring(b:retryable()), rawequal(a, b)`,
			"|Invalid|x|false|false"},
		{"retryable builder", `local a = errors.new("x"); local b = a:retryable(true)
			return tostring(a:retryable()), tostring(b:retryable()), tostring(b:retryable(false):retryable())`,
			"nil|true|false"},
		{"details builder", `local a = errors.new("x"); local b = a:details({field = "email"})
			return tostring(a:details()), b:details().field, tostring(b:details(nil):details())`,
			"nil|email|nil"},
		{"builders chain", `local e = errors.new("bad"):kind(errors.INVALID):details({n = 1}):retryable(true)
			return e:kind(), e:details().n, tostring(e:retryable())`, "Invalid|1|true"},
		{"explicit retryable survives kind builder", `local e = errors.new({message = "x", retryable = false}):kind(errors.TIMEOUT)
			return tostring(e:retryable())`, "false"},

		// errors.wrap.
		{"wrap error", `local e = errors.new({message = "gone", kind = errors.NOT_FOUND, details = {id = 3}})
			local w = errors.wrap(e, "loading user")
			return w:kind(), w:message(), tostring(w:retryable()), w:details().id, errors.is(w, errors.NOT_FOUND)`,
			"NotFound|loading user: gone|false|3|true"},
		{"wrap twice", `return errors.wrap(errors.wrap(errors.new("a"), "b"), "c"):message()`, "c: b: a"},
		{"wrap string", `local w = errors.wrap("disk full", "saving")
			return w:kind(), w:message()`, "|saving: disk full"},
		{"wrap nil", `return tostring(errors.wrap(nil, "x"))`, "nil"},
		{"wrap store error", `local _, err = s:get("k")
			local w = errors.wrap(err, "cache")
			return w:kind(), tostring(w:retryable()), w:message()`, "Conflict|true|cache: store \"app:s\": conflict"},

		// details, stack, call_stack.
		{"details absent", `return tostring(errors.new("x"):details())`, "nil"},
		{"stack", `local function make() return errors.new("x") end
			local st = make():stack()
			return st:match("^stack traceback:") ~= nil, st:find("make", 1, true) ~= nil`, "true|true"},
		{"stack of store error", `local _, err = s:get("k"); return err:stack()`, ""},
		{"call_stack", `local function make() return errors.new("x") end
			local cs = errors.call_stack(make())
			return cs.thread, cs.frames[1].name, type(cs.frames[1].line), cs.frames[1].line > 0, type(cs.frames[1].source)`,
			"main|make|number|true|string"},
		{"call_stack of wrap keeps origin", `local function make() return errors.new("x") end
			local e = make()
			local w = errors.wrap(e, "y")
			return errors.call_stack(w).frames[1].name`, "make"},
		{"call_stack of non-error", `return tostring(errors.call_stack("x")), tostring(errors.call_stack(nil))`, "nil|nil"},
		{"call_stack in coroutine", `local co = coroutine.create(function() return errors.new("x") end)
			local _, e = coroutine.resume(co)
			return errors.call_stack(e).thread`, "coroutine"},

		// __concat and tostring.
		{"concat left", `return "failed: " .. errors.new("boom")`, "failed: boom"},
		{"concat right", `return errors.new(errors.INVALID, "bad") .. " (input)"`, "INVALID: bad (input)"},
		{"concat number", `return 1 .. errors.new("x")`, "1x"},
		{"concat two errors", `return errors.new("a") .. errors.new("b")`, "ab"},
		{"concat store error", `local _, err = s:get("k"); return "got " .. err`, "got CONFLICT: store \"app:s\": conflict"},

		// errors.is.
		{"is", `local e = errors.new({message = "m", kind = errors.INVALID})
			return errors.is(e, errors.INVALID), errors.is(e, errors.NOT_FOUND), errors.is(e, "NoSuchKind"),
				errors.is(nil, errors.INVALID), errors.is("m", errors.INVALID)`,
			"true|false|false|false|false"},
		{"is unknown", `return errors.is(errors.new("m"), errors.UNKNOWN)`, "true"},
		{"store and user errors are one type", `local _, err = s:get("k")
			local mine = errors.new({message = err:message(), kind = errors.CONFLICT})
			return getmetatable(err) == getmetatable(mine), err == mine`, "true|true"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			L, _ := newState(t, &stubStore{err: backends.ErrConflict})
			if got := strings.Join(run(t, L, tc.code), "|"); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestErrorsAPIMisuse checks that misuse of the errors API raises an
// error naming the argument.
func TestErrorsAPIMisuse(t *testing.T) {
	tests := []struct {
		name, code, want string
	}{
		{"new without args", `errors.new()`, "bad argument #1 to new"},
		{"new number", `errors.new(42)`, "message string or table"},
		{"new table without message", `errors.new({kind = errors.INVALID})`, "message is required"},
		{"new unknown field", `errors.new({message = "m", retriable = true})`, `unknown field "retriable"`},
		{"new bad kind", `errors.new({message = "m", kind = 3})`, "kind must be a string"},
		{"new bad retryable", `errors.new({message = "m", retryable = "yes"})`, "retryable must be a boolean"},
		{"new bad details", `errors.new({message = "m", details = "d"})`, "details must be a table"},
		{"wrap without message", `errors.wrap(errors.new("x"))`, "bad argument #2 to wrap"},
		{"wrap a table", `errors.wrap({}, "m")`, "error or string expected"},
		{"is with nil kind", `errors.is(errors.new("x"), errors.NOTFOUND)`, "error kind expected"},
		{"kind builder bad arg", `errors.new("x"):kind(1)`, "bad argument #2"},
		{"retryable builder bad arg", `errors.new("x"):retryable("yes")`, "bad argument #2"},
		{"details builder bad arg", `errors.new("x"):details(5)`, "details must be a table"},
		{"concat a table", `local _ = {} .. errors.new("x")`, "concatenate a table"},
		{"method on non-error", `local e = errors.new("x"); e.kind({})`, "error value expected"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			L, _ := newState(t, &stubStore{})
			err := L.DoString(tc.code)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestErrorsInGo checks that errors made by scripts and by Go are Go
// errors that match the backends sentinels, and that Push hands Go errors
// to scripts.
func TestErrorsInGo(t *testing.T) {
	L, _ := newState(t, &stubStore{})
	for _, tc := range []struct {
		code   string
		target error
	}{
		{`return errors.new({message = "m", kind = errors.NOT_FOUND})`, backends.ErrNotFound},
		{`return errors.new(errors.INVALID, "m")`, backends.ErrInvalid},
		{`return errors.new("m"):kind(errors.PERMISSION_DENIED)`, backends.ErrPermissionDenied},
		{`return errors.wrap(errors.new(errors.CONFLICT, "m"), "w")`, backends.ErrConflict},
		{`return errors.new(errors.TIMEOUT, "m")`, context.DeadlineExceeded},
	} {
		if err := L.DoString(tc.code); err != nil {
			t.Fatal(err)
		}
		e, ok := luamod.AsError(L.Get(-1))
		L.Pop(1)
		if !ok {
			t.Fatalf("%s: not an error value", tc.code)
		}
		var err error = e
		if !errors.Is(err, tc.target) {
			t.Errorf("%s: errors.Is(err, %v) = false", tc.code, tc.target)
		}
		if errors.Is(err, backends.ErrAlreadyExists) {
			t.Errorf("%s: matches ErrAlreadyExists", tc.code)
		}
		var as *luamod.Error
		if !errors.As(err, &as) || as != e {
			t.Errorf("%s: errors.As did not find the error", tc.code)
		}
	}

	// Go makes an error, a Go function returns it to the script.
	goErr := luamod.NewError(luamod.KindRateLimited, "quota used up").WithDetails(map[string]any{"limit": 10, "tags": []any{"a"}})
	L.SetGlobal("fail", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LNil)
		luamod.Push(L, goErr)
		return 2
	}))
	L.SetGlobal("failplain", L.NewFunction(func(L *lua.LState) int {
		luamod.Push(L, backends.ErrNotFound)
		luamod.Push(L, nil)
		return 2
	}))
	got := strings.Join(run(t, L, `local _, e = fail()
		local p, n = failplain()
		return e:kind(), tostring(e:retryable()), e:details().limit, e:details().tags[1], tostring(e),
			p:kind(), tostring(n), tostring(p:retryable())`), "|")
	if want := "RateLimited|true|10|a|RATE_LIMITED: quota used up|NotFound|nil|false"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !goErr.Retryable() || goErr.WithRetryable(false).Retryable() {
		t.Error("WithRetryable does not set the flag")
	}
	if r, known := luamod.NewError(luamod.KindInternal, "x").RetryableKnown(); r || known {
		t.Errorf("Internal RetryableKnown = %v, %v; want unset", r, known)
	}
}

// TestKindName checks the constant names tostring uses.
func TestKindName(t *testing.T) {
	for kind, name := range map[string]string{
		luamod.KindNotFound: "NOT_FOUND", luamod.KindRateLimited: "RATE_LIMITED",
		luamod.KindUnknown: "UNKNOWN", "Quota": "Quota",
	} {
		if got := luamod.KindName(kind); got != name {
			t.Errorf("KindName(%q) = %q, want %q", kind, got, name)
		}
	}
}

// BenchmarkErrors measures errors.new and errors.wrap called from Lua;
// one op is one call (the loop's own cost is included; the options table
// of new-table is built once, as its cost is the caller's).
func BenchmarkErrors(b *testing.B) {
	for _, bc := range []struct{ name, body string }{
		{"new-string", `local e = errors.new("boom")`},
		{"new-table", `local e = errors.new(opts)`},
		{"wrap", `local e = errors.wrap(base, "loading")`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			L := lua.NewState()
			defer L.Close()
			m := luamod.Open(L, luamod.Options{Resolver: &memResolver{}})
			defer m.Close()
			if err := L.DoString(`base = errors.new("base")
				opts = {message = "boom", kind = errors.NOT_FOUND, details = {id = 1}}
				function loop(n) for i = 1, n do ` + bc.body + ` end end`); err != nil {
				b.Fatal(err)
			}
			fn := L.GetGlobal("loop")
			b.ResetTimer()
			if err := L.CallByParam(lua.P{Fn: fn, Protect: true}, lua.LNumber(b.N)); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// TestMessage checks the text a script gets for a Go error: the kind's
// own Go text at the end is dropped, any other text is kept.
func TestMessage(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"trailing sentinel", fmt.Errorf("incr %q: not a number: %w", "k", backends.ErrInvalid), `incr "k": not a number`},
		{"trailing context error", fmt.Errorf("query: %w", context.DeadlineExceeded), "query"},
		{"Errorf leaves none", backends.Errorf(backends.ErrConflict, "put %q: version differs", "k"), `put "k": version differs`},
		{"sentinel alone", backends.ErrNotFound, "not found"},
		{"sentinel text not at the end", fmt.Errorf("%w: dial tcp: refused", backends.ErrUnavailable), "unavailable: dial tcp: refused"},
		{"same text, not the sentinel", errors.New("bad: invalid argument"), "bad: invalid argument"},
		{"another kind's text", fmt.Errorf("gone: not found: %w", backends.ErrInvalid), "gone: not found"},
		{"ErrFull keeps its own text", fmt.Errorf("max_size 3: %w", backends.ErrFull), "max_size 3: store is full"},
	}
	for _, tc := range tests {
		if got := luamod.Message(tc.err, luamod.KindOf(tc.err)); got != tc.want {
			t.Errorf("%s: Message(%q) = %q, want %q", tc.name, tc.err, got, tc.want)
		}
	}
}
