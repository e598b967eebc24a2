package memory_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"go.uber.org/goleak"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/memory"
	"github.com/luahost/luahost/registry"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeClock is a clock that moves only when told to.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func newStore(t testing.TB, opts memory.Options) (*memory.Store, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	opts.Now = clk.Now
	s, err := memory.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, clk
}

// loopUntil runs step over and over in a new goroutine, counted by wg,
// until stop is closed or step returns false.
func loopUntil(wg *sync.WaitGroup, stop <-chan struct{}, step func() bool) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if !step() {
				return
			}
		}
	}()
}

// step is one operation of a behaviour case and what it must return.
type step struct {
	op      string // set, get, delete, exists, clear, advance, len
	key     string
	val     string
	ttl     time.Duration
	wantVal string
	wantOK  bool  // delete, exists
	wantErr error // matched with errors.Is
	wantLen int   // len
}

func set(key, val string, ttl time.Duration) step {
	return step{op: "set", key: key, val: val, ttl: ttl}
}
func get(key, want string) step       { return step{op: "get", key: key, wantVal: want} }
func missing(key string) step         { return step{op: "get", key: key, wantErr: backends.ErrNotFound} }
func exists(key string, ok bool) step { return step{op: "exists", key: key, wantOK: ok} }
func del(key string, ok bool) step    { return step{op: "delete", key: key, wantOK: ok} }
func advance(d time.Duration) step    { return step{op: "advance", ttl: d} }
func length(n int) step               { return step{op: "len", wantLen: n} }

