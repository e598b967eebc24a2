package memory

import (
	"math"
	"sync"
)

// noExpiry is the expiry of a key without TTL: no clock reading reaches it.
const noExpiry = math.MaxInt64

// slot holds one entry. Key and value share one allocation (data), and the
// shard's index map uses data[:klen] as its key, so an entry costs a single
// heap object besides its share of the shard's arrays.
type slot struct {
	data string // key followed by value; "" when the slot is free
	exp  int64  // expiry in nanoseconds since the store's epoch, or noExpiry
	klen uint32
	hidx int32 // position in the expiry heap, -1 if none; next free slot when free
}

func (s *slot) key() string   { return s.data[:s.klen] }
func (s *slot) value() string { return s.data[s.klen:] }

// item is an expiry heap element.
type item struct {
	exp  int64
	slot uint32
}

// shard is one independently locked part of a store. Methods whose names
// end in Locked must be called with mu held for writing.
type shard struct {
	mu    sync.RWMutex
	index map[string]uint32 // key -> position in slots
	slots []slot
	heap  []item // 4-ary min-heap on exp; slot.hidx tracks each item's position
	free  int32  // head of the free slot list, -1 if empty
	_     [64]byte
}

func (sh *shard) init() {
	sh.index = make(map[string]uint32)
	sh.slots = nil
	sh.heap = nil
	sh.free = -1
}

// insertLocked adds a new entry; key must not be in the index.
func (sh *shard) insertLocked(data string, klen int, exp int64) {
	var i uint32
	if sh.free >= 0 {
		i = uint32(sh.free)
		sh.free = sh.slots[i].hidx
	} else {
		i = uint32(len(sh.slots))
		sh.slots = append(sh.slots, slot{})
	}
	sh.slots[i] = slot{data: data, klen: uint32(klen), exp: noExpiry, hidx: -1}
	sh.index[data[:klen]] = i
	sh.setExpLocked(i, exp)
}

// replaceLocked gives slot i new data and expiry. The index entry is
// rewritten so that the map's key points into the new data and the old
// allocation can be freed.
func (sh *shard) replaceLocked(i uint32, data string, klen int, exp int64) {
	s := &sh.slots[i]
	s.data = data
	s.klen = uint32(klen)
	sh.index[data[:klen]] = i
	sh.setExpLocked(i, exp)
}

// setExpLocked changes the expiry of slot i, keeping the heap in step.
func (sh *shard) setExpLocked(i uint32, exp int64) {
	s := &sh.slots[i]
	old := s.exp
	s.exp = exp
	switch {
	case s.hidx < 0 && exp != noExpiry:
		h := len(sh.heap)
		sh.heap = append(sh.heap, item{exp: exp, slot: i})
		sh.up(h)
	case s.hidx >= 0 && exp == noExpiry:
		sh.heapRemove(int(s.hidx))
	case s.hidx >= 0:
		h := int(s.hidx)
		sh.heap[h].exp = exp
		if exp < old {
			sh.up(h)
		} else {
			sh.down(h)
		}
	}
}

// removeLocked deletes the entry in slot i.
func (sh *shard) removeLocked(i uint32) {
	s := &sh.slots[i]
	delete(sh.index, s.key())
	if s.hidx >= 0 {
		sh.heapRemove(int(s.hidx))
	}
	*s = slot{hidx: sh.free}
	sh.free = int32(i)
}

// evictExpiredLocked removes up to limit entries expired at now, earliest
// first, and returns how many it removed.
func (sh *shard) evictExpiredLocked(now int64, limit int) int {
	n := 0
	for n < limit && len(sh.heap) > 0 && sh.heap[0].exp <= now {
		sh.removeLocked(sh.heap[0].slot)
		n++
	}
	if n > 0 && len(sh.index) == 0 && cap(sh.slots) > shrinkCap {
		// Maps never shrink; start afresh so a mass expiry gives memory back.
		sh.init()
	}
	return n
}

// shrinkCap is the slot capacity above which an emptied shard drops its
// arrays and map.
const shrinkCap = 1024

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
