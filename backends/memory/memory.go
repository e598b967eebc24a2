package memory

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/luahost/luahost/backends"
)

// Options configure a Store. The zero value is an unlimited store without
// background cleanup that reads the system clock.
type Options struct {
	// MaxSize is the most live keys the store holds; 0 means no limit.
	MaxSize int64
	// MaxBytes is the most bytes of keys and values the store holds for
	// its live entries, counting len(key)+len(value) per entry and not
	// the store's own bookkeeping; 0 means no limit.
	MaxBytes int64
	// CleanupInterval is how often Start's background loop removes
	// expired entries; 0 means no background cleanup.
	CleanupInterval time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// MaxKeyLen is the longest key, in bytes, a Store accepts.
const MaxKeyLen = 1<<31 - 1

const (
	numShards = 64 // power of two
	// sweepBatch bounds the work of one lock hold of the cleanup, so
	// readers of that shard wait at most one batch.
	sweepBatch = 64
)

// Store is an in-memory key-value store with per-key TTL. It is safe for
// concurrent use. Create one with New.
type Store struct {
	maxSize  int64
	maxBytes int64
	interval time.Duration
	// clock returns the current time in nanoseconds since the store was
	// created.
	clock func() int64
	// epoch is the time the clock counts from, to give expiries as times.
	epoch   time.Time
	hasher  hasher
	errFull error

	// entries counts entries held, expired or not. New keys write it, so
	// it has a cache line of its own: Get reads the fields above.
	// bytes, used only with a maxBytes, is the key and value bytes of the
	// entries held plus those reserved by writes in progress, so that
	// concurrent writes never take the store over maxBytes.
	_       [64]byte
	entries atomic.Int64
	bytes   atomic.Int64
	_       [48]byte
	shards  [numShards]shard

	runMu  sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}

	// Test hooks: the cleanup loop's ticker, and a channel told after each sweep.
	newTicker func(d time.Duration) (<-chan time.Time, func())
	swept     chan<- struct{}
}

// New returns a store configured by opts. It starts no goroutines; Start
// starts the cleanup loop.
func New(opts Options) (*Store, error) {
	if opts.MaxSize < 0 {
		return nil, backends.Errorf(backends.ErrInvalid, "memory store: max_size must not be negative, got %d", opts.MaxSize)
	}
	if opts.MaxBytes < 0 {
		return nil, backends.Errorf(backends.ErrInvalid, "memory store: max_bytes must not be negative, got %d", opts.MaxBytes)
	}
	if opts.CleanupInterval < 0 {
		return nil, backends.Errorf(backends.ErrInvalid, "memory store: cleanup_interval must not be negative, got %s", opts.CleanupInterval)
	}
	s := &Store{
		maxSize:   opts.MaxSize,
		maxBytes:  opts.MaxBytes,
		interval:  opts.CleanupInterval,
		hasher:    newHasher(),
		errFull:   backends.Errorf(backends.ErrFull, "the store is full (max_size %d)", opts.MaxSize),
		newTicker: realTicker,
	}
	s.epoch, s.clock = newClock(opts.Now)
	for i := range s.shards {
		s.shards[i].hasher = &s.hasher
		s.shards[i].init()
	}
	return s, nil
}

func realTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

var _ backends.Fencer = (*Store)(nil)

var errNotFound = fmt.Errorf("key %w", backends.ErrNotFound)

// expiry returns the expiry for a TTL set at now, saturating far futures.
func expiry(now int64, ttl time.Duration) int64 {
	if ttl == 0 {
		return noExpiry
	}
	if now > 0 && int64(ttl) > noExpiry-1-now {
		return noExpiry - 1
	}
	return now + int64(ttl)
}

func (s *Store) shardFor(key string) (*shard, uint64) {
	h := s.hasher.hash(key)
	return &s.shards[h&(numShards-1)], h
}

