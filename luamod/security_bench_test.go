package luamod_test

import (
	"strconv"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/security"
)

// secLoop makes callsPerOp/2 s:set and callsPerOp/2 s:get calls on keys
// under acme/.
const secLoop = `
return function(s, n)
  for i = 1, n do s:set("acme/key:" .. (i % 1000), "v") end
  for i = 1, n do local v = s:get("acme/key:" .. (i % 1000)) end
end
`

const callsPerOp = 200000

// tenScope is a scope of ten policies as a tenant would have: nine that
// do not cover the store's key actions and the tenant's own-prefix rule.
func tenScope(b *testing.B, keyRule string) *security.Scope {
	var ps []*security.Policy
	for i := range 9 {
		p, err := security.NewPolicy(security.Config{
			ID: "app.security:p" + strconv.Itoa(i), Actions: []string{"other.action." + strconv.Itoa(i)},
			Resources: []string{"app:*"}, Effect: security.Allow,
		})
		if err != nil {
			b.Fatal(err)
		}
		ps = append(ps, p)
	}
	c := security.Config{ID: "app.security:tenant_keys", Actions: []string{"store.key.*"}, Resources: []string{"app:cache"}, Effect: security.Allow}
	switch keyRule {
	case "matches":
		cond, err := security.CompileCondition("meta.key", security.Matches, nil, false, "actor.meta.pattern")
		if err != nil {
			b.Fatal(err)
		}
		c.Conditions = []security.Condition{cond}
	case "expr":
		c.Expression = "meta.key startsWith actor.meta.prefix"
	}
	p, err := security.NewPolicy(c)
	if err != nil {
		b.Fatal(err)
	}
	return security.NewScope(append(ps, p)...)
}

type secState struct {
	L      *lua.LState
	m      *luamod.Module
	fn, st lua.LValue
}

func newSecState(b *testing.B, sec *security.Context) *secState {
	L := lua.NewState()
	res := &memResolver{stores: map[string]backends.Store{"app:cache": newMemStore(time.Now)}}
	m := luamod.Open(L, luamod.Options{Resolver: res})
	if err := L.DoString(`return require("store").get("app:cache")`); err != nil {
		b.Fatal(err)
	}
	m.SetSecurity(sec) // after store.get: only key actions are measured
	s := &secState{L: L, m: m, st: L.Get(-1)}
	if err := L.DoString(secLoop); err != nil {
		b.Fatal(err)
	}
	s.fn = L.Get(-1)
	L.Pop(L.GetTop())
	return s
}

func (s *secState) run(b *testing.B) {
	if err := s.L.CallByParam(lua.P{Fn: s.fn, NRet: 0, Protect: true}, s.st, lua.LNumber(callsPerOp/2)); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSecurityRatio runs the same store loop in a state without a
// scope and in one with a ten-policy scope, alternately in one run, and
// reports the time each store call takes and what the check adds.
func BenchmarkSecurityRatio(b *testing.B) {
	actor := &security.Actor{ID: "acme", Meta: map[string]any{"prefix": "acme/", "pattern": "^acme/"}}
	for _, tt := range []struct {
		name string
		sec  *security.Context
	}{
		{"actor-no-scope", &security.Context{Actor: actor}},
		{"scope10-static", &security.Context{Actor: actor, Scope: tenScope(b, "")}},
		{"scope10-matches", &security.Context{Actor: actor, Scope: tenScope(b, "matches")}},
		{"scope10-expr", &security.Context{Actor: actor, Scope: tenScope(b, "expr")}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			base := newSecState(b, nil)
			defer base.L.Close()
			checked := newSecState(b, tt.sec)
			defer checked.L.Close()
			var tb, tc time.Duration
			for b.Loop() {
				start := time.Now()
				base.run(b)
				mid := time.Now()
				checked.run(b)
				tb += mid.Sub(start)
				tc += time.Since(mid)
			}
			n := float64(b.N) * callsPerOp
			b.ReportMetric(float64(tb.Nanoseconds())/n, "ns/call-none")
			b.ReportMetric(float64(tc.Nanoseconds())/n, "ns/call-checked")
			b.ReportMetric(float64(tc-tb)/n, "ns-added/call")
			b.ReportMetric(float64(tc)/float64(tb), "checked/none")
		})
	}
}
