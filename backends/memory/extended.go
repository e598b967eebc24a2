package memory

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/luahost/luahost/backends"
)

// bytesOf returns the stored string v as a read-only byte slice.
func bytesOf(v string) []byte {
	if len(v) == 0 {
		return []byte{}
	}
	return unsafe.Slice(unsafe.StringData(v), len(v))
}

// item returns the item of entry e, with version as given.
func (s *Store) item(e *entry, version string) backends.Item {
	it := backends.Item{Key: e.key, Value: bytesOf(e.value), Version: version}
	if e.exp != noExpiry {
		it.ExpiresAt = s.epoch.Add(time.Duration(e.exp))
	}
	return it
}

func formatVersion(v uint64) string { return strconv.FormatUint(v, 10) }

// Entry returns the live item under key, or an error wrapping
// backends.ErrNotFound. Its Value is the stored copy and is read-only, as
// with Get. Versions are decimal numbers.
func (s *Store) Entry(ctx context.Context, key string) (backends.Item, error) {
	if err := check(ctx, key); err != nil {
		return backends.Item{}, err
	}
	now := s.clock()
	sh, h := s.shardFor(key)
	if !sh.lock() {
		return backends.Item{}, backends.ErrFenced
	}
	var e entry
	i, ok := sh.find(h, key)
	if ok {
		sl := &sh.slots[i]
		ok = now < sl.exp
		e = sl.entry()
	}
	sh.mu.Unlock()
	if !ok {
		return backends.Item{}, errNotFound
	}
	return s.item(&e, formatVersion(e.ver)), nil
}

// block is a new entry's block (see slot) and its length.
type block struct {
	p unsafe.Pointer
	n uint32
}

// write stores under key the block and expiry that decide returns, under
// the shard lock, so that decide's look at the key and the write are one
// atomic step. decide gets the key's live slot, nil when the key is
// missing or expired; its error cancels the write. A new key obeys MaxSize,
// and a write that grows the store MaxBytes, as in Set. write returns the
// entry as written.
func (s *Store) write(key string, now int64, decide func(cur *slot) (block, int64, error)) (entry, error) {
	sh, h := s.shardFor(key)
	for {
		if !sh.lock() {
			return entry{}, backends.ErrFenced
		}
		i, found := sh.find(h, key)
		var cur *slot
		if found && now < sh.slots[i].exp {
			cur = &sh.slots[i]
		}
		b, exp, err := decide(cur)
		if err != nil {
			sh.mu.Unlock()
			return entry{}, err
		}
		var grow int64
		if s.maxBytes != 0 {
			if grow = sh.growth(i, found, int(b.n)-blockHeader); grow > 0 && !s.reserveBytes(grow) {
				sh.mu.Unlock()
				if !s.evictElsewhere(nil, now) {
					return entry{}, s.bytesFull(grow)
				}
				continue
			}
		}
		if found {
			sh.replaceLocked(i, b.p, b.n, exp)
			out := sh.slots[i].entry()
			sh.mu.Unlock()
			s.freeBytes(-grow)
			return out, nil
		}
		if s.reserveLocked(sh, now) {
			i = sh.insertLocked(h, b.p, b.n, exp)
			out := sh.slots[i].entry()
			sh.mu.Unlock()
			return out, nil
		}
		sh.mu.Unlock()
		s.freeBytes(grow)
		if !s.evictElsewhere(sh, now) {
			return entry{}, s.errFull
		}
	}
}