// Get returns the live value of key, or an error wrapping
// backends.ErrNotFound when the key is missing or expired. The returned
// slice is the stored copy: it is read-only and stays valid after the key
// changes.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := s.GetString(ctx, key)
	if err != nil {
		return nil, err
	}
	if len(v) == 0 {
		return []byte{}, nil
	}
	return unsafe.Slice(unsafe.StringData(v), len(v)), nil
}

// Set stores a copy of value under key. ttl 0 means no expiry and removes
// any expiry the key had; a negative ttl is an error wrapping
// backends.ErrInvalid. A new key on a store holding MaxSize live keys, or
// a write that would take the store over MaxBytes, returns an error
// wrapping backends.ErrFull; overwriting a live key with a value no longer
// than its old one always works, and expired keys never count toward
// either limit.
func (s *Store) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := check(ctx, key); err != nil {
		return err
	}
	if err := backends.ValidateTTL(ttl); err != nil {
		return err
	}
	if err := checkSize(key, len(value)); err != nil {
		return err
	}
	if err := s.checkFits(key, len(value)); err != nil {
		return err
	}
	// The clock is read only for a TTL, or to evict from a full store.
	var now int64
	haveNow := ttl != 0
	if haveNow {
		now = s.clock()
	}
	exp := expiry(now, ttl)
	sh, h := s.shardFor(key)
	var p unsafe.Pointer
	var n uint32
	for {
		// sh.lock(), written out: the compiler does not inline it.
		sh.mu.Lock()
		if sh.fenced {
			sh.mu.Unlock()
			return backends.ErrFenced
		}
		i, ok := sh.find(h, key)
		var grow int64
		if s.maxBytes != 0 {
			if grow = sh.growth(i, ok, len(key)+len(value)); grow > 0 && !s.reserveBytes(grow) {
				sh.mu.Unlock()
				if !haveNow {
					now, haveNow = s.clock(), true
				}
				if !s.evictElsewhere(nil, now) {
					return s.bytesFull(grow)
				}
				continue
			}
		}
		if ok && p == nil {
			if sl := &sh.slots[i]; sl.overwrite(key, value) {
				sh.replaceLocked(i, sl.p, uint32(blockHeader+len(key)+len(value)), exp)
				sh.mu.Unlock()
				s.freeBytes(-grow)
				return nil
			}
		}
		if p == nil {
			// One allocation holds key and value. It is made under the
			// lock so that a write takes the lock once; a shard's lock is
			// rarely wanted by two cores at once.
			p, n = newBlock(key, value)
		}
		if ok {
			sh.replaceLocked(i, p, n, exp)
			sh.mu.Unlock()
			s.freeBytes(-grow)
			return nil
		}
		if !haveNow && s.maxSize != 0 {
			now, haveNow = s.clock(), true
		}
		if s.reserveLocked(sh, now) {
			sh.insertLocked(h, p, n, exp)
			sh.mu.Unlock()
			return nil
		}
		sh.mu.Unlock()
		s.freeBytes(grow)
		if !s.evictElsewhere(sh, now) {
			return s.errFull
		}
	}
}

// checkFits returns an error wrapping backends.ErrInvalid when a key and
// a value of vlen bytes are more than MaxBytes on their own: no retry can
// make them fit (as a value over Redis's size limit).
func (s *Store) checkFits(key string, vlen int) error {
	if s.maxBytes != 0 && int64(len(key))+int64(vlen) > s.maxBytes {
		return backends.Errorf(backends.ErrInvalid, "the entry can never fit: key and value are %d bytes together, over the store's max_bytes %d", int64(len(key))+int64(vlen), s.maxBytes)
	}
	return nil
}

// reserveBytes counts n more bytes toward MaxBytes if they fit.
func (s *Store) reserveBytes(n int64) bool {
	for {
		b := s.bytes.Load()
		if b+n > s.maxBytes {
			return false
		}
		if s.bytes.CompareAndSwap(b, b+n) {
			return true
		}
	}
}

