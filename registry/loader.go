package registry

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// ref is a reference from one entry's field to another entry, checked once
// every file is read.
type ref struct {
	from   string
	src    int
	pos    Pos
	field  string
	target string
	shown  *scalar
	kinds  []string
}

type problemRec struct {
	src, seq int
	p        Problem
}

type loader struct {
	getenv   func(string) (string, bool)
	probs    []problemRec
	scalars  map[ast.Node]*scalar
	reported map[ast.Node]bool
	refs     []ref
	entries  map[string]*Entry
	entrySrc map[string]int // source index of each registered entry
	// secrets are the values kinds marked secret (Fields.Secret,
	// Fields.AddSecret), for Registry.Redact.
	secrets []string
	// pending are the entries of every file, loaded once all files are
	// parsed so env entries can be loaded first (see loadPending).
	pending []pendingEntry
	// env is the env registry: env.variable and env.storage.* entries.
	env envRegistry
	// warnings are the problems that do not fail the load.
	warnings []problemRec
	// warned marks nodes already warned about.
	warned map[ast.Node]bool
}

// pendingEntry is an entry mapping waiting to be loaded.
type pendingEntry struct {
	fl    *srcFile
	m     *ast.MappingNode
	ns    string
	nsOK  bool
	extra []string // top-level keys that belong to the file (single-entry form)
	kind  string   // the kind as written, to order env entries first
}

// topKeys are the keys of the mapping form of a file.
var topKeys = []string{"version", "namespace", "entries"}

// commonFields are the entry fields every kind has.
var commonFields = []string{"name", "kind", "meta", "lifecycle"}

func newLoader(opts Options) *loader {
	l := &loader{
		getenv:   opts.Getenv,
		scalars:  map[ast.Node]*scalar{},
		reported: map[ast.Node]bool{},
		entries:  map[string]*Entry{},
		entrySrc: map[string]int{},
		warned:   map[ast.Node]bool{},
	}
	l.env.init()
	if l.getenv == nil {
		l.getenv = lookupEnv
	}
	return l
}

func (l *loader) problem(src int, pos Pos, id, msg string) {
	l.probs = append(l.probs, problemRec{src: src, seq: len(l.probs), p: Problem{Pos: pos, EntryID: id, Msg: msg}})
}

// warn records a problem that does not fail the load, once per node.
func (l *loader) warn(src int, node ast.Node, pos Pos, id, msg string) {
	if node != nil {
		if l.warned[node] {
			return
		}
		l.warned[node] = true
	}
	l.warnings = append(l.warnings, problemRec{src: src, seq: len(l.warnings), p: Problem{Pos: pos, EntryID: id, Msg: msg}})
}

func sortProblems(recs []problemRec) []Problem {
	sort.SliceStable(recs, func(i, j int) bool {
		a, b := recs[i], recs[j]
		if a.src != b.src {
			return a.src < b.src
		}
		if a.p.Pos.Line != b.p.Pos.Line {
			return a.p.Pos.Line < b.p.Pos.Line
		}
		return a.p.Pos.Col < b.p.Pos.Col
	})
	out := make([]Problem, len(recs))
	for i, r := range recs {
		out[i] = r.p
	}
	return out
}

func (l *loader) err() *Error {
	return &Error{Problems: sortProblems(l.probs)}
}

// maxFlowDepth bounds [ ] and { } nesting: the YAML parser's cost grows with
// the square of the depth, and no registry needs more than a few levels.
const maxFlowDepth = 200

// errTooDeep reports flow nesting beyond maxFlowDepth at tk.
type errTooDeep struct{ tk *token.Token }

func (e errTooDeep) Error() string {
	return "nesting deeper than " + itoa(maxFlowDepth) + " levels of [ ] or { }"
}

