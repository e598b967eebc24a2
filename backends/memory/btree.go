package memory

import (
	"encoding/binary"
	"strings"
)

// The key order of a shard is a B-tree of slot numbers, ordered by the
// keys their slots hold. Only inserts and deletes of keys change it: an
// overwrite keeps its slot, so Set on an existing key never touches the
// tree.
//
// Reading a key costs a cache miss or two (the slot, then its data), so
// each node also keeps an abbreviation of each item's key: the 4 bytes
// after the prefix all the node's keys share. A search compares
// abbreviations and reads keys only to check the prefix and to break ties.
// A node fills one 512-byte size class: 8 to 12 bytes per entry at the
// usual fills.
//
// A full node splits in the middle, unless the new key goes past either
// end of it: then it splits three to one, the bigger part on the far side
// from the key. Keys that arrive in order (counters, timestamps: per shard
// too, since each shard gets a share of them) then leave nodes three
// quarters full instead of half, which saves a third of the tree's memory.
const (
	bMax = 61 // odd, so that a split in the middle leaves bMax/2 on each side
	bMin = bMax / 4
)

// splitPoint returns the item at which to split a full node into which a
// key goes at position p.
func splitPoint(p int) int {
	switch p {
	case 0:
		return bMin
	case bMax:
		return bMax - 1 - bMin
	}
	return bMax / 2
}

type bnode struct {
	n int32
	// skip is the length of a prefix every item's key has; the prefix is
	// the first skip bytes of any item's key.
	skip  int32
	items [bMax]uint32
	abbr  [bMax]uint32      // abbrev(key, skip) of each item
	kids  *[bMax + 1]*bnode // nil in a leaf; n+1 children otherwise
}

// abbrev returns the 4 bytes of key after its first skip bytes, padded
// with zeros, as a number. For keys with a common prefix of skip bytes it
// keeps their order: a < b implies abbrev(a) <= abbrev(b).
func abbrev(key string, skip int) uint32 {
	var b [4]byte
	if skip < len(key) {
		copy(b[:], key[skip:])
	}
	return binary.BigEndian.Uint32(b[:])
}

