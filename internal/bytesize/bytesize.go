// Package bytesize reads sizes in bytes written with a unit, such as
// "256MiB" or "1GB", as the registry's byte-size fields and the CLI's
// size flags take them, and writes sizes for messages.
package bytesize

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Forms says what Parse accepts, for messages about a bad size.
const Forms = "a whole number of bytes, or a number with a unit: KiB, MiB, GiB, TiB (powers of 1024) or KB, MB, GB, TB (powers of 1000), e.g. 268435456, 256MiB, 1.5GiB or 100MB"

// Errors Parse wraps, so callers can tell a mistyped size from one out of
// range.
var (
	// ErrSyntax is returned for text that is not a size.
	ErrSyntax = errors.New("not a size")
	// ErrNegative is returned for a size below zero.
	ErrNegative = errors.New("must not be negative")
	// ErrRange is returned for a size over math.MaxInt64 bytes.
	ErrRange = errors.New("too large")
	// ErrFraction is returned for a size that is not a whole number of
	// bytes, such as 0.5KB.
	ErrFraction = errors.New("not a whole number of bytes")
)

// units are the suffixes Parse knows. Longer suffixes come first, so
// that "MiB" is not read as "M" plus "iB".
var units = []struct {
	suffix string
	mult   int64
}{
	{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1},
}

// Parse returns the bytes s stands for: decimal digits, optionally with a
// fraction ("1.5"), optionally followed by a unit of Forms or "B", with
// spaces allowed around the number and the unit. Units are case
// sensitive ("mb" is refused: it would be millibits). The result must be
// a whole number of bytes from 0 to math.MaxInt64. Errors wrap ErrSyntax,
// ErrNegative, ErrRange or ErrFraction, and quote s.
func Parse(s string) (int64, error) {
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	if strings.HasPrefix(num, "-") && decimal(num[1:]) {
		return 0, fmt.Errorf("size %q: %w", s, ErrNegative)
	}
	if !decimal(num) {
		return 0, fmt.Errorf("%q is %w: want %s", s, ErrSyntax, Forms)
	}
	r, ok := new(big.Rat).SetString(num)
	if !ok {
		return 0, fmt.Errorf("%q is %w: want %s", s, ErrSyntax, Forms)
	}
	r.Mul(r, new(big.Rat).SetInt64(mult))
	if !r.IsInt() {
		return 0, fmt.Errorf("size %q is %w", s, ErrFraction)
	}
	n := r.Num()
	if !n.IsInt64() {
		return 0, fmt.Errorf("size %q is %w (the limit is %d bytes)", s, ErrRange, int64(math.MaxInt64))
	}
	return n.Int64(), nil
}

// decimal reports whether s is digits with an optional fraction: "12",
// "1.5", not "", ".5", "1." or "1e3".
func decimal(s string) bool {
	whole, frac, hasDot := strings.Cut(s, ".")
	return digits(whole) && (!hasDot || digits(frac))
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Format writes n bytes as luahost's messages do: "256 MiB", "1 GiB", or
// "1000 bytes" when no binary unit divides it.
func Format(n int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 40, "TiB"}, {1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + " " + u.name
		}
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