// parseYAML parses data, turning a parser panic into an error so that no
// input can crash the host. Plain scalars with a ":" in flow sequences are
// read as YAML 1.2 reads them (see joinFlowColons).
func parseYAML(data []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("cannot parse YAML: %v", r)
		}
	}()
	tokens := lexer.Tokenize(string(data))
	depth := 0
	for _, tk := range tokens {
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			depth++
			if depth > maxFlowDepth {
				return nil, errTooDeep{tk}
			}
		case token.SequenceEndType, token.MappingEndType:
			depth--
		}
	}
	joined, err := joinFlowColons(tokens)
	if fc, ok := err.(*flowColonError); ok {
		// A syntax error before the flow colon is the first problem of
		// the file: report it, not a later one.
		_, perr := parser.Parse(tokens, 0, parser.AllowDuplicateMapKey())
		if ye, ok := perr.(yaml.Error); ok && before(ye.GetToken(), fc.tk) {
			return nil, perr
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	return parser.Parse(joined, 0, parser.AllowDuplicateMapKey())
}

// before reports whether token a starts before token b in the source.
func before(a, b *token.Token) bool {
	if a == nil || a.Position == nil || b == nil || b.Position == nil {
		return false
	}
	pa, pb := a.Position, b.Position
	return pa.Line < pb.Line || pa.Line == pb.Line && pa.Column < pb.Column
}

func (l *loader) loadSource(index int, src Source, name string) {
	fl := &srcFile{index: index, name: name, dir: src.Dir, anchors: map[string]ast.Node{}}
	start := Pos{File: name, Line: 1, Col: 1}
	f, err := parseYAML(src.Data)
	if err != nil {
		pos, msg := start, err.Error()
		if td, ok := err.(errTooDeep); ok && td.tk.Position != nil {
			pos = Pos{File: name, Line: max(td.tk.Position.Line, 1), Col: max(td.tk.Position.Column, 1)}
		}
		if fc, ok := err.(*flowColonError); ok {
			pos = Pos{File: name, Line: max(fc.tk.Position.Line, 1), Col: max(fc.tk.Position.Column, 1)}
			l.problem(index, pos, "", msg)
			return
		}
		if ye, ok := err.(yaml.Error); ok {
			msg = ye.GetMessage()
			pos = fl.nodePos(nil, start)
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				pos = Pos{File: name, Line: max(tk.Position.Line, 1), Col: max(tk.Position.Column, 1)}
			}
		}
		l.problem(index, pos, "", "YAML syntax error: "+msg)
		return
	}
	for _, doc := range f.Docs {
		if doc == nil {
			continue
		}
		// Each document has its own anchors, kept until its entries load.
		dfl := &srcFile{index: fl.index, name: fl.name, dir: fl.dir, anchors: map[string]ast.Node{}}
		l.scan(dfl, doc.Body, 0)
		l.loadDoc(dfl, doc.Body)
	}
}

// loadPending loads the entries every file defines: env storages first,
// then env variables, then the rest, so ${env:ns:name} references in any
// entry find the env registry complete.
func (l *loader) loadPending() {
	rank := func(kind string) int {
		switch {
		case strings.HasPrefix(kind, "env.storage."):
			return 0
		case kind == "env.variable":
			return 1
		}
		return 2
	}
	sort.SliceStable(l.pending, func(i, j int) bool { return rank(l.pending[i].kind) < rank(l.pending[j].kind) })
	for _, pe := range l.pending {
		l.loadEntry(pe.fl, pe.m, pe.ns, pe.nsOK, pe.extra...)
	}
	l.pending = nil
}

// queue adds an entry mapping to the pending list.
func (l *loader) queue(fl *srcFile, m *ast.MappingNode, ns string, nsOK bool, extra ...string) {
	kind := ""
	for _, mv := range m.Values {
		if mv == nil {
			continue
		}
		if k, ok := fl.keyText(mv.Key); ok && k == "kind" {
			kind, _ = scalarText(fl.deref(mv.Value))
		}
	}
	l.pending = append(l.pending, pendingEntry{fl: fl, m: m, ns: ns, nsOK: nsOK, extra: extra, kind: kind})
}

