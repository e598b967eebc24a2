package memory

import (
	"errors"
	"fmt"
	"time"
)

// NewWithTicker returns a store whose cleanup loop runs on each value from
// tick and sends on swept after each sweep.
func NewWithTicker(opts Options, tick <-chan time.Time, swept chan<- struct{}) (*Store, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	s.newTicker = func(time.Duration) (<-chan time.Time, func()) { return tick, func() {} }
	s.swept = swept
	return s, nil
}

// CheckInvariants verifies the internal structure of every shard.
func (s *Store) CheckInvariants() error {
	var errs []error
	total := 0
	for si := range s.shards {
		sh := &s.shards[si]
		sh.mu.RLock()
		total += len(sh.index)
		for k, i := range sh.index {
			sl := sh.slots[i]
			if sl.key() != k {
				errs = append(errs, fmt.Errorf("shard %d: index key %q points at slot %d holding %q", si, k, i, sl.key()))
			}
			switch {
			case sl.exp == noExpiry && sl.hidx != -1:
				errs = append(errs, fmt.Errorf("shard %d: key %q without expiry has heap position %d", si, k, sl.hidx))
			case sl.exp != noExpiry && (sl.hidx < 0 || int(sl.hidx) >= len(sh.heap)):
				errs = append(errs, fmt.Errorf("shard %d: key %q with expiry has heap position %d", si, k, sl.hidx))
			case sl.exp != noExpiry && (sh.heap[sl.hidx].slot != i || sh.heap[sl.hidx].exp != sl.exp):
				errs = append(errs, fmt.Errorf("shard %d: key %q heap item %+v does not match", si, k, sh.heap[sl.hidx]))
			}
		}
		for h, it := range sh.heap {
			if h > 0 && sh.heap[(h-1)/4].exp > it.exp {
				errs = append(errs, fmt.Errorf("shard %d: heap order broken at %d", si, h))
			}
			if int(sh.slots[it.slot].hidx) != h {
				errs = append(errs, fmt.Errorf("shard %d: heap item %d points at slot %d whose position is %d", si, h, it.slot, sh.slots[it.slot].hidx))
			}
		}
		free := 0
		for f := sh.free; f >= 0 && free <= len(sh.slots); f = sh.slots[f].hidx {
			free++
		}
		if free+len(sh.index) != len(sh.slots) {
			errs = append(errs, fmt.Errorf("shard %d: %d free + %d used slots, want %d", si, free, len(sh.index), len(sh.slots)))
		}
		sh.mu.RUnlock()
	}
	if total != s.Len() {
		errs = append(errs, fmt.Errorf("Len is %d, shards hold %d", s.Len(), total))
	}
	return errors.Join(errs...)
}
