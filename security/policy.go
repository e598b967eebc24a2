package security

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// Effect is what a policy decides when it applies.
type Effect uint8

// Effects.
const (
	Allow Effect = iota + 1
	Deny
)

// String returns "allow" or "deny".
func (e Effect) String() string {
	switch e {
	case Allow:
		return "allow"
	case Deny:
		return "deny"
	}
	return "invalid"
}

// ParseEffect reads "allow" or "deny".
func ParseEffect(s string) (Effect, error) {
	switch s {
	case "allow":
		return Allow, nil
	case "deny":
		return Deny, nil
	}
	return 0, fmt.Errorf("want allow or deny, got %q", s)
}

// Operator is a condition's comparison, as Wippy names it.
type Operator string

// Operators. Comparisons of a field that is absent hold only for Nexists
// (and Exists with value false); comparisons of values of different types
// hold only for Ne.
const (
	Eq        Operator = "eq"        // equal (numbers by value: 1 eq 1.0)
	Ne        Operator = "ne"        // not equal
	Lt        Operator = "lt"        // less than: numbers, or strings byte-wise
	Gt        Operator = "gt"        // greater than
	Lte       Operator = "lte"       // less than or equal
	Gte       Operator = "gte"       // greater than or equal
	In        Operator = "in"        // the field equals one item of the value (a list)
	Nin       Operator = "nin"       // the field equals no item of the value
	Exists    Operator = "exists"    // the field is present (value false: absent)
	Nexists   Operator = "nexists"   // the field is absent (value false: present)
	Contains  Operator = "contains"  // a string field holds the value as a substring, or a list field holds it as an item
	Ncontains Operator = "ncontains" // the negation of contains, on a present field
	Matches   Operator = "matches"   // a string field matches the regular expression (RE2, unanchored: use ^ and $)
	Nmatches  Operator = "nmatches"  // a string field does not match it
)

// Operators returns every operator, in the order of Wippy's table.
func Operators() []Operator {
	return []Operator{Eq, Ne, Lt, Gt, Lte, Gte, In, Nin, Exists, Nexists, Contains, Ncontains, Matches, Nmatches}
}

func validOperator(op Operator) bool {
	for _, o := range Operators() {
		if o == op {
			return true
		}
	}
	return false
}

// Condition is one test of a policy: Field compared by Op with Value, or
// with the value of the field ValueFrom.
type Condition struct {
	Field     string
	Op        Operator
	Value     any
	ValueFrom string

	field, from path
	re          *regexp.Regexp // matches/nmatches with a static value
	fromRE      *regexCache    // matches/nmatches with value_from
}

// path is a parsed field path.
type path struct {
	root  string   // "actor.id", "actor.meta", "action", "resource", "meta"
	elems []string // under actor.meta or meta
}

// parsePath checks a field path: actor.id, actor.meta[.x...], action,
// resource, meta[.x...].
func parsePath(s string) (path, error) {
	switch {
	case s == "actor.id", s == "action", s == "resource", s == "actor.meta", s == "meta":
		return path{root: s}, nil
	case strings.HasPrefix(s, "actor.meta."):
		return subPath("actor.meta", s[len("actor.meta."):], s)
	case strings.HasPrefix(s, "meta."):
		return subPath("meta", s[len("meta."):], s)
	}
	return path{}, fmt.Errorf("unknown field %q (want actor.id, actor.meta.*, action, resource or meta.*)", s)
}

func subPath(root, rest, whole string) (path, error) {
	elems := strings.Split(rest, ".")
	for _, e := range elems {
		if e == "" {
			return path{}, fmt.Errorf("bad field %q: empty name between dots", whole)
		}
	}
	return path{root: root, elems: elems}, nil
}

// readsRequest reports whether the path reads more than action and
// resource, so a decision that depends on it cannot be cached.
func (p path) readsRequest() bool { return p.root != "action" && p.root != "resource" }

// ConditionError is a problem with one field of a condition.
type ConditionError struct {
	// Field is the condition's field at fault: "field", "operator",
	// "value" or "value_from".
	Field string
	Err   error
}

func (e *ConditionError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *ConditionError) Unwrap() error { return e.Err }

