package memory_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/memory"
)

// TestFence checks that a fenced store refuses every call with
// backends.ErrFenced itself (a host compares it by identity), changes
// nothing while fenced, and serves again after Unfence.
func TestFence(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t, memory.Options{})
	if err := s.Set(ctx, "k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	var buf [8]byte
	calls := []struct {
		name string
		call func() error
	}{
		{"Get", func() error { _, err := s.Get(ctx, "k"); return err }},
		{"GetString", func() error { _, err := s.GetString(ctx, "k"); return err }},
		{"GetStringBuf", func() error { _, _, err := s.GetStringBuf(ctx, "k", buf[:]); return err }},
		{"Set", func() error { return s.Set(ctx, "k", []byte("w"), 0) }},
		{"Set new key", func() error { return s.Set(ctx, "new", []byte("w"), 0) }},
		{"Delete", func() error { _, err := s.Delete(ctx, "k"); return err }},
		{"Exists", func() error { _, err := s.Exists(ctx, "k"); return err }},
		{"Clear", func() error { return s.Clear(ctx) }},
		{"Entry", func() error { _, err := s.Entry(ctx, "k"); return err }},
		{"Put", func() error { _, err := s.Put(ctx, "k", []byte("w"), backends.PutOptions{}); return err }},
		{"Incr", func() error { _, err := s.Incr(ctx, "n", 1, backends.IncrOptions{}); return err }},
		{"TTL", func() error { _, _, err := s.TTL(ctx, "k"); return err }},
		{"Expire", func() error { _, err := s.Expire(ctx, "k", 0); return err }},
		{"List", func() error { _, err := s.List(ctx, backends.ListOptions{}); return err }},
	}
	s.Fence()
	for _, c := range calls {
		if err := c.call(); err != backends.ErrFenced {
			t.Errorf("%s on a fenced store: %v, want backends.ErrFenced", c.name, err)
		}
	}
	s.Unfence()
	if v, err := s.GetString(ctx, "k"); err != nil || v != "v" {
		t.Errorf("after Unfence: %q, %v; want the value set before the fence", v, err)
	}
	if ok, _ := s.Exists(ctx, "new"); ok || s.Len() != 1 {
		t.Errorf("fenced calls changed the store: %d entries", s.Len())
	}
	for _, c := range calls {
		if err := c.call(); err == backends.ErrFenced {
			t.Errorf("%s after Unfence: %v", c.name, err)
		}
	}
}

// TestFenceConcurrent checks the fence against calls running at once:
// every increment either lands and reports success or reports ErrFenced
// and does not land, so the counter equals the successes.
func TestFenceConcurrent(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t, memory.Options{})
	var ok atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		loopUntil(&wg, stop, func() bool {
			_, err := s.Incr(ctx, "n", 1, backends.IncrOptions{})
			switch err {
			case nil:
				ok.Add(1)
			case backends.ErrFenced:
			default:
				t.Error(err)
				return false
			}
			return true
		})
	}
	for range 200 {
		s.Fence()
		s.Unfence()
	}
	close(stop)
	wg.Wait()
	sum, err := s.Incr(ctx, "n", 0, backends.IncrOptions{})
	if err != nil || int64(sum) != ok.Load() {
		t.Errorf("counter %v (%v), %d increments reported success", sum, err, ok.Load())
	}
}
