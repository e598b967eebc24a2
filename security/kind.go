package security

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/luahost/luahost/registry"
)

// Kind names of policy entries, Wippy's.
const (
	KindPolicy     = "security.policy"
	KindPolicyExpr = "security.policy.expr"
)

func init() {
	registry.RegisterTyped(registry.TypedKind[*Policy]{Name: KindPolicy, Decode: decodePolicy, New: build})
	registry.RegisterTyped(registry.TypedKind[*Policy]{Name: KindPolicyExpr, Decode: decodeExpr, New: build})
}

// IsPolicyKind reports whether kind is one of the policy kinds.
func IsPolicyKind(kind string) bool { return kind == KindPolicy || kind == KindPolicyExpr }

func decodePolicy(f *registry.Fields) *Policy { return decode(f, false) }
func decodeExpr(f *registry.Fields) *Policy   { return decode(f, true) }

// decode reads a policy entry:
//
//	policy:
//	  actions: "*" | action | [actions]     (required)
//	  resources: "*" | resource | [...]     (required)
//	  effect: allow | deny                  (required)
//	  conditions: [{field, operator, value | value_from}]   (security.policy)
//	  expression: "..."                     (security.policy.expr, required)
//	groups: [name | ns:name]
//
// It returns the compiled *Policy, or nil when a problem was reported.
func decode(f *registry.Fields, isExpr bool) *Policy {
	c := Config{ID: f.EntryID()}
	ok := true
	for _, g := range f.Strings("groups") {
		id := strings.TrimSpace(g)
		if !strings.Contains(id, ":") {
			id = f.Namespace() + ":" + id
		}
		if !registry.ValidID(id) {
			f.Errorf("groups", "bad group %q (want a name, or namespace:name)", g)
			ok = false
			continue
		}
		c.Groups = append(c.Groups, id)
	}
	if !f.Has("policy") {
		f.Errorf("policy", "missing (want a mapping with actions, resources and effect)")
		return nil
	}
	pf := f.Sub("policy")
	for _, list := range []struct {
		name string
		dst  *[]string
	}{{"actions", &c.Actions}, {"resources", &c.Resources}} {
		*list.dst = pf.StringOrList(list.name)
		switch {
		case !pf.Has(list.name):
			pf.Errorf(list.name, "missing (want \"*\", one pattern or a list)")
			ok = false
		case len(*list.dst) == 0:
			pf.Errorf(list.name, "must not be empty")
			ok = false
		}
		for _, p := range *list.dst {
			if p == "" {
				pf.Errorf(list.name, "patterns must not be empty")
				ok = false
			}
		}
	}
	eff, err := ParseEffect(strings.TrimSpace(pf.RequiredString("effect")))
	if err != nil && pf.Has("effect") {
		pf.Errorf("effect", "%s", err)
	}
	if err != nil {
		ok = false
	}
	c.Effect = eff
	if isExpr {
		c.Expression = pf.RequiredString("expression")
		if c.Expression == "" {
			return nil
		}
		if _, err := CompileExpression(c.Expression); err != nil {
			pf.Errorf("expression", "%s", err)
			return nil
		}
	} else {
		for _, cf := range pf.Items("conditions") {
			field := cf.RequiredString("field")
			op := Operator(strings.TrimSpace(cf.RequiredString("operator")))
			value, hasValue := cf.Value("value")
			from := cf.String("value_from", "")
			if field == "" || op == "" {
				ok = false
				continue
			}
			cond, err := CompileCondition(field, op, value, hasValue, from)
			if err != nil {
				ok = false
				var ce *ConditionError
				if errors.As(err, &ce) {
					cf.Errorf(ce.Field, "%s", ce.Err)
				} else {
					cf.Errorf("field", "%s", err)
				}
				continue
			}
			c.Conditions = append(c.Conditions, cond)
		}
	}
	if !ok {
		return nil
	}
	p, err := NewPolicy(c)
	if err != nil {
		f.Errorf("policy", "%s", err)
		return nil
	}
	return p
}

// component is a policy entry as a registry component: it has nothing to
// start.
type component struct{ p *Policy }

func (component) Start(context.Context) error { return nil }
func (component) Stop(context.Context) error  { return nil }

func build(p *Policy, _ registry.Env) (registry.Component, error) {
	if p == nil {
		return nil, fmt.Errorf("security: a policy entry without a policy")
	}
	return component{p}, nil
}