// CompileCondition checks a condition and compiles its regular expression.
// Errors are *ConditionError naming the condition's field at fault.
func CompileCondition(field string, op Operator, value any, hasValue bool, valueFrom string) (Condition, error) {
	c := Condition{Field: field, Op: op, Value: value, ValueFrom: valueFrom}
	var err error
	if c.field, err = parsePath(field); err != nil {
		return c, &ConditionError{Field: "field", Err: err}
	}
	if !validOperator(op) {
		names := make([]string, 0, len(Operators()))
		for _, o := range Operators() {
			names = append(names, string(o))
		}
		return c, &ConditionError{Field: "operator", Err: fmt.Errorf("unknown operator %q (want one of %s)", string(op), strings.Join(names, ", "))}
	}
	if valueFrom != "" {
		if hasValue {
			return c, &ConditionError{Field: "value", Err: errors.New("give value or value_from, not both")}
		}
		if c.from, err = parsePath(valueFrom); err != nil {
			return c, &ConditionError{Field: "value_from", Err: err}
		}
		if op == Matches || op == Nmatches {
			c.fromRE = newRegexCache()
		}
		return c, nil
	}
	switch op {
	case Exists, Nexists:
		if !hasValue {
			c.Value = true
		} else if _, ok := value.(bool); !ok {
			return c, &ConditionError{Field: "value", Err: fmt.Errorf("%s wants value true or false, got %s", op, describe(value))}
		}
		return c, nil
	}
	if !hasValue {
		return c, &ConditionError{Field: "value", Err: fmt.Errorf("%s needs value or value_from", op)}
	}
	switch op {
	case In, Nin:
		if _, ok := value.([]any); !ok {
			return c, &ConditionError{Field: "value", Err: fmt.Errorf("%s wants a list as value, got %s", op, describe(value))}
		}
	case Matches, Nmatches:
		s, ok := value.(string)
		if !ok {
			return c, &ConditionError{Field: "value", Err: fmt.Errorf("%s wants a regular expression (a string) as value, got %s", op, describe(value))}
		}
		if c.re, err = regexp.Compile(s); err != nil {
			return c, &ConditionError{Field: "value", Err: fmt.Errorf("bad regular expression %q: %s", s, regexpReason(err))}
		}
	}
	return c, nil
}

func regexpReason(err error) string {
	var re *syntax.Error
	if errors.As(err, &re) {
		return string(re.Code) + " " + strconv.Quote(re.Expr)
	}
	return err.Error()
}

func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "string " + strconv.Quote(v)
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	case bool:
		return "boolean " + strconv.FormatBool(v)
	}
	return fmt.Sprintf("%T %v", v, v)
}

// holds evaluates the condition on r.
func (c *Condition) holds(r *Request) bool {
	v, present := r.lookup(c.field)
	switch c.Op {
	case Exists:
		return present == c.Value.(bool)
	case Nexists:
		return present != c.Value.(bool)
	}
	if !present {
		return false
	}
	want := c.Value
	if c.ValueFrom != "" {
		var ok bool
		if want, ok = r.lookup(c.from); !ok {
			return false
		}
	}
	switch c.Op {
	case Eq:
		return equal(v, want)
	case Ne:
		return !equal(v, want)
	case Lt, Gt, Lte, Gte:
		n, ok := compare(v, want)
		if !ok {
			return false
		}
		switch c.Op {
		case Lt:
			return n < 0
		case Gt:
			return n > 0
		case Lte:
			return n <= 0
		}
		return n >= 0
	case In, Nin:
		found, ok := hasItem(want, v)
		return ok && found == (c.Op == In)
	case Contains, Ncontains:
		has, ok := contains(v, want)
		return ok && has == (c.Op == Contains)
	case Matches, Nmatches:
		s, ok := v.(string)
		if !ok {
			return false
		}
		re := c.re
		if re == nil {
			pat, ok := want.(string)
			if !ok {
				return false
			}
			if re = c.fromRE.get(pat); re == nil {
				return false // a pattern that does not compile matches nothing
			}
		}
		return re.MatchString(s) == (c.Op == Matches)
	}
	return false
}

// number returns v as a float64 when it is a Go number.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case uint64:
		return float64(n), true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(rv.Uint()), true
	case reflect.Float32, reflect.Float64:
		return rv.Float(), true
	}
	return 0, false
}

// equal compares scalars: numbers by value, strings and booleans exactly;
// lists and mappings are never equal to anything.
func equal(a, b any) bool {
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x == y
	}
	switch a := a.(type) {
	case string:
		s, ok := b.(string)
		return ok && a == s
	case bool:
		t, ok := b.(bool)
		return ok && a == t
	}
	return false
}

// compare orders two numbers or two strings; ok is false for anything
// else (and for NaN).
func compare(a, b any) (int, bool) {
	if x, ok := number(a); ok {
		y, ok := number(b)
		if !ok || math.IsNaN(x) || math.IsNaN(y) {
			return 0, false
		}
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	}
	s, ok := a.(string)
	t, ok2 := b.(string)
	if !ok || !ok2 {
		return 0, false
	}
	return strings.Compare(s, t), true
}

