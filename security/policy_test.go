package security

import (
	"testing"
)

func cond(t *testing.T, field string, op Operator, value any, from string) Condition {
	t.Helper()
	c, err := CompileCondition(field, op, value, value != nil, from)
	if err != nil {
		t.Fatalf("CompileCondition(%s %s %v %s): %v", field, op, value, from, err)
	}
	return c
}

func TestConditionOperators(t *testing.T) {
	actor := &Actor{ID: "user:1", Meta: map[string]any{
		"role": "admin", "level": int64(3), "score": 2.5, "tags": []any{"a", "b"},
		"org":    map[string]any{"team": map[string]any{"name": "core"}},
		"prefix": "acme/", "pattern": "^acme/", "other": "user:1",
		// Go slices a host may put in the meta, not only YAML's []any.
		"stores": []string{"app:a", "app:shared"}, "levels": []int{1, 3},
	}}
	req := Request{Actor: actor, Action: "store.key.get", Resource: "app:shared",
		Meta: map[string]any{"key": "acme/x", "n": 10, "flag": true}}
	tests := []struct {
		name  string
		field string
		op    Operator
		value any
		from  string
		want  bool
	}{
		{"eq string", "actor.meta.role", Eq, "admin", "", true},
		{"eq string differs", "actor.meta.role", Eq, "user", "", false},
		{"eq int and float", "actor.meta.level", Eq, 3.0, "", true},
		{"eq int kinds", "meta.n", Eq, int64(10), "", true},
		{"eq bool", "meta.flag", Eq, true, "", true},
		{"eq types differ", "actor.meta.level", Eq, "3", "", false},
		{"eq missing", "actor.meta.nope", Eq, "x", "", false},
		{"ne", "actor.meta.role", Ne, "user", "", true},
		{"ne same", "actor.meta.role", Ne, "admin", "", false},
		{"ne types differ", "actor.meta.level", Ne, "3", "", true},
		{"ne missing", "actor.meta.nope", Ne, "x", "", false},
		{"lt", "actor.meta.level", Lt, int64(4), "", true},
		{"lt equal", "actor.meta.level", Lt, int64(3), "", false},
		{"gt", "actor.meta.score", Gt, int64(2), "", true},
		{"lte equal", "actor.meta.level", Lte, 3.0, "", true},
		{"gte", "actor.meta.level", Gte, int64(4), "", false},
		{"lt strings", "actor.meta.role", Lt, "b", "", true},
		{"lt mixed types", "actor.meta.role", Lt, int64(1), "", false},
		{"in", "actor.meta.role", In, []any{"user", "admin"}, "", true},
		{"in absent item", "actor.meta.role", In, []any{"user"}, "", false},
		{"in number", "actor.meta.level", In, []any{int64(1), 3.0}, "", true},
		{"nin", "actor.meta.role", Nin, []any{"user"}, "", true},
		{"nin present", "actor.meta.role", Nin, []any{"admin"}, "", false},
		{"nin missing field", "actor.meta.nope", Nin, []any{"admin"}, "", false},
		{"exists", "actor.meta.role", Exists, nil, "", true},
		{"exists missing", "actor.meta.nope", Exists, nil, "", false},
		{"exists false", "actor.meta.nope", Exists, false, "", true},
		{"nexists", "actor.meta.nope", Nexists, nil, "", true},
		{"nexists present", "actor.meta.role", Nexists, nil, "", false},
		{"nexists false", "actor.meta.role", Nexists, false, "", true},
		{"contains string", "meta.key", Contains, "cme/", "", true},
		{"contains string not", "meta.key", Contains, "globex", "", false},
		{"contains list", "actor.meta.tags", Contains, "b", "", true},
		{"contains list not", "actor.meta.tags", Contains, "c", "", false},
		{"contains wrong type", "actor.meta.level", Contains, "3", "", false},
		{"ncontains", "meta.key", Ncontains, "globex", "", true},
		{"ncontains present", "meta.key", Ncontains, "acme", "", false},
		{"ncontains missing", "meta.nope", Ncontains, "acme", "", false},
		{"matches", "meta.key", Matches, "^acme/", "", true},
		{"matches unanchored", "meta.key", Matches, "cme", "", true},
		{"matches anchored start", "meta.key", Matches, "^cme", "", false},
		{"matches anchored end", "meta.key", Matches, "/x$", "", true},
		{"matches whole", "meta.key", Matches, "^acme$", "", false},
		{"matches non-string", "meta.n", Matches, "10", "", false},
		{"nmatches", "meta.key", Nmatches, "^globex/", "", true},
		{"nmatches match", "meta.key", Nmatches, "^acme/", "", false},
		{"nested meta", "actor.meta.org.team.name", Eq, "core", "", true},
		{"nested meta missing", "actor.meta.org.team.size", Exists, nil, "", false},
		{"nested through scalar", "actor.meta.role.x", Exists, nil, "", false},
		{"actor.id", "actor.id", Eq, "user:1", "", true},
		{"action", "action", Matches, `^store\.key\.`, "", true},
		{"resource", "resource", Eq, "app:shared", "", true},
		{"value_from eq", "actor.id", Eq, nil, "actor.meta.other", true},
		{"value_from matches", "meta.key", Matches, nil, "actor.meta.pattern", true},
		{"value_from prefix contains", "meta.key", Contains, nil, "actor.meta.prefix", true},
		{"value_from missing", "meta.key", Eq, nil, "actor.meta.nope", false},
		{"value_from ne missing", "meta.key", Ne, nil, "actor.meta.nope", false},
		{"value_from list", "actor.meta.role", In, nil, "actor.meta.tags", false},
		{"in a []string", "resource", In, nil, "actor.meta.stores", true},
		{"in a []string, absent", "actor.id", In, nil, "actor.meta.stores", false},
		{"nin a []string", "resource", Nin, nil, "actor.meta.stores", false},
		{"in an []int", "actor.meta.level", In, nil, "actor.meta.levels", true},
		{"contains a []string", "actor.meta.stores", Contains, "app:a", "", true},
		{"contains a []string, absent", "actor.meta.stores", Contains, "app:b", "", false},
		{"contains an []int", "actor.meta.levels", Contains, int64(3), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cond(t, tt.field, tt.op, tt.value, tt.from)
			if got := c.holds(&req); got != tt.want {
				t.Fatalf("%s %s %v (from %q) = %v, want %v", tt.field, tt.op, tt.value, tt.from, got, tt.want)
			}
		})
	}
}

