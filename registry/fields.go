package registry

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/luahost/luahost/internal/bytesize"
	"github.com/luahost/luahost/internal/secret"
)

// Fields gives a kind's Decode function typed access to the entry's own
// fields (everything but name, kind, meta and lifecycle), with positions for
// error messages. Every getter records the field name as known; a field no
// getter asked for is reported as unknown, with a "did you mean" for near
// misses. Getters report wrong types through the registry's problem list and
// return the default, so one Decode call finds every problem of an entry.
//
// A string is accepted where a number, boolean or duration is wanted when its
// text parses as one (so ${env:...} works for every type).
//
// Error messages never include a field's value when it came from ${env:...},
// so secrets stay out of logs. The zero Fields has no fields.
type Fields struct {
	l  *loader
	fl *srcFile
	id string
	ns string
	// entry is the state of the entry being loaded, shared with every
	// Sub.
	entry  *entryState
	at     Pos    // where the mapping is (or its parent entry, when absent)
	prefix string // "" or "pool." for nested mappings
	pairs  []pair
	known  map[string]bool
	// subs are the mappings taken with Sub, checked for unknown fields
	// with their parent.
	subs     map[string]*Fields
	subOrder []string
}

// entryState is what an entry's Fields, and every Sub taken from them,
// share while the entry loads.
type entryState struct {
	// deps are the IDs the entry depends on so far.
	deps []string
	// env are the environment values the entry's fields used so far.
	env []string
	// secrets are the values marked secret so far (Secret, AddSecret),
	// redacted from the entry's problems.
	secrets []string
	// reported marks the fields (full dotted names) with a problem.
	reported map[string]bool
}

// newFields returns the Fields of a new entry (or of a file's top-level
// mapping) at at.
func newFields(l *loader, fl *srcFile, ns string, at Pos) *Fields {
	return &Fields{l: l, fl: fl, ns: ns, at: at, known: map[string]bool{}, entry: &entryState{reported: map[string]bool{}}}
}

func (f *Fields) ok() bool { return f != nil && f.l != nil }

// addDep records a dependency of the entry.
func (f *Fields) addDep(id string) { f.entry.deps = append(f.entry.deps, id) }

// addRef records a reference in field name to the entry target, checked
// once every entry is loaded (kinds as for Ref), and makes it a
// dependency.
func (f *Fields) addRef(pos Pos, name, target string, shown *scalar, kinds []string) {
	f.l.refs = append(f.l.refs, ref{from: f.id, src: f.fl.index, pos: pos, field: f.prefix + name,
		target: target, shown: shown, kinds: kinds})
	f.addDep(target)
}

// noteEnv adds the environment values s took to the entry's.
func (f *Fields) noteEnv(s *scalar) {
	if s.fromEnv() {
		f.entry.env = append(f.entry.env, s.env...)
	}
}

// expand returns the scalar node n, whose text is text, with ${env:...}
// expanded in strings. A node is expanded once, however many entries
// share it through aliases: problems are reported at pos, under label (a
// full field name), the first time, and the values it took from the
// environment count as such for every entry that reads it.
func (f *Fields) expand(n ast.Node, text string, pos Pos, label string) *scalar {
	s, done := f.l.scalars[n]
	if !done {
		s = &scalar{text: text, raw: text}
		if isStringNode(n) {
			var probs []string
			s.text, s.env, probs = expandEnv(text, f.lookupEnvRef)
			for _, m := range probs {
				f.reportAt(pos, label, m)
			}
			s.bad = len(probs) > 0
		}
		f.l.scalars[n] = s
	}
	f.noteEnv(s)
	return s
}

// lookupEnvRef resolves the NAME of a ${env:NAME} reference: an OS
// variable, or with a colon the env.variable entry of that ID, which
// becomes a dependency of the entry.
func (f *Fields) lookupEnvRef(name string) (string, bool, string) {
	if !strings.Contains(name, ":") {
		v, ok := f.l.getenv(name)
		return v, ok, ""
	}
	f.addDep(name)
	return f.l.lookupVar(name)
}

// EntryID returns the full ID of the entry being decoded.
func (f *Fields) EntryID() string {
	if f == nil {
		return ""
	}
	return f.id
}

// Namespace returns the namespace of the entry being decoded.
func (f *Fields) Namespace() string {
	if f == nil {
		return ""
	}
	return f.ns
}