// contains reports whether a string holds a substring or a list an item.
func contains(v, want any) (has, ok bool) {
	if s, isString := v.(string); isString {
		w, ok := want.(string)
		if !ok {
			return false, false
		}
		return strings.Contains(s, w), true
	}
	return hasItem(v, want)
}

// hasItem reports whether list holds item, and whether list is a list: a
// []any as YAML and MessagePack give, or any other Go slice (a host's
// actor meta may hold a []string).
func hasItem(list, item any) (has, ok bool) {
	switch l := list.(type) {
	case []any:
		for _, x := range l {
			if equal(x, item) {
				return true, true
			}
		}
		return false, true
	case []string:
		s, isString := item.(string)
		return isString && slices.Contains(l, s), true
	case nil, string, []byte:
		return false, false
	}
	rv := reflect.ValueOf(list)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return false, false
	}
	for i := range rv.Len() {
		if equal(rv.Index(i).Interface(), item) {
			return true, true
		}
	}
	return false, true
}

// regexCache compiles the patterns value_from gives (an actor's key
// pattern) once each; it holds at most maxCachedRegexps.
type regexCache struct {
	mu sync.RWMutex
	m  map[string]*regexp.Regexp
}

const maxCachedRegexps = 1024

func newRegexCache() *regexCache { return &regexCache{m: map[string]*regexp.Regexp{}} }

// get returns the compiled pattern, or nil when it does not compile.
func (rc *regexCache) get(pat string) *regexp.Regexp {
	rc.mu.RLock()
	re, ok := rc.m[pat]
	rc.mu.RUnlock()
	if ok {
		return re
	}
	re, _ = regexp.Compile(pat)
	rc.mu.Lock()
	if len(rc.m) >= maxCachedRegexps {
		clear(rc.m)
	}
	rc.m[pat] = re
	rc.mu.Unlock()
	return re
}

// Policy is one compiled policy: which actions on which resources it
// covers, its effect, and the conditions (all must hold) or the
// expression under which it applies. A Policy is immutable and safe for
// concurrent use.
type Policy struct {
	// ID is the registry ID "namespace:name".
	ID string
	// Groups are the full IDs "namespace:group" of the groups it is in.
	Groups []string
	// Actions and Resources are glob patterns; "*" matches any run of
	// characters, dots and colons included ("store.key.*", "app:*").
	Actions   []string
	Resources []string
	Effect    Effect
	// Conditions must all hold (security.policy).
	Conditions []Condition
	// Expression is the source of a security.policy.expr policy.
	Expression string

	program *vm.Program
	dynamic bool // its decision may read more than action and resource (see Dynamic)
}

// Config is what a policy entry declares, before compilation.
type Config struct {
	ID         string
	Groups     []string
	Actions    []string
	Resources  []string
	Effect     Effect
	Conditions []Condition // compiled with CompileCondition
	Expression string      // "" for a declarative policy
}

// NewPolicy compiles a policy. An expression is compiled with expr-lang
// against the fields actor (id, meta), action, resource and meta, and must
// give a boolean.
func NewPolicy(c Config) (*Policy, error) {
	p := &Policy{
		ID: c.ID, Groups: c.Groups, Actions: c.Actions, Resources: c.Resources,
		Effect: c.Effect, Conditions: c.Conditions, Expression: c.Expression,
	}
	if p.Effect != Allow && p.Effect != Deny {
		return nil, errors.New("effect: want allow or deny")
	}
	for _, cond := range p.Conditions {
		if cond.field.readsRequest() || (cond.ValueFrom != "" && cond.from.readsRequest()) {
			p.dynamic = true
		}
	}
	if c.Expression != "" {
		prog, err := CompileExpression(c.Expression)
		if err != nil {
			return nil, err
		}
		p.program = prog
		p.dynamic = exprReadsRequest(prog)
	}
	return p, nil
}

// exprEnv is what an expression sees: actor (id, meta), action,
// resource and meta. A struct, not a map, so expr-lang reads fields
// without hashing. Without an actor, actor.id is "" and actor.meta nil.
type exprEnv struct {
	Actor    exprActor      `expr:"actor"`
	Action   string         `expr:"action"`
	Resource string         `expr:"resource"`
	Meta     map[string]any `expr:"meta"`
}

// vmPool keeps expr-lang machines, which are reusable but not safe for
// concurrent use, so a check allocates none.
var vmPool = sync.Pool{New: func() any { return &vm.VM{} }}