func (l *loader) loadDoc(fl *srcFile, body ast.Node) {
	start := Pos{File: fl.name, Line: 1, Col: 1}
	switch t := fl.deref(body).(type) {
	case nil, *ast.NullNode:
		// An empty file defines nothing.
	case *ast.SequenceNode:
		l.loadEntries(fl, t, "app", true)
	case *ast.MappingNode:
		l.loadMappingForm(fl, t)
	default:
		l.problem(fl.index, fl.nodePos(body, start), "",
			"a registry file is a mapping (version, namespace, entries) or a sequence of entries, got "+typeName(t))
	}
}

func (l *loader) loadMappingForm(fl *srcFile, m *ast.MappingNode) {
	top := newFields(l, fl, "", fl.nodePos(m, Pos{File: fl.name, Line: 1, Col: 1}))
	top.pairs = l.pairs(fl, m, "")
	if looksLikeEntry(top.pairs) {
		l.problem(fl.index, top.at, "", "a registry file is a mapping with version, namespace and entries, "+
			"or a sequence of entries; this mapping looks like one entry: add namespace: to make it a single-entry file, "+
			"or write it as a sequence item (\"- name: ...\")")
		return
	}
	if notRegistry(top.pairs) {
		// Another tool's file (docker-compose.yml) in a registry folder:
		// one problem, not one per key.
		keys := make([]string, 0, len(top.pairs))
		for _, p := range top.pairs {
			keys = append(keys, strconv.Quote(p.key))
		}
		l.problem(fl.index, top.at, "", "not a registry file: it has neither namespace nor entries (its keys: "+
			strings.Join(keys, ", ")+"); keep other YAML files out of a registry folder, or pass registry files to -r one by one")
		return
	}
	if single := singleEntry(top.pairs); single {
		// Wippy's single-entry file: namespace (and version) plus one
		// entry's fields at the top level.
		if s, p, _, ok := top.scalar("version", "a string"); ok && strings.TrimSpace(s.text) != "1.0" {
			top.report(top.valuePos(p), "version", "unsupported version "+s.show()+" (the only version is \"1.0\")")
		}
		s, p, _, ok := top.scalar("namespace", "a string")
		switch {
		case !ok:
			l.queue(fl, m, "", false, "namespace", "version")
		case !validNamespace(s.text):
			top.report(top.valuePos(p), "namespace", "bad namespace "+s.show()+
				" (want dot-separated names of [a-z0-9_][a-z0-9_-]*)")
			l.queue(fl, m, s.text, false, "namespace", "version")
		default:
			l.queue(fl, m, s.text, true, "namespace", "version")
		}
		return
	}
	if s, p, _, ok := top.scalar("version", "a string"); ok && strings.TrimSpace(s.text) != "1.0" {
		top.report(top.valuePos(p), "version", "unsupported version "+s.show()+" (the only version is \"1.0\")")
	}
	ns, nsOK := "", false
	s, p, v, ok := top.scalar("namespace", "a string")
	switch {
	case v == nil:
		l.problem(fl.index, top.at, "", "missing required key \"namespace\"")
	case ok && !validNamespace(s.text):
		top.report(top.valuePos(p), "namespace", "bad namespace "+s.show()+
			" (want dot-separated names of [a-z0-9_][a-z0-9_-]*)")
		ns = s.text
	case ok:
		ns, nsOK = s.text, true
	}
	if ep, ev, ok := top.lookup("entries"); ok {
		if seq, isSeq := ev.(*ast.SequenceNode); isSeq {
			l.loadEntries(fl, seq, ns, nsOK)
		} else {
			top.report(top.valuePos(ep), "entries", "want a sequence of entries, got "+typeName(ev))
		}
	}
	for _, p := range top.pairs {
		if top.known[p.key] {
			continue
		}
		msg := "unknown top-level key " + strconv.Quote(p.key)
		if s := suggest(p.key, topKeys, 1); len(s) > 0 {
			msg += " (did you mean " + strconv.Quote(s[0]) + "?)"
		}
		msg += "; a registry file has version, namespace and entries"
		l.problem(fl.index, fl.nodePos(p.keyNode, top.at), "", msg)
	}
}

