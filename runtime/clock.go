package runtime

import "time"

// Clock is the time source of the lifecycle supervisor. Tests inject a fake
// one so timeouts and backoff are exact rather than slept.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
