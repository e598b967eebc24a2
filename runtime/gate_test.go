package runtime

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// TestGateShards: calls counted on different shards are all waited for,
// and a closed gate admits none on any shard.
func TestGateShards(t *testing.T) {
	tests := []struct {
		name   string
		shards []uint32 // one call entering on each
	}{
		{"none", nil},
		{"one", []uint32{0}},
		{"same shard", []uint32{3, 3, 3}},
		{"shards wrap around", []uint32{1, 1 + gateShards, 1 + 2*gateShards}},
		{"every shard", []uint32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 99}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := &gate{idle: make(chan struct{}, 1)}
			var in []pass
			for _, s := range tc.shards {
				p, ok := g.enter(s)
				if !ok {
					t.Fatalf("enter(%d) on an open gate refused", s)
				}
				in = append(in, p)
			}
			if got, want := g.inside(), int64(len(tc.shards)); got != want {
				t.Fatalf("inside() = %d, want %d", got, want)
			}
			g.close()
			for s := range uint32(2 * gateShards) {
				if _, ok := g.enter(s); ok {
					t.Fatalf("enter(%d) on a closed gate admitted", s)
				}
			}
			if got, want := g.inside(), int64(len(tc.shards)); got != want {
				t.Fatalf("after refused calls, inside() = %d, want %d", got, want)
			}
			var wg sync.WaitGroup
			for _, p := range in {
				wg.Go(p.leave)
			}
			if err := g.drain(context.Background(), nil, 0); err != nil {
				t.Fatalf("drain: %v", err)
			}
			if got := g.inside(); got != 0 {
				t.Fatalf("drain returned with %d calls inside", got)
			}
			wg.Wait()
		})
	}
}

// TestGateDrainCanceled: drain stopped by its context says how many calls
// are still in flight, over all shards.
func TestGateDrainCanceled(t *testing.T) {
	g := &gate{idle: make(chan struct{}, 1)}
	for _, s := range []uint32{0, 5, 5} {
		if _, ok := g.enter(s); !ok {
			t.Fatal("enter refused")
		}
	}
	g.close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := g.drain(ctx, nil, 0)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("drain = %v, want context.Canceled", err)
	}
	if got, want := err.Error(), "3 store calls still in flight: context canceled"; got != want {
		t.Fatalf("drain = %q, want %q", got, want)
	}
}
