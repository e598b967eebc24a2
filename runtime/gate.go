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
// reload working on other entries.
type gate struct {
	// n is the number of calls inside, plus gateClosed once closed.
	n atomic.Int64
	// idle receives when the last call leaves a closed gate.
	idle chan struct{}
}

const gateClosed = 1 << 62

// enter admits a call; it returns false once the gate is closed.
func (g *gate) enter() bool {
	if g.n.Add(1)&gateClosed != 0 {
		g.leave()
		return false
	}
	return true
}

// leave ends a call that entered.
func (g *gate) leave() {
	if g.n.Add(-1) == gateClosed {
		select {
		case g.idle <- struct{}{}:
		default:
		}
	}
}

// close admits no more calls.
func (g *gate) close() { g.n.Or(gateClosed) }

// inside returns how many calls are in flight.
func (g *gate) inside() int64 { return g.n.Load() &^ gateClosed }

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
