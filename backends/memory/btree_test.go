package memory

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// collectAll is a visitor that gathers keys.
type collectAll struct {
	sh   *shard
	keys []string
	stop int // stop after this many keys; 0 for no limit
}

func (c *collectAll) visit(i uint32) bool {
	c.keys = append(c.keys, c.sh.slots[i].key())
	return c.stop == 0 || len(c.keys) < c.stop
}

// TestShardKeyOrder drives one shard's key order through enough random
// inserts and deletes to grow the tree three levels deep and shrink it
// again, checking its structure and its ordered walks against a sorted
// model.
func TestShardKeyOrder(t *testing.T) {
	gens := map[string]func(rng *rand.Rand) string{
		"decimal": func(rng *rand.Rand) string { return fmt.Sprintf("k%06d", rng.IntN(40000)) },
		// Keys of mixed lengths over bytes that test the zero padding of
		// abbreviations, with long shared prefixes.
		"binary": func(rng *rand.Rand) string {
			const alphabet = "\x00\x01a\xff"
			b := []byte("prefix/")
			for range 1 + rng.IntN(12) {
				b = append(b, alphabet[rng.IntN(len(alphabet))])
			}
			return string(b)
		},
		// Mostly new keys past either end of the order, which split
		// nodes three to one; now and then an earlier key, so that
		// removals find some.
		"ascending":  inOrder(1),
		"descending": inOrder(-1),
	}
	for name, gen := range gens {
		t.Run(name, func(t *testing.T) { testShardKeyOrder(t, gen) })
	}
}

// inOrder returns a generator of keys that mostly go up (step 1) or
// down (step -1) from the last new one.
func inOrder(step int) func(rng *rand.Rand) string {
	n := 0
	return func(rng *rand.Rand) string {
		if n != 0 && rng.IntN(10) == 0 {
			return fmt.Sprintf("k%09d", 500000000+step*rng.IntN(abs(n)))
		}
		n += step
		return fmt.Sprintf("k%09d", 500000000+n)
	}
}

func abs(n int) int { return max(n, -n) }

// TestShardKeyOrderFill checks that keys inserted in order, up or down,
// leave the tree's nodes at least 70% full (a split in the middle would
// leave them half full).
func TestShardKeyOrderFill(t *testing.T) {
	for _, step := range []int{1, -1} {
		t.Run(fmt.Sprint("step=", step), func(t *testing.T) {
			var sh shard
			hs := newHasher()
			sh.hasher = &hs
			sh.init()
			const n = 30000
			for i := range n {
				k := fmt.Sprintf("k%09d", 500000000+step*i)
				p, size := newBlock(k, nil)
				sh.insertLocked(hs.hash(k), p, size, noExpiry)
			}
			if err := sh.checkTree(); err != nil {
				t.Fatal(err)
			}
			nodes := 0
			var walk func(nd *bnode)
			walk = func(nd *bnode) {
				nodes++
				if nd.kids != nil {
					for j := 0; j <= int(nd.n); j++ {
						walk(nd.kids[j])
					}
				}
			}
			walk(sh.root)
			if fill := float64(n) / float64(nodes*bMax); fill < 0.7 {
				t.Errorf("%d keys in %d nodes: %.0f%% full, want at least 70%%", n, nodes, 100*fill)
			}
		})
	}
}

func testShardKeyOrder(t *testing.T, gen func(rng *rand.Rand) string) {
	var sh shard
	hs := newHasher()
	sh.hasher = &hs
	sh.init()
	rng := rand.New(rand.NewPCG(11, 12))
	model := map[string]bool{}
	insert := func(k string) {
		h := hs.hash(k)
		if _, ok := sh.find(h, k); ok {
			return
		}
		p, n := newBlock(k, nil)
		sh.insertLocked(h, p, n, noExpiry)
		model[k] = true
	}
	remove := func(k string) {
		h := hs.hash(k)
		if i, ok := sh.find(h, k); ok {
			sh.removeLocked(uint32(h>>32), i)
			delete(model, k)
		}
	}
	check := func(stage string) {
		t.Helper()
		if err := sh.checkTree(); err != nil {
			t.Fatalf("%s: %v", stage, err)
		}
		want := make([]string, 0, len(model))
		for k := range model {
			want = append(want, k)
		}
		slices.Sort(want)
		c := &collectAll{sh: &sh}
		if sh.root != nil {
			sh.ascend(sh.root, "", false, false, c)
		}
		if !slices.Equal(c.keys, want) {
			t.Fatalf("%s: walk gives %d keys, want %d", stage, len(c.keys), len(want))
		}
		// Walks from random points, inclusive and exclusive, present or not.
		for range 20 {
			from := gen(rng)
			incl := rng.IntN(2) == 0
			p, _ := slices.BinarySearch(want, from)
			if !incl && p < len(want) && want[p] == from {
				p++
			}
			w := want[p:min(p+50, len(want))]
			c := &collectAll{sh: &sh, stop: 50}
			if sh.root != nil {
				sh.ascend(sh.root, from, true, incl, c)
			}
			if !slices.Equal(c.keys, w) {
				t.Fatalf("%s: walk from %q (incl %v) gives %q, want %q", stage, from, incl, c.keys, w)
			}
		}
	}
	depth := func() int {
		d := 0
		for nd := sh.root; nd != nil; d++ {
			if nd.kids == nil {
				return d + 1
			}
			nd = nd.kids[0]
		}
		return d
	}
	for round := range 8 {
		for range 5000 {
			insert(gen(rng))
		}
		for range 2000 {
			remove(gen(rng))
		}
		check(fmt.Sprintf("growing round %d", round))
	}
	if d := depth(); d < 3 {
		t.Fatalf("tree is %d levels deep, want at least 3 for the test to reach inner-node rebalancing", d)
	}
	for round := 0; len(model) > 0; round++ {
		keys := make([]string, 0, len(model))
		for k := range model {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		for _, k := range keys[:min(len(keys), 3000)] {
			remove(k)
		}
		check(fmt.Sprintf("shrinking round %d", round))
	}
	if sh.root != nil {
		t.Fatal("empty shard keeps a tree")
	}
}
