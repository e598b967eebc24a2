package luamod_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/luastd"
)

// Lua expressions of values whose encoding is far larger than they are.
const (
	// sharedString is one 1 MiB string appearing 100 times.
	sharedString = `(function() local s = ("x"):rep(2^20) local t = {} for i = 1, 100 do t[i] = s end return t end)()`
	// nestedShared is sharedString two tables down.
	nestedShared = `{a = {b = ` + sharedString + `}}`
	// sharedTable is a table of 1,000 numbers appearing 1,000 times: a
	// million elements.
	sharedTable = `(function() local a = {} for i = 1, 1000 do a[i] = i + 0.5 end local t = {} for i = 1, 1000 do t[i] = a end return t end)()`
)

// doneContext returns a context that is already done with err.
func doneContext(t *testing.T, err error) context.Context {
	t.Helper()
	if err == context.DeadlineExceeded {
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		t.Cleanup(cancel)
		return ctx
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// TestEncodeLimits: EncodeContext refuses an encoding past the run's
// memory cap, naming where in the value the output passed it, and stops
// once the run's context is done.
func TestEncodeLimits(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	capped := func(n int64) context.Context { return luastd.WithMemoryLimit(context.Background(), n) }
	tests := []struct {
		name    string
		expr    string
		ctx     context.Context
		path    string // the ValueError's path, a regular expression; "" for no ValueError
		limit   int64  // the MemoryError's limit; 0 for none
		wantErr error  // what the error matches; nil for success
	}{
		{"shared string past the cap", sharedString, capped(16 << 20), `value\[\d+\]`, 16 << 20, luastd.ErrMemoryLimit},
		{"nested shared string past the cap", nestedShared, capped(16 << 20), `value\.a\.b\[\d+\]`, 16 << 20, luastd.ErrMemoryLimit},
		{"shared table past the cap", sharedTable, capped(1 << 20), `value\[\d+\]\[\d+\]`, 1 << 20, luastd.ErrMemoryLimit},
		{"top-level string past the cap", `("x"):rep(2^20)`, capped(1 << 19), `value`, 1 << 19, luastd.ErrMemoryLimit},
		{"within the cap", sharedString, capped(512 << 20), "", 0, nil}, // with the buffer it grows from
		{"without a cap", sharedString, context.Background(), "", 0, nil},
		{"canceled", sharedTable, doneContext(t, context.Canceled), "", 0, context.Canceled},
		{"past the deadline", sharedTable, doneContext(t, context.DeadlineExceeded), "", 0, context.DeadlineExceeded},
		{"large string, canceled", sharedString, doneContext(t, context.Canceled), "", 0, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := eval(t, L, tt.expr)
			b, err := luamod.EncodeContext(tt.ctx, v, "s:set")
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				got, err := luamod.Decode(L, b)
				if err != nil || !same(got, v) {
					t.Fatalf("decoded %v, %v; want the value back", got, err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want one matching %v", err, tt.wantErr)
			}
			var ve *luamod.ValueError
			if tt.path == "" {
				if errors.As(err, &ve) {
					t.Errorf("error %v is a ValueError, want the context's error", err)
				}
				return
			}
			if !errors.As(err, &ve) || !errors.Is(err, backends.ErrInvalid) {
				t.Fatalf("error %v, want a *ValueError matching ErrInvalid", err)
			}
			if !regexp.MustCompile(`^` + tt.path + `$`).MatchString(ve.Path) {
				t.Errorf("path %q, want %s", ve.Path, tt.path)
			}
			if !strings.Contains(ve.Reason, "memory limit of ") || !strings.Contains(ve.Reason, " exceeded: s:set needs ") {
				t.Errorf("reason %q, want it to say the memory limit was exceeded and by what", ve.Reason)
			}
			var me *luastd.MemoryError
			if !errors.As(err, &me) || me.Func != "s:set" || me.Limit != tt.limit || me.Size <= tt.limit {
				t.Errorf("error %v: want a *luastd.MemoryError of s:set over %d bytes", err, tt.limit)
			}
		})
	}
}

// TestDecodeLimits: Decode charges what it builds to the memory cap of L's
// context, refusing with a *luastd.MemoryError past it, and stops once the
// context is done.
func TestDecodeLimits(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	encode := func(expr string) []byte {
		b, err := luamod.Encode(eval(t, L, expr))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	capped := func(n int64) context.Context { return luastd.WithMemoryLimit(context.Background(), n) }
	tests := []struct {
		name    string
		b       []byte
		ctx     context.Context
		limit   int64 // the MemoryError's limit; 0 for none
		wantErr error // nil for success
	}{
		{"strings past the cap", encode(sharedString), capped(16 << 20), 16 << 20, luastd.ErrMemoryLimit},
		{"one string past the cap", encode(`("x"):rep(2^21)`), capped(1 << 20), 1 << 20, luastd.ErrMemoryLimit},
		{"tables past the cap", encode(sharedTable), capped(1 << 20), 1 << 20, luastd.ErrMemoryLimit},
		{"within the cap", encode(sharedString), capped(1 << 30), 0, nil},
		{"without a cap", encode(sharedTable), context.Background(), 0, nil},
		{"canceled", encode(sharedTable), doneContext(t, context.Canceled), 0, context.Canceled},
		{"past the deadline", encode(sharedString), doneContext(t, context.DeadlineExceeded), 0, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L.SetContext(tt.ctx)
			defer L.RemoveContext()
			_, err := luamod.Decode(L, tt.b)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want one matching %v", err, tt.wantErr)
			}
			var me *luastd.MemoryError
			if tt.limit != 0 && (!errors.As(err, &me) || me.Func != "decoding" || me.Limit != tt.limit) {
				t.Errorf("error %v: want a *luastd.MemoryError of decoding under %d bytes", err, tt.limit)
			}
		})
	}
}

// MaxValueSize makes memStore a backends.ValueLimiter.
func (s *memStore) MaxValueSize() int { return s.maxValue }

// TestWriteStopsAtStoreValueLimit: s:set and s:put stop encoding a value
// once it passes the store's limit (backends.ValueLimiter), naming where,
// instead of building all of it for the store to refuse; nothing is
// written.
func TestWriteStopsAtStoreValueLimit(t *testing.T) {
	for _, method := range []string{"set", "put"} {
		t.Run(method, func(t *testing.T) {
			mem := newMemStore(time.Now)
			mem.maxValue = 1 << 20
			L, _ := newState(t, mem)
			got := run(t, L, `local t = `+sharedString+`
				local ok, err = s:`+method+`("k", t)
				return ok, err:kind(), err:message(), s:exists("k")`)
			want := []string{"nil", luamod.KindInvalid,
				`store "app:s": value[1]: the encoded value passes this store's limit of 1048576 bytes for a value here (a string or table that appears several times is copied each time)`,
				"false"}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}
