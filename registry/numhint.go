package registry

import (
	"math"
	"strconv"
	"strings"
)

// notInteger is the problem of an integer field holding s, of YAML type
// typ. A number written as a float (1e3, which YAML reads as a string, or
// 1000.0) whose value is an integer gets the integer to write instead:
// integer fields take no floats, so that none silently rounds.
func notInteger(typ string, s *scalar) string {
	f, err := strconv.ParseFloat(strings.TrimSpace(s.text), 64)
	if err != nil || s.fromEnv() || math.IsInf(f, 0) || f != math.Trunc(f) || math.Abs(f) >= 1<<53 {
		return "want an integer, got " + typ + " " + s.show()
	}
	return "want an integer, got " + s.show() + " (write " + strconv.FormatInt(int64(f), 10) + ": integers take no exponent or decimal point)"
}
