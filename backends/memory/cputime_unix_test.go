//go:build unix

package memory_test

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the CPU time the process has used. On a machine shared
// with other work, CPU time per operation varies far less than wall time,
// which counts the time the benchmark waits for a CPU.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
