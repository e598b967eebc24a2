package memory

import "strings"

// The key order of a shard is a B-tree of slot numbers, compared by the
// keys their slots hold. Only inserts and deletes of keys change it: an
// overwrite keeps its slot, so Set on an existing key never touches the
// tree. A node holds up to bMax slot numbers; with the pointer to its
// children a leaf fills one 256-byte size class, about 6 bytes per entry
// at the usual two-thirds fill.
const (
	bMax = 61 // odd, so that a split leaves bMin on each side
	bMin = bMax / 2
)

type bnode struct {
	n     int32
	items [bMax]uint32
	kids  *[bMax + 1]*bnode // nil in a leaf; n+1 children otherwise
}

func (nd *bnode) insertAt(i int, v uint32) {
	copy(nd.items[i+1:nd.n+1], nd.items[i:nd.n])
	nd.items[i] = v
	nd.n++
}

func (nd *bnode) removeAt(i int) uint32 {
	v := nd.items[i]
	copy(nd.items[i:nd.n-1], nd.items[i+1:nd.n])
	nd.n--
	return v
}

// split moves the items after i (and their children) to a new node and
// returns item i, which the caller puts between the two.
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

// search returns the position of key in nd, or where it would go.
func (sh *shard) search(nd *bnode, key string) (int, bool) {
	lo, hi := 0, int(nd.n)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch c := strings.Compare(sh.slots[nd.items[m]].key(), key); {
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
		item, right := sh.root.split(bMax / 2)
		root := &bnode{n: 1, kids: new([bMax + 1]*bnode)}
		root.items[0] = item
		root.kids[0], root.kids[1] = sh.root, right
		sh.root = root
	}
	nd := sh.root
	for {
		p, _ := sh.search(nd, key)
		if nd.kids == nil {
			nd.insertAt(p, i)
			return
		}
		if nd.kids[p].n == bMax {
			item, right := nd.kids[p].split(bMax / 2)
			copy(nd.kids[p+2:nd.n+2], nd.kids[p+1:nd.n+1])
			nd.kids[p+1] = right
			nd.insertAt(p, item)
			if key > sh.slots[item].key() {
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
				nd.n--
				return nd.items[nd.n]
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
			nd.items[p] = sh.removeFrom(nd.kids[p], "", true)
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
		child.insertAt(0, nd.items[p-1])
		nd.items[p-1] = left.items[left.n-1]
		if left.kids != nil {
			copy(child.kids[1:child.n+1], child.kids[0:child.n])
			child.kids[0] = left.kids[left.n]
			left.kids[left.n] = nil
		}
		left.n--
	case p < int(nd.n) && nd.kids[p+1].n > bMin:
		child, right := nd.kids[p], nd.kids[p+1]
		child.items[child.n] = nd.items[p]
		if child.kids != nil {
			child.kids[child.n+1] = right.kids[0]
			copy(right.kids[0:right.n], right.kids[1:right.n+1])
			right.kids[right.n] = nil
		}
		child.n++
		nd.items[p] = right.removeAt(0)
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
