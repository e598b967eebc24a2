package luamod

import (
	"context"

	"github.com/luahost/luahost/backends"
)

// Resolver finds stores by registry ID for store.get.
type Resolver interface {
	// Store returns the running store with that ID, starting it (and its
	// dependencies) when needed. Errors wrap backends.ErrInvalid (malformed
	// ID, or the entry is not a store), backends.ErrNotFound (no such
	// entry; the message names close matches) or backends.ErrUnavailable
	// (it cannot start; the message carries the start error).
	Store(ctx context.Context, id string) (backends.Store, error)
}

// A ScopedResolver is a Resolver whose errors can be limited to what a
// confined script may learn. store.get uses it when the run has a scope.
type ScopedResolver interface {
	Resolver
	// StoreVisible is Store, except that its errors name no ID other than
	// id for which visible returns false: a NOT_FOUND suggests only IDs
	// the script may open.
	StoreVisible(ctx context.Context, id string, visible func(id string) bool) (backends.Store, error)
}
