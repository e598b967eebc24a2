package runtime

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
)

// TestGoErrorMessages checks the text of store errors Go code gets, on every
// built-in backend: through KV, `store "ID": call "key": what went wrong`;
// from the backend itself (KV.Raw), what went wrong with the call, worded
// the same on every backend. No message ends with the Go text of its kind,
// and errors.Is still finds the kind.
func TestGoErrorMessages(t *testing.T) {
	for _, b := range suiteBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			rt, err := New(ctx, WithRegistryString("errs.yaml", b.registry(t)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { rt.Close(context.Background()) })
			kv, err := rt.Store(ctx, "app:cache")
			if err != nil {
				t.Fatal(err)
			}
			raw, err := kv.Raw(ctx)
			if err != nil {
				t.Fatal(err)
			}
			x := raw.(backends.Extended)
			if err := raw.Clear(ctx); err != nil {
				t.Fatal(err)
			}
			if err := kv.Set(ctx, "text", "a string", 0); err != nil {
				t.Fatal(err)
			}
			var v any
			type tc struct {
				name string
				err  error
				kind error
				want string
			}
			tests := []tc{
				{"get a missing key", kv.Get(ctx, "nope", &v), backends.ErrNotFound, `store "app:cache": get "nope": key not found`},
				{"set an empty key", kv.Set(ctx, "", 1, 0), backends.ErrInvalid, `store "app:cache": set "": key must not be empty`},
				{"negative ttl", kv.Set(ctx, "k", 1, -time.Second), backends.ErrInvalid, `store "app:cache": set "k": ttl must not be negative`},
				{"raw get", func() error { _, err := raw.Get(ctx, "nope"); return err }(), backends.ErrNotFound, "key not found"},
				{"ttl of a missing key", func() error { _, _, err := x.TTL(ctx, "nope"); return err }(), backends.ErrNotFound, "key not found"},
				{"entry of a missing key", func() error { _, err := x.Entry(ctx, "nope"); return err }(), backends.ErrNotFound, "key not found"},
				{"incr of a string", func() error { _, err := x.Incr(ctx, "text", 1, backends.IncrOptions{}); return err }(),
					backends.ErrInvalid, `incr "text": the stored value is a string, not a number`},
				{"incr by nan", func() error { _, err := x.Incr(ctx, "n", math.NaN(), backends.IncrOptions{}); return err }(),
					backends.ErrInvalid, `incr "n": delta and init must be finite numbers`},
				{"put only_if_absent on a live key", func() error {
					_, err := x.Put(ctx, "text", []byte{1}, backends.PutOptions{OnlyIfAbsent: true})
					return err
				}(), backends.ErrAlreadyExists, `put "text" with only_if_absent: the key exists`},
				{"put with both options", func() error {
					_, err := x.Put(ctx, "k", []byte{1}, backends.PutOptions{OnlyIfAbsent: true, IfVersion: "1", HasIfVersion: true})
					return err
				}(), backends.ErrInvalid, `put "k": only_if_absent and if_version exclude each other`},
				{"list limit", func() error { _, err := x.List(ctx, backends.ListOptions{Limit: 5000}); return err }(),
					backends.ErrInvalid, "list: limit must be an integer from 1 to 1000, got 5000"},
			}
			putVersion := func() error {
				_, err := x.Put(ctx, "text", []byte{1}, backends.PutOptions{IfVersion: "0", HasIfVersion: true})
				return err
			}()
			if b.cfg.Versioned {
				tests = append(tests, tc{"put if_version on a changed key", putVersion, backends.ErrConflict,
					`put "text": the key's version is not "0", or the key is gone`})
			} else {
				tests = append(tests, tc{"put if_version without versions", putVersion, backends.ErrInvalid,
					"put with if_version needs versions, which this store.sql entry does not keep: " +
						"set version_column_name (a BIGINT column the store increments on every write)"})
			}
			if b.maxKey > 0 {
				n := b.maxKey + 1
				tests = append(tests, tc{"key over the limit", raw.Set(ctx, strings.Repeat("k", n), []byte{1}, 0), backends.ErrInvalid,
					"key is " + strconv.Itoa(n) + " bytes, over this store's limit of " + strconv.Itoa(b.maxKey) + " bytes"})
			}
			if b.full {
				small, err := rt.Store(ctx, "app:small")
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range []string{"a", "b", "c"} {
					if err := small.Set(ctx, k, 1, 0); err != nil {
						t.Fatal(err)
					}
				}
				tests = append(tests, tc{"full store", small.Set(ctx, "d", 1, 0), backends.ErrFull,
					`store "app:small": set "d": the store is full (max_size 3)`})
			}
			for _, tc := range tests {
				if tc.err == nil {
					t.Errorf("%s: no error", tc.name)
					continue
				}
				if got := tc.err.Error(); got != tc.want {
					t.Errorf("%s: message %q, want %q", tc.name, got, tc.want)
				}
				if !errors.Is(tc.err, tc.kind) {
					t.Errorf("%s: %v does not match %v", tc.name, tc.err, tc.kind)
				}
			}
		})
	}
}
