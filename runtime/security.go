package runtime

import (
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/registry"
	"github.com/luahost/luahost/security"
)

// Importing security registers the policy kinds.
var _ = security.KindPolicy

// RunOption sets the security of one run (Run, RunString, Call, Do): who
// it acts as and which policies check its store calls. A runtime's
// defaults (WithRunDefaults) apply first; a run's own options replace
// them.
type RunOption func(*runOptions)

type runOptions struct {
	actor    *security.Actor
	actorSet bool
	scope    []string
	scopeSet bool
	// scopeDefault: scope came from the runtime's defaults, so the run's
	// first WithScope replaces it instead of adding to it.
	scopeDefault bool
	noScope      bool
	base         *security.Context // from WithSecurity
	stdout       io.Writer         // from WithStdout
}

// WithActor makes the run act as the actor id with attributes meta
// (actor.id and actor.meta in policies; security.actor() in Lua).
func WithActor(id string, meta map[string]any) RunOption {
	return func(o *runOptions) {
		o.actor, o.actorSet = &security.Actor{ID: id, Meta: meta}, true
	}
}

// WithScope checks every store call of the run against the policies named
// by ids: policy IDs or policy groups ("namespace:group", the namespace of
// the group's policies, as Wippy's security.named_scope takes it). Several
// WithScope options of one call add up; a run's WithScope replaces the
// scope of the runtime's defaults. A run with a scope may do only what its
// policies allow (no policy applying means denied); WithScope() with no
// IDs gives a scope that allows nothing. An ID that names no policy or
// group makes the run fail with an error wrapping backends.ErrInvalid.
func WithScope(ids ...string) RunOption {
	return func(o *runOptions) {
		if !o.scopeSet || o.scopeDefault {
			o.scope, o.scopeSet, o.scopeDefault = nil, true, false
		}
		o.noScope = false
		o.scope = append(o.scope, ids...)
	}
}

// WithoutScope removes a scope set by the runtime's defaults: the run's
// store calls are not checked.
func WithoutScope() RunOption {
	return func(o *runOptions) { o.scope, o.scopeSet, o.scopeDefault, o.noScope = nil, false, false, true }
}

// WithRunDefaults sets the security every run of the runtime starts with
// (Run, RunString, Call, Do and sessions); a run's own options replace
// what they set (a run's WithScope replaces the default scope). Several
// WithRunDefaults add up, as one list. Names in them are checked when the
// runtime is built.
func WithRunDefaults(opts ...RunOption) Option {
	return func(c *config) { c.runDefaults = append(c.runDefaults, opts...) }
}

// ScopeError is returned for a scope ID (WithScope, lifecycle.security)
// that names no policy or policy group. It wraps backends.ErrInvalid.
type ScopeError struct {
	ID     string
	Reason string
}

func (e *ScopeError) Error() string { return "scope " + strconv.Quote(e.ID) + " " + e.Reason }

// Unwrap returns backends.ErrInvalid.
func (e *ScopeError) Unwrap() error { return backends.ErrInvalid }

// policies indexes the registry's policy entries.
type policies struct {
	byID   map[string]*security.Policy
	groups map[string][]*security.Policy
	scopes sync.Map // Scope.Key() -> *security.Scope, shared so runs share caches
}

func newPolicies(reg *registry.Registry) (*policies, error) {
	ps := &policies{byID: map[string]*security.Policy{}, groups: map[string][]*security.Policy{}}
	for _, e := range reg.Entries() {
		p, ok := e.Config.(*security.Policy)
		if !ok {
			continue
		}
		ps.byID[p.ID] = p
		for _, g := range p.Groups {
			ps.groups[g] = append(ps.groups[g], p)
		}
	}
	// lifecycle.security names policies and groups: each must exist, as in
	// Wippy, where an entry never runs with a partial context.
	var probs []registry.Problem
	for _, e := range reg.Entries() {
		sec := e.Lifecycle.Security
		if sec == nil {
			continue
		}
		for _, id := range sec.Policies {
			if ps.byID[id] == nil {
				probs = append(probs, registry.Problem{Pos: e.Pos, EntryID: e.ID,
					Msg: "lifecycle.security.policies: no security.policy or security.policy.expr entry " + id + ps.suggest(id)})
			}
		}
		for _, g := range sec.Groups {
			if len(ps.groups[g]) == 0 {
				probs = append(probs, registry.Problem{Pos: e.Pos, EntryID: e.ID,
					Msg: "lifecycle.security.groups: no policy is in group " + g + ps.suggest(g)})
			}
		}
	}
	if len(probs) > 0 {
		return nil, &registry.Error{Problems: probs}
	}
	return ps, nil
}