// Dir returns the folder of the registry file that defines the entry, or ""
// for a registry that has no folder (relative paths then stay relative to
// the working directory).
func (f *Fields) Dir() string {
	if !f.ok() || f.fl == nil {
		return ""
	}
	return f.fl.dir
}

// lookup marks name known and returns its value node (dereferenced), or nil
// when absent or null.
func (f *Fields) lookup(name string) (pair, ast.Node, bool) {
	if !f.ok() {
		return pair{}, nil, false
	}
	f.known[name] = true
	for _, p := range f.pairs {
		if p.key == name {
			v := f.fl.deref(p.val)
			if isNull(v) {
				return p, nil, false
			}
			return p, v, true
		}
	}
	return pair{}, nil, false
}

// valuePos is the position of field name's value, or of the mapping.
func (f *Fields) valuePos(p pair) Pos {
	if p.val == nil {
		return f.fl.nodePos(p.keyNode, f.at)
	}
	return f.fl.nodePos(p.val, f.fl.nodePos(p.keyNode, f.at))
}

// report adds a problem "<field>: msg" at pos.
func (f *Fields) report(pos Pos, name, msg string) {
	f.reportAt(pos, f.prefix+name, msg)
}

// reportAt adds a problem "label: msg" at pos, label being a full field
// name, and marks the field reported.
func (f *Fields) reportAt(pos Pos, label, msg string) {
	f.entry.reported[label] = true
	f.l.problem(f.fl.index, pos, f.id, label+": "+msg)
}

// scalar returns field name as an expanded scalar. ok is false when absent,
// of the wrong type (reported) or when expansion failed (reported).
func (f *Fields) scalar(name, want string) (*scalar, pair, ast.Node, bool) {
	p, v, ok := f.lookup(name)
	if es, ep, ev, eok, found := f.envField(name, ok); found {
		return es, ep, ev, eok
	}
	if !ok {
		return nil, p, nil, false
	}
	text, isScalar := scalarText(v)
	if !isScalar {
		f.report(f.valuePos(p), name, "want "+want+", got "+typeName(v))
		return nil, p, v, false
	}
	s := f.expand(v, text, f.valuePos(p), f.prefix+name)
	return s, p, v, !s.bad
}

// envField reads Wippy's deprecated sibling directive name_env ("host_env:
// DB_HOST"), which names an OS variable, or with a colon an env.variable
// entry, to read field name from. found is false when there is no such
// field, or when its variable has no value and the field itself is given
// (inline, which is then used). A missing value with no inline field is
// reported. Each use logs a deprecation warning.
func (f *Fields) envField(name string, inline bool) (s *scalar, p pair, v ast.Node, ok, found bool) {
	if strings.HasSuffix(name, "_env") {
		return nil, pair{}, nil, false, false
	}
	key := name + "_env"
	for _, q := range f.pairs {
		if q.key == key {
			p, found = q, true
			break
		}
	}
	if !found {
		return nil, pair{}, nil, false, false
	}
	f.known[key] = true
	v = f.fl.deref(p.val)
	text, isScalar := scalarText(v)
	text = strings.TrimSpace(text)
	if !isScalar || !isStringNode(v) || isNull(v) {
		f.report(f.valuePos(p), key, "want the name of an environment variable or an env.variable ID, got "+typeName(v))
		return nil, p, v, false, !inline
	}
	f.l.warn(f.fl.index, v, f.valuePos(p), f.id, f.prefix+key+" is deprecated (Wippy's older form): write "+
		f.prefix+name+": ${env:"+text+"}")
	var val, msg string
	var has bool
	switch {
	case ValidID(text):
		f.addDep(text)
		val, has, msg = f.l.lookupVar(text)
	case validEnvName(text):
		val, has = f.l.getenv(text)
		msg = "environment variable " + text + " is not set"
	default:
		f.report(f.valuePos(p), key, "bad variable "+strconv.Quote(text)+" (want an OS variable name or an env.variable ID ns:name)")
		return nil, p, v, false, !inline
	}
	if has && val != "" {
		s = &scalar{text: val, raw: "${env:" + text + "}", env: []string{val}}
		f.noteEnv(s)
		return s, p, v, true, true
	}
	if inline {
		return nil, pair{}, nil, false, false
	}
	if has {
		msg = text + " is empty"
	}
	f.report(f.valuePos(p), key, msg+" (and "+f.prefix+name+" is not given)")
	return nil, p, v, false, true
}

