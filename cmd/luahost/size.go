package main

import (
	"runtime/debug"
	"strconv"

	"github.com/luahost/luahost/internal/bytesize"
)

// sandboxMemoryLimit is the memory cap --sandbox implies when
// --max-memory is not given.
const sandboxMemoryLimit = 1 << 30 // 1 GiB

// byteSize is a flag value in bytes written as 268435456, 256MiB, 1GiB,
// 512KiB, 100MB or 1GB (binary units with "i", decimal ones without; see
// bytesize.Parse).
type byteSize struct {
	n   int64
	set bool
}

func (b *byteSize) String() string {
	if !b.set {
		return ""
	}
	return strconv.FormatInt(b.n, 10)
}

func (b *byteSize) Type() string { return "BYTES" }

func (b *byteSize) Set(s string) error {
	n, err := bytesize.Parse(s)
	if err != nil {
		return err
	}
	b.n, b.set = n, true
	return nil
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
