package luamod_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
)

// stringStore is a memStore that also hands values out as strings, as
// backends.StringGetter stores (store.memory) do.
type stringStore struct{ *memStore }

var _ backends.StringGetter = stringStore{}

func (s stringStore) GetString(ctx context.Context, key string) (string, error) {
	b, err := s.Get(ctx, key)
	return string(b), err
}

// TestGetStoredBytes reads values other programs may have written, through
// a store with and without backends.StringGetter: both give the same
// result, strings by the fast path and everything else by the decoder.
func TestGetStoredBytes(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		name   string
		stored []byte
		want   []string // results of s:get("k") as strings
	}{
		{"fixstr", []byte("\xa5value"), []string{"value"}},
		{"empty str", []byte{0xa0}, []string{""}},
		{"str8", append([]byte{0xd9, 40}, strings.Repeat("y", 40)...), []string{strings.Repeat("y", 40)}},
		{"str16", append([]byte{0xda, 1, 44}, long...), []string{long}},
		{"bin8", []byte("\xc4\x02\xff\x00"), []string{"\xff\x00"}},
		{"number", []byte{0x2a}, []string{"42"}},
		{"array", []byte("\x92\xa1a\xa1b"), []string{"a,b"}},
		{"str with a byte after it", []byte("\xa1ab"), []string{"nil", `INTERNAL: store "app:s": key "k": decode stored value at byte 2: 1 unexpected bytes after the value`}},
		{"truncated str", []byte("\xa3ab"), []string{"nil", `INTERNAL: store "app:s": key "k": decode stored value at byte 0: string of 3 bytes but only 2 bytes left`}},
	}
	for _, tc := range tests {
		for _, withStrings := range []bool{false, true} {
			name := tc.name + "/Get"
			mem := newMemStore(time.Now)
			var st backends.Store = mem
			if withStrings {
				name, st = tc.name+"/GetString", stringStore{mem}
			}
			t.Run(name, func(t *testing.T) {
				if err := mem.Set(context.Background(), "k", tc.stored, 0); err != nil {
					t.Fatal(err)
				}
				L, _ := newState(t, st)
				got := run(t, L, `
					local v, err = s:get("k")
					if type(v) == "table" then return table.concat(v, ",") end
					if err then return tostring(v), tostring(err) end
					return v`)
				if !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("s:get = %q, want %q", got, tc.want)
				}
			})
		}
	}
}
