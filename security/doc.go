// Package security holds luahost's access control: Wippy's attribute-based
// policies, compiled from the registry kinds security.policy and
// security.policy.expr, the scopes that group them, and their evaluation.
// It knows nothing of Lua or of stores; the store module asks it.
//
// # Basics
//
// A [Policy] covers actions and resources (glob patterns: "*" matches any
// run of characters, dots and colons included) and has an effect, allow or
// deny, that applies when all its conditions hold (security.policy) or its
// expression is true (security.policy.expr, compiled with expr-lang/expr).
// Conditions and expressions read actor.id, actor.meta.*, action, resource
// and meta.* (the action's attributes). A [Scope] evaluates its policies
// together as Wippy does: any applying deny denies; else any applying allow
// allows; else the decision is Undefined, which denies.
//
// A [Context] is one run's actor and scope. A nil Context, or one without
// a scope, checks nothing: trusted code runs as before.
//
// # Caveats
//
// A scope caches, per action and resource, which policies cover the pair
// and the decision of those that read neither the actor nor the action's
// attributes; the cache holds at most 4096 pairs per scope. An expression
// is cached only when action and resource are the only names in it ($env,
// a let variable or now() make it evaluated on every check). Regular
// expressions are RE2 (linear time) and unanchored: write ^ and $.
package security
