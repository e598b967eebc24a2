package memory

import (
	"errors"
	"fmt"
	"strings"
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

// CountedBytes returns the bytes counted toward MaxBytes: those of the
// entries held and those reserved by writes in progress.
func (s *Store) CountedBytes() int64 { return s.bytes.Load() }

// CheckInvariants verifies the internal structure of every shard.
func (s *Store) CheckInvariants() error {
	var errs []error
	total := 0
	var totalBytes int64
	for si := range s.shards {
		sh := &s.shards[si]
		sh.mu.Lock()
		total += sh.used
		totalBytes += sh.bytes
		var held int64
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
			h := s.hasher.hash(k)
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
			case sl.exp != noExpiry && (sl.hidx < 0 || int(sl.hidx) >= len(sh.hexp)):
				errs = append(errs, fmt.Errorf("shard %d: key %q with expiry has heap position %d", si, k, sl.hidx))
			case sl.exp != noExpiry && (sh.hslot[sl.hidx] != i || sh.hexp[sl.hidx] > sl.exp):
				errs = append(errs, fmt.Errorf("shard %d: key %q heap item (%d, slot %d) does not match", si, k, sh.hexp[sl.hidx], sh.hslot[sl.hidx]))
			}
			if int(sl.n) != blockHeader+len(k)+len(sl.value()) {
				errs = append(errs, fmt.Errorf("shard %d: key %q: block of %d bytes", si, k, sl.n))
			}
			held += int64(len(k) + len(sl.value()))
		}
		if len(sh.hexp) != len(sh.hslot) {
			errs = append(errs, fmt.Errorf("shard %d: heap of %d expiries and %d slots", si, len(sh.hexp), len(sh.hslot)))
		}
		for h, exp := range sh.hexp {
			if h > 0 && sh.hexp[(h-1)/4] > exp {
				errs = append(errs, fmt.Errorf("shard %d: heap order broken at %d", si, h))
			}
			if i := sh.hslot[h]; int(sh.slots[i].hidx) != h {
				errs = append(errs, fmt.Errorf("shard %d: heap item %d points at slot %d whose position is %d", si, h, i, sh.slots[i].hidx))
			}
		}
		if held != sh.bytes {
			errs = append(errs, fmt.Errorf("shard %d: holds %d bytes of keys and values, counts %d", si, held, sh.bytes))
		}
		if cells != sh.used {
			errs = append(errs, fmt.Errorf("shard %d: %d full cells, used is %d", si, cells, sh.used))
		}
		next := int64(noExpiry)
		if len(sh.hexp) > 0 {
			next = sh.hexp[0]
		}
		if got := sh.next.Load(); got != next {
			errs = append(errs, fmt.Errorf("shard %d: next is %d, heap top %d", si, got, next))
		}
		free := 0
		for f := sh.free; f >= 0 && free <= len(sh.slots); f = sh.slots[f].hidx {
			free++
		}
		if err := sh.checkTree(); err != nil {
			errs = append(errs, fmt.Errorf("shard %d: %w", si, err))
		}
		if free+sh.used != len(sh.slots) {
			errs = append(errs, fmt.Errorf("shard %d: %d free + %d used slots, want %d", si, free, sh.used, len(sh.slots)))
		}
		sh.mu.Unlock()
	}
	if total != s.Len() {
		errs = append(errs, fmt.Errorf("Len is %d, shards hold %d", s.Len(), total))
	}
	if got := s.bytes.Load(); s.maxBytes != 0 && got != totalBytes {
		errs = append(errs, fmt.Errorf("%d bytes counted toward max_bytes, shards hold %d", got, totalBytes))
	}
	if totalBytes > s.maxBytes && s.maxBytes != 0 {
		errs = append(errs, fmt.Errorf("shards hold %d bytes, over max_bytes %d", totalBytes, s.maxBytes))
	}
	return errors.Join(errs...)
}

// checkTree verifies the shard's key order: it holds every used slot once,
// in strictly increasing key order, with node sizes within bounds and all
// leaves at one depth.
func (sh *shard) checkTree() error {
	if sh.root == nil {
		if sh.used != 0 {
			return fmt.Errorf("no key order, %d entries", sh.used)
		}
		return nil
	}
	if sh.root.n == 0 {
		return errors.New("empty root")
	}
	var (
		count     int
		prev      string
		leafDepth = -1
		walk      func(nd *bnode, depth int) error
	)
	walk = func(nd *bnode, depth int) error {
		if nd != sh.root && (nd.n < bMin || nd.n > bMax) {
			return fmt.Errorf("node at depth %d holds %d items", depth, nd.n)
		}
		if nd.n > 0 {
			k0 := sh.slots[nd.items[0]].key()
			if int(nd.skip) > len(k0) {
				return fmt.Errorf("node at depth %d: prefix length %d over key %q", depth, nd.skip, k0)
			}
			for j := range nd.n {
				k := sh.slots[nd.items[j]].key()
				if !strings.HasPrefix(k, k0[:nd.skip]) {
					return fmt.Errorf("node at depth %d: key %q lacks the prefix %q", depth, k, k0[:nd.skip])
				}
				if nd.abbr[j] != abbrev(k, int(nd.skip)) {
					return fmt.Errorf("node at depth %d: stale abbreviation of %q", depth, k)
				}
			}
		}
		if nd.kids == nil {
			if leafDepth < 0 {
				leafDepth = depth
			} else if leafDepth != depth {
				return fmt.Errorf("leaves at depths %d and %d", leafDepth, depth)
			}
		}
		for j := 0; j <= int(nd.n); j++ {
			if nd.kids != nil {
				if nd.kids[j] == nil {
					return fmt.Errorf("node at depth %d misses child %d of %d", depth, j, nd.n+1)
				}
				if err := walk(nd.kids[j], depth+1); err != nil {
					return err
				}
			}
			if j == int(nd.n) {
				break
			}
			i := nd.items[j]
			if int(i) >= len(sh.slots) || sh.slots[i].p == nil {
				return fmt.Errorf("key order holds free slot %d", i)
			}
			k := sh.slots[i].key()
			if count > 0 && k <= prev {
				return fmt.Errorf("key order: %q after %q", k, prev)
			}
			prev = k
			count++
		}
		if nd.kids != nil {
			for j := int(nd.n) + 1; j < len(nd.kids); j++ {
				if nd.kids[j] != nil {
					return fmt.Errorf("node at depth %d keeps stale child %d", depth, j)
				}
			}
		}
		return nil
	}
	if err := walk(sh.root, 0); err != nil {
		return err
	}
	if count != sh.used {
		return fmt.Errorf("key order holds %d keys, shard %d", count, sh.used)
	}
	return nil
}

// NewClock is the store's clock, for the library-based store of the
// comparison benchmarks.
var NewClock = newClock