type exprActor struct {
	ID   string         `expr:"id"`
	Meta map[string]any `expr:"meta"`
}

// CompileExpression compiles a policy expression. An error reads
// "line L, column C: message".
func CompileExpression(src string) (*vm.Program, error) {
	if strings.TrimSpace(src) == "" {
		return nil, errors.New("expression must not be empty")
	}
	prog, err := expr.Compile(src, expr.Env(exprEnv{}), expr.AsBool())
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			return nil, fmt.Errorf("bad expression: line %d, column %d: %s", fe.Line, fe.Column+1, fe.Message)
		}
		return nil, fmt.Errorf("bad expression: %s", err)
	}
	return prog, nil
}

// staticVisitor finds what stops an expression's decision from being
// cached per action and resource. It lists what is safe, not what is
// not: any identifier but action and resource (actor, meta, $env, a let
// variable, a name a later expr-lang adds) may lead to the actor or the
// action's attributes, and now() changes with time, so each makes the
// expression dynamic. Predicates (all, any, filter, map, ...) with their
// # and .field pointers, and let values, read only nodes the walk visits.
type staticVisitor struct{ dynamic bool }

func (v *staticVisitor) Visit(n *ast.Node) {
	switch n := (*n).(type) {
	case *ast.IdentifierNode:
		if n.Value != "action" && n.Value != "resource" {
			v.dynamic = true
		}
	case *ast.BuiltinNode:
		if n.Name == "now" {
			v.dynamic = true
		}
	}
}

// exprReadsRequest reports whether the expression's decision may depend
// on more than the action and resource; when unsure it says yes, which
// costs only the cache.
func exprReadsRequest(prog *vm.Program) bool {
	n := prog.Node()
	v := &staticVisitor{}
	ast.Walk(&n, v)
	return v.dynamic
}

// Dynamic reports whether the policy's decision may read the actor or the
// action's attributes (meta), or change with time, so it is evaluated on
// every check instead of being cached per action and resource. An
// expression is static only when action and resource are the only names
// in it and it does not call now().
func (p *Policy) Dynamic() bool { return p.dynamic }

// covers reports whether the policy's action and resource patterns match.
func (p *Policy) covers(action, resource string) bool {
	return matchAny(p.Actions, action) && matchAny(p.Resources, resource)
}

// applies reports whether the conditions or the expression hold. An
// expression that fails at run time (say, comparing a missing field
// with <) applies when the policy denies and not when it allows, so an
// error never grants access.
func (p *Policy) applies(r *Request) bool {
	if p.program != nil {
		env := &exprEnv{Action: r.Action, Resource: r.Resource, Meta: r.Meta}
		if r.Actor != nil {
			env.Actor = exprActor{ID: r.Actor.ID, Meta: r.Actor.Meta}
		}
		machine := vmPool.Get().(*vm.VM)
		out, err := machine.Run(p.program, env)
		vmPool.Put(machine)
		if err != nil {
			return p.Effect == Deny
		}
		b, _ := out.(bool)
		return b
	}
	for i := range p.Conditions {
		if !p.Conditions[i].holds(r) {
			return false
		}
	}
	return true
}

// Evaluate returns the policy's decision on r: its effect when it covers
// the action and resource and applies, Undefined otherwise.
func (p *Policy) Evaluate(r Request) Decision {
	if !p.covers(r.Action, r.Resource) || !p.applies(&r) {
		return Undefined
	}
	if p.Effect == Deny {
		return Denied
	}
	return Allowed
}

func matchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if Match(p, s) {
			return true
		}
	}
	return false
}

// Match reports whether s matches the glob pattern: "*" matches any run of
// characters (dots and colons included), every other character itself.
func Match(pattern, s string) bool {
	if pattern == "*" {
		return true
	}
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		return pattern == s
	}
	if !strings.HasPrefix(s, pattern[:star]) {
		return false
	}
	s = s[star:]
	pattern = pattern[star+1:]
	for {
		next := strings.IndexByte(pattern, '*')
		if next < 0 {
			return strings.HasSuffix(s, pattern)
		}
		i := strings.Index(s, pattern[:next])
		if i < 0 {
			return false
		}
		s = s[i+next:]
		pattern = pattern[next+1:]
	}
}

// sortPolicies sorts by ID and drops repeats.
func sortPolicies(ps []*Policy) []*Policy {
	out := append([]*Policy(nil), ps...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	j := 0
	for i, p := range out {
		if i > 0 && p.ID == out[j-1].ID {
			continue
		}
		out[j] = p
		j++
	}
	return out[:j]
}
