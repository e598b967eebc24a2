//go:build !unix

package runtime_test

import (
	"testing"
	"time"
)

// cpuTime skips: the benchmarks that report CPU time read it with
// getrusage, which only unix systems have.
func cpuTime(b *testing.B) time.Duration {
	b.Skip("CPU time is read with getrusage, on unix systems only")
	return 0
}