// Warnf records a warning about field name: the entry loads, and the host
// logs the warning (use it for values the kind adjusts). Values taken from
// the environment are redacted.
func (f *Fields) Warnf(name, format string, args ...any) {
	if !f.ok() {
		return
	}
	msg := redact(fmt.Sprintf(format, args...), f.entry.secrets)
	pos := f.at
	var node ast.Node
	for _, p := range f.pairs {
		if p.key == name {
			pos, node = f.valuePos(p), p.val
			break
		}
	}
	f.l.warn(f.fl.index, node, pos, f.id, f.prefix+name+": "+msg)
}

// Has reports whether the field is present, and marks it known. A null
// value counts as absent.
func (f *Fields) Has(name string) bool {
	_, _, ok := f.lookup(name)
	return ok
}

// IsMapping reports whether the field is present and a mapping, for
// fields that take either a scalar or a mapping (such as tls: true or
// tls: {ca_file: ...}); it marks the field known.
func (f *Fields) IsMapping(name string) bool {
	_, v, ok := f.lookup(name)
	_, isMap := v.(*ast.MappingNode)
	return ok && isMap
}

// String returns a string field, or def when absent. Any scalar is accepted
// as its text.
func (f *Fields) String(name, def string) string {
	s, _, _, ok := f.scalar(name, "a string")
	if !ok {
		return def
	}
	return s.text
}

// RequiredString returns a string field, reporting a problem when absent or empty.
func (f *Fields) RequiredString(name string) string {
	if !f.ok() {
		return ""
	}
	s, p, v, ok := f.scalar(name, "a string")
	switch {
	case v == nil:
		f.missing(name)
		return ""
	case !ok:
		return ""
	case s.text == "":
		f.report(f.valuePos(p), name, "must not be empty")
	}
	return s.text
}

func (f *Fields) missing(name string) {
	f.entry.reported[f.prefix+name] = true
	f.l.problem(f.fl.index, f.at, f.id, "missing required field "+strconv.Quote(f.prefix+name))
}

// Int returns an integer field, or def when absent.
func (f *Fields) Int(name string, def int64) int64 {
	n, _, _, ok := f.int(name)
	if !ok {
		return def
	}
	return n
}

func (f *Fields) int(name string) (int64, *scalar, pair, bool) {
	s, p, v, ok := f.scalar(name, "an integer")
	if !ok {
		return 0, s, p, false
	}
	if in, isInt := v.(*ast.IntegerNode); isInt {
		switch n := in.Value.(type) {
		case int64:
			return n, s, p, true
		case uint64:
			if n <= math.MaxInt64 {
				return int64(n), s, p, true
			}
		}
		f.report(f.valuePos(p), name, "integer "+s.show()+" out of range")
		return 0, s, p, false
	}
	if isStringNode(v) {
		n, err := strconv.ParseInt(strings.TrimSpace(s.text), 10, 64)
		if err == nil {
			return n, s, p, true
		}
		if ne, isNum := err.(*strconv.NumError); isNum && ne.Err == strconv.ErrRange {
			f.report(f.valuePos(p), name, "integer "+s.show()+" out of range")
			return 0, s, p, false
		}
		f.report(f.valuePos(p), name, notInteger("string", s))
		return 0, s, p, false
	}
	f.report(f.valuePos(p), name, notInteger(typeName(v), s))
	return 0, s, p, false
}

// Size returns a non-negative integer field, or def when absent.
func (f *Fields) Size(name string, def int64) int64 {
	n, s, p, ok := f.int(name)
	if !ok {
		return def
	}
	if n < 0 {
		f.report(f.valuePos(p), name, "must not be negative, got "+unquote(s, strconv.FormatInt(n, 10)))
		return def
	}
	return n
}