// notRegistry reports whether a top-level mapping is not a registry file
// at all: it has neither namespace nor entries, nor a key that looks
// like a misspelling of one (those get their did-you-mean). version
// alone does not count: docker-compose.yml has one too.
func notRegistry(ps []pair) bool {
	for _, p := range ps {
		if p.key == "namespace" || p.key == "entries" || p.key != "version" && len(suggest(p.key, topKeys, 1)) > 0 {
			return false
		}
	}
	return len(ps) > 0
}

// singleEntry reports whether a top-level mapping is Wippy's single-entry
// form: namespace plus an entry's name and kind, and no entries.
func singleEntry(ps []pair) bool {
	keys := map[string]bool{}
	for _, p := range ps {
		keys[p.key] = true
	}
	return keys["namespace"] && (keys["name"] || keys["kind"]) && !keys["entries"]
}

// looksLikeEntry reports whether a top-level mapping has an entry's keys and
// none of a file's.
func looksLikeEntry(ps []pair) bool {
	keys := map[string]bool{}
	for _, p := range ps {
		keys[p.key] = true
	}
	return keys["kind"] && !keys["namespace"] && !keys["entries"] && !keys["version"]
}

func (l *loader) loadEntries(fl *srcFile, seq *ast.SequenceNode, ns string, nsOK bool) {
	for _, item := range seq.Values {
		at := fl.nodePos(item, fl.nodePos(seq, Pos{File: fl.name, Line: 1, Col: 1}))
		m, ok := fl.deref(item).(*ast.MappingNode)
		if !ok {
			l.problem(fl.index, at, "", "an entry is a mapping with at least name and kind, got "+typeName(fl.deref(item)))
			continue
		}
		l.queue(fl, m, ns, nsOK)
	}
}

// peekName returns the name as written, to label problems found before the
// name is read.
func (fl *srcFile) peekName(m *ast.MappingNode) string {
	for _, mv := range m.Values {
		if mv == nil {
			continue
		}
		if k, ok := fl.keyText(mv.Key); ok && k == "name" {
			if t, ok := scalarText(fl.deref(mv.Value)); ok && validName(t) {
				return t
			}
		}
	}
	return ""
}

