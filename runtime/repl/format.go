package repl

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/luastd"
)

// Default limits of printed results.
const (
	DefaultMaxLines  = 200       // lines of one statement's results
	DefaultMaxBytes  = 64 * 1024 // bytes of one statement's results
	DefaultMaxItems  = 100       // fields shown per table
	DefaultMaxDepth  = 8         // table nesting shown; deeper tables print as {...}
	DefaultMaxString = 200       // bytes of a string shown inside a table

	// width is the line length up to which a table is printed on one line.
	width = 80
)

// Limits bound how much of a result is printed. A zero field takes its
// default; whatever is cut is marked in the output.
type Limits struct {
	// MaxLines and MaxBytes bound the output of one statement; what is
	// past them is replaced by a note saying the output was truncated.
	MaxLines int
	MaxBytes int
	// MaxItems is how many fields of one table are shown; the rest are
	// counted in a "... (N more)" line.
	MaxItems int
	// MaxDepth is how deep nested tables are shown; deeper non-empty
	// tables print as {...}.
	MaxDepth int
	// MaxString is how many bytes of a string inside a table are shown;
	// a longer one prints as "abc"... (N bytes).
	MaxString int
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxLines, DefaultMaxLines)
	def(&l.MaxBytes, DefaultMaxBytes)
	def(&l.MaxItems, DefaultMaxItems)
	def(&l.MaxDepth, DefaultMaxDepth)
	def(&l.MaxString, DefaultMaxString)
	return l
}

// printer renders values for display. Top-level strings print raw; strings
// in tables print quoted. Tables print with sorted keys (the sequence part
// first, then numbers, strings, booleans, anything else), on one line when
// they fit in width, else one field per line; a table inside itself prints
// as <cycle>.
type printer struct {
	L   *lua.LState
	lim Limits
	// tostring runs tostring on a value with a __tostring metamethod.
	tostring func(lua.LValue) string

	b      strings.Builder
	col    int // bytes since the last newline in b
	full   bool
	onPath map[*lua.LTable]bool
}

// format renders values tab-separated, ending in a newline, within the
// limits.
func format(L *lua.LState, lim Limits, tostring func(lua.LValue) string, values []lua.LValue) string {
	p := &printer{L: L, lim: lim.withDefaults(), tostring: tostring, onPath: map[*lua.LTable]bool{}}
	for i, v := range values {
		if i > 0 {
			p.write("\t")
		}
		if s, ok := v.(lua.LString); ok {
			p.write(string(s))
		} else {
			p.value(v, 0, 0)
		}
		if p.full {
			break
		}
	}
	return p.finish()
}

// finish applies the line limit and the truncation note.
func (p *printer) finish() string {
	out := p.b.String()
	note := ""
	if p.full {
		out = out[:p.lim.MaxBytes]
		for !utf8.ValidString(out) && len(out) > 0 { // do not split a character
			out = out[:len(out)-1]
		}
		note = fmt.Sprintf("... (output truncated at %d bytes)\n", p.lim.MaxBytes)
	}
	lines := strings.SplitAfter(out, "\n")
	if len(lines) > p.lim.MaxLines {
		out = strings.Join(lines[:p.lim.MaxLines], "")
		note = fmt.Sprintf("... (output truncated at %d lines)\n", p.lim.MaxLines)
	}
	if !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	return out + note
}

func (p *printer) write(s string) {
	if p.full {
		return
	}
	p.b.WriteString(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		p.col = len(s) - i - 1
	} else {
		p.col += len(s)
	}
	if p.b.Len() > p.lim.MaxBytes {
		p.full = true
	}
}

// value writes v at the current position; indent is the indentation of
// the line it starts on.
func (p *printer) value(v lua.LValue, indent, depth int) {
	t, ok := v.(*lua.LTable)
	if !ok || p.hasToString(v) {
		p.write(p.scalar(v))
		return
	}
	if p.onPath[t] {
		p.write("<cycle>")
		return
	}
	fields := p.fields(t)
	switch {
	case len(fields) == 0:
		p.write("{}")
		return
	case depth >= p.lim.MaxDepth:
		p.write("{...}")
		return
	}
	if len(fields) <= p.lim.MaxItems {
		var b strings.Builder
		if p.inline(&b, t, depth, width-p.col) {
			p.write(b.String())
			return
		}
	}
	p.onPath[t] = true
	defer delete(p.onPath, t)
	pad := strings.Repeat("  ", indent+1)
	p.write("{\n")
	for i, f := range fields {
		if i == p.lim.MaxItems {
			p.write(fmt.Sprintf("%s... (%d more)\n", pad, len(fields)-i))
			break
		}
		p.write(pad + p.keyPrefix(f.key))
		p.value(f.val, indent+1, depth+1)
		p.write(",\n")
		if p.full {
			return
		}
	}
	p.write(strings.Repeat("  ", indent) + "}")
}

