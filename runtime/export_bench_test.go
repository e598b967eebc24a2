package runtime

import (
	"testing"

	"github.com/luahost/luahost/backends"
)

// StoreForBench returns the proxy a handle to store id holds and the
// store behind it.
func StoreForBench(b *testing.B, rt *Runtime, id string) (proxy, direct backends.Store) {
	u := rt.sup.unit(id)
	return newStoreProxy(rt, u), u.st
}