// freeBytes gives back n bytes counted toward MaxBytes; n <= 0 does
// nothing, so callers can pass a shrinking write's growth negated.
func (s *Store) freeBytes(n int64) {
	if n > 0 && s.maxBytes != 0 {
		s.bytes.Add(-n)
	}
}

// bytesFull is the error of a write that needs grow more bytes than
// MaxBytes leaves.
func (s *Store) bytesFull(grow int64) error {
	return backends.Errorf(backends.ErrFull, "the store is full (max_bytes %d) and the write adds %d bytes", s.maxBytes, grow)
}

// reserveLocked counts one more entry if the size limit allows it, first
// evicting expired entries of sh (whose lock the caller holds) if needed.
func (s *Store) reserveLocked(sh *shard, now int64) bool {
	if s.maxSize == 0 {
		s.entries.Add(1)
		return true
	}
	for {
		n := s.entries.Load()
		if n >= s.maxSize {
			if evicted, _ := s.evictLocked(sh, now, 1, math.MaxInt); evicted == 0 {
				return false
			}
			continue
		}
		if s.entries.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// evictElsewhere removes a batch of expired entries from the first shard
// other than skip (nil: any shard) that has some, and reports whether it
// removed any. It takes one shard lock at a time.
func (s *Store) evictElsewhere(skip *shard, now int64) bool {
	for i := range s.shards {
		sh := &s.shards[i]
		if sh == skip || sh.next.Load() > now {
			continue
		}
		if !sh.lock() {
			continue
		}
		n, _ := s.evictLocked(sh, now, sweepBatch, math.MaxInt)
		sh.mu.Unlock()
		if n > 0 {
			return true
		}
	}
	return false
}

// evictLocked is shard.evictExpiredLocked, keeping the entry and byte
// counts.
func (s *Store) evictLocked(sh *shard, now int64, maxEvict, maxSteps int) (int, bool) {
	held := sh.bytes
	n, done := sh.evictExpiredLocked(now, maxEvict, maxSteps)
	if n > 0 {
		s.entries.Add(-int64(n))
		s.freeBytes(held - sh.bytes)
	}
	return n, done
}

// Delete removes key and reports whether a live key was removed; for an
// expired key it reports false.
func (s *Store) Delete(ctx context.Context, key string) (bool, error) {
	if err := check(ctx, key); err != nil {
		return false, err
	}
	now := s.clock()
	sh, h := s.shardFor(key)
	if !sh.lock() {
		return false, backends.ErrFenced
	}
	i, ok := sh.find(h, key)
	if ok {
		ok = now < sh.slots[i].exp
		held := sh.bytes
		sh.removeLocked(uint32(h>>32), i)
		s.entries.Add(-1)
		s.freeBytes(held - sh.bytes)
	}
	sh.mu.Unlock()
	return ok, nil
}

// Exists reports whether key is live.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if err := check(ctx, key); err != nil {
		return false, err
	}
	now := s.clock()
	sh, h := s.shardFor(key)
	if !sh.lock() {
		return false, backends.ErrFenced
	}
	i, ok := sh.find(h, key)
	ok = ok && now < sh.slots[i].exp
	sh.mu.Unlock()
	return ok, nil
}

// Clear removes every key. Keys set by calls running concurrently with
// Clear may survive it.
func (s *Store) Clear(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for i := range s.shards {
		sh := &s.shards[i]
		if !sh.lock() {
			return backends.ErrFenced
		}
		n, held := sh.len(), sh.bytes
		sh.init()
		s.entries.Add(-int64(n))
		s.freeBytes(held)
		sh.mu.Unlock()
	}
	return nil
}

// Fence makes calls that start from now on return backends.ErrFenced,
// and returns once the calls in flight have ended (see backends.Fencer).
// A call that spans shards (Clear, List) and meets the fence part-way
// returns the error too, having done part of its work; a retry completes
// it. The cleanup loop goes on until Stop.
func (s *Store) Fence() { s.setFenced(true) }

