package luamod_test

import (
	"context"
	"testing"
	"time"
	"unsafe"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/luamod"
	lua "github.com/yuin/gopher-lua"
)

// tailBuf is a BufferGetter that copies a short value to the end of buf,
// which backends.BufferGetter's contract allows ("a string that aliases
// buf").
type tailBuf struct{ *memStore }

func (s tailBuf) GetString(ctx context.Context, key string) (string, error) {
	b, err := s.Get(ctx, key)
	return string(b), err
}

func (s tailBuf) GetStringBuf(ctx context.Context, key string, buf []byte) (string, bool, error) {
	b, err := s.Get(ctx, key)
	if err != nil || len(b) == 0 || len(b) > len(buf) {
		return string(b), false, err
	}
	dst := buf[len(buf)-len(b):]
	copy(dst, b)
	return unsafe.String(&dst[0], len(dst)), true, nil
}

var _ backends.BufferGetter = tailBuf{}

// TestGetTakesTheCopyWhereTheStorePutIt checks that s:get reads a value a
// BufferGetter copied from the string the store returned, wherever in the
// buffer the store put it.
func TestGetTakesTheCopyWhereTheStorePutIt(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	res := &memResolver{stores: map[string]backends.Store{"app:cache": tailBuf{newMemStore(time.Now)}}}
	luamod.Open(L, luamod.Options{Resolver: res})
	err := L.DoString(`local s = require("store").get("app:cache")
		assert(s:set("k", "hello"))
		local v = s:get("k")
		assert(v == "hello", string.format("got %q", tostring(v)))`)
	if err != nil {
		t.Error(err)
	}
}
