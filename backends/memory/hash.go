package memory

import (
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
	"unsafe"
)

// hasher hashes keys with secrets of its own, drawn at random per store so
// that keys chosen to collide in one process do not collide in another.
//
// Keys of up to 16 bytes, the common case, take a multiply-mix of their
// bytes (the short-input path of wyhash, which Go's runtime uses on
// machines without AES); longer keys take hash/maphash. Both are seeded.
// BenchmarkHash compares the two on short keys.
type hasher struct {
	seed   maphash.Seed
	k0, k1 uint64
}

func newHasher() hasher {
	// An odd secret never multiplies a word to zero on its own.
	return hasher{seed: maphash.MakeSeed(), k0: rand.Uint64() | 1, k1: rand.Uint64() | 1}
}

// hash returns the hash of key: its low bits pick the shard, its upper half
// is the key's tag in the shard's table.
func (h *hasher) hash(key string) uint64 {
	n := len(key)
	if n > 16 {
		return maphash.String(h.seed, key)
	}
	p := unsafe.StringData(key)
	var a, b uint64
	switch {
	case n >= 4:
		// Two overlapping pairs of 4-byte words cover every byte once
		// or twice.
		q := (n >> 3) << 2
		a = uint64(load32(p, 0))<<32 | uint64(load32(p, q))
		b = uint64(load32(p, n-4))<<32 | uint64(load32(p, n-4-q))
	case n > 0:
		a = uint64(load8(p, 0))<<16 | uint64(load8(p, n>>1))<<8 | uint64(load8(p, n-1))
	}
	return mix(h.k1^uint64(n), mix(a^h.k1, b^h.k0))
}

// mix folds the 128-bit product of a and b to 64 bits.
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

func load8(p *byte, i int) byte { return *(*byte)(unsafe.Add(unsafe.Pointer(p), i)) }

func load32(p *byte, i int) uint32 {
	b := (*[4]byte)(unsafe.Add(unsafe.Pointer(p), i))
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
