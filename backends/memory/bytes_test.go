package memory_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/memory"
)

// bstep is one operation of a max_bytes case.
type bstep struct {
	op      string // set, put, putnew, incr, delete, expire, clear, advance, get, bytes, info
	key     string
	val     string // set, put, putnew: the value; get: the value wanted
	ttl     time.Duration
	delta   float64 // incr
	want    int64   // bytes, info: the bytes counted
	wantErr error
}

func bset(key, val string, ttl time.Duration) bstep {
	return bstep{op: "set", key: key, val: val, ttl: ttl}
}
func bfull(op, key, val string) bstep {
	return bstep{op: op, key: key, val: val, wantErr: backends.ErrFull}
}

// bnever is a write refused as INVALID: its key and value exceed
// max_bytes on their own.
func bnever(op, key, val string) bstep {
	return bstep{op: op, key: key, val: val, wantErr: backends.ErrInvalid}
}
func held(n int64) bstep                { return bstep{op: "bytes", want: n} }
func live(n int64) bstep                { return bstep{op: "info", want: n} }
func bget(key, val string) bstep        { return bstep{op: "get", key: key, val: val} }
func bdel(key string) bstep             { return bstep{op: "delete", key: key} }
func bafter(d time.Duration) bstep      { return bstep{op: "advance", ttl: d} }
func bincr(key string, d float64) bstep { return bstep{op: "incr", key: key, delta: d} }

