package storebench

import (
	"strconv"
	"sync/atomic"
)

// Key kinds: the letter after the prefix.
const (
	dataKind    = 'k' // data keys, "<prefix>k:<n>"
	counterKind = 'n' // counter keys, "<prefix>n:<n>"
)

// keyNamer spells key names, "<prefix><kind>:<n>" with n zero-padded to
// the width of Keys-1, in a buffer of its own: a name costs one
// allocation, the string the store is given. Names are made when a call
// needs one, so memory does not grow with Keys. A keyNamer is not safe
// for concurrent use; each client has its own.
type keyNamer struct {
	buf    []byte // the prefix, the kind, ':', then the number
	kindAt int
	width  int
}

func newKeyNamer(prefix string, keys int) *keyNamer {
	width := len(strconv.Itoa(keys - 1))
	buf := make([]byte, 0, len(prefix)+2+max(width, 20))
	buf = append(append(buf, prefix...), dataKind, ':')
	return &keyNamer{buf: buf, kindAt: len(prefix), width: width}
}

// name returns the name of key number i of kind (dataKind or
// counterKind).
func (n *keyNamer) name(kind byte, i uint64) string {
	b := n.buf[:n.kindAt+2]
	b[n.kindAt] = kind
	var digits [20]byte
	d := strconv.AppendUint(digits[:0], i, 10)
	for range n.width - len(d) {
		b = append(b, '0')
	}
	b = append(b, d...)
	n.buf = b
	return string(b)
}

// keySet is a set of key numbers below a bound, one bit per number, safe
// for concurrent use. The benchmark records in it the keys it may have
// written, so that it deletes those and only those at the end; at
// MaxKeys it takes 12.5 MB, of which only the pages holding written keys
// are touched.
type keySet struct {
	words []atomic.Uint64
	n     uint64 // the bound
}

func newKeySet(n int) *keySet {
	return &keySet{words: make([]atomic.Uint64, (n+63)/64), n: uint64(n)}
}

// add puts i in the set. A bit already set is only read, so clients
// writing the same keys do not contend for its cache line.
func (s *keySet) add(i uint64) {
	w, bit := &s.words[i/64], uint64(1)<<(i%64)
	if w.Load()&bit == 0 {
		w.Or(bit)
	}
}

// nextFrom returns the least member of the set at least i that is
// congruent to i modulo step (i itself when it is a member), or the
// bound when there is none. Words without a member are skipped whole.
func (s *keySet) nextFrom(i, step uint64) uint64 {
	for i < s.n {
		w := s.words[i/64].Load()
		if w == 0 {
			// The first number of the same residue in the next word.
			next := (i/64 + 1) * 64
			i += (next - i + step - 1) / step * step
			continue
		}
		if w&(uint64(1)<<(i%64)) != 0 {
			return i
		}
		i += step
	}
	return s.n
}
