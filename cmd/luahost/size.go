package main

import (
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
)

// sandboxMemoryLimit is the memory cap --sandbox implies when
// --max-memory is not given.
const sandboxMemoryLimit = 1 << 30 // 1 GiB

// byteSize is a flag value in bytes written as 268435456, 256MiB, 1GiB,
// 512KiB, 100MB or 1GB (binary units with "i", decimal ones without).
type byteSize struct {
	n   int64
	set bool
}

var sizeUnits = []struct {
	suffix string
	mult   float64
}{
	{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1},
}

func (b *byteSize) String() string {
	if !b.set {
		return ""
	}
	return strconv.FormatInt(b.n, 10)
}

func (b *byteSize) Type() string { return "BYTES" }

func (b *byteSize) Set(s string) error {
	n, err := parseByteSize(s)
	if err != nil {
		return err
	}
	b.n, b.set = n, true
	return nil
}

// parseByteSize reads a size such as "256MiB", "1.5GiB", "1GB" or "4096".
func parseByteSize(s string) (int64, error) {
	num, mult := strings.TrimSpace(s), 1.0
	for _, u := range sizeUnits {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) || f*mult > math.MaxInt64 {
		return 0, fmt.Errorf("%q is not a size: want bytes, or a number with KiB, MiB, GiB, TiB, KB, MB, GB or TB (e.g. 256MiB)", s)
	}
	return int64(f * mult), nil
}

// memoryLimit returns the cap a run gets from --max-memory and --sandbox,
// in bytes (0: none).
func memoryLimit(flag byteSize, sandbox bool) int64 {
	if flag.set {
		return flag.n
	}
	if sandbox {
		return sandboxMemoryLimit
	}
	return 0
}

// setProcessMemoryLimit makes the Go collector work harder as the process
// nears the script's cap plus some room for the host itself, so that
// garbage does not count against the script and the process stays near
// the cap while the watchdog decides.
func setProcessMemoryLimit(limit int64) {
	if limit > 0 {
		debug.SetMemoryLimit(limit + 64<<20)
	}
}
