package luastd

import "testing"

// LowerResultBound sets the bound of unpack, string.byte and
// coroutine.resume (maxResults) to n values until t ends.
func LowerResultBound(t testing.TB, n int) {
	old := maxResults
	maxResults = n
	t.Cleanup(func() { maxResults = old })
}