// Put writes a copy of value under key and returns the new item; see
// backends.Extended. opts.TTL 0 means no expiry, as with Set, and a new
// key on a full store, or a write over MaxBytes, is an error wrapping
// backends.ErrFull. With
// opts.OnlyIfAbsent an expired key counts as absent. An opts.IfVersion
// that this store did not issue never matches.
func (s *Store) Put(ctx context.Context, key string, value []byte, opts backends.PutOptions) (backends.Item, error) {
	if err := check(ctx, key); err != nil {
		return backends.Item{}, err
	}
	if err := backends.ValidateTTL(opts.TTL); err != nil {
		return backends.Item{}, err
	}
	if opts.OnlyIfAbsent && opts.HasIfVersion {
		return backends.Item{}, backends.Errorf(backends.ErrInvalid, "put %q: only_if_absent and if_version exclude each other", key)
	}
	var want uint64
	var perr error
	if opts.HasIfVersion {
		want, perr = strconv.ParseUint(opts.IfVersion, 10, 64)
	}
	if err := checkSize(key, len(value)); err != nil {
		return backends.Item{}, err
	}
	if err := s.checkFits(key, len(value)); err != nil {
		return backends.Item{}, err
	}
	var b block
	b.p, b.n = newBlock(key, value)
	now := s.clock()
	exp := expiry(now, opts.TTL)
	e, err := s.write(key, now, func(cur *slot) (block, int64, error) {
		switch {
		case opts.OnlyIfAbsent && cur != nil:
			return block{}, 0, backends.ErrAlreadyExists
		case opts.HasIfVersion && (cur == nil || perr != nil || cur.ver() != want):
			return block{}, 0, backends.ErrConflict
		}
		return b, exp, nil
	})
	// The messages are made here, not under the shard lock.
	switch err {
	case nil:
	case backends.ErrAlreadyExists:
		return backends.Item{}, backends.Errorf(err, "put %q with only_if_absent: the key exists", key)
	case backends.ErrConflict:
		return backends.Item{}, backends.Errorf(err, "put %q: the key's version is not %q, or the key is gone", key, opts.IfVersion)
	default:
		return backends.Item{}, err
	}
	return s.item(&e, formatVersion(e.ver)), nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// Incr atomically adds delta to the number stored under key and returns
// the sum; see backends.Extended and backends.AddNumber, which decides the
// arithmetic and when the sum is ErrInvalid (then nothing is written). A
// new key on a full store, or a write over MaxBytes, is an error wrapping
// backends.ErrFull.
func (s *Store) Incr(ctx context.Context, key string, delta float64, opts backends.IncrOptions) (float64, error) {
	if err := check(ctx, key); err != nil {
		return 0, err
	}
	if err := backends.ValidateTTL(opts.TTL); err != nil {
		return 0, err
	}
	if !finite(delta) || !finite(opts.Init) {
		return 0, backends.Errorf(backends.ErrInvalid, "incr %q: delta and init must be finite numbers", key)
	}
	now := s.clock()
	var sum float64
	if err := checkSize(key, 9); err != nil {
		return 0, err
	}
	_, err := s.write(key, now, func(cur *slot) (block, int64, error) {
		var (
			ib  [9]byte
			old = backends.AppendNumber(ib[:0], opts.Init)
			exp = expiry(now, opts.TTL)
		)
		if cur != nil {
			old, exp = bytesOf(cur.value()), cur.exp
		}
		buf := make([]byte, blockHeader+len(key), blockHeader+len(key)+9)
		*(*uint32)(unsafe.Pointer(&buf[8])) = uint32(len(key))
		copy(buf[blockHeader:], key)
		var err error
		if sum, buf, err = backends.AddNumber(buf, old, delta); err != nil {
			return block{}, 0, fmt.Errorf("incr %q: %w", key, err)
		}
		return block{unsafe.Pointer(unsafe.SliceData(buf)), uint32(len(buf))}, exp, nil
	})
	if err != nil {
		return 0, err
	}
	return sum, nil
}

// TTL returns the time left on a live key; ok is false when the key has
// no expiry. A missing or expired key is an error wrapping
// backends.ErrNotFound.
func (s *Store) TTL(ctx context.Context, key string) (time.Duration, bool, error) {
	if err := check(ctx, key); err != nil {
		return 0, false, err
	}
	now := s.clock()
	sh, h := s.shardFor(key)
	if !sh.lock() {
		return 0, false, backends.ErrFenced
	}
	exp := int64(0)
	if i, ok := sh.find(h, key); ok {
		exp = sh.slots[i].exp
	}
	sh.mu.Unlock()
	switch {
	case now >= exp:
		return 0, false, errNotFound
	case exp == noExpiry:
		return 0, false, nil
	}
	return time.Duration(exp - now), true, nil
}

// Expire sets the expiry of a live key to ttl from now (0 removes it) and
// reports whether the key was live. It counts as a write: the key's
// version changes. An expired key found on the way is removed.
func (s *Store) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := check(ctx, key); err != nil {
		return false, err
	}
	if err := backends.ValidateTTL(ttl); err != nil {
		return false, err
	}
	now := s.clock()
	exp := expiry(now, ttl)
	sh, h := s.shardFor(key)
	if !sh.lock() {
		return false, backends.ErrFenced
	}
	defer sh.mu.Unlock()
	i, ok := sh.find(h, key)
	switch {
	case !ok:
		return false, nil
	case now >= sh.slots[i].exp:
		held := sh.bytes
		sh.removeLocked(uint32(h>>32), i)
		s.entries.Add(-1)
		s.freeBytes(held - sh.bytes)
		return false, nil
	}
	sh.vclock++
	sh.slots[i].setVer(sh.vclock)
	sh.setExpLocked(i, exp)
	sh.publishLocked()
	return true, nil
}