func TestConditionWithoutActor(t *testing.T) {
	req := Request{Action: "a", Resource: "r"}
	for _, tt := range []struct {
		field string
		op    Operator
		want  bool
	}{
		{"actor.id", Exists, false},
		{"actor.id", Nexists, true},
		{"actor.meta.x", Nexists, true},
		{"meta.key", Exists, false},
	} {
		c := cond(t, tt.field, tt.op, nil, "")
		if got := c.holds(&req); got != tt.want {
			t.Errorf("%s %s without actor = %v, want %v", tt.field, tt.op, got, tt.want)
		}
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "anything.at:all", true},
		{"*", "", true},
		{"store.get", "store.get", true},
		{"store.get", "store.gets", false},
		{"store.key.*", "store.key.get", true},
		{"store.key.*", "store.key.", true},
		{"store.key.*", "store.keys.get", false},
		{"store.*", "store.key.get", true},
		{"*.get", "store.key.get", true},
		{"*.get", "store.key.set", false},
		{"app:*", "app:shared", true},
		{"app:*", "app.security:x", false},
		{"app*:*", "app.security:x", true},
		{"*:shared", "app:shared", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"a*a", "a", false},
		{"a*a", "aa", true},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.s); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func policy(t *testing.T, id string, effect Effect, actions, resources []string, conds ...Condition) *Policy {
	t.Helper()
	p, err := NewPolicy(Config{ID: id, Actions: actions, Resources: resources, Effect: effect, Conditions: conds})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func exprPolicy(t *testing.T, id string, effect Effect, expression string) *Policy {
	t.Helper()
	p, err := NewPolicy(Config{ID: id, Actions: []string{"*"}, Resources: []string{"*"}, Effect: effect, Expression: expression})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestScopeEvaluate(t *testing.T) {
	all := []string{"*"}
	tenant := &Actor{ID: "acme", Meta: map[string]any{"prefix": "acme/"}}
	keyCond := cond(t, "meta.key", Contains, nil, "actor.meta.prefix")
	prefixRE := cond(t, "meta.key", Matches, "^public/", "")
	tests := []struct {
		name     string
		policies []*Policy
		req      Request
		want     Decision
	}{
		{"empty scope is undefined", nil, Request{Action: "store.get", Resource: "app:x"}, Undefined},
		{"allow", []*Policy{policy(t, "a", Allow, []string{"store.get"}, []string{"app:x"})},
			Request{Action: "store.get", Resource: "app:x"}, Allowed},
		{"action not covered", []*Policy{policy(t, "a", Allow, []string{"store.get"}, all)},
			Request{Action: "store.clear", Resource: "app:x"}, Undefined},
		{"resource not covered", []*Policy{policy(t, "a", Allow, all, []string{"app:x"})},
			Request{Action: "store.get", Resource: "app:y"}, Undefined},
		{"deny over allow", []*Policy{
			policy(t, "a", Allow, all, all),
			policy(t, "d", Deny, []string{"store.clear"}, all)},
			Request{Action: "store.clear", Resource: "app:x"}, Denied},
		{"deny over allow whatever the order", []*Policy{
			policy(t, "z", Allow, all, all),
			policy(t, "a", Deny, all, []string{"app:*"})},
			Request{Action: "store.get", Resource: "app:x"}, Denied},
		{"deny with failing condition does not apply", []*Policy{
			policy(t, "a", Allow, all, all),
			policy(t, "d", Deny, all, all, prefixRE)},
			Request{Action: "store.key.get", Resource: "app:x", Meta: map[string]any{"key": "secret/1"}}, Allowed},
		{"conditional allow holds", []*Policy{policy(t, "a", Allow, []string{"store.key.*"}, all, keyCond)},
			Request{Actor: tenant, Action: "store.key.set", Resource: "app:x", Meta: map[string]any{"key": "acme/1"}}, Allowed},
		{"conditional allow fails", []*Policy{policy(t, "a", Allow, []string{"store.key.*"}, all, keyCond)},
			Request{Actor: tenant, Action: "store.key.set", Resource: "app:x", Meta: map[string]any{"key": "globex/1"}}, Undefined},
		{"conditional allow without actor", []*Policy{policy(t, "a", Allow, []string{"store.key.*"}, all, keyCond)},
			Request{Action: "store.key.set", Resource: "app:x", Meta: map[string]any{"key": "acme/1"}}, Undefined},
		{"all conditions must hold", []*Policy{policy(t, "a", Allow, all, all, keyCond, prefixRE)},
			Request{Actor: tenant, Action: "store.key.get", Resource: "app:x", Meta: map[string]any{"key": "acme/1"}}, Undefined},
		{"expression allow", []*Policy{exprPolicy(t, "e", Allow, `meta.key startsWith actor.meta.prefix`)},
			Request{Actor: tenant, Action: "store.key.get", Resource: "app:x", Meta: map[string]any{"key": "acme/1"}}, Allowed},
		{"expression false", []*Policy{exprPolicy(t, "e", Allow, `meta.key startsWith actor.meta.prefix`)},
			Request{Actor: tenant, Action: "store.key.get", Resource: "app:x", Meta: map[string]any{"key": "x/1"}}, Undefined},
		{"expression error on allow is undefined", []*Policy{exprPolicy(t, "e", Allow, `meta.key startsWith actor.meta.prefix`)},
			Request{Action: "store.key.get", Resource: "app:x"}, Undefined},
		{"expression error on deny denies", []*Policy{
			policy(t, "a", Allow, all, all),
			exprPolicy(t, "e", Deny, `meta.size > 10`)},
			Request{Action: "store.key.get", Resource: "app:x", Meta: map[string]any{"size": "big"}}, Denied},
		{"static expression", []*Policy{exprPolicy(t, "e", Allow, `action == "store.get" && resource matches "^app:"`)},
			Request{Action: "store.get", Resource: "app:x"}, Allowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewScope(tt.policies...)
			// Twice: the second answer comes from the scope's cache.
			for i := range 2 {
				if got := s.Evaluate(tt.req); got != tt.want {
					t.Fatalf("evaluation %d: got %s, want %s", i+1, got, tt.want)
				}
			}
			for _, p := range tt.policies {
				if !s.Contains(p.ID) {
					t.Errorf("scope lacks %s", p.ID)
				}
			}
		})
	}
}

func TestCacheKeepsDynamicPoliciesDynamic(t *testing.T) {
	p := policy(t, "a", Allow, []string{"store.key.get"}, []string{"app:x"}, cond(t, "meta.key", Matches, "^a", ""))
	s := NewScope(p)
	for i, tt := range []struct {
		key  string
		want Decision
	}{{"a1", Allowed}, {"b1", Undefined}, {"a2", Allowed}} {
		if got := s.Evaluate(Request{Action: "store.key.get", Resource: "app:x", Meta: map[string]any{"key": tt.key}}); got != tt.want {
			t.Errorf("call %d key %s: %s, want %s", i, tt.key, got, tt.want)
		}
	}
	if p.Dynamic() != true {
		t.Error("a policy reading meta.key is not dynamic")
	}
	if policy(t, "b", Allow, []string{"*"}, []string{"*"}, cond(t, "action", Eq, "x", "")).Dynamic() {
		t.Error("a policy reading only action is dynamic")
	}
}

func TestContextWithoutScopeAllows(t *testing.T) {
	var c *Context
	if !c.Can("store.clear", "app:x", nil) {
		t.Error("nil context denies")
	}
	c = &Context{Actor: &Actor{ID: "a"}}
	if !c.Can("store.clear", "app:x", nil) {
		t.Error("context without scope denies")
	}
	c.Scope = NewScope()
	if c.Can("store.get", "app:x", nil) {
		t.Error("empty scope allows")
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		field, from string
		op          Operator
		value       any
		wantField   string
	}{
		{"user.id", "", Eq, "x", "field"},
		{"meta..x", "", Eq, "x", "field"},
		{"meta.key", "", "equals", "x", "operator"},
		{"meta.key", "", Matches, "([", "value"},
		{"meta.key", "", Matches, int64(3), "value"},
		{"meta.key", "", In, "x", "value"},
		{"meta.key", "", Eq, nil, "value"},
		{"meta.key", "", Exists, "yes", "value"},
		{"meta.key", "nobody.x", Eq, nil, "value_from"},
		{"meta.key", "actor.id", Eq, "x", "value"},
	}
	for _, tt := range tests {
		_, err := CompileCondition(tt.field, tt.op, tt.value, tt.value != nil, tt.from)
		ce, ok := err.(*ConditionError)
		if !ok {
			t.Errorf("%s %s %v: error %v, want a *ConditionError", tt.field, tt.op, tt.value, err)
			continue
		}
		if ce.Field != tt.wantField {
			t.Errorf("%s %s %v: error on %s (%v), want on %s", tt.field, tt.op, tt.value, ce.Field, ce, tt.wantField)
		}
	}
	for _, src := range []string{"", "meta.key ==", "nobody == 1", `"a" + 1 == 2`, "1 + 1"} {
		if _, err := CompileExpression(src); err == nil {
			t.Errorf("CompileExpression(%q) succeeded", src)
		}
	}
}

// An expression that reads the actor or the action's attributes in any
// way the expression language allows is evaluated for each request, not
// decided once per action and resource and reused for every actor.
func TestExpressionReadingTheRequestIsNeverCached(t *testing.T) {
	// Each expression holds for globex's request and not for acme's.
	exprs := []string{
		`actor.id == "globex"`,
		`actor["id"] == "globex"`,
		`get(actor.meta, "org") == "globex"`,
		`$env.actor.id == "globex"`,
		`$env["actor"]["id"] == "globex"`,
		`$env?.actor?.id == "globex"`,
		`get($env, "actor").id == "globex"`,
		`"globex" in map([$env], .actor.id)`,
		`any([$env], .actor.id == "globex")`,
		`all([actor], #.id == "globex")`,
		`len(filter([actor.id], # == "globex")) > 0`,
		`find([$env], true).actor.id == "globex"`,
		`reduce([actor.id], #acc + #, "") == "globex"`,
		`"globex" in [actor.id]`,
		`actor.id in ["globex", "initech"]`,
		`let a = $env.actor; a.id == "globex"`,
		`let id = actor.id; id == "globex"`,
		`actor.id startsWith "glob"`,
		`actor.id matches "^glob"`,
		`upper(actor.id) == "GLOBEX"`,
		`(actor.id ?? "") == "globex"`,
		`actor.id == "globex" ? true : false`,
		`toJSON($env) contains "globex"`,
		`actor.meta.org == "globex"`,
		`$env.actor.meta["org"] == "globex"`,
		`"globex" in values(actor.meta)`,
		`meta.key startsWith "globex/"`,
		`$env.meta.key startsWith "globex/"`,
		`get($env, "meta").key startsWith "globex/"`,
	}
	request := func(id string) Request {
		return Request{Actor: &Actor{ID: id, Meta: map[string]any{"org": id}}, Action: "store.key.get",
			Resource: "app:shared", Meta: map[string]any{"key": id + "/plan"}}
	}
	allowAll := policy(t, "a_all", Allow, []string{"*"}, []string{"*"})
	for _, src := range exprs {
		t.Run(src, func(t *testing.T) {
			deny := exprPolicy(t, "d", Deny, src)
			allow := exprPolicy(t, "e", Allow, src)
			if !deny.Dynamic() {
				t.Error("Dynamic() = false")
			}
			// Each order: the first request fills the scope's cache.
			for _, order := range [][]string{{"acme", "globex", "acme"}, {"globex", "acme", "globex"}} {
				denyScope, allowScope := NewScope(allowAll, deny), NewScope(allow)
				for _, id := range order {
					wantDeny, wantAllow := Allowed, Undefined
					if id == "globex" {
						wantDeny, wantAllow = Denied, Allowed
					}
					if got := denyScope.Evaluate(request(id)); got != wantDeny {
						t.Errorf("order %v: deny policy for %s: %s, want %s", order, id, got, wantDeny)
					}
					if got := allowScope.Evaluate(request(id)); got != wantAllow {
						t.Errorf("order %v: allow policy for %s: %s, want %s", order, id, got, wantAllow)
					}
				}
			}
		})
	}
}

func TestExpressionDynamic(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{`action == "store.get"`, false},
		{`resource matches "^app:" && action startsWith "store."`, false},
		{`any([action, resource], # == "app:x")`, false},
		{`let a = action; a == "store.get"`, true}, // variables are not followed
		{`len(resource) > 3`, false},
		{`actor.id == ""`, true},
		{`meta.key == "k"`, true},
		{`$env.action == "store.get"`, true}, // $env may lead anywhere
		{`now().Year() > 2000`, true},        // changes with time
	}
	for _, tt := range tests {
		if got := exprPolicy(t, "e", Allow, tt.src).Dynamic(); got != tt.want {
			t.Errorf("%s: Dynamic() = %v, want %v", tt.src, got, tt.want)
		}
	}
}
