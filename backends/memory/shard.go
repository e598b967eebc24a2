package memory

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"
)

// noExpiry is the expiry of a key without TTL: no clock reading reaches it.
const noExpiry = math.MaxInt64

// slot holds one entry. Its block is one allocation holding the entry's
// version, the key's length, the key and the value:
//
//	[ver uint64][shared 1 bit | klen 31 bits][key][value]
//
// so an entry costs a single heap object besides its share of the shard's
// arrays, and a slot 24 bytes. Get and entry hand out the value bytes
// themselves, and mark the block shared first: the value bytes of a
// shared block are never written again. Set overwrites the value of an
// unshared block in place instead of allocating a new one. The header is
// written only under the shard lock, and readers copy it under that lock.
type slot struct {
	p    unsafe.Pointer // the block; nil when the slot is free
	exp  int64          // expiry in nanoseconds since the store's epoch, or noExpiry
	n    uint32         // length of the block
	hidx int32          // position in the expiry heap, -1 if none; next free slot when free
}

// blockHeader is the length of a block's version and key length.
const blockHeader = 12

// sharedBit marks, in a block's key length word, a block whose value bytes
// were handed out; keys are shorter than 1<<31 bytes (MaxKeyLen).
const sharedBit = 1 << 31

// maxBlock is the largest block, and so bounds a key and value together.
const maxBlock = math.MaxUint32

// newBlock returns a block holding key and value, with version 0, and its
// length; the caller checked that the length fits in maxBlock.
func newBlock(key string, value []byte) (unsafe.Pointer, uint32) {
	n := blockHeader + len(key) + len(value)
	// A capacity of 16 keeps blocks out of the tiny allocator, which packs
	// objects of under 16 bytes without aligning them to 8.
	buf := make([]byte, n, max(n, 16))
	p := unsafe.Pointer(unsafe.SliceData(buf))
	*(*uint32)(unsafe.Add(p, 8)) = uint32(len(key))
	copy(buf[blockHeader+copy(buf[blockHeader:], key):], value)
	return p, uint32(n)
}

// The header's fields are read and written in the machine's byte order at
// their natural alignment (a block starts at least 8-byte aligned), which
// keeps the reads of Get free of bounds checks.

func (s *slot) klenWord() *uint32 { return (*uint32)(unsafe.Add(s.p, 8)) }

func (s *slot) klen() int { return int(*s.klenWord() &^ sharedBit) }

// share marks the block shared, before its value bytes leave the lock.
func (s *slot) share() {
	if w := s.klenWord(); *w&sharedBit == 0 {
		*w |= sharedBit
	}
}

// overwrite writes value into the block in place when the block is not
// shared and has room for it, wasting at most half of the block, and
// reports whether it did. key is the block's key. The caller then gives
// the slot its new length with replaceLocked.
func (s *slot) overwrite(key string, value []byte) bool {
	n := blockHeader + len(key) + len(value)
	if *s.klenWord()&sharedBit != 0 || n > int(s.n) || 2*n < int(s.n) {
		return false
	}
	if len(value) > 0 {
		copy(unsafe.Slice((*byte)(unsafe.Add(s.p, blockHeader+len(key))), len(value)), value)
	}
	return true
}

func (s *slot) key() string {
	return unsafe.String((*byte)(unsafe.Add(s.p, blockHeader)), s.klen())
}

func (s *slot) value() string {
	off := blockHeader + s.klen()
	if int(s.n) == off {
		return "" // a pointer past the block's end could point into the next
	}
	return unsafe.String((*byte)(unsafe.Add(s.p, off)), int(s.n)-off)
}

func (s *slot) ver() uint64 { return *(*uint64)(s.p) }

func (s *slot) setVer(v uint64) { *(*uint64)(s.p) = v }

// entry is a copy of a slot's entry taken under the shard lock, for use
// after it.
type entry struct {
	key, value string
	exp        int64
	ver        uint64
}

// entry marks the block shared: the value leaves the lock.
func (s *slot) entry() entry {
	s.share()
	return entry{key: s.key(), value: s.value(), exp: s.exp, ver: s.ver()}
}

// The expiry heap is a 4-ary min-heap of items in two arrays: hexp[h]
// is a lower bound of the expiry of slot hslot[h]. A write that extends a
// key's expiry leaves its item in place, and cleanup moves it down when it
// reaches the top. That keeps the common case of refreshing a key with a
// new TTL at O(1) instead of sinking the item through the heap on every
// write.