// TestMaxBytes: a store counts len(key)+len(value) of each entry it
// holds, refuses a write that would take it over max_bytes, and frees
// the bytes of deleted, cleared and expired entries.
func TestMaxBytes(t *testing.T) {
	tests := []struct {
		name     string
		maxBytes int64
		maxSize  int64
		steps    []bstep
	}{
		{name: "unlimited: set counts key and value", steps: []bstep{
			held(0), bset("a", "1234", 0), held(5), bset("bb", "", 0), held(7), live(7),
		}},
		{name: "unlimited: overwrite counts the new value only", steps: []bstep{
			bset("a", "12345678", 0), bset("a", "1", 0), held(2), bset("a", strings.Repeat("x", 99), 0), held(100),
		}},
		{name: "new key up to the limit, then refused", maxBytes: 10, steps: []bstep{
			bset("a", "12345678", 0), held(9), bset("b", "", 0), held(10),
			bfull("set", "c", ""), held(10), bget("c", ""),
		}},
		{name: "overwrite of the same or smaller size works when full", maxBytes: 10, steps: []bstep{
			bset("a", "123456789", 0), held(10), bset("a", "987654321", 0), held(10),
			bset("a", "1", time.Hour), held(2), bget("a", "1"),
		}},
		{name: "overwrite that grows needs room for the growth only", maxBytes: 10, steps: []bstep{
			bset("a", "12345", 0), bset("b", "12", 0), held(9),
			bset("a", "123456", 0), held(10),
			bfull("set", "a", "1234567"), bget("a", "123456"), held(10),
		}},
		{name: "a value larger than max_bytes is refused on an empty store", maxBytes: 10, steps: []bstep{
			bnever("set", "a", "1234567890"), bnever("put", "a", "1234567890"), bnever("putnew", "a", "1234567890"), held(0),
		}},
		{name: "delete frees", maxBytes: 10, steps: []bstep{
			bset("a", "12345678", 0), bfull("set", "b", "12"), bdel("a"), held(0), bset("b", "123456789", 0), held(10),
		}},
		{name: "clear frees", maxBytes: 10, steps: []bstep{
			bset("a", "1234", 0), bset("b", "1234", time.Hour), {op: "clear"}, held(0), bset("c", "123456789", 0), held(10),
		}},
		{name: "expired entries never count", maxBytes: 10, steps: []bstep{
			bset("a", "123456789", time.Second), bfull("set", "b", ""), bafter(time.Second),
			held(10), live(0), held(0),
			bset("a", "1", time.Second), bafter(time.Second),
			bset("b", "123456789", 0), held(10), bget("b", "123456789"), bget("a", ""),
		}},
		{name: "an expired entry is evicted to make room for a growing overwrite", maxBytes: 10, steps: []bstep{
			bset("a", "1", time.Second), bset("b", "1", 0), held(4), bafter(time.Second),
			bset("b", "12345678", 0), held(9), bget("a", ""),
		}},
		{name: "an expired key overwritten counts its new value", maxBytes: 10, steps: []bstep{
			bset("a", "12345678", time.Second), bafter(time.Second), bset("a", "1", 0), held(2), bget("a", "1"),
		}},
		{name: "expire of an expired key frees it", maxBytes: 10, steps: []bstep{
			bset("a", "12345678", time.Second), bafter(time.Second), {op: "expire", key: "a", ttl: time.Hour}, held(0),
		}},
		{name: "put counts and is refused like set", maxBytes: 10, steps: []bstep{
			{op: "put", key: "a", val: "1234"}, held(5), {op: "putnew", key: "b", val: "123"}, held(9),
			bfull("put", "c", "1"), bfull("putnew", "c", "1"), bfull("put", "a", "123456"),
			{op: "put", key: "a", val: "12345"}, held(10),
			{op: "putnew", key: "a", val: "1", wantErr: backends.ErrAlreadyExists}, held(10),
		}},
		{name: "incr counts the encoded number", maxBytes: 10, steps: []bstep{
			bincr("n", 1), held(2), // a MessagePack fixint
			bincr("n", 199), held(3), // 200: uint8
			bincr("n", 800), held(4), // 1000: uint16
			bincr("n", 0.5), held(10), // 1000.5: float64
			bfull("set", "m", ""), bincr("n", 0.5), held(4), // 1001 again
		}},
		{name: "incr of a new key and a growing counter are refused when full", maxBytes: 4, steps: []bstep{
			bincr("n", 1), bset("a", "", 0), held(3),
			{op: "incr", key: "m", delta: 1, wantErr: backends.ErrFull},
			{op: "incr", key: "n", delta: 0.5, wantErr: backends.ErrFull},
			bincr("n", 1), held(3),
		}},
		{name: "with max_size, a refused new key leaves no bytes reserved", maxBytes: 100, maxSize: 2, steps: []bstep{
			bset("a", "1", 0), bset("b", "1", 0), bfull("set", "c", "1"), bfull("put", "c", "1"), held(4),
			bdel("a"), bset("c", strings.Repeat("x", 97), 0), held(100),
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := newStore(t, memory.Options{MaxBytes: tc.maxBytes, MaxSize: tc.maxSize})
			ctx := context.Background()
			for n, st := range tc.steps {
				where := fmt.Sprintf("step %d (%s %q)", n, st.op, st.key)
				var err error
				switch st.op {
				case "set":
					err = s.Set(ctx, st.key, []byte(st.val), st.ttl)
				case "put", "putnew":
					_, err = s.Put(ctx, st.key, []byte(st.val), backends.PutOptions{TTL: st.ttl, OnlyIfAbsent: st.op == "putnew"})
				case "incr":
					_, err = s.Incr(ctx, st.key, st.delta, backends.IncrOptions{})
				case "delete":
					_, err = s.Delete(ctx, st.key)
				case "expire":
					_, err = s.Expire(ctx, st.key, st.ttl)
				case "clear":
					err = s.Clear(ctx)
				case "advance":
					clk.Advance(st.ttl)
				case "get":
					var v []byte
					v, err = s.Get(ctx, st.key)
					if st.val == "" {
						if !errors.Is(err, backends.ErrNotFound) {
							t.Fatalf("%s: got %q, %v; want the key missing", where, v, err)
						}
						err = nil
					} else if string(v) != st.val {
						t.Fatalf("%s: got %q, want %q", where, v, st.val)
					}
				case "bytes":
					if got := s.Bytes(); got != st.want {
						t.Fatalf("%s: Bytes() = %d, want %d", where, got, st.want)
					}
				case "info":
					info, ierr := s.Info(ctx)
					if ierr != nil {
						t.Fatal(ierr)
					}
					if !info.CountsBytes || info.Bytes != st.want || info.MaxBytes != tc.maxBytes {
						t.Fatalf("%s: Info() counts bytes %v, bytes %d, max_bytes %d; want true, %d, %d",
							where, info.CountsBytes, info.Bytes, info.MaxBytes, st.want, tc.maxBytes)
					}
				default:
					t.Fatalf("%s: unknown op", where)
				}
				if !errors.Is(err, st.wantErr) || (err != nil) != (st.wantErr != nil) {
					t.Fatalf("%s: err = %v, want %v", where, err, st.wantErr)
				}
				if err := s.CheckInvariants(); err != nil {
					t.Fatalf("%s: %v", where, err)
				}
			}
		})
	}
}

