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
		total += sh.used
		cells := 0
		mask := uint32(len(sh.table) - 1)
		for p, c := range sh.table {
			if c == 0 {
				continue
			}
			cells++
			i := uint32(c) - 1
			sl := sh.slots[i]
			k := sl.key()
			h := s.hash(k)
			if &s.shards[h&(numShards-1)] != sh || uint32(h>>32) != uint32(c>>32) {
				errs = append(errs, fmt.Errorf("shard %d: cell %d tag does not match key %q", si, p, k))
			}
			if j, ok := sh.find(h, k); !ok || j != i {
				errs = append(errs, fmt.Errorf("shard %d: key %q in cell %d not found by lookup", si, k, p))
			}
			// Every cell between a key's home and its cell must be full.
			for q := uint32(h>>32) & mask; q != uint32(p); q = (q + 1) & mask {
				if sh.table[q] == 0 {
					errs = append(errs, fmt.Errorf("shard %d: empty cell %d inside the probe run of %q", si, q, k))
					break
				}
			}
			switch {
			case sl.exp == noExpiry && sl.hidx != -1:
				errs = append(errs, fmt.Errorf("shard %d: key %q without expiry has heap position %d", si, k, sl.hidx))
			case sl.exp != noExpiry && (sl.hidx < 0 || int(sl.hidx) >= len(sh.heap)):
				errs = append(errs, fmt.Errorf("shard %d: key %q with expiry has heap position %d", si, k, sl.hidx))
			case sl.exp != noExpiry && (sh.heap[sl.hidx].slot != i || sh.heap[sl.hidx].exp > sl.exp || sh.heap[sl.hidx].tag != uint32(h>>32)):
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
		if cells != sh.used {
			errs = append(errs, fmt.Errorf("shard %d: %d full cells, used is %d", si, cells, sh.used))
		}
		next := int64(noExpiry)
		if len(sh.heap) > 0 {
			next = sh.heap[0].exp
		}
		if got := sh.next.Load(); got != next {
			errs = append(errs, fmt.Errorf("shard %d: next is %d, heap top %d", si, got, next))
		}
		free := 0
		for f := sh.free; f >= 0 && free <= len(sh.slots); f = sh.slots[f].hidx {
			free++
		}
		if free+sh.used != len(sh.slots) {
			errs = append(errs, fmt.Errorf("shard %d: %d free + %d used slots, want %d", si, free, sh.used, len(sh.slots)))
		}
		sh.mu.RUnlock()
	}
	if total != s.Len() {
		errs = append(errs, fmt.Errorf("Len is %d, shards hold %d", s.Len(), total))
	}
	return errors.Join(errs...)
}
