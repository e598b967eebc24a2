package luastd

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// osDate is os.date([format [, time]]) as Lua 5.1 on glibc in the C
// locale: format "*t" gives a table, a leading '!' means UTC, and every
// other "%x" is a strftime conversion.
func osDate(L *lua.LState) int {
	format := L.OptString(1, "%c")
	t := time.Now()
	if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
		f := float64(L.CheckNumber(2))
		if math.IsNaN(f) || math.IsInf(f, 0) {
			L.Push(lua.LNil)
			return 1
		}
		t = time.Unix(int64(f), 0)
	}
	utc := strings.HasPrefix(format, "!")
	if utc {
		format = format[1:]
		t = t.UTC()
	} else {
		t = t.Local()
	}
	if format == "*t" {
		tb := L.CreateTable(0, 9)
		tb.RawSetString("sec", lua.LNumber(t.Second()))
		tb.RawSetString("min", lua.LNumber(t.Minute()))
		tb.RawSetString("hour", lua.LNumber(t.Hour()))
		tb.RawSetString("day", lua.LNumber(t.Day()))
		tb.RawSetString("month", lua.LNumber(t.Month()))
		tb.RawSetString("year", lua.LNumber(t.Year()))
		tb.RawSetString("wday", lua.LNumber(t.Weekday()+1))
		tb.RawSetString("yday", lua.LNumber(t.YearDay()))
		tb.RawSetString("isdst", lua.LBool(!utc && t.IsDST()))
		L.Push(tb)
		return 1
	}
	b := newBuilder(L, "os.date")
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b.addByte(c)
			continue
		}
		i++
		b.addString(Strftime(format[i], t, utc))
	}
	L.Push(lua.LString(b.String()))
	return 1
}

var (
	weekdays = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	months   = [...]string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"}
)

// Strftime returns the C strftime conversion %conv of t in the C locale,
// as glibc writes it; utc says t came from gmtime (its zone is "GMT"). An
// unknown conversion comes back as written.
func Strftime(conv byte, t time.Time, utc bool) string {
	two := func(n int) string { return fmt.Sprintf("%02d", n) }
	wday := int(t.Weekday())
	yday := t.YearDay() - 1
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	switch conv {
	case 'a':
		return weekdays[wday][:3]
	case 'A':
		return weekdays[wday]
	case 'b', 'h':
		return months[t.Month()-1][:3]
	case 'B':
		return months[t.Month()-1]
	case 'c':
		return fmt.Sprintf("%s %s %2d %02d:%02d:%02d %d", weekdays[wday][:3],
			months[t.Month()-1][:3], t.Day(), t.Hour(), t.Minute(), t.Second(), t.Year())
	case 'C':
		return two(t.Year() / 100)
	case 'd':
		return two(t.Day())
	case 'D', 'x':
		return fmt.Sprintf("%02d/%02d/%02d", t.Month(), t.Day(), t.Year()%100)
	case 'e':
		return fmt.Sprintf("%2d", t.Day())
	case 'F':
		return fmt.Sprintf("%d-%02d-%02d", t.Year(), t.Month(), t.Day())
	case 'g':
		y, _ := t.ISOWeek()
		return two(y % 100)
	case 'G':
		y, _ := t.ISOWeek()
		return strconv.Itoa(y)
	case 'H':
		return two(t.Hour())
	case 'I':
		return two(hour12)
	case 'j':
		return fmt.Sprintf("%03d", yday+1)
	case 'k':
		return fmt.Sprintf("%2d", t.Hour())
	case 'l':
		return fmt.Sprintf("%2d", hour12)
	case 'm':
		return two(int(t.Month()))
	case 'M':
		return two(t.Minute())
	case 'n':
		return "\n"
	case 'p':
		if t.Hour() < 12 {
			return "AM"
		}
		return "PM"
	case 'P':
		if t.Hour() < 12 {
			return "am"
		}
		return "pm"
	case 'r':
		return fmt.Sprintf("%02d:%02d:%02d %s", hour12, t.Minute(), t.Second(), Strftime('p', t, utc))
	case 'R':
		return fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute())
	case 's':
		return strconv.FormatInt(t.Unix(), 10)
	case 'S':
		return two(t.Second())
	case 't':
		return "\t"
	case 'T', 'X':
		return fmt.Sprintf("%02d:%02d:%02d", t.Hour(), t.Minute(), t.Second())
	case 'u':
		if wday == 0 {
			return "7"
		}
		return strconv.Itoa(wday)
	case 'U':
		return two((yday + 7 - wday) / 7)
	case 'V':
		_, w := t.ISOWeek()
		return two(w)
	case 'w':
		return strconv.Itoa(wday)
	case 'W':
		return two((yday + 7 - (wday+6)%7) / 7)
	case 'y':
		return two(t.Year() % 100)
	case 'Y':
		return strconv.Itoa(t.Year())
	case 'z':
		_, off := t.Zone()
		sign := '+'
		if off < 0 {
			sign, off = '-', -off
		}
		return fmt.Sprintf("%c%02d%02d", sign, off/3600, off%3600/60)
	case 'Z':
		if utc {
			return "GMT"
		}
		name, _ := t.Zone()
		return name
	case '%':
		return "%"
	}
	return "%" + string(conv)
}

// osTime is os.time([t]): now, or the local time the table t gives (fields
// year, month, day required; hour 12, min 0, sec 0 by default; out-of-range
// fields carry over as C mktime does), in seconds since the epoch.
func osTime(L *lua.LState) int {
	if L.GetTop() == 0 || L.Get(1) == lua.LNil {
		L.Push(lua.LNumber(time.Now().Unix()))
		return 1
	}
	tb := L.CheckTable(1)
	field := func(key string, def int) int {
		v := L.GetField(tb, key)
		if n, ok := v.(lua.LNumber); ok {
			return int(n)
		}
		if s, ok := v.(lua.LString); ok {
			if n, err := strconv.ParseFloat(strings.TrimSpace(string(s)), 64); err == nil {
				return int(n)
			}
		}
		if def < 0 {
			raise(L, "field '%s' missing in date table", key)
		}
		return def
	}
	sec := field("sec", 0)
	minute := field("min", 0)
	hour := field("hour", 12)
	day := field("day", -1)
	month := field("month", -1)
	year := field("year", -1)
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.Local)
	L.Push(lua.LNumber(t.Unix()))
	return 1
}

// Clock is where a state's os.clock counts from: the start of the run
// using the state. PUC Lua 5.1 gives the process's CPU time, which in a
// host running many scripts at once would count every other run's work
// (and a goroutine has no CPU time of its own), so os.clock is the time
// since the run began, on the monotonic clock: for a script computing
// without waiting it reads as Lua 5.1's does on an idle machine, and time
// spent waiting in a store call counts, as it does for the script's
// caller (os.time has whole seconds only, so os.clock is the one clock
// that can time a store call).
type Clock struct{ start time.Time }

// OpenClock makes os.clock of L count from the last Reset of the Clock
// it returns (from now until then). A state without os gets none.
func OpenClock(L *lua.LState) *Clock {
	c := &Clock{start: time.Now()}
	if lib, ok := L.GetGlobal("os").(*lua.LTable); ok {
		lib.RawSetString("clock", L.NewFunction(c.osClock))
	}
	return c
}

// Reset makes os.clock count from now: call it when a run begins, on the
// goroutine that runs the state.
func (c *Clock) Reset() { c.start = time.Now() }

// osClock is os.clock(): the seconds since the run began, see Clock.
func (c *Clock) osClock(L *lua.LState) int {
	L.Push(lua.LNumber(time.Since(c.start).Seconds()))
	return 1
}