func lcp(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

func (nd *bnode) insertAt(i int, v, a uint32) {
	copy(nd.items[i+1:nd.n+1], nd.items[i:nd.n])
	copy(nd.abbr[i+1:nd.n+1], nd.abbr[i:nd.n])
	nd.items[i], nd.abbr[i] = v, a
	nd.n++
}

func (nd *bnode) removeAt(i int) uint32 {
	v := nd.items[i]
	copy(nd.items[i:nd.n-1], nd.items[i+1:nd.n])
	copy(nd.abbr[i:nd.n-1], nd.abbr[i+1:nd.n])
	nd.n--
	return v
}

// split moves the items after i (and their children) to a new node and
// returns item i, which the caller puts between the two. The caller
// rebuilds the abbreviations of both.
func (nd *bnode) split(i int) (uint32, *bnode) {
	item := nd.items[i]
	right := &bnode{n: nd.n - int32(i) - 1}
	copy(right.items[:], nd.items[i+1:nd.n])
	if nd.kids != nil {
		right.kids = new([bMax + 1]*bnode)
		copy(right.kids[:], nd.kids[i+1:nd.n+1])
		clear(nd.kids[i+1 : nd.n+1])
	}
	nd.n = int32(i)
	return item, right
}

func (sh *shard) keyOf(i uint32) string { return sh.slots[i].key() }

// rebuild sets nd's prefix to the longest its keys share, the common
// prefix of its first and last key, and recomputes the abbreviations.
func (sh *shard) rebuild(nd *bnode) {
	if nd.n == 0 {
		nd.skip = 0
		return
	}
	skip := lcp(sh.keyOf(nd.items[0]), sh.keyOf(nd.items[nd.n-1]))
	nd.skip = int32(skip)
	for j := range nd.n {
		nd.abbr[j] = abbrev(sh.keyOf(nd.items[j]), skip)
	}
}

// admit shortens nd's prefix, if needed, so that key has it too; the
// caller is about to put key's slot into nd.
func (sh *shard) admit(nd *bnode, key string) {
	skip := int(nd.skip)
	if skip == 0 || nd.n == 0 {
		return
	}
	if l := lcp(key, sh.keyOf(nd.items[0])[:skip]); l < skip {
		nd.skip = int32(l)
		for j := range nd.n {
			nd.abbr[j] = abbrev(sh.keyOf(nd.items[j]), l)
		}
	}
}

// set puts slot i, whose key is key, at position j of nd.
func (sh *shard) set(nd *bnode, j int, i uint32, key string) {
	sh.admit(nd, key)
	nd.items[j], nd.abbr[j] = i, abbrev(key, int(nd.skip))
}

// search returns the position of key in nd, or where it would go.
func (sh *shard) search(nd *bnode, key string) (int, bool) {
	n, skip := int(nd.n), int(nd.skip)
	if n == 0 {
		return 0, false
	}
	if skip > 0 {
		// A key without the node's prefix sorts before or after all of it.
		if k0 := sh.keyOf(nd.items[0]); len(key) < skip || key[:skip] != k0[:skip] {
			if key < k0 {
				return 0, false
			}
			return n, false
		}
	}
	a := abbrev(key, skip)
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if nd.abbr[m] < a {
			lo = m + 1
		} else {
			hi = m
		}
	}
	// Items lo..hi-1 have key's abbreviation: compare their keys.
	for hi = lo; hi < n && nd.abbr[hi] == a; hi++ {
	}
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch c := strings.Compare(sh.keyOf(nd.items[m]), key); {
		case c < 0:
			lo = m + 1
		case c > 0:
			hi = m
		default:
			return m, true
		}
	}
	return lo, false
}

// treeInsert adds slot i, whose key is key, to the key order; key must be
// absent from it.
func (sh *shard) treeInsert(i uint32, key string) {
	if sh.root == nil {
		sh.root = &bnode{}
	}
	if sh.root.n == bMax {
		p, _ := sh.search(sh.root, key)
		item, right := sh.root.split(splitPoint(p))
		sh.rebuild(sh.root)
		sh.rebuild(right)
		root := &bnode{kids: new([bMax + 1]*bnode)}
		root.insertAt(0, item, abbrev(sh.keyOf(item), 0))
		root.kids[0], root.kids[1] = sh.root, right
		sh.root = root
	}
	nd := sh.root
	for {
		p, _ := sh.search(nd, key)
		if nd.kids == nil {
			sh.admit(nd, key)
			nd.insertAt(p, i, abbrev(key, int(nd.skip)))
			return
		}
		if child := nd.kids[p]; child.n == bMax {
			q, _ := sh.search(child, key)
			item, right := child.split(splitPoint(q))
			sh.rebuild(child)
			sh.rebuild(right)
			copy(nd.kids[p+2:nd.n+2], nd.kids[p+1:nd.n+1])
			nd.kids[p+1] = right
			ik := sh.keyOf(item)
			sh.admit(nd, ik)
			nd.insertAt(p, item, abbrev(ik, int(nd.skip)))
			if key > ik {
				p++
			}
		}
		nd = nd.kids[p]
	}
}

// treeDelete removes key from the key order. The key's slot must still
// hold it.
func (sh *shard) treeDelete(key string) {
	if sh.root == nil {
		return
	}
	sh.removeFrom(sh.root, key, false)
	if sh.root.n == 0 {
		if sh.root.kids != nil {
			sh.root = sh.root.kids[0]
		} else {
			sh.root = nil
		}
	}
}

