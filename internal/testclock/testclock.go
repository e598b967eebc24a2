// Package testclock is a clock that tests move by hand, for stores that
// take a now function and for the lifecycle supervisor's timers.
package testclock

import (
	"sync"
	"time"
)

// Clock is safe for concurrent use. Its timers fire only when Advance
// moves the time to or past them.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	timers []timer
	// added receives one value per timer created, for WaitTimers.
	added chan struct{}
}

type timer struct {
	at time.Time
	ch chan time.Time
}

// New returns a clock set to a fixed instant.
func New() *Clock {
	return &Clock{now: time.UnixMilli(1_800_000_000_000), added: make(chan struct{}, 1<<16)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After returns a channel that receives the clock's time once Advance has
// moved it d or more past now.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
	} else {
		c.timers = append(c.timers, timer{at: c.now.Add(d), ch: ch})
	}
	select {
	case c.added <- struct{}{}:
	default:
	}
	return ch
}

// Advance moves the clock forward by d and fires every timer now due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, tm := range c.timers {
		if !tm.at.After(c.now) {
			tm.ch <- c.now
		} else {
			kept = append(kept, tm)
		}
	}
	c.timers = kept
}

// WaitTimers blocks until n more timers have been created with After, or
// until limit passes in real time; it reports whether they were.
func (c *Clock) WaitTimers(n int, limit time.Duration) bool {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for range n {
		select {
		case <-c.added:
		case <-deadline.C:
			return false
		}
	}
	return true
}

// WaitDue blocks until a timer is pending that fires exactly d from now,
// or until limit passes in real time; it reports whether one was. It uses
// up the creation notices WaitTimers counts, so a test uses one or the
// other.
func (c *Clock) WaitDue(d, limit time.Duration) bool {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		due := c.now.Add(d)
		for _, tm := range c.timers {
			if tm.at.Equal(due) {
				c.mu.Unlock()
				return true
			}
		}
		c.mu.Unlock()
		select {
		case <-c.added:
		case <-deadline.C:
			return false
		}
	}
}