func TestBehaviour(t *testing.T) {
	full := func(key string) step {
		return step{op: "set", key: key, val: "v", wantErr: backends.ErrFull}
	}
	tests := []struct {
		name    string
		maxSize int64
		steps   []step
	}{
		{name: "missing key", steps: []step{
			missing("a"), exists("a", false), del("a", false),
		}},
		{name: "set then get", steps: []step{
			set("a", "1", 0), get("a", "1"), exists("a", true), length(1),
		}},
		{name: "overwrite", steps: []step{
			set("a", "1", 0), set("a", "22", 0), get("a", "22"), length(1),
		}},
		{name: "binary key and value", steps: []step{
			set("\x00k\xff", "\x00\x01\xfe", 0), get("\x00k\xff", "\x00\x01\xfe"), missing("\x00k"),
		}},
		{name: "empty value", steps: []step{
			set("a", "", time.Second), get("a", ""), exists("a", true),
		}},
		{name: "ttl: live until the instant of expiry", steps: []step{
			set("a", "1", 10*time.Millisecond),
			advance(9 * time.Millisecond), get("a", "1"), exists("a", true),
			advance(time.Millisecond), missing("a"), exists("a", false), del("a", false),
		}},
		{name: "ttl: millisecond resolution", steps: []step{
			set("a", "1", 1500*time.Microsecond),
			advance(time.Millisecond), get("a", "1"),
			advance(500 * time.Microsecond), missing("a"),
		}},
		{name: "ttl: expired key is invisible before cleanup and still held", steps: []step{
			set("a", "1", time.Second), advance(time.Hour), missing("a"), length(1),
		}},
		{name: "ttl: zero means no expiry", steps: []step{
			set("a", "1", 0), advance(100 * 365 * 24 * time.Hour), get("a", "1"),
		}},
		{name: "ttl: huge ttl does not wrap around", steps: []step{
			set("a", "1", time.Duration(1<<63-1)), advance(1000 * time.Hour), get("a", "1"),
		}},
		{name: "ttl: negative is invalid and writes nothing", steps: []step{
			set("a", "1", 0),
			{op: "set", key: "a", val: "2", ttl: -time.Millisecond, wantErr: backends.ErrInvalid},
			{op: "set", key: "b", val: "2", ttl: -1, wantErr: backends.ErrInvalid},
			get("a", "1"), missing("b"), length(1),
		}},
		{name: "set without ttl removes old expiry", steps: []step{
			set("a", "1", time.Second), set("a", "2", 0), advance(time.Hour), get("a", "2"),
		}},
		{name: "set with ttl adds expiry", steps: []step{
			set("a", "1", 0), set("a", "2", time.Second), advance(time.Second), missing("a"),
		}},
		{name: "overwrite shortens and lengthens expiry", steps: []step{
			set("a", "1", time.Hour), set("a", "2", time.Second),
			advance(time.Second), missing("a"),
			set("a", "3", time.Second), set("a", "4", time.Hour),
			advance(time.Minute), get("a", "4"),
		}},
		{name: "set revives an expired key", steps: []step{
			set("a", "1", time.Second), advance(time.Second), set("a", "2", 0), get("a", "2"), length(1),
		}},
		{name: "delete live key", steps: []step{
			set("a", "1", time.Minute), del("a", true), missing("a"), del("a", false), length(0),
		}},
		{name: "delete expired key returns false and frees it", steps: []step{
			set("a", "1", time.Second), advance(2 * time.Second), del("a", false), length(0),
		}},
		{name: "clear", steps: []step{
			set("a", "1", 0), set("b", "2", time.Second), {op: "clear"},
			missing("a"), missing("b"), length(0), set("a", "3", 0), get("a", "3"),
		}},
		{name: "empty key is invalid", steps: []step{
			{op: "set", key: "", val: "1", wantErr: backends.ErrInvalid},
			{op: "get", key: "", wantErr: backends.ErrInvalid},
			{op: "exists", key: "", wantErr: backends.ErrInvalid},
			{op: "delete", key: "", wantErr: backends.ErrInvalid},
		}},
		{name: "full: new key rejected", maxSize: 2, steps: []step{
			set("a", "1", 0), set("b", "2", 0), full("c"), missing("c"), length(2),
		}},
		{name: "full: overwrite still works", maxSize: 2, steps: []step{
			set("a", "1", 0), set("b", "2", time.Minute), set("a", "3", 0), set("b", "4", 0), get("a", "3"), get("b", "4"),
		}},
		{name: "full: delete makes room", maxSize: 1, steps: []step{
			set("a", "1", 0), full("b"), del("a", true), set("b", "2", 0), get("b", "2"),
		}},
		{name: "full: expired keys do not count before cleanup", maxSize: 2, steps: []step{
			set("a", "1", time.Second), set("b", "2", 0), full("c"),
			advance(time.Second), set("c", "3", 0), get("c", "3"), get("b", "2"), missing("a"), length(2),
			full("d"),
		}},
		{name: "full: overwrite of expired key", maxSize: 1, steps: []step{
			set("a", "1", time.Second), advance(time.Second), set("a", "2", 0), get("a", "2"), full("b"),
		}},
		{name: "full: a key whose expiry was extended is kept", maxSize: 2, steps: []step{
			set("a", "1", time.Second), set("b", "2", 2*time.Second), set("a", "3", time.Hour),
			advance(2 * time.Second), set("c", "4", 0), get("a", "3"), get("c", "4"), missing("b"),
			full("d"),
		}},
		{name: "full: a key whose expiry was shortened is evicted", maxSize: 2, steps: []step{
			set("a", "1", time.Hour), set("b", "2", 2*time.Second), set("a", "3", time.Second),
			advance(time.Second), set("c", "4", 0), missing("a"), get("b", "2"), get("c", "4"),
		}},
		{name: "full: clear makes room", maxSize: 1, steps: []step{
			set("a", "1", 0), full("b"), {op: "clear"}, set("b", "2", 0), get("b", "2"),
		}},
		{name: "unlimited", maxSize: 0, steps: manyKeys(5000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := newStore(t, memory.Options{MaxSize: tc.maxSize})
			ctx := context.Background()
			for n, st := range tc.steps {
				where := fmt.Sprintf("step %d (%s %q)", n, st.op, st.key)
				var err error
				switch st.op {
				case "set":
					err = s.Set(ctx, st.key, []byte(st.val), st.ttl)
				case "get":
					var v []byte
					v, err = s.Get(ctx, st.key)
					if err == nil && !bytes.Equal(v, []byte(st.wantVal)) {
						t.Fatalf("%s: got %q, want %q", where, v, st.wantVal)
					}
					if err == nil && v == nil {
						t.Fatalf("%s: got nil slice for a live key", where)
					}
				case "delete", "exists":
					var ok bool
					if st.op == "delete" {
						ok, err = s.Delete(ctx, st.key)
					} else {
						ok, err = s.Exists(ctx, st.key)
					}
					if err == nil && ok != st.wantOK {
						t.Fatalf("%s: got %v, want %v", where, ok, st.wantOK)
					}
				case "clear":
					err = s.Clear(ctx)
				case "advance":
					clk.Advance(st.ttl)
				case "len":
					if got, want := s.Len(), st.wantLen; got != want {
						t.Fatalf("%s: Len() = %d, want %d", where, got, want)
					}
				default:
					t.Fatalf("%s: unknown op", where)
				}
				if !errors.Is(err, st.wantErr) || (err != nil) != (st.wantErr != nil) {
					t.Fatalf("%s: err = %v, want %v", where, err, st.wantErr)
				}
			}
			if err := s.CheckInvariants(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func manyKeys(n int) []step {
	var steps []step
	for i := range n {
		steps = append(steps, set(fmt.Sprint("k", i), fmt.Sprint(i), 0))
	}
	return append(steps, length(n), get("k0", "0"), get(fmt.Sprint("k", n-1), fmt.Sprint(n-1)))
}

func TestFullError(t *testing.T) {
	s, _ := newStore(t, memory.Options{MaxSize: 3})
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		if err := s.Set(ctx, k, []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
	}
	err := s.Set(ctx, "d", []byte("v"), 0)
	if !errors.Is(err, backends.ErrFull) || !errors.Is(err, backends.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrFull wrapping ErrUnavailable", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "full") || !strings.Contains(msg, "3") {
		t.Fatalf("message %q should say the store is full and its limit 3", msg)
	}
}

// A full store whose expired entries sit in other shards than the new key's
// still makes room, without any cleanup having run.
func TestFullEvictsExpiredFromOtherShards(t *testing.T) {
	const max = 1000
	s, clk := newStore(t, memory.Options{MaxSize: max})
	ctx := context.Background()
	for i := range max {
		if err := s.Set(ctx, fmt.Sprint("old", i), []byte("v"), time.Second); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(time.Second)
	for i := range max {
		if err := s.Set(ctx, fmt.Sprint("new", i), []byte("v"), 0); err != nil {
			t.Fatalf("set new%d: %v", i, err)
		}
	}
	if err := s.Set(ctx, "one-more", []byte("v"), 0); !errors.Is(err, backends.ErrFull) {
		t.Fatalf("err = %v, want ErrFull", err)
	}
	if got := s.Len(); got != max {
		t.Fatalf("Len() = %d, want %d", got, max)
	}
	if err := s.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
}

func TestSetCopiesValue(t *testing.T) {
	s, _ := newStore(t, memory.Options{})
	ctx := context.Background()
	buf := []byte("hello")
	if err := s.Set(ctx, "a", buf, 0); err != nil {
		t.Fatal(err)
	}
	copy(buf, "XXXXX")
	got, err := s.Get(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "hello" {
		t.Fatalf("got %q after the caller reused its slice, want %q", got, "hello")
	}
	// A value returned earlier is unaffected by a later write of the key.
	if err := s.Set(ctx, "a", []byte("world"), 0); err != nil {
		t.Fatal(err)
	}
	if string(got) != "hello" {
		t.Fatalf("earlier Get result changed to %q", got)
	}
	if cap(got) != len(got) {
		t.Fatalf("cap %d > len %d: an append by the caller could overwrite store memory", cap(got), len(got))
	}
}

func TestCanceledContext(t *testing.T) {
	s, _ := newStore(t, memory.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, getErr := s.Get(ctx, "a")
	_, delErr := s.Delete(ctx, "a")
	_, exErr := s.Exists(ctx, "a")
	for name, err := range map[string]error{
		"get": getErr, "set": s.Set(ctx, "a", nil, 0), "delete": delErr, "exists": exErr, "clear": s.Clear(ctx),
	} {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v, want context.Canceled", name, err)
		}
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	for _, opts := range []memory.Options{{MaxSize: -1}, {CleanupInterval: -time.Second}} {
		if _, err := memory.New(opts); !errors.Is(err, backends.ErrInvalid) {
			t.Errorf("New(%+v) err = %v, want ErrInvalid", opts, err)
		}
	}
}

func TestCleanupLoop(t *testing.T) {
	clk := newFakeClock()
	tick := make(chan time.Time)
	swept := make(chan struct{})
	s, err := memory.NewWithTicker(memory.Options{CleanupInterval: time.Minute, Now: clk.Now}, tick, swept)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const expiring, lasting = 20000, 100 // more than one batch per shard
	for i := range expiring {
		if err := s.Set(ctx, fmt.Sprint("e", i), []byte("v"), time.Duration(1+i%3)*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	for i := range lasting {
		if err := s.Set(ctx, fmt.Sprint("l", i), []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop(context.Background()) })

	sweep := func() {
		tick <- time.Time{}
		<-swept
	}
	sweep()
	if got, want := s.Len(), expiring+lasting; got != want {
		t.Fatalf("before expiry: Len() = %d, want %d", got, want)
	}
	clk.Advance(2 * time.Second) // two thirds of the expiring keys are past their TTL
	sweep()
	if got, want := s.Len(), expiring/3+lasting; got != want {
		t.Fatalf("after 2s: Len() = %d, want %d", got, want)
	}
	clk.Advance(time.Second)
	sweep()
	if got, want := s.Len(), lasting; got != want {
		t.Fatalf("after 3s: Len() = %d, want %d", got, want)
	}
	if _, err := s.Get(ctx, "l7"); err != nil {
		t.Fatalf("lasting key: %v", err)
	}

	// Keys whose expiry was extended survive a sweep past their first one.
	for i := range lasting {
		if err := s.Set(ctx, fmt.Sprint("l", i), []byte("w"), 2*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(90 * time.Minute)
	sweep()
	if got, want := s.Len(), lasting; got != want {
		t.Fatalf("after extension: Len() = %d, want %d", got, want)
	}
	if err := s.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	sweep()
	if got, want := s.Len(), 0; got != want {
		t.Fatalf("after the extended expiry: Len() = %d, want %d", got, want)
	}
	if err := s.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
}

func TestStartStop(t *testing.T) {
	ctx := context.Background()
	t.Run("stop without start", func(t *testing.T) {
		s, _ := newStore(t, memory.Options{CleanupInterval: time.Millisecond})
		for range 2 {
			if err := s.Stop(ctx); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("start twice, stop twice, start again", func(t *testing.T) {
		s, _ := newStore(t, memory.Options{CleanupInterval: time.Millisecond})
		for range 2 {
			if err := s.Start(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.Start(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.Stop(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.Stop(ctx); err != nil {
				t.Fatal(err)
			}
		}
		// goleak in TestMain fails the run if a loop survived Stop.
	})
	t.Run("no interval starts nothing", func(t *testing.T) {
		s, _ := newStore(t, memory.Options{})
		if err := s.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if err := goleak.Find(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("start with canceled context", func(t *testing.T) {
		s, _ := newStore(t, memory.Options{CleanupInterval: time.Millisecond})
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.Start(cctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("stop bounded by its context", func(t *testing.T) {
		tick := make(chan time.Time)
		swept := make(chan struct{}) // never read: the loop blocks after its first sweep
		s, err := memory.NewWithTicker(memory.Options{CleanupInterval: time.Minute}, tick, swept)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(ctx); err != nil {
			t.Fatal(err)
		}
		tick <- time.Time{}
		// The loop leaves its blocked report as soon as it is canceled, so
		// Stop returns well within the deadline.
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := s.Stop(sctx); err != nil {
			t.Fatal(err)
		}
	})
}

// TestModel runs random operations against a plain map with expiry times
// and checks every result and the store's internal structure.
func TestModel(t *testing.T) {
	for _, maxSize := range []int64{0, 50} {
		t.Run(fmt.Sprint("max_size=", maxSize), func(t *testing.T) {
			s, clk := newStore(t, memory.Options{MaxSize: maxSize})
			ctx := context.Background()
			type entry struct {
				val string
				exp time.Time // zero: none
			}
			model := map[string]entry{}
			live := func(e entry, ok bool) bool {
				return ok && (e.exp.IsZero() || clk.Now().Before(e.exp))
			}
			countLive := func() int64 {
				n := int64(0)
				for _, e := range model {
					if live(e, true) {
						n++
					}
				}
				return n
			}
			rng := rand.New(rand.NewPCG(1, 2))
			for n := range 20000 {
				key := fmt.Sprint("k", rng.IntN(120))
				switch op := rng.IntN(10); {
				case op < 5:
					val := fmt.Sprint(n)
					ttl := time.Duration(rng.IntN(4)) * time.Duration(rng.IntN(50)) * time.Millisecond
					err := s.Set(ctx, key, []byte(val), ttl)
					e, ok := model[key]
					if maxSize > 0 && !live(e, ok) && countLive() >= maxSize {
						if !errors.Is(err, backends.ErrFull) {
							t.Fatalf("op %d: set %s on full store: err = %v", n, key, err)
						}
						continue
					}
					if err != nil {
						t.Fatalf("op %d: set %s: %v", n, key, err)
					}
					ne := entry{val: val}
					if ttl > 0 {
						ne.exp = clk.Now().Add(ttl)
					}
					model[key] = ne
				case op < 7:
					v, err := s.Get(ctx, key)
					e, ok := model[key]
					if live(e, ok) {
						if err != nil || string(v) != e.val {
							t.Fatalf("op %d: get %s = %q, %v; want %q", n, key, v, err, e.val)
						}
					} else if !errors.Is(err, backends.ErrNotFound) {
						t.Fatalf("op %d: get %s err = %v, want not found", n, key, err)
					}
				case op < 8:
					got, err := s.Delete(ctx, key)
					e, ok := model[key]
					if err != nil || got != live(e, ok) {
						t.Fatalf("op %d: delete %s = %v, %v; want %v", n, key, got, err, live(e, ok))
					}
					delete(model, key)
				case op < 9:
					got, err := s.Exists(ctx, key)
					e, ok := model[key]
					if err != nil || got != live(e, ok) {
						t.Fatalf("op %d: exists %s = %v, %v; want %v", n, key, got, err, live(e, ok))
					}
				default:
					clk.Advance(time.Duration(rng.IntN(20)) * time.Millisecond)
				}
				if n%1000 == 0 {
					if err := s.CheckInvariants(); err != nil {
						t.Fatalf("op %d: %v", n, err)
					}
				}
			}
			if err := s.CheckInvariants(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestConcurrent hammers one store from many goroutines while the clock
// moves and the cleanup loop runs; run it with -race.
func TestConcurrent(t *testing.T) {
	const maxSize = 500
	clk := newFakeClock()
	s, err := memory.New(memory.Options{MaxSize: maxSize, CleanupInterval: time.Millisecond, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var overflow atomic.Bool
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			buf := make([]byte, 8)
			for n := range 3000 {
				key := fmt.Sprint("k", rng.IntN(1000))
				switch rng.IntN(8) {
				case 0, 1, 2:
					buf[0] = byte(n) // reuse of the caller's slice must be safe
					err := s.Set(ctx, key, buf, time.Duration(rng.IntN(3))*time.Millisecond)
					if err != nil && !errors.Is(err, backends.ErrFull) {
						t.Errorf("set: %v", err)
					}
				case 3, 4:
					if v, err := s.Get(ctx, key); err == nil && len(v) != len(buf) {
						t.Errorf("get %s: %d bytes, want %d", key, len(v), len(buf))
					} else if err != nil && !errors.Is(err, backends.ErrNotFound) {
						t.Errorf("get: %v", err)
					}
				case 5:
					if _, err := s.Delete(ctx, key); err != nil {
						t.Errorf("delete: %v", err)
					}
				case 6:
					if _, err := s.Exists(ctx, key); err != nil {
						t.Errorf("exists: %v", err)
					}
				default:
					if n%500 == 0 && g == 0 {
						_ = s.Clear(ctx)
					}
					clk.Advance(100 * time.Microsecond)
				}
				if s.Len() > maxSize {
					overflow.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if overflow.Load() {
		t.Errorf("Len exceeded max_size %d", maxSize)
	}
	if err := s.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
}

func TestKindRegistered(t *testing.T) {
	k, ok := registry.LookupKind(memory.Kind)
	if !ok {
		t.Fatalf("kind %q not registered; known: %v", memory.Kind, registry.KindNames())
	}
	c, err := k.New(memory.Config{MaxSize: 7, MaxBytes: 1 << 20, CleanupInterval: time.Second}, registry.Env{})
	if err != nil {
		t.Fatal(err)
	}
	s, ok := c.(*memory.Store)
	if !ok {
		t.Fatalf("New built %T, want *memory.Store", c)
	}
	if got, want := s.MaxSize(), int64(7); got != want {
		t.Fatalf("MaxSize() = %d, want %d", got, want)
	}
	if got, want := s.MaxBytes(), int64(1<<20); got != want {
		t.Fatalf("MaxBytes() = %d, want %d", got, want)
	}
	if _, err := k.New("not a config", registry.Env{}); err == nil || !strings.Contains(err.Error(), memory.Kind) {
		t.Fatalf("New with a wrong config: err = %v, want an error naming the kind", err)
	}
}

// TestManyKeys checks lookups after growth and after deletions in random
// order, which move entries within the key table.
func TestManyKeys(t *testing.T) {
	const n = 50000
	s, _ := newStore(t, memory.Options{})
	ctx := context.Background()
	for i := range n {
		if err := s.Set(ctx, fmt.Sprint("k", i), []byte(fmt.Sprint(i)), 0); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	deleted := map[int]bool{}
	for _, i := range rng.Perm(n)[:n/2] {
		if ok, err := s.Delete(ctx, fmt.Sprint("k", i)); err != nil || !ok {
			t.Fatalf("delete k%d = %v, %v", i, ok, err)
		}
		deleted[i] = true
	}
	for i := range n {
		v, err := s.Get(ctx, fmt.Sprint("k", i))
		switch {
		case deleted[i] && !errors.Is(err, backends.ErrNotFound):
			t.Fatalf("deleted k%d: err = %v", i, err)
		case !deleted[i] && (err != nil || string(v) != fmt.Sprint(i)):
			t.Fatalf("k%d = %q, %v", i, v, err)
		}
	}
	if got, want := s.Len(), n/2; got != want {
		t.Fatalf("Len() = %d, want %d", got, want)
	}
	if err := s.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
}

// TestEmptiedStoreIsReusable empties a large store by cleanup or by
// deletion, which lets shards drop their arrays, and uses it again.
func TestEmptiedStoreIsReusable(t *testing.T) {
	const n = 100000 // over 1024 entries per shard
	for _, how := range []string{"cleanup", "delete"} {
		t.Run(how, func(t *testing.T) {
			clk := newFakeClock()
			tick := make(chan time.Time)
			swept := make(chan struct{})
			s, err := memory.NewWithTicker(memory.Options{CleanupInterval: time.Minute, Now: clk.Now}, tick, swept)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := s.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = s.Stop(ctx) }()
			for i := range n {
				if err := s.Set(ctx, fmt.Sprint("k", i), []byte("v"), time.Second); err != nil {
					t.Fatal(err)
				}
			}
			if how == "cleanup" {
				clk.Advance(time.Second)
				tick <- time.Time{}
				<-swept
			} else {
				for i := range n {
					if _, err := s.Delete(ctx, fmt.Sprint("k", i)); err != nil {
						t.Fatal(err)
					}
				}
			}
			if got := s.Len(); got != 0 {
				t.Fatalf("Len() = %d, want 0", got)
			}
			if err := s.CheckInvariants(); err != nil {
				t.Fatal(err)
			}
			for i := range 100 {
				if err := s.Set(ctx, fmt.Sprint("k", i), []byte("w"), time.Second); err != nil {
					t.Fatal(err)
				}
			}
			if v, err := s.Get(ctx, "k42"); err != nil || string(v) != "w" {
				t.Fatalf("k42 = %q, %v", v, err)
			}
			if err := s.CheckInvariants(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestValuesHandedOutNeverChange checks that a value returned by any read
// keeps its bytes when the key is written again, whatever the length of
// the new value, while writes between reads still take effect.
func TestValuesHandedOutNeverChange(t *testing.T) {
	ctx := context.Background()
	reads := []struct {
		name string
		read func(s *memory.Store) (string, error)
	}{
		{"Get", func(s *memory.Store) (string, error) {
			b, err := s.Get(ctx, "k")
			return unsafeString(b), err
		}},
		{"GetString", func(s *memory.Store) (string, error) { return s.GetString(ctx, "k") }},
		{"GetStringBuf", func(s *memory.Store) (string, error) {
			// Short values are copied into buf, and the caller copies
			// them out before it reuses buf; longer ones are shared.
			var buf [8]byte
			v, copied, err := s.GetStringBuf(ctx, "k", buf[:])
			if copied != (len(v) > 0 && len(v) <= len(buf)) {
				return "", fmt.Errorf("%q: copied %v with a buffer of %d", v, copied, len(buf))
			}
			if copied {
				v = strings.Clone(v)
			}
			return v, err
		}},
		{"Entry", func(s *memory.Store) (string, error) {
			it, err := s.Entry(ctx, "k")
			return unsafeString(it.Value), err
		}},
		{"List", func(s *memory.Store) (string, error) {
			p, err := s.List(ctx, backends.ListOptions{Prefix: "k"})
			if err != nil || len(p.Items) != 1 {
				return "", fmt.Errorf("list: %d items, %v", len(p.Items), err)
			}
			return unsafeString(p.Items[0].Value), nil
		}},
	}
	// Overwrites of the same length, shorter, empty, and longer.
	writes := []string{"hello", "HELLO", "hel", "", "hello, world", "hello, wor", "x"}
	for _, rd := range reads {
		t.Run(rd.name, func(t *testing.T) {
			s, _ := newStore(t, memory.Options{})
			if err := s.Set(ctx, "k", []byte("first"), 0); err != nil {
				t.Fatal(err)
			}
			got, err := rd.read(s)
			if err != nil || got != "first" {
				t.Fatalf("read %q, %v; want %q", got, err, "first")
			}
			for i, w := range writes {
				// A write of the length just read, then unread writes in a
				// row, which may reuse the stored copy.
				for _, v := range []string{strings.ToUpper(got), w + "-", w} {
					if err := s.Set(ctx, "k", []byte(v), 0); err != nil {
						t.Fatal(err)
					}
				}
				if got != "first" {
					t.Fatalf("after write %d (%q), the value read first changed to %q", i, w, got)
				}
				now, err := rd.read(s)
				if err != nil || now != w {
					t.Fatalf("after write %d: read %q, %v; want %q", i, now, err, w)
				}
				got2 := now
				if err := s.Set(ctx, "k", []byte(strings.ToUpper(w)), 0); err != nil {
					t.Fatal(err)
				}
				if got2 != w {
					t.Fatalf("after write %d: the value read changed to %q, want %q", i, got2, w)
				}
			}
		})
	}
}

// unsafeString views b as a string without a copy, as luamod does, so a
// later change of the store's bytes would show.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// TestGetStringBufFreesWrite checks what a copying read is for: after a
// short value is copied out, writing the key again with a value of the
// same size allocates nothing, while a value handed out by GetString makes
// the next write allocate.
func TestGetStringBufFreesWrite(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t, memory.Options{})
	var buf [16]byte
	key, value := "key:1", []byte("value")
	if err := s.Set(ctx, key, value, 0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		read   func()
		allocs float64
	}{
		{"GetStringBuf", func() { s.GetStringBuf(ctx, key, buf[:]) }, 0},
		{"GetString", func() { s.GetString(ctx, key) }, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := testing.AllocsPerRun(100, func() {
				tc.read()
				if err := s.Set(ctx, key, value, 0); err != nil {
					t.Fatal(err)
				}
			})
			if got != tc.allocs {
				t.Errorf("read and write: %v allocations, want %v", got, tc.allocs)
			}
		})
	}
	if v, copied, err := s.GetStringBuf(ctx, key, buf[:]); err != nil || !copied || v != "value" {
		t.Errorf("GetStringBuf = %q, %v, %v; want the copied value", v, copied, err)
	}
	if _, _, err := s.GetStringBuf(ctx, "missing", buf[:]); !errors.Is(err, backends.ErrNotFound) {
		t.Errorf("GetStringBuf of a missing key: %v, want not found", err)
	}
}