// shard is one independently locked part of a store. Methods whose names
// end in Locked, and find, must be called with mu held.
//
// Keys are found through table, an open-addressing hash table with linear
// probing. Each cell is 0 (empty) or tag<<32 | slot+1, where tag is the
// upper half of the key's hash and its low bits give the home cell. A cell
// costs 8 bytes, a fraction of a Go map entry, and growing the table needs
// no key, only tags.
//
// mu is a sync.Mutex, not a RWMutex: a read lock is an atomic write to
// the lock's reader count too, and a Get holds the lock for less time than
// a RWMutex takes to tell readers from writers.
type shard struct {
	mu     sync.Mutex
	fenced bool    // calls are refused (see Store.Fence)
	hasher *hasher // the store's
	table  []uint64
	used   int // non-empty cells
	slots  []slot
	hexp   []int64
	hslot  []uint32
	free   int32  // head of the free slot list, -1 if empty
	root   *bnode // the slots in key order (see btree.go); nil when empty
	// bytes is the key and value bytes of the entries held, expired or
	// not.
	bytes int64
	// vclock numbers the shard's writes, for versions. init keeps it, so
	// a key written again after Clear never gets a version it had before.
	vclock uint64
	// next is a lower bound of the earliest expiry in the shard (noExpiry
	// if none), written under mu, so a full store can skip shards with
	// nothing to evict without locking them.
	next atomic.Int64
	_    [64]byte
}

const minTable = 8 // cells; a power of two

func (sh *shard) init() {
	sh.table = nil
	sh.used = 0
	sh.slots = nil
	sh.hexp, sh.hslot = nil, nil
	sh.free = -1
	sh.root = nil
	sh.bytes = 0
	sh.next.Store(noExpiry)
}

// grown returns s with room for one more element. Past a few thousand
// elements it grows by an eighth, not by Go's quarter, because the
// shard's arrays are most of a large store's memory besides the blocks.
func grown[T any](s []T) []T {
	if len(s) < cap(s) {
		return s
	}
	if len(s) < 4096 {
		return slices.Grow(s, 1)
	}
	// slices.Grow would round up to Go's growth policy.
	t := make([]T, len(s), len(s)+len(s)/8)
	copy(t, s)
	return t
}

// publishLocked records the heap's top in next.
func (sh *shard) publishLocked() {
	next := int64(noExpiry)
	if len(sh.hexp) > 0 {
		next = sh.hexp[0]
	}
	if sh.next.Load() != next {
		sh.next.Store(next)
	}
}

func (sh *shard) len() int { return sh.used }

// growth returns how many more key and value bytes the shard holds after
// a write of size bytes (key and value) to the key in slot i, if found,
// or to a new key.
func (sh *shard) growth(i uint32, found bool, size int) int64 {
	if found {
		return int64(size) - (int64(sh.slots[i].n) - blockHeader)
	}
	return int64(size)
}

// find returns the slot of key, whose hash is h.
func (sh *shard) find(h uint64, key string) (uint32, bool) {
	if len(sh.table) == 0 {
		return 0, false
	}
	mask := uint32(len(sh.table) - 1)
	tag := uint32(h >> 32)
	for p := tag & mask; ; p = (p + 1) & mask {
		c := sh.table[p]
		if c == 0 {
			return 0, false
		}
		if uint32(c>>32) == tag {
			if i := uint32(c) - 1; sh.slots[i].key() == key {
				return i, true
			}
		}
	}
}

// lock takes sh's lock for a call and reports whether the shard is not
// fenced; a fenced shard is left unlocked.
func (sh *shard) lock() bool {
	sh.mu.Lock()
	if sh.fenced {
		sh.mu.Unlock()
		return false
	}
	return true
}

// insertLocked adds a new entry with block p of length n and returns its
// slot; its key (with hash h) must be absent.
func (sh *shard) insertLocked(h uint64, p unsafe.Pointer, n uint32, exp int64) uint32 {
	if (sh.used+1)*4 > len(sh.table)*3 {
		sh.grow()
	}
	var i uint32
	if sh.free >= 0 {
		i = uint32(sh.free)
		sh.free = sh.slots[i].hidx
	} else {
		i = uint32(len(sh.slots))
		sh.slots = append(grown(sh.slots), slot{})
	}
	sh.vclock++
	sl := &sh.slots[i]
	*sl = slot{p: p, n: n, exp: noExpiry, hidx: -1}
	sl.setVer(sh.vclock)
	sh.place(uint64(uint32(h>>32))<<32 | uint64(i+1))
	sh.used++
	sh.bytes += int64(n) - blockHeader
	sh.treeInsert(i, sl.key())
	sh.setExpLocked(i, exp)
	sh.publishLocked()
	return i
}

// place puts cell c in the first empty cell from its home.
func (sh *shard) place(c uint64) {
	mask := uint32(len(sh.table) - 1)
	p := uint32(c>>32) & mask
	for sh.table[p] != 0 {
		p = (p + 1) & mask
	}
	sh.table[p] = c
}

func (sh *shard) grow() {
	old := sh.table
	sh.table = make([]uint64, max(minTable, 2*len(old)))
	for _, c := range old {
		if c != 0 {
			sh.place(c)
		}
	}
}

// replaceLocked gives slot i the block p of length n, and expiry exp.
func (sh *shard) replaceLocked(i uint32, p unsafe.Pointer, n uint32, exp int64) {
	s := &sh.slots[i]
	sh.bytes += int64(n) - int64(s.n)
	s.p, s.n = p, n
	sh.vclock++
	s.setVer(sh.vclock)
	if exp == noExpiry && s.exp == noExpiry && s.hidx < 0 {
		return // no expiry before or after: the heap stays as it is
	}
	sh.setExpLocked(i, exp)
	sh.publishLocked()
}