// loadEntry loads one entry mapping; extra are keys of the mapping that
// belong to the file, not the entry (single-entry form).
func (l *loader) loadEntry(fl *srcFile, m *ast.MappingNode, ns string, nsOK bool, extra ...string) {
	at := fl.nodePos(m, Pos{File: fl.name, Line: 1, Col: 1})
	f := newFields(l, fl, ns, at)
	if n := fl.peekName(m); n != "" {
		f.id = entryLabel(ns, n)
	}
	f.pairs = l.pairs(fl, m, f.id)

	f.id = ""
	valid := nsOK
	name, np, nv, ok := f.scalar("name", "a string")
	switch {
	case nv == nil:
		l.problem(fl.index, at, "", "missing required field \"name\"")
		valid = false
	case !ok:
		valid = false
	case !validName(name.text):
		f.report(f.valuePos(np), "name", "bad name "+name.show()+
			" (want [a-z0-9_][a-z0-9_.-]*: lower-case letters, digits, '_', '.' and '-', not starting with '.' or '-')")
		valid = false
		f.id = entryLabel(ns, strings.Trim(name.show(), "\""))
	default:
		f.id = entryLabel(ns, name.text)
	}

	var kind Kind
	kindOK := false
	ks, kp, kv, ok := f.scalar("kind", "a string")
	switch {
	case kv == nil:
		l.problem(fl.index, at, f.id, "missing required field \"kind\"")
	case ok:
		kind, kindOK = LookupKind(ks.text)
		if !kindOK {
			if msg, wippy := wippyKind(ks.text); wippy {
				f.report(f.valuePos(kp), "kind", msg)
			} else {
				f.report(f.valuePos(kp), "kind", unknownKind(ks))
			}
		}
	}

	e := &Entry{
		ID: f.id, Namespace: ns, Kind: ks.textOrEmpty(), Pos: at,
		Meta:      l.meta(f),
		Lifecycle: l.lifecycle(f),
	}
	if name != nil {
		e.Name = name.text
	}
	if kindOK {
		envBefore := len(f.entry.env)
		e.Config = l.decode(kind, f)
		f.checkUnknown(append(extra, commonFields...)...)
		e.fingerprint = l.fingerprint(fl, m, e.Kind, append(extra, commonFields...), f.entry.env[envBefore:])
		if e.Kind == kindVariable || strings.HasPrefix(e.Kind, "env.storage.") {
			l.env.add(e.ID, e.Kind, e.Config, f.fl.index, at)
		}
	}
	e.Deps = sortedUnique(f.entry.deps)

	if !valid {
		return
	}
	if prev, dup := l.entries[e.ID]; dup {
		l.problem(fl.index, at, e.ID, "duplicate ID, first defined at "+prev.Pos.String())
		return
	}
	l.entries[e.ID] = e
	l.entrySrc[e.ID] = fl.index
}

// entryLabel is the ID used in messages; without a namespace (already
// reported) it is the bare name.
func entryLabel(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + ":" + name
}

func (s *scalar) textOrEmpty() string {
	if s == nil {
		return ""
	}
	return s.text
}

func unknownKind(ks *scalar) string {
	names := KindNames()
	msg := "unknown kind " + ks.show()
	if s := suggest(ks.text, names, 1); len(s) > 0 && !ks.fromEnv() {
		msg += " (did you mean " + strconv.Quote(s[0]) + "?)"
	} else {
		// A Go host gets a kind by importing the package that registers
		// it, as with database/sql drivers.
		msg += " (forgotten import?)"
	}
	if len(names) == 0 {
		return msg + "; no kinds are registered"
	}
	return msg + "; known kinds: " + strings.Join(names, ", ")
}

// decode runs a kind's Decode and reports the problems of a config that
// is a Validator; a panic in either becomes a problem of the entry.
func (l *loader) decode(k Kind, f *Fields) (cfg any) {
	defer func() {
		if r := recover(); r != nil {
			cfg = nil
			l.problem(f.fl.index, f.at, f.id, redact(fmt.Sprintf("internal error in kind %s while decoding: %v", k.Name, r), f.entry.secrets))
		}
	}()
	cfg = k.Decode(f)
	if v, ok := cfg.(Validator); ok {
		for _, p := range v.Problems() {
			f.fieldError(p)
		}
	}
	return cfg
}

