package memory

import (
	"fmt"
	"hash/maphash"
	"math"
	"testing"
)

// TestHashShortKeys checks the short-key hash on what the store relies on:
// every byte of a key changes its hash, and sequential keys spread evenly
// over the shards (low bits) and over the probe table (the upper half).
func TestHashShortKeys(t *testing.T) {
	hs := newHasher()
	for n := 1; n <= 17; n++ {
		key := []byte("abcdefghijklmnopq"[:n])
		base := hs.hash(string(key))
		for i := range n {
			for _, bit := range []byte{1, 0x80} {
				k := append([]byte(nil), key...)
				k[i] ^= bit
				if hs.hash(string(k)) == base {
					t.Errorf("len %d: flipping bit %#x of byte %d leaves the hash unchanged", n, bit, i)
				}
			}
		}
	}
	// Keys of different lengths padded alike must differ.
	if hs.hash("a") == hs.hash("a\x00") || hs.hash("abcd") == hs.hash("abcd\x00\x00\x00\x00") {
		t.Error("zero-padded keys hash alike")
	}
	for _, format := range []string{"key:%d", "%d", "user:%08d:name", "k%x"} {
		const n = 64000
		var shards [numShards]int
		var tags [256]int
		for i := range n {
			h := hs.hash(fmt.Sprintf(format, i))
			shards[h&(numShards-1)]++
			tags[(h>>32)&255]++
		}
		if c := chiSquare(shards[:], n); c > 120 { // 63 degrees of freedom: p < 1e-5
			t.Errorf("%s: shards uneven, chi-square %.0f", format, c)
		}
		if c := chiSquare(tags[:], n); c > 380 { // 255 degrees of freedom: p < 1e-5
			t.Errorf("%s: tags uneven, chi-square %.0f", format, c)
		}
	}
	// Each store draws its own secrets.
	if other := newHasher(); other.hash("key:1") == hs.hash("key:1") && other.hash("key:2") == hs.hash("key:2") {
		t.Error("two hashers agree: secrets are not random")
	}
}

func chiSquare(counts []int, n int) float64 {
	want := float64(n) / float64(len(counts))
	var c float64
	for _, got := range counts {
		c += math.Pow(float64(got)-want, 2) / want
	}
	return c
}

// BenchmarkHash compares the store's hash with hash/maphash on keys of
// typical lengths; the short-key path earns its place if it is faster.
func BenchmarkHash(b *testing.B) {
	hs := newHasher()
	seed := maphash.MakeSeed()
	for _, n := range []int{5, 8, 16, 32} {
		keys := make([]string, 1024)
		for i := range keys {
			keys[i] = fmt.Sprintf("%0*d", n, i)
		}
		var sink uint64
		b.Run(fmt.Sprintf("len=%d/store", n), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				sink += hs.hash(keys[i&1023])
			}
		})
		b.Run(fmt.Sprintf("len=%d/maphash", n), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				sink += maphash.String(seed, keys[i&1023])
			}
		})
		_ = sink
	}
}
