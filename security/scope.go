package security

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
)

// Decision is the outcome of evaluating policies.
type Decision uint8

// Decisions. Undefined (no policy applied) denies, as in Wippy.
const (
	Undefined Decision = iota
	Allowed
	Denied
)

// String returns "undefined", "allow" or "deny", Wippy's names.
func (d Decision) String() string {
	switch d {
	case Allowed:
		return "allow"
	case Denied:
		return "deny"
	}
	return "undefined"
}

// Actor is who a run acts as: an ID and attributes policies read as
// actor.id and actor.meta.
type Actor struct {
	ID   string
	Meta map[string]any
}

// Request is one access check: an actor (nil: none) doing an action on a
// resource, with the action's attributes (Meta: "key" for store key
// actions, "prefix" for list). Evaluation never keeps Meta.
type Request struct {
	Actor    *Actor
	Action   string
	Resource string
	Meta     map[string]any
}

// lookup reads a field path from the request.
func (r *Request) lookup(p path) (any, bool) {
	var m map[string]any
	switch p.root {
	case "action":
		return r.Action, true
	case "resource":
		return r.Resource, true
	case "actor.id":
		if r.Actor == nil {
			return nil, false
		}
		return r.Actor.ID, true
	case "actor.meta":
		if r.Actor == nil {
			return nil, false
		}
		m = r.Actor.Meta
	case "meta":
		m = r.Meta
	}
	if len(p.elems) == 0 {
		if m == nil {
			return nil, false
		}
		return m, true
	}
	var v any = m
	for _, e := range p.elems {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = mm[e]; !ok || v == nil {
			return nil, false
		}
	}
	return v, true
}

// Scope is a set of policies evaluated together: any applying deny denies;
// else any applying allow allows; else the decision is Undefined, which
// denies. A Scope is immutable (apart from its decision cache) and safe
// for concurrent use; share one among the runs that have the same
// policies so they share its cache.
type Scope struct {
	policies []*Policy
	cache    sync.Map // cacheKey -> *plan
	cached   atomic.Int32
}

// maxCachedPlans bounds a scope's cache, which scripts could otherwise
// grow without limit with security.can on ever new resources.
const maxCachedPlans = 4096

type cacheKey struct{ action, resource string }

// plan is what a scope decides for one action and resource before looking
// at the actor or the action's attributes: a fixed answer, or the few
// policies left to evaluate.
type plan struct {
	staticDeny  bool
	staticAllow bool
	denies      []*Policy // dynamic deny policies covering the pair
	allows      []*Policy // dynamic allow policies covering the pair
}

// NewScope returns a scope of the policies (repeats removed), sorted by ID.
func NewScope(policies ...*Policy) *Scope {
	return &Scope{policies: sortPolicies(policies)}
}

// Policies returns the scope's policies, sorted by ID.
func (s *Scope) Policies() []*Policy { return append([]*Policy(nil), s.policies...) }

// Contains reports whether the scope holds the policy with that ID.
func (s *Scope) Contains(id string) bool {
	for _, p := range s.policies {
		if p.ID == id {
			return true
		}
	}
	return false
}

// IDs returns the IDs of the scope's policies, sorted.
func (s *Scope) IDs() []string {
	out := make([]string, len(s.policies))
	for i, p := range s.policies {
		out[i] = p.ID
	}
	return out
}

// Key identifies the scope's policy set: equal for scopes of the same
// policies.
func (s *Scope) Key() string { return strings.Join(s.IDs(), "\x00") }

func (s *Scope) plan(action, resource string) *plan {
	k := cacheKey{action, resource}
	if v, ok := s.cache.Load(k); ok {
		return v.(*plan)
	}
	pl := &plan{}
	for _, p := range s.policies {
		if !p.covers(action, resource) {
			continue
		}
		switch {
		case p.dynamic && p.Effect == Deny:
			pl.denies = append(pl.denies, p)
		case p.dynamic:
			pl.allows = append(pl.allows, p)
		case p.Effect == Deny:
			pl.staticDeny = pl.staticDeny || p.applies(&Request{Action: action, Resource: resource})
		default:
			pl.staticAllow = pl.staticAllow || p.applies(&Request{Action: action, Resource: resource})
		}
	}
	if s.cached.Load() < maxCachedPlans {
		if _, loaded := s.cache.LoadOrStore(k, pl); !loaded {
			s.cached.Add(1)
		}
	}
	return pl
}

// Evaluate decides r under the scope's policies.
func (s *Scope) Evaluate(r Request) Decision {
	if s == nil {
		return Undefined
	}
	pl := s.plan(r.Action, r.Resource)
	if pl.staticDeny {
		return Denied
	}
	for _, p := range pl.denies {
		if p.applies(&r) {
			return Denied
		}
	}
	if pl.staticAllow {
		return Allowed
	}
	for _, p := range pl.allows {
		if p.applies(&r) {
			return Allowed
		}
	}
	return Undefined
}

// Context is the security of one run: its actor (nil: none) and its scope
// (nil: no checks at all, the trusted default).
type Context struct {
	Actor *Actor
	Scope *Scope
}

// Checked reports whether calls under c are checked (c has a scope).
func (c *Context) Checked() bool { return c != nil && c.Scope != nil }

// Can reports whether c allows the action on the resource: always without
// a scope; with one, only when the scope's decision is Allowed.
func (c *Context) Can(action, resource string, meta map[string]any) bool {
	if !c.Checked() {
		return true
	}
	return c.Scope.Evaluate(Request{Actor: c.Actor, Action: action, Resource: resource, Meta: meta}) == Allowed
}

type ctxKey struct{}

// NewContext returns ctx carrying the run's security context, for Go code
// a script calls (a preloaded module) to check with FromContext.
func NewContext(ctx context.Context, c *Context) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

// FromContext returns the security context ctx carries, or nil.
func FromContext(ctx context.Context) *Context {
	c, _ := ctx.Value(ctxKey{}).(*Context)
	return c
}