// ByteSize returns a size in bytes, or def when absent: an integer
// (268435456) or a string with a unit ("256MiB", "1.5GiB", "100MB"; see
// bytesize.Parse), from the file or from ${env:...}. A negative size, one
// over math.MaxInt64 bytes, a fraction of a byte or any other text is
// reported at the value's position, and def returned.
func (f *Fields) ByteSize(name string, def int64) int64 {
	s, p, v, ok := f.scalar(name, bytesize.Forms)
	if !ok {
		return def
	}
	text := s.text
	switch t := v.(type) {
	case *ast.IntegerNode:
		// The value, not the text: YAML also writes integers as 0x10 or 1_000.
		text = fmt.Sprint(t.Value)
	case *ast.FloatNode, *ast.StringNode, *ast.LiteralNode:
	default:
		f.report(f.valuePos(p), name, "want "+bytesize.Forms+", got "+typeName(v)+" "+s.show())
		return def
	}
	n, err := bytesize.Parse(text)
	switch {
	case err == nil:
		return n
	case errors.Is(err, bytesize.ErrNegative):
		f.report(f.valuePos(p), name, "must not be negative, got "+unquote(s, s.text))
	case errors.Is(err, bytesize.ErrRange):
		f.report(f.valuePos(p), name, "size "+s.show()+" is too large: the limit is "+strconv.FormatInt(math.MaxInt64, 10)+" bytes")
	case errors.Is(err, bytesize.ErrFraction):
		f.report(f.valuePos(p), name, "size "+s.show()+" is not a whole number of bytes")
	default:
		f.report(f.valuePos(p), name, "bad size "+s.show()+": want "+bytesize.Forms)
	}
	return def
}

// unquote shows a number: its text, or the ${env:...} text when it came from
// the environment.
func unquote(s *scalar, text string) string {
	if s != nil && s.fromEnv() {
		return s.show()
	}
	return text
}

// Float returns a number field, or def when absent.
func (f *Fields) Float(name string, def float64) float64 {
	s, p, v, ok := f.scalar(name, "a number")
	if !ok {
		return def
	}
	switch t := v.(type) {
	case *ast.FloatNode:
		return t.Value
	case *ast.IntegerNode:
		switch n := t.Value.(type) {
		case int64:
			return float64(n)
		case uint64:
			return float64(n)
		}
	case *ast.InfinityNode:
		return t.Value
	case *ast.NanNode:
		return math.NaN()
	case *ast.StringNode, *ast.LiteralNode:
		x, err := strconv.ParseFloat(strings.TrimSpace(s.text), 64)
		if err == nil {
			return x
		}
		f.report(f.valuePos(p), name, "want a number, got string "+s.show())
		return def
	}
	f.report(f.valuePos(p), name, "want a number, got "+typeName(v)+" "+s.show())
	return def
}

// Bool returns a boolean field, or def when absent.
func (f *Fields) Bool(name string, def bool) bool {
	s, p, v, ok := f.scalar(name, "a boolean")
	if !ok {
		return def
	}
	if b, isBool := v.(*ast.BoolNode); isBool {
		return b.Value
	}
	if isStringNode(v) {
		switch strings.TrimSpace(s.text) {
		case "true":
			return true
		case "false":
			return false
		}
		f.report(f.valuePos(p), name, "want true or false, got string "+s.show())
		return def
	}
	f.report(f.valuePos(p), name, "want true or false, got "+typeName(v)+" "+s.show())
	return def
}

// Duration returns a non-negative Go duration string field ("500ms", "1h30m"), or def when absent.
func (f *Fields) Duration(name string, def time.Duration) time.Duration {
	s, p, v, ok := f.scalar(name, "a duration")
	if !ok {
		return def
	}
	switch v.(type) {
	case *ast.StringNode, *ast.LiteralNode, *ast.IntegerNode, *ast.FloatNode:
	default:
		f.report(f.valuePos(p), name, "want a duration such as \"500ms\" or \"5m\", got "+typeName(v)+" "+s.show())
		return def
	}
	d, err := time.ParseDuration(strings.TrimSpace(s.text))
	if err != nil {
		why := "want a Go duration such as \"500ms\", \"5m\" or \"1h30m\""
		if t := strings.TrimSpace(s.text); t != "" && strings.Trim(t, "0123456789.+-") == "" {
			why = "missing unit (write e.g. \"500ms\", \"5m\" or \"1h30m\")"
		}
		f.report(f.valuePos(p), name, "bad duration "+s.show()+": "+why)
		return def
	}
	if d < 0 {
		f.report(f.valuePos(p), name, "duration must not be negative, got "+s.show())
		return def
	}
	return d
}

