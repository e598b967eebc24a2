package storebench

import (
	"fmt"
	"slices"
	"testing"
)

// TestKeyNames: names are "<prefix><kind>:<n>" with n zero-padded to the
// width of Keys-1, as `luahost bench` has always named them, and a name
// costs one allocation.
func TestKeyNames(t *testing.T) {
	tests := []struct {
		prefix string
		keys   int
		kind   byte
		i      uint64
		want   string
	}{
		{"bench:", 1, dataKind, 0, "bench:k:0"},
		{"bench:", 10, dataKind, 9, "bench:k:9"},
		{"bench:", 11, counterKind, 3, "bench:n:03"},
		{"b:", 100, dataKind, 0, "b:k:00"},
		{"b:", 100, counterKind, 99, "b:n:99"},
		{"x", MaxKeys, dataKind, 42, "xk:00000042"},
		{"x", MaxKeys, counterKind, MaxKeys - 1, "xn:99999999"},
	}
	for _, tc := range tests {
		n := newKeyNamer(tc.prefix, tc.keys)
		// Twice, and after a longer and a shorter name: the buffer is
		// reused.
		for range 2 {
			n.name(counterKind, uint64(tc.keys-1))
			if got := n.name(tc.kind, tc.i); got != tc.want {
				t.Errorf("%q, %d keys: name(%c, %d) = %q, want %q", tc.prefix, tc.keys, tc.kind, tc.i, got, tc.want)
			}
			if fmt.Sprintf("%s%c:%0*d", tc.prefix, tc.kind, len(fmt.Sprint(tc.keys-1)), tc.i) != tc.want {
				t.Errorf("the table's %q is not the fmt spelling", tc.want)
			}
		}
		if allocs := testing.AllocsPerRun(100, func() { n.name(tc.kind, tc.i) }); allocs != 1 {
			t.Errorf("%q: %v allocations per name, want 1", tc.want, allocs)
		}
	}
}

// TestKeySet: a worker visiting members with nextFrom at its own residue
// sees exactly the members of that residue, across empty words.
func TestKeySet(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		members []uint64
	}{
		{"empty", 1000, nil},
		{"first and last", 1000, []uint64{0, 999}},
		{"word edges", 300, []uint64{63, 64, 127, 128, 255, 256}},
		{"one word", 64, []uint64{1, 2, 3, 62}},
		{"sparse over many words", 100_000, []uint64{5, 6400, 6401, 50_000, 99_999}},
	}
	for _, tc := range tests {
		for _, step := range []uint64{1, 3, 8, 64, 100} {
			s := newKeySet(tc.n)
			for _, m := range tc.members {
				s.add(m)
				s.add(m) // adding twice changes nothing
			}
			var got []uint64
			for c := range step {
				for i := s.nextFrom(c, step); i < uint64(tc.n); i = s.nextFrom(i+step, step) {
					if i%step != c {
						t.Fatalf("%s, step %d: worker %d got %d", tc.name, step, c, i)
					}
					got = append(got, i)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.members) {
				t.Errorf("%s, step %d: visited %v, want %v", tc.name, step, got, tc.members)
			}
		}
	}
}
