package runtime

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// gate counts the store calls in flight on one run of an entry, so that
// the entry stops only after they end. Entering and leaving are one atomic
// add each: calls on a running entry never wait for each other, nor for a
// reload working on other entries. The count is split over shards, each
// on a cache line of its own, and each store handle counts on one of
// them: Lua states calling the same store on several cores do not contend
// for one counter.
type gate struct {
	shards [gateShards]gateShard
	// idle receives when the last call of a shard leaves a closed gate.
	idle chan struct{}
}

// gateShards is the number of counters of a gate; a power of two.
const gateShards = 16

// gateShard is one counter of a gate, alone on its cache line.
type gateShard struct {
	// n is the number of calls inside, plus gateClosed once closed.
	n atomic.Int64
	_ [64 - 8]byte
}

const gateClosed = 1 << 62

// pass is a call admitted by a gate: it must leave exactly once. The
// zero pass admits a call on a store that fences itself.
type pass struct {
	g *gate
	n *atomic.Int64
}

// enter admits a call counted on the given shard (any number; callers
// that may run at once should use different ones); ok is false once the
// gate is closed.
func (g *gate) enter(shard uint32) (p pass, ok bool) {
	p = pass{g, &g.shards[shard%gateShards].n}
	if p.n.Add(1)&gateClosed != 0 {
		p.leave()
		return pass{}, false
	}
	return p, true
}

// leave ends a call that entered.
func (p pass) leave() {
	if p.n == nil {
		return // the call's store fences itself; it had no pass
	}
	if p.n.Add(-1) == gateClosed {
		select {
		case p.g.idle <- struct{}{}:
		default:
		}
	}
}

// close admits no more calls. Calls that entered a shard before it closed
// are counted until they leave.
func (g *gate) close() {
	for i := range g.shards {
		g.shards[i].n.Or(gateClosed)
	}
}

// inside returns how many calls are in flight.
func (g *gate) inside() int64 {
	var n int64
	for i := range g.shards {
		n += g.shards[i].n.Load() &^ gateClosed
	}
	return n
}

// drain waits, after close, until no call is in flight, bounded by
// timeout on clock (0: none) and by ctx. The error says how many calls
// were still running.
func (g *gate) drain(ctx context.Context, clock Clock, timeout time.Duration) error {
	if g == nil || g.inside() == 0 {
		return nil
	}
	var timer <-chan time.Time
	if timeout > 0 {
		timer = clock.After(timeout)
	}
	for {
		select {
		case <-g.idle:
			if g.inside() == 0 {
				return nil
			}
		case <-timer:
			return fmt.Errorf("%d store calls still in flight after %s", g.inside(), timeout)
		case <-ctx.Done():
			return fmt.Errorf("%d store calls still in flight: %w", g.inside(), ctx.Err())
		}
	}
}
