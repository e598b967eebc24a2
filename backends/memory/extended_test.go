package memory_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/memory"
)

// xstep is one operation of an extended-method case and what it must
// return. Versions are remembered by name: put and entry with saveVer
// store the version they got; ifVer names the version a put requires;
// newVer requires the version to differ from every version saved so far.
type xstep struct {
	op       string // set, put, entry, incr, ttl, expire, delete, clear, advance, len, get
	key      string
	val      string
	ttl      time.Duration
	absent   bool   // put: OnlyIfAbsent
	ifVer    string // put: name of a saved version, or a literal with lit
	lit      bool   // ifVer is the version itself
	saveVer  string
	newVer   bool
	delta    float64
	init     float64
	wantVal  string
	wantNum  float64
	wantOK   bool
	wantTTL  time.Duration // ttl: time left; entry: time to ExpiresAt, 0 for none (put: its ttl)
	wantErr  error
	wantLen  int
	errMatch string // a word the error message must contain
}

func TestExtendedBehaviour(t *testing.T) {
	const s10 = 10 * time.Second
	put := func(key, val string, ttl time.Duration) xstep {
		return xstep{op: "put", key: key, val: val, ttl: ttl, newVer: true}
	}
	num := func(key string, delta, want float64) xstep {
		return xstep{op: "incr", key: key, delta: delta, wantNum: want}
	}
	tests := []struct {
		name    string
		maxSize int64
		steps   []xstep
	}{
		{name: "entry of a missing key", steps: []xstep{
			{op: "entry", key: "a", wantErr: backends.ErrNotFound},
		}},
		{name: "put then entry", steps: []xstep{
			{op: "put", key: "a", val: "1", saveVer: "v1", newVer: true},
			{op: "entry", key: "a", wantVal: "1", ifVer: "v1"},
			{op: "get", key: "a", wantVal: "1"},
		}},
		{name: "every write changes the version", steps: []xstep{
			{op: "set", key: "a", val: "1"}, {op: "entry", key: "a", saveVer: "set", newVer: true},
			{op: "put", key: "a", val: "1", saveVer: "put", newVer: true},
			{op: "set", key: "a", val: "\x05"}, {op: "entry", key: "a", saveVer: "set2", newVer: true},
			{op: "incr", key: "a", delta: 1, wantNum: 6}, {op: "entry", key: "a", saveVer: "incr", newVer: true},
			{op: "expire", key: "a", ttl: s10, wantOK: true}, {op: "entry", key: "a", saveVer: "expire", newVer: true, wantTTL: s10},
			{op: "put", key: "a", val: "1", ifVer: "expire", saveVer: "cas", newVer: true},
		}},
		{name: "reads do not change the version", steps: []xstep{
			{op: "put", key: "a", val: "1", saveVer: "v"},
			{op: "get", key: "a", wantVal: "1"}, {op: "ttl", key: "a"},
			{op: "entry", key: "a", wantVal: "1", ifVer: "v"},
		}},
		{name: "a key written again after clear gets a new version", steps: []xstep{
			{op: "put", key: "a", val: "1", saveVer: "v"}, {op: "clear"},
			{op: "put", key: "a", val: "1", newVer: true},
			{op: "put", key: "a", val: "1", ifVer: "v", wantErr: backends.ErrConflict},
		}},
		{name: "a key written again after delete gets a new version", steps: []xstep{
			{op: "put", key: "a", val: "1", saveVer: "v"}, {op: "delete", key: "a", wantOK: true},
			{op: "put", key: "a", val: "1", newVer: true},
			{op: "put", key: "a", val: "2", ifVer: "v", wantErr: backends.ErrConflict},
		}},
		{name: "put with ttl", steps: []xstep{
			{op: "put", key: "a", val: "1", ttl: s10},
			{op: "entry", key: "a", wantVal: "1", wantTTL: s10},
			{op: "advance", ttl: s10}, {op: "entry", key: "a", wantErr: backends.ErrNotFound},
		}},
		{name: "put without ttl removes the expiry", steps: []xstep{
			put("a", "1", s10), put("a", "2", 0), {op: "advance", ttl: time.Hour},
			{op: "entry", key: "a", wantVal: "2"},
		}},
		{name: "put: negative ttl is invalid and writes nothing", steps: []xstep{
			{op: "put", key: "a", val: "1", ttl: -1, wantErr: backends.ErrInvalid},
			{op: "entry", key: "a", wantErr: backends.ErrNotFound},
		}},
		{name: "put: empty key is invalid", steps: []xstep{
			{op: "put", key: "", val: "1", wantErr: backends.ErrInvalid},
		}},
		{name: "only_if_absent: missing key", steps: []xstep{
			{op: "put", key: "a", val: "1", absent: true, newVer: true}, {op: "get", key: "a", wantVal: "1"},
		}},
		{name: "only_if_absent: live key", steps: []xstep{
			put("a", "1", 0),
			{op: "put", key: "a", val: "2", absent: true, wantErr: backends.ErrAlreadyExists, errMatch: "exists"},
			{op: "get", key: "a", wantVal: "1"},
		}},
		{name: "only_if_absent: expired key counts as absent", steps: []xstep{
			put("a", "1", time.Second), {op: "advance", ttl: time.Second},
			{op: "put", key: "a", val: "2", absent: true, newVer: true}, {op: "get", key: "a", wantVal: "2"},
			{op: "len", wantLen: 1},
		}},
		{name: "if_version: match", steps: []xstep{
			{op: "put", key: "a", val: "1", saveVer: "v"},
			{op: "put", key: "a", val: "2", ifVer: "v", saveVer: "w", newVer: true},
			{op: "put", key: "a", val: "3", ifVer: "v", wantErr: backends.ErrConflict, errMatch: "version"},
			{op: "put", key: "a", val: "3", ifVer: "w", newVer: true},
			{op: "get", key: "a", wantVal: "3"},
		}},
		{name: "if_version: missing key", steps: []xstep{
			{op: "put", key: "a", val: "1", ifVer: "1", lit: true, wantErr: backends.ErrConflict},
			{op: "entry", key: "a", wantErr: backends.ErrNotFound},
		}},
		{name: "if_version: expired key", steps: []xstep{
			{op: "put", key: "a", val: "1", ttl: time.Second, saveVer: "v"}, {op: "advance", ttl: time.Second},
			{op: "put", key: "a", val: "2", ifVer: "v", wantErr: backends.ErrConflict},
		}},
		{name: "if_version: deleted key", steps: []xstep{
			{op: "put", key: "a", val: "1", saveVer: "v"}, {op: "delete", key: "a", wantOK: true},
			{op: "put", key: "a", val: "2", ifVer: "v", wantErr: backends.ErrConflict},
		}},
		{name: "if_version: versions this store never issued", steps: []xstep{
			put("a", "1", 0),
			{op: "put", key: "a", val: "2", ifVer: "", lit: true, wantErr: backends.ErrConflict},
			{op: "put", key: "a", val: "2", ifVer: "abc", lit: true, wantErr: backends.ErrConflict},
			{op: "put", key: "a", val: "2", ifVer: "-1", lit: true, wantErr: backends.ErrConflict},
			{op: "put", key: "a", val: "2", ifVer: "99999999999999999999999", lit: true, wantErr: backends.ErrConflict},
			{op: "get", key: "a", wantVal: "1"},
		}},
		{name: "only_if_absent with if_version is invalid", steps: []xstep{
			{op: "put", key: "a", val: "1", absent: true, ifVer: "1", lit: true, wantErr: backends.ErrInvalid, errMatch: "only_if_absent"},
			{op: "entry", key: "a", wantErr: backends.ErrNotFound},
		}},
		{name: "put: full store", maxSize: 2, steps: []xstep{
			put("a", "1", 0), put("b", "2", time.Second),
			{op: "put", key: "c", val: "3", wantErr: backends.ErrFull},
			{op: "put", key: "c", val: "3", absent: true, wantErr: backends.ErrFull},
			put("a", "4", 0), // overwrite still works
			{op: "advance", ttl: time.Second},
			put("c", "3", 0), // the expired key made room
			{op: "put", key: "b", val: "5", absent: true, wantErr: backends.ErrFull},
		}},
		{name: "put: only_if_absent on an expired key of a full store", maxSize: 1, steps: []xstep{
			put("a", "1", time.Second), {op: "advance", ttl: time.Second},
			{op: "put", key: "a", val: "2", absent: true}, {op: "get", key: "a", wantVal: "2"},
		}},

		{name: "incr: missing key starts from init", steps: []xstep{
			{op: "incr", key: "n", delta: 2, init: 10, wantNum: 12}, {op: "get", key: "n", wantVal: "\x0c"},
			{op: "ttl", key: "n", wantOK: false},
		}},
		{name: "incr: default delta and init", steps: []xstep{
			num("n", 1, 1), num("n", 1, 2), num("n", -5, -3), {op: "get", key: "n", wantVal: "\xfd"},
		}},
		{name: "incr: new key gets the ttl", steps: []xstep{
			{op: "incr", key: "n", delta: 1, ttl: s10, wantNum: 1}, {op: "ttl", key: "n", wantOK: true, wantTTL: s10},
		}},
		{name: "incr: existing key keeps its expiry", steps: []xstep{
			{op: "incr", key: "n", delta: 1, ttl: s10, wantNum: 1}, {op: "advance", ttl: 4 * time.Second},
			{op: "incr", key: "n", delta: 1, ttl: time.Hour, wantNum: 2},
			{op: "ttl", key: "n", wantOK: true, wantTTL: 6 * time.Second},
			{op: "set", key: "m", val: "\x01"}, {op: "incr", key: "m", delta: 1, ttl: s10, wantNum: 2},
			{op: "ttl", key: "m", wantOK: false},
		}},
		{name: "incr: expired key starts again from init", steps: []xstep{
			{op: "incr", key: "n", delta: 5, ttl: time.Second, wantNum: 5}, {op: "advance", ttl: time.Second},
			{op: "incr", key: "n", delta: 1, init: 100, wantNum: 101}, {op: "ttl", key: "n", wantOK: false},
		}},
		{name: "incr: fractions are stored as float64", steps: []xstep{
			{op: "incr", key: "n", delta: 1.5, wantNum: 1.5},
			{op: "get", key: "n", wantVal: "\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00"},
			num("n", 0.5, 2), {op: "get", key: "n", wantVal: "\x02"},
		}},
		{name: "incr: reads every MessagePack number format", steps: []xstep{
			{op: "set", key: "u16", val: "\xcd\x01\x00"}, num("u16", 1, 257), {op: "get", key: "u16", wantVal: "\xcd\x01\x01"},
			{op: "set", key: "i8", val: "\xd0\x80"}, num("i8", 1, -127), {op: "get", key: "i8", wantVal: "\xd0\x81"},
			{op: "set", key: "u64", val: "\xcf\x00\x00\x00\x01\x00\x00\x00\x00"}, num("u64", 0, 1<<32),
			{op: "set", key: "i64", val: "\xd3\xff\xff\xff\xff\xff\xff\xff\xff"}, num("i64", 0, -1),
			{op: "set", key: "f32", val: "\xca\x3f\xc0\x00\x00"}, num("f32", 1, 2.5),
			{op: "set", key: "fix", val: "\x7f"}, num("fix", 1, 128), {op: "get", key: "fix", wantVal: "\xcc\x80"},
		}},
		{name: "incr: integers beyond 2^53 are invalid and write nothing", steps: []xstep{
			{op: "incr", key: "n", delta: math.MaxInt64, wantErr: backends.ErrInvalid, errMatch: "2^53"},
			{op: "incr", key: "n", delta: 1 << 53, wantNum: 1 << 53},
			{op: "incr", key: "n", delta: 1, wantErr: backends.ErrInvalid, errMatch: "2^53"},
			{op: "get", key: "n", wantVal: "\xcf\x00\x20\x00\x00\x00\x00\x00\x00"},
		}},
		{name: "incr: a value that is not a number is invalid and kept", steps: []xstep{
			{op: "set", key: "s", val: "\xa3abc"},
			{op: "incr", key: "s", delta: 1, wantErr: backends.ErrInvalid, errMatch: "not a number"},
			{op: "get", key: "s", wantVal: "\xa3abc"},
			{op: "set", key: "e", val: ""}, {op: "incr", key: "e", delta: 1, wantErr: backends.ErrInvalid},
			{op: "set", key: "t", val: "\x01\x02"}, {op: "incr", key: "t", delta: 1, wantErr: backends.ErrInvalid},
			{op: "set", key: "u", val: "\xcd\x01"}, {op: "incr", key: "u", delta: 1, wantErr: backends.ErrInvalid},
			{op: "set", key: "b", val: "\xc3"}, {op: "incr", key: "b", delta: 1, wantErr: backends.ErrInvalid},
		}},
		{name: "incr: non-finite numbers are invalid", steps: []xstep{
			{op: "incr", key: "n", delta: math.NaN(), wantErr: backends.ErrInvalid},
			{op: "incr", key: "n", delta: 1, init: math.Inf(1), wantErr: backends.ErrInvalid},
			{op: "set", key: "big", val: "\xcb\x7f\xef\xff\xff\xff\xff\xff\xff"},
			{op: "incr", key: "big", delta: math.MaxFloat64, wantErr: backends.ErrInvalid, errMatch: "finite"},
			{op: "set", key: "nan", val: "\xcb\x7f\xf8\x00\x00\x00\x00\x00\x01"},
			{op: "incr", key: "nan", delta: 1, wantErr: backends.ErrInvalid},
			{op: "entry", key: "n", wantErr: backends.ErrNotFound},
		}},
		{name: "incr: negative ttl is invalid", steps: []xstep{
			{op: "incr", key: "n", delta: 1, ttl: -1, wantErr: backends.ErrInvalid},
		}},
		{name: "incr: full store", maxSize: 1, steps: []xstep{
			num("a", 1, 1), {op: "incr", key: "b", delta: 1, wantErr: backends.ErrFull}, num("a", 1, 2),
		}},

		{name: "ttl", steps: []xstep{
			{op: "ttl", key: "a", wantErr: backends.ErrNotFound},
			{op: "set", key: "a", val: "1"}, {op: "ttl", key: "a", wantOK: false},
			{op: "set", key: "b", val: "1", ttl: 1500 * time.Millisecond}, {op: "ttl", key: "b", wantOK: true, wantTTL: 1500 * time.Millisecond},
			{op: "advance", ttl: time.Second}, {op: "ttl", key: "b", wantOK: true, wantTTL: 500 * time.Millisecond},
			{op: "advance", ttl: 500 * time.Millisecond}, {op: "ttl", key: "b", wantErr: backends.ErrNotFound},
		}},
		{name: "expire", steps: []xstep{
			{op: "expire", key: "a", ttl: s10, wantOK: false}, {op: "entry", key: "a", wantErr: backends.ErrNotFound},
			{op: "set", key: "a", val: "1"}, {op: "expire", key: "a", ttl: s10, wantOK: true},
			{op: "ttl", key: "a", wantOK: true, wantTTL: s10},
			{op: "expire", key: "a", ttl: time.Hour, wantOK: true}, {op: "ttl", key: "a", wantOK: true, wantTTL: time.Hour},
			{op: "expire", key: "a", ttl: time.Second, wantOK: true}, {op: "advance", ttl: time.Second},
			{op: "get", key: "a", wantErr: backends.ErrNotFound},
		}},
		{name: "expire 0 removes the expiry", steps: []xstep{
			{op: "set", key: "a", val: "1", ttl: time.Second}, {op: "expire", key: "a", ttl: 0, wantOK: true},
			{op: "ttl", key: "a", wantOK: false}, {op: "advance", ttl: time.Hour}, {op: "get", key: "a", wantVal: "1"},
		}},
		{name: "expire of an expired key reports false and frees it", steps: []xstep{
			{op: "set", key: "a", val: "1", ttl: time.Second}, {op: "advance", ttl: time.Second},
			{op: "len", wantLen: 1}, {op: "expire", key: "a", ttl: s10, wantOK: false},
			{op: "len", wantLen: 0}, {op: "get", key: "a", wantErr: backends.ErrNotFound},
		}},
		{name: "expire: negative ttl is invalid and changes nothing", steps: []xstep{
			{op: "set", key: "a", val: "1"}, {op: "expire", key: "a", ttl: -1, wantErr: backends.ErrInvalid},
			{op: "ttl", key: "a", wantOK: false},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := newStore(t, memory.Options{MaxSize: tc.maxSize})
			ctx := context.Background()
			saved := map[string]string{}
			for n, st := range tc.steps {
				where := fmt.Sprintf("step %d (%s %q)", n, st.op, st.key)
				checkItem := func(it backends.Item) {
					t.Helper()
					if st.key != "" && it.Key != st.key {
						t.Fatalf("%s: item key %q", where, it.Key)
					}
					if st.newVer {
						for name, v := range saved {
							if v == it.Version {
								t.Fatalf("%s: version %q repeats version %s", where, v, name)
							}
						}
					}
					if st.op == "entry" && st.ifVer != "" && it.Version != saved[st.ifVer] {
						t.Fatalf("%s: version %q, want %s = %q", where, it.Version, st.ifVer, saved[st.ifVer])
					}
					if it.Version == "" {
						t.Fatalf("%s: empty version", where)
					}
					if st.saveVer != "" {
						saved[st.saveVer] = it.Version
					}
					wantTTL := st.wantTTL
					if st.op == "put" {
						wantTTL = st.ttl
					}
					switch {
					case wantTTL == 0 && !it.ExpiresAt.IsZero():
						t.Fatalf("%s: ExpiresAt %v, want none", where, it.ExpiresAt)
					case wantTTL != 0 && !it.ExpiresAt.Equal(clk.Now().Add(wantTTL)):
						t.Fatalf("%s: ExpiresAt %v, want %v", where, it.ExpiresAt, clk.Now().Add(wantTTL))
					}
				}
				var err error
				switch st.op {
				case "set":
					err = s.Set(ctx, st.key, []byte(st.val), st.ttl)
				case "get":
					var v []byte
					v, err = s.Get(ctx, st.key)
					if err == nil && string(v) != st.wantVal {
						t.Fatalf("%s: got %q, want %q", where, v, st.wantVal)
					}
				case "put":
					opts := backends.PutOptions{TTL: st.ttl, OnlyIfAbsent: st.absent}
					if st.ifVer != "" || st.lit {
						opts.HasIfVersion, opts.IfVersion = true, st.ifVer
						if !st.lit {
							opts.IfVersion = saved[st.ifVer]
						}
					}
					var it backends.Item
					it, err = s.Put(ctx, st.key, []byte(st.val), opts)
					if err == nil {
						if string(it.Value) != st.val {
							t.Fatalf("%s: item value %q, want %q", where, it.Value, st.val)
						}
						checkItem(it)
					}
				case "entry":
					var it backends.Item
					it, err = s.Entry(ctx, st.key)
					if err == nil {
						if st.wantVal != "" && string(it.Value) != st.wantVal {
							t.Fatalf("%s: value %q, want %q", where, it.Value, st.wantVal)
						}
						checkItem(it)
					}
				case "incr":
					var got float64
					got, err = s.Incr(ctx, st.key, st.delta, backends.IncrOptions{Init: st.init, TTL: st.ttl})
					if err == nil && got != st.wantNum {
						t.Fatalf("%s: got %v, want %v", where, got, st.wantNum)
					}
				case "ttl":
					var left time.Duration
					var ok bool
					left, ok, err = s.TTL(ctx, st.key)
					if err == nil && (ok != st.wantOK || left != st.wantTTL) {
						t.Fatalf("%s: got %v, %v; want %v, %v", where, left, ok, st.wantTTL, st.wantOK)
					}
				case "expire":
					var ok bool
					ok, err = s.Expire(ctx, st.key, st.ttl)
					if err == nil && ok != st.wantOK {
						t.Fatalf("%s: got %v, want %v", where, ok, st.wantOK)
					}
				case "delete":
					var ok bool
					ok, err = s.Delete(ctx, st.key)
					if err == nil && ok != st.wantOK {
						t.Fatalf("%s: got %v, want %v", where, ok, st.wantOK)
					}
				case "clear":
					err = s.Clear(ctx)
				case "advance":
					clk.Advance(st.ttl)
				case "len":
					if got := s.Len(); got != st.wantLen {
						t.Fatalf("%s: Len() = %d, want %d", where, got, st.wantLen)
					}
				default:
					t.Fatalf("%s: unknown op", where)
				}
				if !errors.Is(err, st.wantErr) || (err != nil) != (st.wantErr != nil) {
					t.Fatalf("%s: err = %v, want %v", where, err, st.wantErr)
				}
				if err != nil && !strings.Contains(err.Error(), st.errMatch) {
					t.Fatalf("%s: message %q does not say %q", where, err, st.errMatch)
				}
			}
			if err := s.CheckInvariants(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestExtendedCanceledContext(t *testing.T) {
	s, _ := newStore(t, memory.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, entryErr := s.Entry(ctx, "a")
	_, putErr := s.Put(ctx, "a", nil, backends.PutOptions{})
	_, listErr := s.List(ctx, backends.ListOptions{})
	_, incrErr := s.Incr(ctx, "a", 1, backends.IncrOptions{})
	_, _, ttlErr := s.TTL(ctx, "a")
	_, expErr := s.Expire(ctx, "a", 0)
	_, infoErr := s.Info(ctx)
	for name, err := range map[string]error{
		"entry": entryErr, "put": putErr, "list": listErr, "incr": incrErr, "ttl": ttlErr, "expire": expErr, "info": infoErr,
	} {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v, want context.Canceled", name, err)
		}
	}
}

func TestInfo(t *testing.T) {
	s, clk := newStore(t, memory.Options{MaxSize: 7, MaxBytes: 100})
	ctx := context.Background()
	for i := range 5 {
		if err := s.Set(ctx, fmt.Sprint("k", i), []byte("v"), time.Duration(i)*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(2 * time.Second) // k1 and k2 expire; k0 has no TTL
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := backends.Info{
		Kind: "store.memory", Backend: "memory", Consistency: backends.ConsistencyLocal, Durable: false, Size: 3, MaxSize: 7,
		// k0, k3 and k4, 2 bytes of key and 1 of value each; the expired
		// k1 and k2 are removed first.
		CountsBytes: true, Bytes: 9, MaxBytes: 100,
		Capabilities: backends.Capabilities{TTL: true, List: true, Versioned: true, ConditionalPut: true, Incr: true},
	}
	if info != want {
		t.Fatalf("Info() = %+v\nwant %+v", info, want)
	}
	if err := s.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
}

// listAll pages through the store with the given options and page size.
func listAll(t *testing.T, s *memory.Store, opts backends.ListOptions) []backends.Item {
	t.Helper()
	var all []backends.Item
	for pages := 0; ; pages++ {
		if pages > 1e6 {
			t.Fatal("list does not end")
		}
		p, err := s.List(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Items...)
		if !p.HasMore {
			return all
		}
		if p.Cursor <= opts.After {
			t.Fatalf("cursor %q does not move past %q", p.Cursor, opts.After)
		}
		opts.After = p.Cursor
	}
}

func keysOf(items []backends.Item) []string {
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = it.Key
	}
	return keys
}

func TestList(t *testing.T) {
	keys := []string{"a", "B", "\x00", "\xff", "ab", "abc", "abd", "ac", "b", "b\x00", "\xff\xff", "\xff\xfe"}
	sorted := slices.Clone(keys)
	slices.Sort(sorted) // byte-wise
	tests := []struct {
		name        string
		opts        backends.ListOptions
		wantKeys    []string
		wantMore    bool
		wantCursor  string
		wantErr     error
		expireFirst bool
	}{
		{name: "all", wantKeys: sorted, wantCursor: "\xff\xff"},
		{name: "limit", opts: backends.ListOptions{Limit: 3}, wantKeys: sorted[:3], wantMore: true, wantCursor: sorted[2]},
		{name: "limit equal to the count", opts: backends.ListOptions{Limit: len(keys)}, wantKeys: sorted, wantCursor: "\xff\xff"},
		{name: "after", opts: backends.ListOptions{After: "abc"}, wantKeys: []string{"abd", "ac", "b", "b\x00", "\xff", "\xff\xfe", "\xff\xff"}, wantCursor: "\xff\xff"},
		{name: "after a missing key", opts: backends.ListOptions{After: "abcc", Limit: 2}, wantKeys: []string{"abd", "ac"}, wantMore: true, wantCursor: "ac"},
		{name: "after the last key", opts: backends.ListOptions{After: "\xff\xff"}, wantKeys: nil, wantCursor: "\xff\xff"},
		{name: "prefix", opts: backends.ListOptions{Prefix: "ab"}, wantKeys: []string{"ab", "abc", "abd"}, wantCursor: "abd"},
		{name: "prefix and after inside it", opts: backends.ListOptions{Prefix: "ab", After: "ab"}, wantKeys: []string{"abc", "abd"}, wantCursor: "abd"},
		{name: "prefix and after before it", opts: backends.ListOptions{Prefix: "b", After: "a"}, wantKeys: []string{"b", "b\x00"}, wantCursor: "b\x00"},
		{name: "prefix and after past it", opts: backends.ListOptions{Prefix: "a", After: "b"}, wantKeys: nil, wantCursor: "b"},
		{name: "prefix of 0xff bytes", opts: backends.ListOptions{Prefix: "\xff"}, wantKeys: []string{"\xff", "\xff\xfe", "\xff\xff"}, wantCursor: "\xff\xff"},
		{name: "prefix matching nothing", opts: backends.ListOptions{Prefix: "zz"}, wantKeys: nil, wantCursor: ""},
		{name: "prefix and limit", opts: backends.ListOptions{Prefix: "a", Limit: 2}, wantKeys: []string{"a", "ab"}, wantMore: true, wantCursor: "ab"},
		{name: "expired keys are skipped", expireFirst: true, wantKeys: []string{"B", "ab", "abd", "b", "\xff", "\xff\xff"}, wantCursor: "\xff\xff"},
		{name: "limit over the maximum", opts: backends.ListOptions{Limit: 1001}, wantErr: backends.ErrInvalid},
		{name: "negative limit", opts: backends.ListOptions{Limit: -1}, wantErr: backends.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := newStore(t, memory.Options{})
			ctx := context.Background()
			for _, k := range keys {
				var ttl time.Duration
				if tc.expireFirst && slices.Index(sorted, k)%2 == 0 {
					ttl = time.Second
				}
				if err := s.Set(ctx, k, []byte("v:"+k), ttl); err != nil {
					t.Fatal(err)
				}
			}
			clk.Advance(time.Second)
			p, err := s.List(ctx, tc.opts)
			if !errors.Is(err, tc.wantErr) || (err != nil) != (tc.wantErr != nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "1000") {
					t.Fatalf("message %q does not say the limit", err)
				}
				return
			}
			if got := keysOf(p.Items); !slices.Equal(got, tc.wantKeys) {
				t.Fatalf("keys %q, want %q", got, tc.wantKeys)
			}
			if p.HasMore != tc.wantMore || p.Cursor != tc.wantCursor {
				t.Fatalf("has_more %v, cursor %q; want %v, %q", p.HasMore, p.Cursor, tc.wantMore, tc.wantCursor)
			}
			for _, it := range p.Items {
				e, err := s.Entry(ctx, it.Key)
				if err != nil || string(it.Value) != "v:"+it.Key || it.Version != e.Version || !it.ExpiresAt.Equal(e.ExpiresAt) {
					t.Fatalf("item %+v, entry %+v, %v", it, e, err)
				}
			}
		})
	}
}

func TestListDefaultLimit(t *testing.T) {
	s, _ := newStore(t, memory.Options{})
	ctx := context.Background()
	for i := range 150 {
		if err := s.Set(ctx, fmt.Sprintf("k%03d", i), []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
	}
	p, err := s.List(ctx, backends.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != backends.DefaultListLimit || !p.HasMore || p.Cursor != "k099" {
		t.Fatalf("%d items, has_more %v, cursor %q; want 100, true, k099", len(p.Items), p.HasMore, p.Cursor)
	}
	p, err = s.List(ctx, backends.ListOptions{After: p.Cursor, Limit: backends.MaxListLimit})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 50 || p.HasMore || p.Items[0].Key != "k100" {
		t.Fatalf("second page: %d items from %q, has_more %v", len(p.Items), p.Items[0].Key, p.HasMore)
	}
}

// A run of expired entries longer than one page may pass over still ends
// in the right pages: no page scans past its budget, and the live keys
// come out in order, once.
func TestListPassesOverManyExpired(t *testing.T) {
	s, clk := newStore(t, memory.Options{})
	ctx := context.Background()
	var live []string
	for i := range 20000 {
		k := fmt.Sprintf("k%05d", i)
		ttl := time.Second
		if i%5000 == 4999 {
			ttl = 0
			live = append(live, k)
		}
		if err := s.Set(ctx, k, []byte("v"), ttl); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(time.Second)
	p, err := s.List(ctx, backends.ListOptions{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !p.HasMore || len(p.Items) >= len(live) {
		t.Fatalf("first page: %d items, has_more %v; want a short page that says there is more", len(p.Items), p.HasMore)
	}
	if got := keysOf(listAll(t, s, backends.ListOptions{Limit: 10})); !slices.Equal(got, live) {
		t.Fatalf("keys %q, want %q", got, live)
	}
}

// TestListModel checks List against a sorted model after random writes,
// deletes and expiries, with pages of random size.
func TestListModel(t *testing.T) {
	s, clk := newStore(t, memory.Options{})
	ctx := context.Background()
	model := map[string]time.Time{} // key -> expiry, zero for none
	rng := rand.New(rand.NewPCG(8, 9))
	alphabet := "ab\x00\xff"
	randKey := func() string {
		b := make([]byte, 1+rng.IntN(6))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	for round := range 40 {
		for range 500 {
			k := randKey()
			switch rng.IntN(4) {
			case 0, 1:
				ttl := time.Duration(rng.IntN(3)) * time.Second
				if err := s.Set(ctx, k, []byte(k), ttl); err != nil {
					t.Fatal(err)
				}
				model[k] = time.Time{}
				if ttl > 0 {
					model[k] = clk.Now().Add(ttl)
				}
			case 2:
				if _, err := s.Delete(ctx, k); err != nil {
					t.Fatal(err)
				}
				delete(model, k)
			default:
				clk.Advance(100 * time.Millisecond)
			}
		}
		prefix := ""
		if round%2 == 1 {
			prefix = randKey()[:1]
		}
		var want []string
		for k, exp := range model {
			if strings.HasPrefix(k, prefix) && (exp.IsZero() || clk.Now().Before(exp)) {
				want = append(want, k)
			}
		}
		slices.Sort(want)
		got := keysOf(listAll(t, s, backends.ListOptions{Prefix: prefix, Limit: 1 + rng.IntN(40)}))
		if !slices.Equal(got, want) {
			t.Fatalf("round %d prefix %q: %d keys, want %d\ngot  %q\nwant %q", round, prefix, len(got), len(want), got, want)
		}
		if err := s.CheckInvariants(); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
}

// TestListConcurrentWriters pages through 100,000 keys while writers
// overwrite them and add and delete other keys among them: every key
// present throughout appears exactly once, and keys come in order.
func TestListConcurrentWriters(t *testing.T) {
	const n = 100000
	s, _ := newStore(t, memory.Options{})
	ctx := context.Background()
	for i := range n {
		if err := s.Set(ctx, fmt.Sprintf("k%06d", i), []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for !stop.Load() {
				i := rng.IntN(n)
				var err error
				switch rng.IntN(3) {
				case 0: // overwrite a stable key
					err = s.Set(ctx, fmt.Sprintf("k%06d", i), []byte("w"), 0)
				case 1: // a key between two stable keys comes and goes
					err = s.Set(ctx, fmt.Sprintf("k%06d-%d", i, w), []byte("x"), 0)
				default:
					_, err = s.Delete(ctx, fmt.Sprintf("k%06d-%d", i, w))
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	seen := 0
	prev := ""
	opts := backends.ListOptions{Limit: 1000}
	for {
		p, err := s.List(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			if it.Key <= prev {
				t.Fatalf("key %q after %q", it.Key, prev)
			}
			prev = it.Key
			if !strings.Contains(it.Key, "-") {
				if want := fmt.Sprintf("k%06d", seen); it.Key != want {
					t.Fatalf("stable key %q, want %q", it.Key, want)
				}
				seen++
			}
		}
		if !p.HasMore {
			break
		}
		opts.After = p.Cursor
	}
	stop.Store(true)
	wg.Wait()
	if seen != n {
		t.Fatalf("saw %d stable keys, want %d", seen, n)
	}
	if err := s.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
}

func TestIncrConcurrent(t *testing.T) {
	const goroutines, each = 16, 2000
	s, _ := newStore(t, memory.Options{})
	ctx := context.Background()
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if _, err := s.Incr(ctx, "n", 1, backends.IncrOptions{}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	got, err := s.Incr(ctx, "n", 0, backends.IncrOptions{})
	if err != nil || got != goroutines*each {
		t.Fatalf("count = %v, %v; want %d", got, err, goroutines*each)
	}
}

// TestCompareAndSet counts with read-modify-write loops of Entry and Put
// with IfVersion from many goroutines: no increment may be lost.
func TestCompareAndSet(t *testing.T) {
	const goroutines, each = 8, 300
	s, _ := newStore(t, memory.Options{})
	ctx := context.Background()
	if err := s.Set(ctx, "n", []byte("0"), 0); err != nil {
		t.Fatal(err)
	}
	var conflicts atomic.Int64
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				for {
					e, err := s.Entry(ctx, "n")
					if err != nil {
						t.Error(err)
						return
					}
					var v int
					fmt.Sscan(string(e.Value), &v)
					_, err = s.Put(ctx, "n", []byte(fmt.Sprint(v+1)), backends.PutOptions{IfVersion: e.Version, HasIfVersion: true})
					if err == nil {
						break
					}
					if !errors.Is(err, backends.ErrConflict) {
						t.Error(err)
						return
					}
					conflicts.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	v, err := s.Get(ctx, "n")
	if err != nil || string(v) != fmt.Sprint(goroutines*each) {
		t.Fatalf("count = %q, %v; want %d", v, err, goroutines*each)
	}
	t.Logf("%d conflicts retried", conflicts.Load())
}

// TestOnlyIfAbsentOneWinner races goroutines to create the same key, many
// times over: exactly one wins each round.
func TestOnlyIfAbsentOneWinner(t *testing.T) {
	const goroutines, rounds = 8, 200
	s, _ := newStore(t, memory.Options{})
	ctx := context.Background()
	for r := range rounds {
		key := fmt.Sprint("lock", r)
		var wins atomic.Int64
		var winner atomic.Value
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Put(ctx, key, []byte{byte(g)}, backends.PutOptions{OnlyIfAbsent: true})
				switch {
				case err == nil:
					wins.Add(1)
					winner.Store(byte(g))
				case !errors.Is(err, backends.ErrAlreadyExists):
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("round %d: %d winners, want 1", r, wins.Load())
		}
		if v, err := s.Get(ctx, key); err != nil || !bytes.Equal(v, []byte{winner.Load().(byte)}) {
			t.Fatalf("round %d: value %v, %v; want the winner's %d", r, v, err, winner.Load())
		}
	}
}