// Info describes the store. To make Size the exact number of live keys,
// and Bytes their bytes of keys and values, it first removes the expired
// entries cleanup has not removed yet, which costs time in proportion to
// their number, not to the store's size.
func (s *Store) Info(ctx context.Context) (backends.Info, error) {
	if err := ctx.Err(); err != nil {
		return backends.Info{}, err
	}
	s.sweep(ctx)
	if err := ctx.Err(); err != nil {
		return backends.Info{}, err
	}
	return backends.Info{
		Kind:        Kind,
		Backend:     "memory",
		Consistency: backends.ConsistencyLocal,
		Durable:     false,
		Size:        s.entries.Load(),
		MaxSize:     s.maxSize,
		CountsBytes: true,
		Bytes:       s.Bytes(),
		MaxBytes:    s.maxBytes,
		Capabilities: backends.Capabilities{
			TTL: true, List: true, Versioned: true, ConditionalPut: true, Incr: true,
		},
	}, nil
}

// List returns live items in byte-wise key order, after opts.After, whose
// keys start with opts.Prefix; see backends.Extended. Values are the
// stored copies and are read-only, as with Get.
//
// List is not a snapshot: a key written while pages are read may or may
// not appear, but a key live throughout appears exactly once, in order.
// Each page merges the shards' key orders, holding one shard's lock at a
// time for one batch of keys. A page passes over at most max(16,
// limit/16) expired entries per shard; when it stops because of them it
// may hold fewer than limit items, with HasMore set and a Cursor past the
// expired entries.
func (s *Store) List(ctx context.Context, opts backends.ListOptions) (backends.Page, error) {
	if err := ctx.Err(); err != nil {
		return backends.Page{}, err
	}
	limit := opts.Limit
	switch {
	case limit == 0:
		limit = backends.DefaultListLimit
	case limit < 0 || limit > backends.MaxListLimit:
		return backends.Page{}, backends.Errorf(backends.ErrInvalid, "list: limit must be an integer from 1 to %d, got %d", backends.MaxListLimit, limit)
	}
	sc := listPool.Get().(*listScratch)
	defer sc.release()
	var (
		from          string
		bounded, incl bool
		prefix, after = opts.Prefix, opts.After
		states        = &sc.states
		order         [numShards]uint8 // a min-heap of shards by head key
		// Keys spread evenly over the shards: a batch of twice a shard's
		// share rarely runs out, and a refill costs a descent of the tree.
		batch          = 2*(limit+1)/numShards + 3
		skips          = max(16, limit/16)
		c              = &sc.c
		hasMore, ended bool
		boundary       string
	)
	c.now, c.prefix, c.fenced = s.clock(), prefix, false
	if cap(sc.arena) < numShards*batch {
		sc.arena = make([]entry, numShards*batch)
	}
	switch {
	case after != "" && after >= prefix:
		from, bounded = after, true
	case prefix != "":
		from, bounded, incl = prefix, true, true
	}
	n := 0
	for k := range states {
		st := &states[k]
		st.buf, st.batch, st.skips = sc.arena[k*batch:k*batch:(k+1)*batch], batch, skips
		st.refill(&s.shards[k], c, from, bounded, incl)
		if !st.exhausted() {
			order[n] = uint8(k)
			n++
		}
	}
	less := func(a, b uint8) bool { return states[a].head() < states[b].head() }
	for i := n/2 - 1; i >= 0; i-- {
		siftDown(order[:n], i, less)
	}
	emitted := sc.emitted[:0]
	for n > 0 {
		k := order[0]
		st := &states[k]
		if st.pos < len(st.buf) {
			if len(emitted) == limit {
				hasMore = true
				break
			}
			emitted = append(emitted, st.buf[st.pos])
			st.pos++
		} else {
			// The smallest head is the last key the shard passed over:
			// every other shard's keys up to it have been emitted.
			if st.skips <= 0 {
				hasMore, ended, boundary = true, true, st.last
				break
			}
			st.refill(&s.shards[k], c, st.last, true, false)
		}
		if st.exhausted() {
			n--
			order[0] = order[n]
		}
		siftDown(order[:n], 0, less)
	}
	sc.emitted = emitted
	if c.fenced {
		return backends.Page{}, backends.ErrFenced
	}

	page := backends.Page{Items: make([]backends.Item, len(emitted)), Cursor: after, HasMore: hasMore}
	// Versions share one buffer, large enough never to move.
	vbuf := make([]byte, 0, 20*len(emitted))
	for i := range emitted {
		start := len(vbuf)
		vbuf = strconv.AppendUint(vbuf, emitted[i].ver, 10)
		page.Items[i] = s.item(&emitted[i], unsafe.String(&vbuf[start], len(vbuf)-start))
	}
	switch {
	case ended && len(emitted) < limit:
		page.Cursor = boundary
	case len(emitted) > 0:
		page.Cursor = emitted[len(emitted)-1].key
	}
	return page, nil
}

