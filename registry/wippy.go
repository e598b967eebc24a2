package registry

import "strings"

// wippyKinds are entry kinds (exact, or prefixes ending in ".") that Wippy
// runs and luahost does not: luahost hosts stores, databases and the env
// registry, not functions, processes or servers.
var wippyKinds = []string{
	"store.kv.raft", "store.kv.crdt",
	"function.", "process.", "http.", "template.", "security.", "queue.",
	"contract.", "registry.entry", "fs.", "exec.", "cloudstorage.", "terminal.",
	"ns.", "workflow.", "library.", "agent.", "llm.", "websocket.", "views.",
	"event.", "relay.", "tool.", "module.",
}

// wippyKind returns the load error for kind when it is a Wippy kind
// luahost does not run.
func wippyKind(kind string) (string, bool) {
	if !kindMatches(kind, wippyKinds) {
		return "", false
	}
	msg := "kind " + kind + " is a Wippy kind luahost does not host"
	if strings.HasPrefix(kind, "store.kv.") {
		msg += "; for a store shared by several hosts use store.sql on PostgreSQL (or store.redis)"
	} else {
		msg += " (luahost hosts stores, databases, env entries and security policies; known kinds: " + strings.Join(KindNames(), ", ") + ")"
	}
	return msg, true
}
