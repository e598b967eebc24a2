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