// Unfence lets calls in again after Fence.
func (s *Store) Unfence() { s.setFenced(false) }

func (s *Store) setFenced(on bool) {
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		sh.fenced = on
		sh.mu.Unlock()
	}
}

// Len returns the number of entries the store holds, including expired
// entries that cleanup has not removed yet.
func (s *Store) Len() int { return int(s.entries.Load()) }

// MaxSize returns the store's size limit; 0 means no limit.
func (s *Store) MaxSize() int64 { return s.maxSize }

// MaxBytes returns the store's limit on the bytes of keys and values it
// holds; 0 means no limit.
func (s *Store) MaxBytes() int64 { return s.maxBytes }

// Bytes returns the bytes of keys and values (len(key)+len(value) per
// entry) of the entries the store holds, including expired entries that
// cleanup has not removed yet, as Len counts them.
func (s *Store) Bytes() int64 {
	var n int64
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += sh.bytes
		sh.mu.Unlock()
	}
	return n
}

// checkSize returns an error wrapping backends.ErrInvalid when key and a
// value of vlen bytes are too large for one entry (4 GiB together).
func checkSize(key string, vlen int) error {
	if uint64(blockHeader)+uint64(len(key))+uint64(vlen) > maxBlock {
		return backends.Errorf(backends.ErrInvalid, "key and value are %d bytes together, over the limit of %d bytes", len(key)+vlen, maxBlock-blockHeader)
	}
	return nil
}

func check(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return backends.ValidateKey(key, MaxKeyLen)
}

// Start starts the background cleanup loop when the store has a cleanup
// interval. ctx bounds only Start itself; the loop runs until Stop.
// Starting a running store does nothing.
func (s *Store) Start(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.interval == 0 || s.done != nil {
		return nil
	}
	loopCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.done = make(chan struct{})
	tick, stop := s.newTicker(s.interval)
	go s.loop(loopCtx, tick, stop, s.done)
	return nil
}

// Stop ends the cleanup loop and waits for it, at most until ctx is done.
// It is safe to call without Start and more than once. Entries stay in the
// store.
func (s *Store) Stop(ctx context.Context) error {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.done == nil {
		return nil
	}
	s.cancel()
	select {
	case <-s.done:
		s.done, s.cancel = nil, nil
		return nil
	case <-ctx.Done():
		return fmt.Errorf("memory store: stop cleanup loop: %w", ctx.Err())
	}
}

func (s *Store) loop(ctx context.Context, tick <-chan time.Time, stop func(), done chan<- struct{}) {
	defer close(done)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			s.sweep(ctx)
			if s.swept != nil {
				select {
				case s.swept <- struct{}{}:
				case <-ctx.Done():
					return
				}
			}
		}
	}
}

// sweep removes every entry expired so far, one shard and one batch at a
// time, yielding between batches so readers are not kept waiting.
func (s *Store) sweep(ctx context.Context) {
	for i := range s.shards {
		sh := &s.shards[i]
		for ctx.Err() == nil {
			now := s.clock()
			if sh.next.Load() > now {
				break
			}
			sh.mu.Lock()
			_, done := s.evictLocked(sh, now, math.MaxInt, sweepBatch)
			sh.mu.Unlock()
			if done {
				break
			}
			runtime.Gosched()
		}
	}
}

var _ backends.Store = (*Store)(nil)

// newClock returns the time a store's clock counts from and the clock:
// nanoseconds since then, read from now, or from the monotonic clock when
// now is nil.
func newClock(now func() time.Time) (epoch time.Time, clock func() int64) {
	if now != nil {
		epoch := now()
		return epoch, func() int64 { return int64(now().Sub(epoch)) }
	}
	// time.Since reads only the monotonic clock, half the cost of time.Now.
	start := time.Now()
	return start.Round(0), func() int64 { return int64(time.Since(start)) }
}
