package security

import (
	"strconv"
	"testing"
)

func benchScope(b *testing.B, rule string) *Scope {
	var ps []*Policy
	for i := range 9 {
		p, _ := NewPolicy(Config{ID: "p" + strconv.Itoa(i), Actions: []string{"other." + strconv.Itoa(i)}, Resources: []string{"app:*"}, Effect: Allow})
		ps = append(ps, p)
	}
	c := Config{ID: "tenant", Actions: []string{"store.key.*"}, Resources: []string{"app:cache"}, Effect: Allow}
	switch rule {
	case "matches":
		cond, _ := CompileCondition("meta.key", Matches, nil, false, "actor.meta.pattern")
		c.Conditions = []Condition{cond}
	case "expr":
		c.Expression = "meta.key startsWith actor.meta.prefix"
	}
	p, err := NewPolicy(c)
	if err != nil {
		b.Fatal(err)
	}
	return NewScope(append(ps, p)...)
}

// BenchmarkEvaluate is one check of a store key action against a scope of
// ten policies, the tenant's own-prefix rule written three ways.
func BenchmarkEvaluate(b *testing.B) {
	actor := &Actor{ID: "acme", Meta: map[string]any{"prefix": "acme/", "pattern": "^acme/"}}
	meta := map[string]any{"key": "acme/key:1"}
	for _, rule := range []string{"static", "matches", "expr"} {
		b.Run(rule, func(b *testing.B) {
			s := benchScope(b, rule)
			r := Request{Actor: actor, Action: "store.key.get", Resource: "app:cache", Meta: meta}
			for b.Loop() {
				if s.Evaluate(r) != Allowed {
					b.Fatal("denied")
				}
			}
		})
	}
}