func TestMaxBytesError(t *testing.T) {
	tests := []struct {
		name  string
		write func(s *memory.Store) error
		want  string
	}{
		{"new key", func(s *memory.Store) error { return s.Set(context.Background(), "c", []byte("123"), 0) },
			"the store is full (max_bytes 10) and the write adds 4 bytes"},
		{"growing overwrite", func(s *memory.Store) error { return s.Set(context.Background(), "a", []byte("12345678"), 0) },
			"the store is full (max_bytes 10) and the write adds 2 bytes"},
		{"put", func(s *memory.Store) error {
			_, err := s.Put(context.Background(), "c", []byte("12"), backends.PutOptions{})
			return err
		}, "the store is full (max_bytes 10) and the write adds 3 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newStore(t, memory.Options{MaxBytes: 10})
			for _, kv := range [][2]string{{"a", "123456"}, {"b", "1"}} {
				if err := s.Set(context.Background(), kv[0], []byte(kv[1]), 0); err != nil {
					t.Fatal(err)
				}
			}
			err := tt.write(s)
			if !errors.Is(err, backends.ErrFull) || !errors.Is(err, backends.ErrUnavailable) {
				t.Fatalf("err = %v, want ErrFull wrapping ErrUnavailable", err)
			}
			if got := err.Error(); !strings.HasPrefix(got, tt.want) {
				t.Errorf("message %q, want it to start %q", got, tt.want)
			}
		})
	}
}

func TestNewRejectsNegativeMaxBytes(t *testing.T) {
	if _, err := memory.New(memory.Options{MaxBytes: -1}); !errors.Is(err, backends.ErrInvalid) || !strings.Contains(err.Error(), "max_bytes") {
		t.Fatalf("New(MaxBytes -1) = %v, want ErrInvalid naming max_bytes", err)
	}
}

// TestMaxBytesConcurrentNewKeys: writers racing for the last room of a
// store get exactly as many new keys in as fit, never one more.
func TestMaxBytesConcurrentNewKeys(t *testing.T) {
	const (
		writers = 16
		perKey  = 10 // bytes of key and value
		fit     = 37 // entries max_bytes leaves room for
	)
	for round := range 20 {
		s, _ := newStore(t, memory.Options{MaxBytes: fit*perKey + perKey - 1})
		var (
			start, wg sync.WaitGroup
			ok        atomic.Int64
		)
		start.Add(1)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start.Wait()
				for i := range 10 {
					err := s.Set(context.Background(), fmt.Sprintf("w%02dk%03d", w, i), []byte("vvv"), 0)
					switch {
					case err == nil:
						ok.Add(1)
					case !errors.Is(err, backends.ErrFull):
						t.Error(err)
					}
				}
			}()
		}
		start.Done()
		wg.Wait()
		if got := ok.Load(); got != fit {
			t.Fatalf("round %d: %d new keys got in, want %d", round, got, fit)
		}
		if got := s.Bytes(); got != fit*perKey {
			t.Fatalf("round %d: Bytes() = %d, want %d", round, got, fit*perKey)
		}
		if err := s.CheckInvariants(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMaxBytesConcurrent runs writers that set, put, incr, delete and
// expire keys of random sizes while the clock moves and cleanup runs, and
// a reader that checks the bytes counted toward max_bytes never pass it.
// At the end the counts must match what the shards hold.
func TestMaxBytesConcurrent(t *testing.T) {
	const (
		maxBytes = 4000
		writers  = 4
		ops      = 3000
	)
	s, clk := newStore(t, memory.Options{MaxBytes: maxBytes, CleanupInterval: time.Millisecond})
	ctx := context.Background()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var (
		wg      sync.WaitGroup
		stop    = make(chan struct{})
		refused atomic.Int64
	)
	loopUntil(&wg, stop, func() bool {
		if got := s.CountedBytes(); got > maxBytes || got < 0 {
			t.Errorf("%d bytes counted, max_bytes %d", got, maxBytes)
			return false
		}
		clk.Advance(time.Millisecond)
		return true
	})
	var writersWG sync.WaitGroup
	for w := range writers {
		writersWG.Add(1)
		go func() {
			defer writersWG.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for range ops {
				key := fmt.Sprint("k", rng.IntN(200))
				val := make([]byte, rng.IntN(120))
				ttl := time.Duration(rng.IntN(3)) * 5 * time.Millisecond
				var err error
				switch rng.IntN(6) {
				case 0, 1:
					err = s.Set(ctx, key, val, ttl)
				case 2:
					_, err = s.Put(ctx, key, val, backends.PutOptions{TTL: ttl})
				case 3:
					_, err = s.Incr(ctx, "n"+key, 0.5, backends.IncrOptions{TTL: ttl})
					if errors.Is(err, backends.ErrInvalid) {
						err = nil // the counter left the exact range
					}
				case 4:
					_, err = s.Delete(ctx, key)
				case 5:
					_, err = s.Expire(ctx, key, ttl)
				}
				if errors.Is(err, backends.ErrFull) {
					refused.Add(1)
				} else if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	writersWG.Wait()
	close(stop)
	wg.Wait()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if refused.Load() == 0 {
		t.Error("no write was refused: the test does not reach the limit")
	}
	if err := s.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
	if err := s.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if got, counted := s.Bytes(), s.CountedBytes(); got != 0 || counted != 0 {
		t.Errorf("after Clear: Bytes() = %d, %d counted toward max_bytes; want 0", got, counted)
	}
}
