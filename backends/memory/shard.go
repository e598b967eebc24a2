package memory

import (
	"math"
	"sync"
	"sync/atomic"
)

// noExpiry is the expiry of a key without TTL: no clock reading reaches it.
const noExpiry = math.MaxInt64

// slot holds one entry. Key and value share one allocation (data), so an
// entry costs a single heap object besides its share of the shard's arrays.
type slot struct {
	data string // key followed by value; "" when the slot is free
	exp  int64  // expiry in nanoseconds since the store's epoch, or noExpiry
	klen uint32
	hidx int32  // position in the expiry heap, -1 if none; next free slot when free
	ver  uint64 // changes on every write of the entry
}

func (s *slot) key() string   { return s.data[:s.klen] }
func (s *slot) value() string { return s.data[s.klen:] }

// item is an expiry heap element. exp is a lower bound of its slot's
// expiry: a write that extends a key's expiry leaves the item in place, and
// cleanup moves it down when it reaches the top. That keeps the common case
// of refreshing a key with a new TTL at O(1) instead of sinking the item
// through the heap on every write. tag is the key's tag (see shard), kept
// so that cleanup finds the table cell without reading the key.
type item struct {
	exp  int64
	slot uint32
	tag  uint32
}

// shard is one independently locked part of a store. Methods whose names
// end in Locked must be called with mu held for writing; find needs mu held
// for reading.
//
// Keys are found through table, an open-addressing hash table with linear
// probing. Each cell is 0 (empty) or tag<<32 | slot+1, where tag is the
// upper half of the key's hash and its low bits give the home cell. A cell
// costs 8 bytes, a fraction of a Go map entry, and growing the table needs
// no key, only tags.
type shard struct {
	mu    sync.RWMutex
	table []uint64
	used  int // non-empty cells
	slots []slot
	heap  []item // 4-ary min-heap on item.exp; slot.hidx tracks each item's position
	free  int32  // head of the free slot list, -1 if empty
	root  *bnode // the slots in key order (see btree.go); nil when empty
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
	sh.heap = nil
	sh.free = -1
	sh.root = nil
	sh.next.Store(noExpiry)
}

// publishLocked records the heap's top in next.
func (sh *shard) publishLocked() {
	next := int64(noExpiry)
	if len(sh.heap) > 0 {
		next = sh.heap[0].exp
	}
	if sh.next.Load() != next {
		sh.next.Store(next)
	}
}

func (sh *shard) len() int { return sh.used }

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

// insertLocked adds a new entry and returns its slot; its key (with hash
// h) must be absent.
func (sh *shard) insertLocked(h uint64, data string, klen int, exp int64) uint32 {
	if (sh.used+1)*4 > len(sh.table)*3 {
		sh.grow()
	}
	var i uint32
	if sh.free >= 0 {
		i = uint32(sh.free)
		sh.free = sh.slots[i].hidx
	} else {
		i = uint32(len(sh.slots))
		sh.slots = append(sh.slots, slot{})
	}
	sh.vclock++
	sh.slots[i] = slot{data: data, klen: uint32(klen), exp: noExpiry, hidx: -1, ver: sh.vclock}
	sh.place(uint64(uint32(h>>32))<<32 | uint64(i+1))
	sh.used++
	sh.treeInsert(i, data[:klen])
	sh.setExpLocked(h, i, exp)
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

// replaceLocked gives slot i, whose key has hash h, new data and expiry.
func (sh *shard) replaceLocked(h uint64, i uint32, data string, klen int, exp int64) {
	s := &sh.slots[i]
	s.data = data
	s.klen = uint32(klen)
	sh.vclock++
	s.ver = sh.vclock
	sh.setExpLocked(h, i, exp)
	sh.publishLocked()
}

// setExpLocked changes the expiry of slot i, whose key has hash hash,
// keeping the heap in step.
func (sh *shard) setExpLocked(hash uint64, i uint32, exp int64) {
	s := &sh.slots[i]
	old := s.exp
	s.exp = exp
	switch {
	case s.hidx < 0 && exp != noExpiry:
		h := len(sh.heap)
		sh.heap = append(sh.heap, item{exp: exp, slot: i, tag: uint32(hash >> 32)})
		sh.up(h)
	case s.hidx >= 0 && exp == noExpiry:
		sh.heapRemove(int(s.hidx))
	case s.hidx >= 0 && exp < old && exp < sh.heap[s.hidx].exp:
		// Testing exp < old first spares a later expiry a read of the
		// heap: the item's exp is at most old.
		h := int(s.hidx)
		sh.heap[h].exp = exp
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
		if len(sh.heap) == 0 || sh.heap[0].exp > now {
			return evicted, true
		}
		top := sh.heap[0]
		if exp := sh.slots[top.slot].exp; exp > now {
			sh.heap[0].exp = exp
			sh.down(0)
			sh.publishLocked()
			continue
		}
		sh.removeLocked(top.tag, top.slot)
		evicted++
	}
	return evicted, len(sh.heap) == 0 || sh.heap[0].exp > now
}

func (sh *shard) heapRemove(h int) {
	sh.slots[sh.heap[h].slot].hidx = -1
	last := len(sh.heap) - 1
	if h != last {
		sh.heap[h] = sh.heap[last]
	}
	sh.heap = sh.heap[:last]
	if h < last && !sh.up(h) {
		sh.down(h)
	}
}

// up moves the item at h towards the root and reports whether it moved.
func (sh *shard) up(h int) bool {
	it := sh.heap[h]
	start := h
	for h > 0 {
		p := (h - 1) / 4
		if sh.heap[p].exp <= it.exp {
			break
		}
		sh.heap[h] = sh.heap[p]
		sh.slots[sh.heap[h].slot].hidx = int32(h)
		h = p
	}
	sh.heap[h] = it
	sh.slots[it.slot].hidx = int32(h)
	return h != start
}

func (sh *shard) down(h int) {
	it := sh.heap[h]
	n := len(sh.heap)
	for {
		c := 4*h + 1
		if c >= n {
			break
		}
		m := c
		for j, end := c+1, min(c+4, n); j < end; j++ {
			if sh.heap[j].exp < sh.heap[m].exp {
				m = j
			}
		}
		if sh.heap[m].exp >= it.exp {
			break
		}
		sh.heap[h] = sh.heap[m]
		sh.slots[sh.heap[h].slot].hidx = int32(h)
		h = m
	}
	sh.heap[h] = it
	sh.slots[it.slot].hidx = int32(h)
}
