package memory_test

import (
	"container/heap"
	"context"
	"hash/maphash"
	"runtime"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/tidwall/btree"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/memory"
)

// libStore is the memory store built from a Go map, tidwall/btree and
// container/heap instead of the package's own open-addressing table,
// B-tree and 4-ary heap, for BenchmarkStructures. It keeps the rest of the
// design (64 shards with a lock each, an expiry heap whose items may lag behind an extended expiry, cleanup in
// batches per lock hold, List merging per-shard batches), so that a
// comparison measures the data structures alone. It implements what the
// benchmarks call: Set, Get, List, Len, Start and Stop.
type libStore struct {
	interval time.Duration
	clock    func() int64
	epoch    time.Time
	seed     maphash.Seed
	entries  sync.Mutex // guards n
	n        int
	shards   [libShards]libShard

	runMu sync.Mutex
	stop  chan struct{}
	done  chan struct{}
}

const (
	libShards = 64
	libBatch  = 64 // entries cleanup removes per lock hold
	noExp     = int64(1<<63 - 1)
)

// libEntry is one entry. Its key has an allocation of its own: the map
// and the tree hold the key string, and an overwrite must not keep the old
// value alive through them.
type libEntry struct {
	key  string
	val  string
	exp  int64
	ver  uint64
	hidx int32 // position in the expiry heap, -1 if none
}

type libItem struct {
	exp int64 // a lower bound of e.exp
	e   *libEntry
}

// libHeap is a container/heap min-heap of expiry items.
type libHeap []libItem

func (h libHeap) Len() int           { return len(h) }
func (h libHeap) Less(i, j int) bool { return h[i].exp < h[j].exp }
func (h libHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].e.hidx = int32(i)
	h[j].e.hidx = int32(j)
}
func (h *libHeap) Push(x any) {
	it := x.(libItem)
	it.e.hidx = int32(len(*h))
	*h = append(*h, it)
}
func (h *libHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = libItem{}
	*h = old[:len(old)-1]
	it.e.hidx = -1
	return it
}

type libShard struct {
	mu     sync.RWMutex
	m      map[string]*libEntry
	tree   *btree.BTreeG[string]
	heap   libHeap
	vclock uint64
	_      [64]byte
}

func newLibStore(opts memory.Options) *libStore {
	s := &libStore{interval: opts.CleanupInterval, seed: maphash.MakeSeed()}
	s.epoch, s.clock = memory.NewClock(opts.Now)
	for i := range s.shards {
		sh := &s.shards[i]
		sh.m = make(map[string]*libEntry)
		sh.tree = btree.NewBTreeGOptions(func(a, b string) bool { return a < b }, btree.Options{NoLocks: true})
	}
	return s
}

func (s *libStore) shardFor(key string) *libShard {
	return &s.shards[maphash.String(s.seed, key)&(libShards-1)]
}

func (s *libStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := s.clock()
	sh := s.shardFor(key)
	sh.mu.RLock()
	e, ok := sh.m[key]
	var v string
	if ok && now < e.exp {
		v = e.val
	} else {
		ok = false
	}
	sh.mu.RUnlock()
	if !ok {
		return nil, backends.ErrNotFound
	}
	return unsafe.Slice(unsafe.StringData(v), len(v)), nil
}

func (s *libStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	val := string(value)
	exp := noExp
	now := s.clock()
	if ttl > 0 {
		exp = now + int64(ttl)
	}
	sh := s.shardFor(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.vclock++
	if e, ok := sh.m[key]; ok {
		e.val = val
		sh.setExp(e, exp)
		e.ver = sh.vclock
		return nil
	}
	e := &libEntry{key: strings.Clone(key), val: val, hidx: -1, exp: noExp, ver: sh.vclock}
	sh.m[e.key] = e
	sh.tree.Set(e.key)
	sh.setExp(e, exp)
	s.entries.Lock()
	s.n++
	s.entries.Unlock()
	return nil
}

// setExp changes e's expiry, keeping the heap in step; an extended expiry
// leaves the item where it is (cleanup moves it).
func (sh *libShard) setExp(e *libEntry, exp int64) {
	old := e.exp
	e.exp = exp
	switch {
	case e.hidx < 0 && exp != noExp:
		heap.Push(&sh.heap, libItem{exp: exp, e: e})
	case e.hidx >= 0 && exp == noExp:
		heap.Remove(&sh.heap, int(e.hidx))
	case e.hidx >= 0 && exp < old && exp < sh.heap[e.hidx].exp:
		sh.heap[e.hidx].exp = exp
		heap.Fix(&sh.heap, int(e.hidx))
	}
}

func (sh *libShard) remove(e *libEntry) {
	delete(sh.m, e.key)
	sh.tree.Delete(e.key)
	if e.hidx >= 0 {
		heap.Remove(&sh.heap, int(e.hidx))
	}
}

func (s *libStore) Len() int {
	s.entries.Lock()
	defer s.entries.Unlock()
	return s.n
}

func (s *libStore) Start(ctx context.Context) error {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.interval == 0 || s.done != nil {
		return nil
	}
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.done)
		t := time.NewTicker(s.interval)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				s.sweep()
			}
		}
	}()
	return nil
}

