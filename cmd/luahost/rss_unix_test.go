//go:build unix

package main

import (
	"os"
	goruntime "runtime"
	"syscall"
)

// peakRSSOf returns the peak resident set size, in bytes, of the ended
// process ps (getrusage's ru_maxrss: kilobytes, bytes on macOS).
func peakRSSOf(ps *os.ProcessState) (int64, bool) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, false
	}
	if goruntime.GOOS == "darwin" || goruntime.GOOS == "ios" {
		return int64(ru.Maxrss), true
	}
	return int64(ru.Maxrss) * 1024, true
}