// EnvValues returns the values the entry's fields read so far took from
// the environment.
func (f *Fields) EnvValues() []string {
	if !f.ok() {
		return nil
	}
	return append([]string(nil), f.entry.env...)
}

// AddSecret marks values as secret (say, the password inside a DSN) so
// that they are redacted from the entry's problems and from everything the
// host prints (Registry.Redact). Mark passwords and keys, not addresses or
// names: a secret is hidden wherever it appears in any message. Empty
// values are ignored.
func (f *Fields) AddSecret(values ...string) {
	if !f.ok() {
		return
	}
	for _, v := range values {
		if v != "" {
			f.entry.secrets = append(f.entry.secrets, v)
			f.l.secrets = append(f.l.secrets, v)
		}
	}
}

// Secret is String for a field whose value is a secret, such as a
// password: the value, however written (in the file, from ${env:...} or
// from a <field>_env variable), and each part of it taken from the
// environment are marked as by AddSecret.
func (f *Fields) Secret(name, def string) string {
	if !f.ok() {
		return def
	}
	s, _, _, ok := f.scalar(name, "a string")
	if !ok {
		return def
	}
	f.AddSecret(s.text)
	f.AddSecret(s.env...)
	if n := len(s.text); n > 0 && n < secret.MinLen {
		f.Warnf(name, "a secret shorter than %d bytes is hidden from messages only where it stands as a credential (the password of a URL or MySQL DSN, or of a password setting), not wherever its text appears", secret.MinLen)
	}
	return s.text
}

// DurationAtLeast is Duration for a field that must be at least min, so a
// mistyped value cannot turn a timer into a busy loop. With zeroOK, 0 is
// accepted too (it means "none" for that field). A value out of range is
// reported and def returned.
func (f *Fields) DurationAtLeast(name string, def, min time.Duration, zeroOK bool) time.Duration {
	d := f.Duration(name, def)
	if d >= min || (zeroOK && d == 0) || d == def {
		return d
	}
	if zeroOK {
		f.Errorf(name, "must be 0 or at least %s, got %s", min, d)
	} else {
		f.Errorf(name, "must be at least %s, got %s", min, d)
	}
	return def
}

// Path returns a file path field, or def when absent. A relative path is
// resolved against Dir; the special value ":memory:" is returned as is.
func (f *Fields) Path(name, def string) string {
	v := f.String(name, def)
	if v == "" || v == ":memory:" || filepath.IsAbs(v) || f.Dir() == "" {
		return v
	}
	return filepath.Join(f.Dir(), v)
}

// StringMap returns a mapping of scalars as strings (nil when absent).
func (f *Fields) StringMap(name string) map[string]string {
	_, v, ok := f.lookup(name)
	if !ok {
		return nil
	}
	if _, isMap := v.(*ast.MappingNode); !isMap {
		f.newSub(name) // reports the wrong type
		return nil
	}
	sub := f.newSub(name)
	out := make(map[string]string)
	for _, sp := range sub.pairs {
		if s, _, _, ok := sub.scalar(sp.key, "a scalar"); ok {
			out[sp.key] = s.text
		}
	}
	return out
}

// Strings returns a sequence of scalars as strings (nil when absent).
func (f *Fields) Strings(name string) []string {
	items := f.stringItems(name)
	if items == nil {
		return nil
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it.s.text)
	}
	return out
}

type stringItem struct {
	s   *scalar
	pos Pos
}

// stringItems returns the expanded scalars of a sequence field, skipping
// (and reporting) items that are not scalars.
func (f *Fields) stringItems(name string) []stringItem {
	items, ok := f.sequence(name)
	if !ok {
		return nil
	}
	out := []stringItem{}
	for _, it := range items {
		text, isScalar := scalarText(it.node)
		if !isScalar || isNull(it.node) {
			f.report(it.pos, it.label, "want a string, got "+typeName(it.node))
			continue
		}
		if s := f.expand(it.node, text, it.pos, f.prefix+it.label); !s.bad {
			out = append(out, stringItem{s: s, pos: it.pos})
		}
	}
	return out
}

// seqItem is one item of a sequence field: its node (aliases resolved),
// its label "name[i]" for messages, and its position.
type seqItem struct {
	node  ast.Node
	label string
	pos   Pos
}