// inline writes v to b on one line and reports whether it fits in max
// bytes.
func (p *printer) inline(b *strings.Builder, v lua.LValue, depth, max int) bool {
	t, ok := v.(*lua.LTable)
	if !ok || p.hasToString(v) {
		s := p.scalar(v)
		b.WriteString(s)
		return !strings.Contains(s, "\n") && b.Len() <= max
	}
	if p.onPath[t] {
		b.WriteString("<cycle>")
		return b.Len() <= max
	}
	fields := p.fields(t)
	switch {
	case len(fields) == 0:
		b.WriteString("{}")
		return b.Len() <= max
	case depth >= p.lim.MaxDepth:
		b.WriteString("{...}")
		return b.Len() <= max
	case len(fields) > p.lim.MaxItems:
		return false
	}
	p.onPath[t] = true
	defer delete(p.onPath, t)
	b.WriteString("{")
	for i, f := range fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.keyPrefix(f.key))
		if b.Len() > max || !p.inline(b, f.val, depth+1, max) {
			return false
		}
	}
	b.WriteString("}")
	return b.Len() <= max
}

// scalar renders anything but a table without __tostring.
func (p *printer) scalar(v lua.LValue) string {
	switch v := v.(type) {
	case lua.LString:
		return p.quote(string(v))
	case lua.LNumber:
		return luastd.ToString(p.L, v) // as tostring and print: inf, -nan, 1e+15
	case lua.LBool, *lua.LNilType:
		return v.String()
	}
	if p.hasToString(v) {
		return p.tostring(v)
	}
	return v.String()
}

func (p *printer) hasToString(v lua.LValue) bool {
	switch v.(type) {
	case *lua.LTable, *lua.LUserData:
		return p.L.GetMetaField(v, "__tostring") != lua.LNil
	}
	return false
}

// quote renders a string inside a table: quoted, escaped, cut at
// MaxString bytes.
func (p *printer) quote(s string) string {
	if len(s) <= p.lim.MaxString {
		return `"` + escape(s, '"') + `"`
	}
	cut := p.lim.MaxString
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf(`"%s"... (%d bytes)`, escape(s[:cut], '"'), len(s))
}

// escape escapes s for a Lua string literal delimited by q: control bytes
// and invalid UTF-8 as \ddd (three digits, so a digit after it is not read
// as part of it), printable UTF-8 as is.
func escape(s string, q byte) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		c := s[i]
		switch {
		case c == q || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError && n == 1, c < 0x20, c == 0x7f:
			fmt.Fprintf(&b, `\%03d`, c)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// keyPrefix renders "name = ", "[key] = ", or "" for a sequence item.
func (p *printer) keyPrefix(k lua.LValue) string {
	if k == nil {
		return ""
	}
	if s, ok := k.(lua.LString); ok && isIdent(string(s)) {
		return string(s) + " = "
	}
	if t, ok := k.(*lua.LTable); ok && !p.hasToString(t) {
		return "[" + t.String() + "] = "
	}
	return "[" + p.scalar(k) + "] = "
}

type field struct {
	key lua.LValue // nil for the sequence part
	val lua.LValue
}

// fields lists t's fields: the sequence 1..n first, without keys, then the
// other keys sorted.
func (p *printer) fields(t *lua.LTable) []field {
	var out []field
	n := 0
	for {
		v := t.RawGetInt(n + 1)
		if v == lua.LNil {
			break
		}
		out = append(out, field{val: v})
		n++
	}
	var rest []field
	t.ForEach(func(k, v lua.LValue) {
		if num, ok := k.(lua.LNumber); ok {
			f := float64(num)
			if f >= 1 && f <= float64(n) && f == math.Trunc(f) {
				return
			}
		}
		rest = append(rest, field{key: k, val: v})
	})
	slices.SortStableFunc(rest, func(a, b field) int { return compareKeys(a.key, b.key) })
	return append(out, rest...)
}

// compareKeys orders numbers, then strings, then booleans, then anything
// else by type name and text.
func compareKeys(a, b lua.LValue) int {
	ra, rb := keyRank(a), keyRank(b)
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	switch a := a.(type) {
	case lua.LNumber:
		return cmp.Compare(float64(a), float64(b.(lua.LNumber)))
	case lua.LString:
		return strings.Compare(string(a), string(b.(lua.LString)))
	case lua.LBool:
		return cmp.Compare(boolRank(a), boolRank(b.(lua.LBool)))
	}
	if c := strings.Compare(a.Type().String(), b.Type().String()); c != 0 {
		return c
	}
	return strings.Compare(a.String(), b.String())
}

func keyRank(v lua.LValue) int {
	switch v.(type) {
	case lua.LNumber:
		return 0
	case lua.LString:
		return 1
	case lua.LBool:
		return 2
	}
	return 3
}

func boolRank(b lua.LBool) int {
	if b {
		return 1
	}
	return 0
}

var keywords = []string{
	"and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
	"local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
}

// isIdent reports whether s can be written as t.s.
func isIdent(s string) bool {
	if s == "" || slices.Contains(keywords, s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}