// removeFrom removes key (or, with max, the greatest item) from the
// subtree nd and returns its slot. Every node it descends into has more
// than bMin items, so removal never leaves a node short.
func (sh *shard) removeFrom(nd *bnode, key string, max bool) uint32 {
	for {
		var p int
		var found bool
		if max {
			if nd.kids == nil {
				return nd.removeAt(int(nd.n) - 1)
			}
			p = int(nd.n)
		} else {
			p, found = sh.search(nd, key)
			if nd.kids == nil {
				if !found {
					return 0 // not in the tree; CheckInvariants reports such a state
				}
				return nd.removeAt(p)
			}
		}
		if nd.kids[p].n <= bMin {
			sh.growChild(nd, p)
			continue // the items moved: search nd again
		}
		if found {
			// Replace the item by its predecessor, the greatest of the
			// left subtree.
			out := nd.items[p]
			pred := sh.removeFrom(nd.kids[p], "", true)
			sh.set(nd, p, pred, sh.keyOf(pred))
			return out
		}
		nd = nd.kids[p]
	}
}

// growChild gives child p of nd more than bMin items, by taking one from a
// sibling or by merging it with one.
func (sh *shard) growChild(nd *bnode, p int) {
	switch {
	case p > 0 && nd.kids[p-1].n > bMin:
		child, left := nd.kids[p], nd.kids[p-1]
		sep := nd.items[p-1]
		sk := sh.keyOf(sep)
		sh.admit(child, sk)
		child.insertAt(0, sep, abbrev(sk, int(child.skip)))
		if left.kids != nil {
			copy(child.kids[1:child.n+1], child.kids[0:child.n])
			child.kids[0] = left.kids[left.n]
			left.kids[left.n] = nil
		}
		last := left.removeAt(int(left.n) - 1)
		sh.set(nd, p-1, last, sh.keyOf(last))
	case p < int(nd.n) && nd.kids[p+1].n > bMin:
		child, right := nd.kids[p], nd.kids[p+1]
		sep := nd.items[p]
		sk := sh.keyOf(sep)
		sh.admit(child, sk)
		child.items[child.n], child.abbr[child.n] = sep, abbrev(sk, int(child.skip))
		if child.kids != nil {
			child.kids[child.n+1] = right.kids[0]
			copy(right.kids[0:right.n], right.kids[1:right.n+1])
			right.kids[right.n] = nil
		}
		child.n++
		first := right.removeAt(0)
		sh.set(nd, p, first, sh.keyOf(first))
	default:
		if p == int(nd.n) {
			p--
		}
		child, right := nd.kids[p], nd.kids[p+1]
		child.items[child.n] = nd.items[p]
		copy(child.items[child.n+1:], right.items[:right.n])
		if child.kids != nil {
			copy(child.kids[child.n+1:], right.kids[:right.n+1])
		}
		child.n += right.n + 1
		sh.rebuild(child)
		copy(nd.kids[p+1:nd.n], nd.kids[p+2:nd.n+1])
		nd.kids[nd.n] = nil
		nd.removeAt(p)
	}
}

// visitor receives slots in key order from ascend; visit returns false to
// stop.
type visitor interface{ visit(i uint32) bool }

// ascend calls v.visit on the slots of subtree nd in key order, starting
// at from (inclusive when incl) if bounded, until visit returns false. It
// reports whether it reached the end.
func (sh *shard) ascend(nd *bnode, from string, bounded, incl bool, v visitor) bool {
	j := 0
	if bounded {
		p, found := sh.search(nd, from)
		if found {
			if incl && !v.visit(nd.items[p]) {
				return false
			}
		} else {
			if nd.kids != nil && !sh.ascend(nd.kids[p], from, true, incl, v) {
				return false
			}
			if p < int(nd.n) && !v.visit(nd.items[p]) {
				return false
			}
		}
		j = p + 1
	}
	for ; j <= int(nd.n); j++ {
		if nd.kids != nil && !sh.ascend(nd.kids[j], "", false, false, v) {
			return false
		}
		if j < int(nd.n) && !v.visit(nd.items[j]) {
			return false
		}
	}
	return true
}