// sequence returns the items of a sequence field. A field that is not a
// sequence is reported; ok is false then and when the field is absent.
func (f *Fields) sequence(name string) (items []seqItem, ok bool) {
	p, v, ok := f.lookup(name)
	if !ok {
		return nil, false
	}
	seq, isSeq := v.(*ast.SequenceNode)
	if !isSeq {
		f.report(f.valuePos(p), name, "want a sequence, got "+typeName(v))
		return nil, false
	}
	items = make([]seqItem, len(seq.Values))
	for i, raw := range seq.Values {
		items[i] = seqItem{node: f.fl.deref(raw), label: name + "[" + itoa(i) + "]", pos: f.fl.nodePos(raw, f.valuePos(p))}
	}
	return items, true
}

// Ref returns the full ID of a reference to another entry ("ns:name", or a
// bare name meaning the entry's own namespace) and records it as a
// dependency. The loader reports a problem when the referenced entry does
// not exist or its kind matches none of kinds (exact names, or prefixes
// ending in "." such as "db.sql."). With required, an absent field is a
// problem; otherwise it returns "".
func (f *Fields) Ref(name string, required bool, kinds ...string) string {
	if !f.ok() {
		return ""
	}
	s, p, v, ok := f.scalar(name, "an entry ID")
	if v == nil {
		if required {
			f.missing(name)
		}
		return ""
	}
	if !ok {
		return ""
	}
	id, valid := f.resolveRef(s, f.valuePos(p), name)
	if !valid {
		return ""
	}
	f.addRef(f.valuePos(p), name, id, s, append([]string(nil), kinds...))
	return id
}

// resolveRef turns a reference into a full ID, reporting malformed ones.
func (f *Fields) resolveRef(s *scalar, pos Pos, label string) (string, bool) {
	v := strings.TrimSpace(s.text)
	if strings.Contains(v, ":") {
		if !ValidID(v) {
			f.report(pos, label, "bad entry ID "+s.show()+" (want namespace:name, or a bare name for this namespace)")
			return "", false
		}
		return v, true
	}
	if !validName(v) {
		f.report(pos, label, "bad entry ID "+s.show()+" (want namespace:name, or a bare name for this namespace)")
		return "", false
	}
	return f.ns + ":" + v, true
}

// newSub returns Fields over the nested mapping field name, reporting a
// value that is not a mapping. It does not track the result for the
// unknown-field check.
func (f *Fields) newSub(name string) *Fields {
	c := &Fields{l: f.l, fl: f.fl, id: f.id, ns: f.ns, entry: f.entry, at: f.at, prefix: f.prefix + name + ".", known: map[string]bool{}}
	p, v, ok := f.lookup(name)
	if !ok {
		return c
	}
	m, isMap := v.(*ast.MappingNode)
	if !isMap {
		f.report(f.valuePos(p), name, "want a mapping, got "+typeName(v))
		return c
	}
	c.at = f.fl.nodePos(m, f.at)
	c.pairs = f.l.pairs(f.fl, m, f.id)
	return c
}

// Sub returns the nested mapping field name (e.g. "pool") as Fields. An
// absent field gives empty Fields whose getters return their defaults.
// Calling Sub again with the same name returns the same Fields.
func (f *Fields) Sub(name string) *Fields {
	if !f.ok() {
		return &Fields{}
	}
	if c, ok := f.subs[name]; ok {
		return c
	}
	c := f.newSub(name)
	if f.subs == nil {
		f.subs = map[string]*Fields{}
	}
	f.subs[name] = c
	f.subOrder = append(f.subOrder, name)
	return c
}

// Errorf reports a problem at the position of field name (at the entry when
// the field is absent). The message is prefixed with the field name; values
// the entry's fields took from the environment are redacted from it.
func (f *Fields) Errorf(name, format string, args ...any) {
	if !f.ok() {
		return
	}
	msg := redact(fmt.Sprintf(format, args...), f.entry.secrets)
	pos := f.at
	for _, p := range f.pairs {
		if p.key == name {
			pos = f.valuePos(p)
			break
		}
	}
	f.report(pos, name, msg)
}