// scope resolves policy and group IDs to a scope, sharing one Scope per
// policy set.
func (ps *policies) scope(ids []string) (*security.Scope, error) {
	var list []*security.Policy
	for _, id := range ids {
		p, isPolicy := ps.byID[id]
		group, isGroup := ps.groups[id]
		switch {
		case isPolicy && isGroup:
			return nil, &ScopeError{ID: id, Reason: "is both a policy and a policy group"}
		case isPolicy:
			list = append(list, p)
		case isGroup:
			list = append(list, group...)
		default:
			return nil, &ScopeError{ID: id, Reason: "names no policy or policy group" + ps.suggest(id)}
		}
	}
	s := security.NewScope(list...)
	if v, ok := ps.scopes.Load(s.Key()); ok {
		return v.(*security.Scope), nil
	}
	v, _ := ps.scopes.LoadOrStore(s.Key(), s)
	return v.(*security.Scope), nil
}

func (ps *policies) suggest(id string) string {
	var names []string
	for k := range ps.byID {
		names = append(names, k)
	}
	for k := range ps.groups {
		names = append(names, k)
	}
	if len(names) == 0 {
		return " (the registry has no security.policy entries)"
	}
	sort.Strings(names)
	return " (known: " + strings.Join(names, ", ") + ")"
}

// securityFor returns the security context of a run: the runtime's
// defaults, then opts. nil means no actor and no checks.
func (rt *Runtime) securityFor(opts []RunOption) (*security.Context, error) {
	st := rt.sec.Load()
	if len(opts) == 0 {
		return st.defaultSec, nil
	}
	return st.pol.resolve(rt.runDefaults, opts)
}

// secState is what the security of runs is decided from: one registry's
// policies and the runtime's defaults resolved against them.
type secState struct {
	pol        *policies
	defaultSec *security.Context
}

// newSecState indexes reg's policies and resolves the runtime's defaults
// against them.
func (rt *Runtime) newSecState(reg *registry.Registry) (*secState, error) {
	pol, err := newPolicies(reg)
	if err != nil {
		return nil, err
	}
	def, err := pol.resolve(rt.runDefaults, nil)
	if err != nil {
		return nil, err
	}
	return &secState{pol: pol, defaultSec: def}, nil
}

// resolve applies the runtime's defaults, then a run's options, which
// replace what the defaults set (WithScope included: it adds up only
// within one of the two lists).
func (ps *policies) resolve(defaults, opts []RunOption) (*security.Context, error) {
	var o runOptions
	for _, opt := range defaults {
		opt(&o)
	}
	o.scopeDefault = o.scopeSet
	for _, opt := range opts {
		opt(&o)
	}
	c := &security.Context{}
	if o.base != nil {
		*c = *o.base
	}
	if o.actorSet {
		c.Actor = o.actor
	}
	if o.scopeSet {
		s, err := ps.scope(o.scope)
		if err != nil {
			return nil, err
		}
		c.Scope = s
	}
	if o.noScope {
		c.Scope = nil
	}
	if c.Actor == nil && c.Scope == nil {
		return nil, nil
	}
	return c, nil
}

// EntrySecurity returns the security context an entry's lifecycle.security
// block declares (its actor, and a scope of its policies and groups), for
// a host that runs code on behalf of that entry with WithSecurity; nil
// when the entry has no such block. luahost itself runs no code as an
// entry: its entries are stores and databases.
func (rt *Runtime) EntrySecurity(id string) (*security.Context, error) {
	e, ok := rt.reg().Entry(id)
	if !ok {
		return nil, rt.notFound(id)
	}
	sec := e.Lifecycle.Security
	if sec == nil {
		return nil, nil
	}
	s, err := rt.sec.Load().pol.scope(append(append([]string(nil), sec.Policies...), sec.Groups...))
	if err != nil {
		return nil, err
	}
	return &security.Context{Actor: &security.Actor{ID: sec.ActorID, Meta: sec.ActorMeta}, Scope: s}, nil
}

// WithSecurity runs with a security context built elsewhere (say, by
// EntrySecurity), replacing the actor and scope of the defaults; later
// WithActor, WithScope or WithoutScope options change it.
func WithSecurity(c *security.Context) RunOption {
	return func(o *runOptions) {
		o.actor, o.actorSet, o.scope, o.scopeSet, o.scopeDefault, o.noScope = nil, false, nil, false, false, false
		o.base = c
	}
}

// Scope returns the scope of the policies and policy groups named by ids,
// for Go code that checks access itself (Scope.Evaluate).
func (rt *Runtime) Scope(ids ...string) (*security.Scope, error) {
	return rt.sec.Load().pol.scope(ids)
}
