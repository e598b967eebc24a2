package luastd

import "testing"

// LowerResultBound sets the bound of unpack, string.byte and
// coroutine.resume (maxResults) to n values until t ends.
func LowerResultBound(t testing.TB, n int) {
	old := maxResults
	maxResults = n
	t.Cleanup(func() { maxResults = old })
}

// CountChecks counts, until t ends, the times library loops look at the
// run's context; it returns the count.
func CountChecks(t testing.TB) *int {
	n := new(int)
	checked = func() { *n++ }
	t.Cleanup(func() { checked = nil })
	return n
}