func (s *libStore) Stop(ctx context.Context) error {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.done != nil {
		close(s.stop)
		<-s.done
		s.done = nil
	}
	return nil
}

// sweep removes expired entries, libBatch steps per lock hold.
func (s *libStore) sweep() {
	for i := range s.shards {
		sh := &s.shards[i]
		for done := false; !done; runtime.Gosched() {
			now := s.clock()
			removed := 0
			sh.mu.Lock()
			for steps := 0; ; steps++ {
				if len(sh.heap) == 0 || sh.heap[0].exp > now {
					done = true
					break
				}
				if steps == libBatch {
					break
				}
				top := sh.heap[0]
				if top.e.exp > now {
					sh.heap[0].exp = top.e.exp
					heap.Fix(&sh.heap, 0)
					continue
				}
				sh.remove(top.e)
				removed++
			}
			sh.mu.Unlock()
			s.entries.Lock()
			s.n -= removed
			s.entries.Unlock()
		}
	}
}

// libCursor is one shard's part of a List page.
type libCursor struct {
	buf  []backends.Item
	pos  int
	last string // the last key the shard passed over
	done bool   // no keys after last
}

// fill reads the shard's next live keys after from (from itself too when
// incl) into buf, at most batch of them.
func (c *libCursor) fill(s *libStore, sh *libShard, from string, incl bool, prefix string, batch int, now int64) {
	c.buf, c.pos, c.done = c.buf[:0], 0, true
	sh.mu.RLock()
	sh.tree.Ascend(from, func(k string) bool {
		if !incl && k == from {
			return true
		}
		if !strings.HasPrefix(k, prefix) {
			return false
		}
		c.last = k
		e := sh.m[k]
		if now < e.exp {
			it := backends.Item{Key: k, Value: unsafe.Slice(unsafe.StringData(e.val), len(e.val)), Version: formatVer(e.ver)}
			if e.exp != noExp {
				it.ExpiresAt = s.epoch.Add(time.Duration(e.exp))
			}
			c.buf = append(c.buf, it)
		}
		if len(c.buf) == batch {
			c.done = false
			return false
		}
		return true
	})
	sh.mu.RUnlock()
}

func formatVer(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return string(b[i:])
}

// cursorHeap orders shards by their next key, for container/heap.
type cursorHeap struct {
	idx []int
	cur *[libShards]libCursor
}

func (h *cursorHeap) Len() int { return len(h.idx) }
func (h *cursorHeap) Less(i, j int) bool {
	a, b := &h.cur[h.idx[i]], &h.cur[h.idx[j]]
	return a.head() < b.head()
}
func (h *cursorHeap) Swap(i, j int) { h.idx[i], h.idx[j] = h.idx[j], h.idx[i] }
func (h *cursorHeap) Push(x any)    { h.idx = append(h.idx, x.(int)) }
func (h *cursorHeap) Pop() any {
	x := h.idx[len(h.idx)-1]
	h.idx = h.idx[:len(h.idx)-1]
	return x
}

// head is the smallest key the cursor has not emitted: its next buffered
// item, or the last key it passed over when it must refill.
func (c *libCursor) head() string {
	if c.pos < len(c.buf) {
		return c.buf[c.pos].Key
	}
	return c.last
}

// List returns a page of live keys in order, as Store.List does (without
// its bound on passing over expired keys).
func (s *libStore) List(ctx context.Context, opts backends.ListOptions) (backends.Page, error) {
	if err := ctx.Err(); err != nil {
		return backends.Page{}, err
	}
	limit := opts.Limit
	if limit == 0 {
		limit = backends.DefaultListLimit
	}
	now := s.clock()
	from, incl := opts.After, false
	if opts.After < opts.Prefix {
		from, incl = opts.Prefix, true
	}
	batch := 2*(limit+1)/libShards + 3
	var cur [libShards]libCursor
	h := &cursorHeap{idx: make([]int, 0, libShards), cur: &cur}
	for k := range cur {
		c := &cur[k]
		c.buf = make([]backends.Item, 0, batch)
		c.fill(s, &s.shards[k], from, incl, opts.Prefix, batch, now)
		if len(c.buf) > 0 || !c.done {
			h.idx = append(h.idx, k)
		}
	}
	heap.Init(h)
	page := backends.Page{Items: make([]backends.Item, 0, limit), Cursor: opts.After}
	for h.Len() > 0 {
		k := h.idx[0]
		c := &cur[k]
		if c.pos < len(c.buf) {
			if len(page.Items) == limit {
				page.HasMore = true
				break
			}
			page.Items = append(page.Items, c.buf[c.pos])
			c.pos++
		} else {
			c.fill(s, &s.shards[k], c.last, false, opts.Prefix, batch, now)
		}
		if c.pos == len(c.buf) && c.done {
			heap.Pop(h)
			continue
		}
		heap.Fix(h, 0)
	}
	if n := len(page.Items); n > 0 {
		page.Cursor = page.Items[n-1].Key
	}
	return page, nil
}