// checkUnknown reports fields no getter asked for, in this mapping and every
// Sub taken from it.
func (f *Fields) checkUnknown(common ...string) {
	if !f.ok() {
		return
	}
	var knownNames []string // built for the first unknown field only
	for _, p := range f.pairs {
		if f.known[p.key] || contains(common, p.key) {
			continue
		}
		if knownNames == nil {
			for k := range f.known {
				knownNames = append(knownNames, k)
			}
			knownNames = append(knownNames, common...)
			sort.Strings(knownNames)
		}
		msg := "unknown field " + strconv.Quote(f.prefix+p.key)
		if s := suggest(p.key, knownNames, 1); len(s) > 0 {
			msg += " (did you mean " + strconv.Quote(f.prefix+s[0]) + "?)"
		}
		f.l.problem(f.fl.index, f.fl.nodePos(p.keyNode, f.at), f.id, msg)
	}
	for _, name := range f.subOrder {
		f.subs[name].checkUnknown()
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// fieldError reports a Validator's problem at its field (a dotted name
// reaches into the Subs taken), unless that field, a field in p.Also, or a
// mapping holding one, was reported already: Decode then got a default the
// user did not write.
func (f *Fields) fieldError(p FieldError) {
	for _, field := range append([]string{p.Field}, p.Also...) {
		if f.reportedField(field) {
			return
		}
	}
	g, name := f, p.Field
	for {
		head, rest, nested := strings.Cut(name, ".")
		if !nested {
			break
		}
		sub, taken := g.subs[head]
		if !taken {
			if !g.IsMapping(head) {
				break
			}
			// A mapping read whole (StringMap): a problem about one of
			// its keys goes to that key.
			sub = g.newSub(head)
		}
		g, name = sub, rest
	}
	g.Errorf(name, "%s", p.Msg)
}

// reportedField reports whether field (a dotted name) or a mapping holding
// it was reported already.
func (f *Fields) reportedField(field string) bool {
	for i := range len(field) + 1 {
		if (i == len(field) || field[i] == '.') && f.entry.reported[f.prefix+field[:i]] {
			return true
		}
	}
	return false
}

// StringOrList returns a field that is either one string or a sequence of
// strings (Wippy's actions: "*" | "read" | [read, write]), as a list; nil
// when absent.
func (f *Fields) StringOrList(name string) []string {
	p, v, ok := f.lookup(name)
	if !ok {
		return nil
	}
	if _, isSeq := v.(*ast.SequenceNode); isSeq {
		return f.Strings(name)
	}
	if _, isScalar := scalarText(v); !isScalar {
		f.report(f.valuePos(p), name, "want a string or a sequence of strings, got "+typeName(v))
		return nil
	}
	if s := f.String(name, ""); s != "" {
		return []string{s}
	}
	return []string{}
}

// Value returns a field of any YAML type converted as meta is (mappings to
// map[string]any, sequences to []any, integers to int64, other scalars to
// float64, bool or string), and false when absent or null.
func (f *Fields) Value(name string) (any, bool) {
	p, v, ok := f.lookup(name)
	if !ok {
		return nil, false
	}
	st := &metaState{budget: maxMetaValues, f: f, topPair: p}
	return f.l.metaValue(st, v, f.prefix+name, f.valuePos(p), 0), true
}

// Items returns the mappings of a sequence field (such as a policy's
// conditions) as Fields, each checked for unknown fields with its parent
// and named "name[i]" in messages. Items that are not mappings are
// reported and skipped; nil when absent.
func (f *Fields) Items(name string) []*Fields {
	items, ok := f.sequence(name)
	if !ok {
		return nil
	}
	var out []*Fields
	for _, it := range items {
		label, pos := it.label, it.pos
		m, isMap := it.node.(*ast.MappingNode)
		if !isMap {
			f.report(pos, label, "want a mapping, got "+typeName(it.node))
			continue
		}
		c := &Fields{l: f.l, fl: f.fl, id: f.id, ns: f.ns, at: f.fl.nodePos(m, pos),
			prefix: f.prefix + label + ".", known: map[string]bool{}, entry: f.entry}
		c.pairs = f.l.pairs(f.fl, m, f.id)
		if f.subs == nil {
			f.subs = map[string]*Fields{}
		}
		f.subs[label] = c
		f.subOrder = append(f.subOrder, label)
		out = append(out, c)
	}
	return out
}