func (l *loader) lifecycle(f *Fields) Lifecycle {
	lc := Lifecycle{
		StartTimeout:    DefaultStartTimeout,
		StopTimeout:     DefaultStopTimeout,
		StableThreshold: DefaultStableThreshold,
		Startup:         StartupRequired,
		Restart: Restart{
			InitialDelay:  DefaultInitialDelay,
			MaxDelay:      DefaultMaxDelay,
			BackoffFactor: DefaultBackoffFactor,
			Jitter:        DefaultJitter,
		},
	}
	if !f.Has("lifecycle") {
		return lc
	}
	// Checked here, not with the kind's fields, so that it is checked
	// even when the kind is unknown.
	lf := f.newSub("lifecycle")
	lc.AutoStart = lf.Bool("auto_start", false)
	lc.StartTimeout = lf.DurationAtLeast("start_timeout", lc.StartTimeout, MinTimeout, true)
	lc.StopTimeout = lf.DurationAtLeast("stop_timeout", lc.StopTimeout, MinTimeout, true)
	lc.StableThreshold = lf.Duration("stable_threshold", lc.StableThreshold)
	for _, field := range []string{"requires", "depends_on"} {
		for _, it := range lf.stringItems(field) {
			id, ok := lf.resolveRef(it.s, it.pos, field)
			if !ok {
				continue
			}
			lf.addRef(it.pos, field, id, it.s, nil)
			if !contains(lc.Requires, id) {
				lc.Requires = append(lc.Requires, id)
			}
		}
	}
	if s, p, _, ok := lf.scalar("startup", "required or optional"); ok {
		switch v := strings.TrimSpace(s.text); v {
		case StartupRequired, StartupOptional:
			lc.Startup = v
		default:
			lf.report(lf.valuePos(p), "startup", "want required or optional, got "+s.show())
		}
	}
	lc.Security = l.security(lf)
	rf := lf.Sub("restart")
	r := &lc.Restart
	r.InitialDelay = rf.DurationAtLeast("initial_delay", r.InitialDelay, MinRestartDelay, false)
	r.MaxDelay = rf.DurationAtLeast("max_delay", r.MaxDelay, MinRestartDelay, false)
	if r.MaxDelay < r.InitialDelay {
		if rf.Has("max_delay") {
			rf.Errorf("max_delay", "must not be less than initial_delay (%s), got %s", r.InitialDelay, r.MaxDelay)
		} else {
			// Only initial_delay given: it is the delay the user wants,
			// not capped by the default max_delay.
			r.MaxDelay = r.InitialDelay
		}
	}
	if b := rf.Float("backoff_factor", r.BackoffFactor); b >= 1 {
		r.BackoffFactor = b
	} else {
		rf.Errorf("backoff_factor", "must be at least 1, got %v", b)
	}
	if j := rf.Float("jitter", r.Jitter); j >= 0 && j <= 1 {
		r.Jitter = j
	} else {
		rf.Errorf("jitter", "must be between 0 and 1, got %v", j)
	}
	r.MaxAttempts = int(rf.Size("max_attempts", 0))
	lf.checkUnknown()
	return lc
}

// security reads lifecycle.security: actor (id required, meta any
// mapping), groups and policies (lists of entry IDs).
func (l *loader) security(lf *Fields) *Security {
	if !lf.Has("security") {
		return nil
	}
	sf := lf.Sub("security")
	sec := &Security{}
	af := sf.Sub("actor")
	if !sf.Has("actor") {
		sf.missing("actor")
	} else {
		sec.ActorID = af.RequiredString("id")
		if p, v, ok := af.lookup("meta"); ok {
			if m, isMap := v.(*ast.MappingNode); isMap {
				st := &metaState{budget: maxMetaValues, f: af, topPair: p}
				sec.ActorMeta, _ = l.metaValue(st, m, "lifecycle.security.actor.meta", af.valuePos(p), 0).(map[string]any)
			} else {
				af.report(af.valuePos(p), "meta", "want a mapping, got "+typeName(v))
			}
		}
	}
	for _, field := range []struct {
		name string
		dst  *[]string
	}{{"groups", &sec.Groups}, {"policies", &sec.Policies}} {
		for _, it := range sf.stringItems(field.name) {
			if id, ok := sf.resolveRef(it.s, it.pos, field.name); ok {
				*field.dst = append(*field.dst, id)
			}
		}
	}
	return sec
}

// maxMetaValues bounds the values converted for meta, so aliases cannot
// blow a small file up into a huge tree.
const (
	maxMetaValues = 10000
	maxMetaDepth  = 64
)

type metaState struct {
	budget  int
	tooBig  bool
	f       *Fields
	topPair pair
}

