package storebench

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes r as a table: a header line saying what ran, then one
// row per operation (a mix adds a row per operation under its total).
func (r *Result) WriteText(w io.Writer) error {
	backend := r.Kind
	if r.Backend != "" {
		backend += ", " + r.Backend
	}
	level := "Go level"
	if r.Level == "lua" {
		level = fmt.Sprintf("Lua level, batches of %d", r.LuaBatch)
	}
	length := fmt.Sprintf("%gs per phase", r.Duration)
	if r.Requests > 0 {
		length = fmt.Sprintf("%d requests per phase", r.Requests)
		if r.Duration > 0 {
			length += fmt.Sprintf(" (at most %gs)", r.Duration)
		}
	}
	fmt.Fprintf(w, "store %s (%s), %s, %d %s, %d keys, %d-byte values, %s\n",
		r.Store, backend, level, r.Clients, plural(r.Clients, "client"), r.Keys, r.ValueSize, length)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	width := len("op")
	for _, p := range r.Phases {
		width = max(width, len(p.Name))
		for _, s := range p.ByOp {
			width = max(width, len(s.Op)+2)
		}
	}
	fmt.Fprintf(tw, "%-*s\tops\tops/s\terrors\tmean\tp50\tp99\tp99.9\tmax\t\n", width, "op")
	row := func(name string, s Stats) {
		fmt.Fprintf(tw, "%-*s\t%d\t%s\t%s\t%s\t\n", width, name, s.Ops, strconv.FormatFloat(s.OpsPerSec, 'f', 0, 64),
			errorsText(s), latencyText(s.Latency))
	}
	for _, p := range r.Phases {
		row(p.Name, p.Stats)
		for _, s := range p.ByOp {
			row("  "+s.Op, s)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.Level == "lua" {
		fmt.Fprintln(w, "Lua latencies are batch means: each call of a batch counts at the batch's mean.")
	}
	for _, p := range r.Phases {
		for _, s := range append([]Stats{p.Stats}, p.ByOp...) {
			if s.FirstError != "" && (len(p.ByOp) == 0 || s.Op != "mix") {
				fmt.Fprintf(w, "%s: first error: %s\n", s.Op, s.FirstError)
			}
		}
	}
	return nil
}

func errorsText(s Stats) string {
	if s.Conflicts > 0 {
		return fmt.Sprintf("%d (+%d conflicts)", s.Errors, s.Conflicts)
	}
	return strconv.FormatInt(s.Errors, 10)
}

func latencyText(l *Latency) string {
	if l == nil {
		return strings.Repeat("-\t", 4) + "-"
	}
	f := func(us float64) string { return durationText(time.Duration(us * 1e3)) }
	return strings.Join([]string{f(l.Mean), f(l.P50), f(l.P99), f(l.P999), f(l.Max)}, "\t")
}

// durationText prints d with 3 significant digits in ns, µs, ms or s.
func durationText(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", d.Nanoseconds())
	case d < time.Millisecond:
		return sig3(float64(d)/1e3) + "µs"
	case d < time.Second:
		return sig3(float64(d)/1e6) + "ms"
	}
	return sig3(d.Seconds()) + "s"
}

// sig3 prints x (0 <= x < 1000 but for seconds) with 3 significant
// digits, without an exponent.
func sig3(x float64) string {
	switch {
	case x < 10:
		return strconv.FormatFloat(x, 'f', 2, 64)
	case x < 100:
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	return strconv.FormatFloat(x, 'f', 0, 64)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