// setExpLocked changes the expiry of slot i, keeping the heap in step.
func (sh *shard) setExpLocked(i uint32, exp int64) {
	s := &sh.slots[i]
	old := s.exp
	s.exp = exp
	switch {
	case s.hidx < 0 && exp != noExpiry:
		h := len(sh.hexp)
		sh.hexp = append(grown(sh.hexp), exp)
		sh.hslot = append(grown(sh.hslot), i)
		sh.up(h)
	case s.hidx >= 0 && exp == noExpiry:
		sh.heapRemove(int(s.hidx))
	case s.hidx >= 0 && exp < old && exp < sh.hexp[s.hidx]:
		// Testing exp < old first spares a later expiry a read of the
		// heap: the item's exp is at most old.
		h := int(s.hidx)
		sh.hexp[h] = exp
		sh.up(h)
	}
}

// removeLocked deletes the entry in slot i, whose key has the given tag.
func (sh *shard) removeLocked(tag uint32, i uint32) {
	mask := uint32(len(sh.table) - 1)
	want := uint64(i + 1)
	p := tag & mask
	for uint32(sh.table[p]) != uint32(want) {
		p = (p + 1) & mask
	}
	// Backward-shift deletion: pull later cells of the probe run into the
	// hole when the hole lies between their home and their position.
	for q := (p + 1) & mask; sh.table[q] != 0; q = (q + 1) & mask {
		home := uint32(sh.table[q]>>32) & mask
		if (q-home)&mask >= (q-p)&mask {
			sh.table[p] = sh.table[q]
			p = q
		}
	}
	sh.table[p] = 0
	sh.used--

	s := &sh.slots[i]
	sh.bytes -= int64(s.n) - blockHeader
	sh.treeDelete(s.key())
	if s.hidx >= 0 {
		sh.heapRemove(int(s.hidx))
	}
	*s = slot{hidx: sh.free}
	sh.free = int32(i)
	if sh.used == 0 && cap(sh.slots) > shrinkCap {
		// The table never shrinks otherwise; start afresh so that a mass
		// expiry or deletion gives its memory back.
		sh.init()
	}
	sh.publishLocked()
}

// shrinkCap is the slot capacity above which an emptied shard drops its
// arrays.
const shrinkCap = 1024

// evictExpiredLocked removes entries expired at now, earliest first. It
// stops after maxEvict removals or maxSteps steps (removals and moves of
// items whose expiry was extended), and reports how many entries it removed
// and whether no expired entry is left.
func (sh *shard) evictExpiredLocked(now int64, maxEvict, maxSteps int) (evicted int, done bool) {
	for steps := 0; evicted < maxEvict && steps < maxSteps; steps++ {
		if len(sh.hexp) == 0 || sh.hexp[0] > now {
			return evicted, true
		}
		i := sh.hslot[0]
		sl := &sh.slots[i]
		if exp := sl.exp; exp > now {
			sh.hexp[0] = exp
			sh.down(0)
			sh.publishLocked()
			continue
		}
		sh.removeLocked(uint32(sh.hasher.hash(sl.key())>>32), i)
		evicted++
	}
	return evicted, len(sh.hexp) == 0 || sh.hexp[0] > now
}

func (sh *shard) heapRemove(h int) {
	sh.slots[sh.hslot[h]].hidx = -1
	last := len(sh.hexp) - 1
	if h != last {
		sh.hexp[h], sh.hslot[h] = sh.hexp[last], sh.hslot[last]
	}
	sh.hexp, sh.hslot = sh.hexp[:last], sh.hslot[:last]
	if h < last && !sh.up(h) {
		sh.down(h)
	}
}

// up moves the item at h towards the root and reports whether it moved.
func (sh *shard) up(h int) bool {
	exp, i := sh.hexp[h], sh.hslot[h]
	start := h
	for h > 0 {
		p := (h - 1) / 4
		if sh.hexp[p] <= exp {
			break
		}
		sh.hexp[h], sh.hslot[h] = sh.hexp[p], sh.hslot[p]
		sh.slots[sh.hslot[h]].hidx = int32(h)
		h = p
	}
	sh.hexp[h], sh.hslot[h] = exp, i
	sh.slots[i].hidx = int32(h)
	return h != start
}

func (sh *shard) down(h int) {
	exp, i := sh.hexp[h], sh.hslot[h]
	n := len(sh.hexp)
	for {
		c := 4*h + 1
		if c >= n {
			break
		}
		m := c
		for j, end := c+1, min(c+4, n); j < end; j++ {
			if sh.hexp[j] < sh.hexp[m] {
				m = j
			}
		}
		if sh.hexp[m] >= exp {
			break
		}
		sh.hexp[h], sh.hslot[h] = sh.hexp[m], sh.hslot[m]
		sh.slots[sh.hslot[h]].hidx = int32(h)
		h = m
	}
	sh.hexp[h], sh.hslot[h] = exp, i
	sh.slots[i].hidx = int32(h)
}
