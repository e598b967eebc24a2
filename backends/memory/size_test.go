package memory

import (
	"errors"
	"strings"
	"testing"

	"github.com/luahost/luahost/backends"
)

// TestCheckSize checks the bound on a key and value together: a block
// holds their lengths in 32 bits. Values of that size cannot be allocated
// in a test, so it calls the check with the lengths alone.
func TestCheckSize(t *testing.T) {
	for _, tc := range []struct {
		key  string
		vlen int
		ok   bool
	}{
		{"k", 0, true},
		{"k", 100, true},
		{"k", maxBlock - blockHeader - 1, true},
		{"k", maxBlock - blockHeader, false},
		{"kk", maxBlock - blockHeader - 1, false},
		{"k", 1 << 40, false},
	} {
		err := checkSize(tc.key, tc.vlen)
		if (err == nil) != tc.ok {
			t.Errorf("checkSize(%q, %d) = %v, want ok %v", tc.key, tc.vlen, err, tc.ok)
			continue
		}
		if err != nil && (!errors.Is(err, backends.ErrInvalid) || !strings.Contains(err.Error(), "over the limit of 4294967283")) {
			t.Errorf("checkSize(%q, %d) = %v, want ErrInvalid naming the limit", tc.key, tc.vlen, err)
		}
	}
}
