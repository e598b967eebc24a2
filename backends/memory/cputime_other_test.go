//go:build !unix

package memory_test

import (
	"testing"
	"time"
)

// cpuTime skips: the benchmarks that report CPU time read it with
// getrusage, which only unix systems have.
func cpuTime(tb testing.TB) time.Duration {
	tb.Skip("CPU time is read with getrusage, on unix systems only")
	return 0
}