func (l *loader) meta(f *Fields) map[string]any {
	p, v, ok := f.lookup("meta")
	if !ok {
		return nil
	}
	m, isMap := v.(*ast.MappingNode)
	if !isMap {
		f.report(f.valuePos(p), "meta", "want a mapping, got "+typeName(v))
		return nil
	}
	st := &metaState{budget: maxMetaValues, f: f, topPair: p}
	out, _ := l.metaValue(st, m, "meta", f.valuePos(p), 0).(map[string]any)
	return out
}

func (l *loader) metaValue(st *metaState, n ast.Node, label string, at Pos, depth int) any {
	f := st.f
	st.budget--
	if st.budget < 0 || depth > maxMetaDepth {
		if !st.tooBig {
			st.tooBig = true
			f.report(f.valuePos(st.topPair), "meta", "too large or nested too deeply (aliases included)")
		}
		return nil
	}
	pos := f.fl.nodePos(n, at)
	switch t := f.fl.deref(n).(type) {
	case *ast.MappingNode:
		out := map[string]any{}
		for _, p := range l.pairs(f.fl, t, f.id) {
			out[p.key] = l.metaValue(st, p.val, label+"."+p.key, pos, depth+1)
		}
		return out
	case *ast.SequenceNode:
		out := make([]any, 0, len(t.Values))
		for i, v := range t.Values {
			out = append(out, l.metaValue(st, v, label+"["+itoa(i)+"]", pos, depth+1))
		}
		return out
	case *ast.IntegerNode:
		// Integers are int64 whenever they fit, whatever sign they have.
		if u, ok := t.Value.(uint64); ok && u <= math.MaxInt64 {
			return int64(u)
		}
		return t.Value
	case *ast.FloatNode:
		return t.Value
	case *ast.InfinityNode:
		return t.Value
	case *ast.NanNode:
		return t.GetValue()
	case *ast.BoolNode:
		return t.Value
	case *ast.StringNode, *ast.LiteralNode:
		text, _ := scalarText(t)
		return f.expand(t, text, pos, label).text
	}
	return nil
}

// checkRefs reports references to missing entries or entries of the wrong kind.
func (l *loader) checkRefs() {
	for _, r := range l.refs {
		shown := r.target
		if r.shown != nil && r.shown.fromEnv() {
			shown = r.shown.show()
		}
		e, ok := l.entries[r.target]
		if !ok {
			msg := r.field + ": no entry " + shown
			if s := l.similar(r.target); len(s) > 0 && !r.shown.fromEnv() {
				msg += " (did you mean " + strings.Join(s, " or ") + "?)"
			}
			l.problem(r.src, r.pos, r.from, msg)
			continue
		}
		if len(r.kinds) > 0 && !kindMatches(e.Kind, r.kinds) {
			l.problem(r.src, r.pos, r.from, r.field+": "+shown+" is a "+e.Kind+", want "+kindList(r.kinds))
		}
	}
}

func kindMatches(kind string, kinds []string) bool {
	for _, k := range kinds {
		if kind == k || (strings.HasSuffix(k, ".") && strings.HasPrefix(kind, k)) {
			return true
		}
	}
	return false
}

func kindList(kinds []string) string {
	shown := make([]string, len(kinds))
	for i, k := range kinds {
		if strings.HasSuffix(k, ".") {
			k += "*"
		}
		shown[i] = k
	}
	if len(shown) == 1 {
		return shown[0]
	}
	return strings.Join(shown[:len(shown)-1], ", ") + " or " + shown[len(shown)-1]
}

func (l *loader) similar(id string) []string {
	ids := make([]string, 0, len(l.entries))
	for k := range l.entries {
		ids = append(ids, k)
	}
	return suggest(id, ids, 3)
}

func sortedUnique(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := append([]string(nil), s...)
	sort.Strings(out)
	j := 0
	for i, v := range out {
		if i == 0 || v != out[j-1] {
			out[j] = v
			j++
		}
	}
	return out[:j]
}