// listScratch is the working memory of one List call, kept for reuse.
type listScratch struct {
	states  [numShards]listShard
	arena   []entry // the shards' first batches
	emitted []entry
	c       collector
}

var listPool = sync.Pool{New: func() any { return new(listScratch) }}

// release drops the scratch's references to entries and returns it to
// the pool.
func (sc *listScratch) release() {
	sc.states = [numShards]listShard{}
	clear(sc.arena)
	clear(sc.emitted)
	sc.c = collector{}
	listPool.Put(sc)
}

// listShard is one shard's part of a List page: a batch of its live
// entries in key order, and the last key it passed over.
type listShard struct {
	buf   []entry
	pos   int
	last  string
	batch int  // entries per refill; buf holds them without growing
	skips int  // expired entries it may still pass over
	done  bool // no more keys in the shard match
}

// head is the smallest key the shard may still give: its next entry, or
// the key it stopped at when it has to read more.
func (st *listShard) head() string {
	if st.pos < len(st.buf) {
		return st.buf[st.pos].key
	}
	return st.last
}

func (st *listShard) exhausted() bool { return st.done && st.pos == len(st.buf) }

// refill reads the shard's next batch from from on, under its lock.
func (st *listShard) refill(sh *shard, c *collector, from string, bounded, incl bool) {
	c.sh, c.out, c.want, c.skips, c.ended, c.seen = sh, st.buf[:0], st.batch, st.skips, false, false
	if !sh.lock() {
		c.fenced = true
		st.buf, st.pos, st.done = st.buf[:0], 0, true
		c.sh, c.out = nil, nil
		return
	}
	complete := sh.root == nil || sh.ascend(sh.root, from, bounded, incl, c)
	sh.mu.Unlock()
	st.buf, st.pos, st.skips = c.out, 0, c.skips
	st.done = complete || c.ended
	if c.seen {
		st.last = c.last
	}
	c.sh, c.out = nil, nil
}

// collector gathers live entries with a prefix from a shard's key order.
type collector struct {
	sh     *shard
	now    int64
	prefix string
	want   int
	skips  int // expired entries it may still pass over
	out    []entry
	last   string
	seen   bool
	ended  bool // met a key without the prefix
	fenced bool // met a fenced shard
}

func (c *collector) visit(i uint32) bool {
	sl := &c.sh.slots[i]
	k := sl.key()
	if !strings.HasPrefix(k, c.prefix) {
		c.ended = true
		return false
	}
	c.last, c.seen = k, true
	if c.now >= sl.exp {
		c.skips--
		return c.skips > 0
	}
	c.out = append(c.out, sl.entry())
	return len(c.out) < c.want
}

func siftDown(h []uint8, i int, less func(a, b uint8) bool) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && less(h[r], h[l]) {
			m = r
		}
		if !less(h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

var _ backends.Extended = (*Store)(nil)
