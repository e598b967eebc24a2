package luamod

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/internal/bytesize"
	"github.com/luahost/luahost/internal/mpack"
	"github.com/luahost/luahost/luastd"
)

// Limits on storable values. Besides these, encoding stops when the run's
// context is done, and a value whose encoding, or whose decoded form,
// would pass the run's memory cap (luastd.WithMemoryLimit) is refused
// with an error matching luastd.ErrMemoryLimit.
const (
	// MaxDepth is how deeply tables may nest in a value: a table holding
	// a table is two levels.
	MaxDepth = mpack.MaxDepth

	// MaxHoles is how many missing integer keys the tables of one value
	// may have in all, counting for each table the keys missing below its
	// largest integer key. gopher-lua keeps integer keys up to 2^26 in a
	// dense array, so {[50000000] = true} costs 50 million slots; bytes
	// from elsewhere must not be able to ask for that with a few bytes,
	// and what cannot be decoded is not encoded.
	MaxHoles = 1 << 20

	// MaxElements bounds the values (scalars and tables) one value may
	// hold when encoded. A sub-table shared by several parents is copied
	// each time it appears, so a small Lua structure could otherwise
	// expand without bound.
	MaxElements = 1 << 24

	// MaxValueSize is the most bytes a value may take encoded, whatever
	// the run's memory cap (a run with a smaller cap may encode that
	// much): it is luastd.MaxAlloc, the largest string a script can
	// build, and no SQL backend takes more (PostgreSQL keeps a field
	// under 1 GiB, MySQL's max_allowed_packet is at most 1 GiB, SQLite's
	// default length limit is 10^9 bytes; Redis takes 512 MiB). Past it
	// the encoder stops, with an error matching luastd.ErrMemoryLimit,
	// before building what the store would refuse.
	MaxValueSize = luastd.MaxAlloc
)

// probeSize is the output size below which encoding and decoding do not
// look up the run's memory cap: smaller values cost no context lookup.
const probeSize = 64 << 10

// checkEvery is how many steps (elements, or 4 KiB of bytes copied) an
// encoding or decoding takes between two looks at the run's context.
const checkEvery = 1024

// maxElements is MaxElements; tests lower it.
var maxElements = MaxElements

// ValueError reports a Lua value that cannot be stored. It wraps
// backends.ErrInvalid.
type ValueError struct {
	Path   string // where in the value: value, value.items[3], value["a b"], value[true]
	Reason string
	// Err, when set, is a further cause: a *luastd.MemoryError when the
	// encoded value would pass the run's memory cap or MaxValueSize.
	Err error
}

func (e *ValueError) Error() string { return e.Path + ": " + e.Reason }

// Unwrap returns backends.ErrInvalid, and Err when set.
func (e *ValueError) Unwrap() []error {
	if e.Err == nil {
		return []error{backends.ErrInvalid}
	}
	return []error{backends.ErrInvalid, e.Err}
}

// DecodeError reports bytes that are not a MessagePack value a Lua state
// can hold: Offset is the byte offset in the input where the problem was
// found, Reason what it is.
type DecodeError = mpack.DecodeError

// Encode returns the MessagePack encoding of v, as stored by s:set. A value
// that cannot be stored returns a *ValueError (wrapping backends.ErrInvalid)
// naming the offending part.
//
// Numbers that are integral and within the int64 range become MessagePack
// integers, except -0, which stays a float64 so that it round-trips; every
// other number (fractions, nan, inf, -inf, integers beyond int64) is a
// float64. Metatables are not stored: a table is encoded by its raw contents.
// An encoding of more than MaxValueSize bytes is refused (see ValueError).
func Encode(v lua.LValue) ([]byte, error) {
	return EncodeContext(context.Background(), v, "encoding")
}

// EncodeContext is Encode for a run under ctx: it stops with ctx.Err()
// once ctx is done, and refuses an encoding larger than ctx's memory cap
// (luastd.WithMemoryLimit) with a *ValueError naming where the output
// passed it and wrapping a *luastd.MemoryError whose Func is fn (what
// encodes, e.g. "the result").
func EncodeContext(ctx context.Context, v lua.LValue, fn string) ([]byte, error) {
	e := encPool.Get().(*encoder)
	e.start(ctx, fn)
	b, err := e.encode(v)
	if err == nil {
		if cap(b) > maxKept {
			e.buf = nil // release would drop it: hand it over, no copy
		} else {
			b = bytes.Clone(b)
		}
	}
	e.release()
	encPool.Put(e)
	return b, err
}

// Decode returns the Lua value encoded in b. Tables are created in L. Bytes
// that are not exactly one MessagePack value of a storable shape return a
// *DecodeError. Values written by other programs decode as follows:
// integers and floats become numbers, except that an integer a Lua number
// (a float64) cannot hold exactly, such as 2^53+1, is a *ValueError
// (wrapping backends.ErrInvalid) naming its path and the integer, never a
// rounded number; str and bin become strings, arrays and maps become
// tables (a nil element leaves a hole; a nil map value leaves the key
// out). A top-level nil, a nil or NaN or table map key, and
// extension types (including timestamps) are errors.
//
// What it builds is charged to the memory cap of L's context as luastd
// charges its functions' allocations (see luastd.Reserve): past it Decode
// returns a *luastd.MemoryError. It stops with the context's error once
// L's context is done (ctx.Err()).
func Decode(L *lua.LState, b []byte) (lua.LValue, error) {
	d := decPool.Get().(*decoder)
	d.start(L, "decoding")
	v, err := d.decode(L, b)
	d.finish()
	decPool.Put(d)
	return v, err
}

// ---- encoding ----

var encPool = sync.Pool{New: func() any { return newEncoder() }}

// encoder encodes Lua values. It is not safe for concurrent use; each Lua
// state's module owns one, and Encode takes one from a pool.
type encoder struct {
	buf   []byte
	stack []*lua.LTable // tables being encoded, outermost first
	elems int
	holes int // missing integer keys so far, see MaxHoles

	ctx   context.Context // the run's; nil for none
	fn    string          // what encodes, for a MemoryError: "s:set"
	limit int             // output bytes allowed before looking again (see grow)
	// hard is the bound of the output once resolved: MaxValueSize, the
	// run's memory cap or the store's limit, whichever is least (byStore
	// when the store's). capped is true under a memory cap.
	hard     int
	store    backends.ValueLimiter // the store written to, nil for none
	capped   bool
	byStore  bool
	resolved bool
	steps    int // steps since the context was last checked
}

// start prepares e for encoding under ctx (nil for none) on behalf of fn.
// The cap is looked up only once the output passes probeSize.
func (e *encoder) start(ctx context.Context, fn string) {
	e.ctx, e.fn = ctx, fn
	e.limit, e.resolved, e.capped, e.byStore, e.steps = probeSize, false, false, false, 0
	e.store = nil
}

func newEncoder() *encoder { return &encoder{} }

// maxKept is the largest output buffer, in bytes, an encoder keeps.
const maxKept = 64 << 10

// release drops a large output buffer, so that one big value does not
// stay in memory for the life of the state; a modest one is kept for reuse.
func (e *encoder) release() {
	if cap(e.buf) > maxKept {
		e.buf = nil
	}
	e.ctx, e.store = nil, nil
}

// room makes sure n more output bytes fit: within the bound, and, under
// a memory cap, in the buffer. It returns a *pathError when they do not.
func (e *encoder) room(n int) error {
	if len(e.buf)+n <= e.limit {
		return nil
	}
	return e.grow(n)
}

// grow is room's slow path. The first time the output passes probeSize
// it looks up the run's memory cap and the store's limit; past either, or
// past MaxValueSize, it refuses the value (naming the store's limit when
// that is the one). Without a cap, the output may grow to its bound as append grows
// it. Under one, it grows the buffer itself,
// by half, once luastd.Reserve has accepted the old and the new buffer
// (both live while one is copied to the other) with what the run holds:
// an encoding gets at most about half of the cap.
func (e *encoder) grow(n int) error {
	if !e.resolved {
		e.resolved = true
		e.hard = MaxValueSize
		if c := luastd.MemoryLimit(e.ctx); c > 0 {
			e.capped = true
			e.hard = int(min(c, int64(e.hard)))
		}
		if e.store != nil {
			if m := e.store.MaxValueSize(); m > 0 && m < e.hard {
				e.hard, e.byStore = m, true
			}
		}
	}
	need := len(e.buf) + n
	if need > e.hard {
		if e.byStore {
			return &pathError{reason: "the encoded value passes this store's limit of " + strconv.Itoa(e.hard) +
				" bytes for a value here (a string or table that appears several times is copied each time)"}
		}
		me := &luastd.MemoryError{Func: e.fn, Size: int64(need), Limit: int64(e.hard)}
		if e.hard == MaxValueSize && (!e.capped || luastd.MemoryLimit(e.ctx) > MaxValueSize) {
			// No memory cap set this bound: say which one did.
			return &pathError{reason: "the encoded value passes " + bytesize.Format(MaxValueSize) +
				", the most a value may take (a string or table that appears several times is copied each time)", err: me}
		}
		return e.refuse(me)
	}
	if !e.capped {
		e.limit = e.hard
		return nil
	}
	if need > cap(e.buf) {
		size := min(max(cap(e.buf)+cap(e.buf)/2, need, 2*probeSize), e.hard)
		if err := luastd.Reserve(e.ctx, e.fn, int64(size+len(e.buf))); err != nil {
			return e.refuse(err)
		}
		buf := make([]byte, len(e.buf), size)
		copy(buf, e.buf)
		e.buf = buf
	}
	e.limit = min(cap(e.buf), e.hard)
	return nil
}

// refuse returns the *pathError of an encoding err (a *luastd.MemoryError)
// refused.
func (e *encoder) refuse(err error) error {
	return &pathError{reason: err.Error() + " to encode the value (a string or table that appears several times is copied each time)", err: err}
}

// step counts n steps of work and looks at the run's context every
// checkEvery of them, returning its error once it is done.
func (e *encoder) step(n int) error {
	if e.steps += n; e.steps < checkEvery {
		return nil
	}
	e.steps = 0
	return ctxErr(e.ctx)
}

// ctxErr returns ctx's error (nil for a nil ctx), as a store call cut short
// by it would: the caller finds the cause, such as the memory watchdog's,
// with context.Cause.
func ctxErr(ctx context.Context) error {
	if ctx == nil {
		return nil
	}
	return ctx.Err()
}

// encode returns the encoding of v in a buffer valid until the next call.
func (e *encoder) encode(v lua.LValue) ([]byte, error) {
	e.buf = e.buf[:0]
	switch v := v.(type) {
	case lua.LString:
		if len(v) > mpack.MaxStringLen {
			return nil, &ValueError{Path: "value", Reason: stringTooLong(len(v))}
		}
		if err := e.room(len(v) + 5); err != nil {
			return nil, err.(*pathError).valueError()
		}
		e.buf = mpack.AppendString(e.buf, string(v))
		return e.buf, nil
	case lua.LNumber:
		e.buf = mpack.AppendNumber(e.buf, float64(v))
		return e.buf, nil
	case lua.LBool:
		e.buf = mpack.AppendBool(e.buf, bool(v))
		return e.buf, nil
	}
	if v == nil || v == lua.LNil {
		return nil, &ValueError{Path: "value", Reason: "nil cannot be stored (delete the key instead)"}
	}
	e.elems, e.holes = 0, 0
	e.stack = e.stack[:0]
	err := e.value(v)
	clear(e.stack[:cap(e.stack)]) // keep no tables alive
	if err != nil {
		var pe *pathError
		if errors.As(err, &pe) {
			return nil, pe.valueError()
		}
		return nil, err
	}
	return e.buf, nil
}

// pathError is a ValueError under construction: keys collects the path from
// the offending part up to the root as the recursion unwinds.
type pathError struct {
	keys   []lua.LValue // innermost first
	reason string
	root   bool  // about the whole value: no path
	err    error // the ValueError's Err
}

func (p *pathError) Error() string { return p.reason }

func (p *pathError) valueError() *ValueError {
	var b []byte
	b = append(b, "value"...)
	for i := len(p.keys) - 1; i >= 0; i-- {
		b = appendPathKey(b, p.keys[i])
	}
	return &ValueError{Path: string(b), Reason: p.reason, Err: p.err}
}

// PathKey returns path followed by k as Lua source indexes with it, for
// the Path of a ValueError: value.name, value["a b"], value[3], value[true].
func PathKey(path string, k lua.LValue) string {
	return string(appendPathKey([]byte(path), k))
}

// appendPathKey appends k as Lua source would index with it: .name for
// identifiers, ["a b"] for other strings, [3], [true].
func appendPathKey(b []byte, k lua.LValue) []byte {
	switch k := k.(type) {
	case lua.LString:
		if isIdent(string(k)) {
			return append(append(b, '.'), k...)
		}
		return append(append(append(b, '['), quote(string(k))...), ']')
	case lua.LNumber:
		return append(append(append(b, '['), formatNumber(float64(k))...), ']')
	}
	return append(append(append(b, '['), k.String()...), ']')
}

var luaKeywords = map[string]bool{
	"and": true, "break": true, "do": true, "else": true, "elseif": true, "end": true,
	"false": true, "for": true, "function": true, "goto": true, "if": true, "in": true,
	"local": true, "nil": true, "not": true, "or": true, "repeat": true, "return": true,
	"then": true, "true": true, "until": true, "while": true,
}

func isIdent(s string) bool {
	if s == "" || luaKeywords[s] {
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

// maxQuoted bounds how much of a key or string an error message shows.
const maxQuoted = 64

// quote returns s as a double-quoted, escaped string for messages, cut
// (visibly, with ...) after maxQuoted bytes.
func quote(s string) string {
	if len(s) > maxQuoted {
		return strconv.Quote(s[:maxQuoted]) + "..."
	}
	return strconv.Quote(s)
}

// formatNumber formats n as Lua's tostring does.
func formatNumber(n float64) string {
	return lua.LNumber(n).String()
}

func stringTooLong(n int) string {
	return "string of " + strconv.Itoa(n) + " bytes is over the MessagePack limit of 4294967295 bytes"
}

// value encodes any storable value, nested inside a table.
func (e *encoder) value(v lua.LValue) error {
	e.elems++
	if e.elems > maxElements {
		return &pathError{root: true, reason: "value holds over " + strconv.Itoa(maxElements) +
			" elements (a table that appears several times is copied each time)"}
	}
	if err := e.step(1); err != nil {
		return err
	}
	switch v := v.(type) {
	case lua.LString:
		if len(v) > mpack.MaxStringLen {
			return &pathError{reason: stringTooLong(len(v))}
		}
		if err := e.room(len(v) + 5); err != nil {
			return err
		}
		if err := e.step(len(v) >> 12); err != nil {
			return err
		}
		e.buf = mpack.AppendString(e.buf, string(v))
		return nil
	case lua.LNumber:
		if err := e.room(9); err != nil {
			return err
		}
		e.buf = mpack.AppendNumber(e.buf, float64(v))
		return nil
	case lua.LBool:
		if err := e.room(1); err != nil {
			return err
		}
		e.buf = mpack.AppendBool(e.buf, bool(v))
		return nil
	case *lua.LTable:
		if err := e.room(5); err != nil {
			return err
		}
		return e.table(v)
	}
	return &pathError{reason: "a " + v.Type().String() +
		" cannot be stored (values are booleans, numbers, strings and tables of them)"}
}

// tableShape is what one pass over a table's keys finds.
type tableShape struct {
	n       int // pairs
	intKeys int // keys that are integers in 1..lua.MaxArrayIndex-1
	maxInt  int // the largest such key
	badKey  lua.LValue
}

func (e *encoder) table(t *lua.LTable) error {
	for _, p := range e.stack {
		if p == t {
			return &pathError{reason: "table contains itself (cycle)"}
		}
	}
	if len(e.stack) >= MaxDepth {
		return &pathError{reason: "tables nested deeper than " + strconv.Itoa(MaxDepth) + " levels"}
	}
	e.stack = append(e.stack, t)
	defer func() { e.stack = e.stack[:len(e.stack)-1] }()

	var sh tableShape
	t.ForEach(func(k, _ lua.LValue) {
		sh.n++
		switch k := k.(type) {
		case lua.LNumber:
			f := float64(k)
			if f != f {
				sh.badKey = k
			} else if f >= 1 && f < float64(lua.MaxArrayIndex) && f == math.Trunc(f) {
				sh.intKeys++
				sh.maxInt = max(sh.maxInt, int(f))
			}
		case lua.LString:
			if len(k) > mpack.MaxStringLen && sh.badKey == nil {
				sh.badKey = k
			}
		case lua.LBool:
		default:
			sh.badKey = k
		}
	})
	if sh.badKey != nil {
		switch k := sh.badKey.(type) {
		case lua.LNumber:
			return &pathError{reason: "table key nan cannot be stored"}
		case lua.LString:
			return &pathError{reason: "table key: " + stringTooLong(len(k))}
		}
		return &pathError{reason: "table key of type " + sh.badKey.Type().String() +
			" cannot be stored (keys are booleans, numbers and strings)"}
	}
	if holes := sh.maxInt - sh.intKeys; holes > 0 {
		if e.holes += holes; e.holes > MaxHoles {
			return &pathError{reason: holesReason(sh.maxInt, holes)}
		}
	}

	if sh.intKeys == sh.n && sh.maxInt == sh.n {
		// A sequence 1..n (or the empty table): an array.
		e.buf = mpack.AppendArrayLen(e.buf, sh.n)
		for i := 1; i <= sh.n; i++ {
			if err := e.value(t.RawGetInt(i)); err != nil {
				return withKey(err, lua.LNumber(i))
			}
		}
		return nil
	}

	e.buf = mpack.AppendMapLen(e.buf, sh.n)
	var err error
	t.ForEach(func(k, v lua.LValue) {
		if err != nil {
			return
		}
		switch k := k.(type) {
		case lua.LString:
			if err = e.room(len(k) + 5); err != nil {
				return
			}
			e.buf = mpack.AppendString(e.buf, string(k))
		case lua.LNumber:
			if err = e.room(9); err != nil {
				return
			}
			e.buf = mpack.AppendNumber(e.buf, float64(k))
		case lua.LBool:
			if err = e.room(1); err != nil {
				return
			}
			e.buf = mpack.AppendBool(e.buf, bool(k))
		}
		if verr := e.value(v); verr != nil {
			err = withKey(verr, k)
		}
	})
	return err
}

func holesReason(maxInt, holes int) string {
	return "integer key " + strconv.Itoa(maxInt) + " leaves " + strconv.Itoa(holes) +
		" missing keys below it, over the limit of " + strconv.Itoa(MaxHoles) + " for a whole value"
}

func withKey(err error, k lua.LValue) error {
	if pe, ok := err.(*pathError); ok && !pe.root {
		pe.keys = append(pe.keys, k)
	}
	return err
}

// ---- decoding ----

var decPool = sync.Pool{New: func() any { return newDecoder() }}

// decoder decodes MessagePack into Lua values. It is not safe for
// concurrent use.
type decoder struct {
	r     mpack.Decoder
	pairs []pair // pending map entries, used as a stack by nested maps
	holes int    // missing integer keys so far, see MaxHoles

	// What the decodings since start built, charged to the run's memory
	// cap: see charge.
	ctx      context.Context
	fn       string // what decodes, for a MemoryError: "s:get"
	built    int64  // bytes built, an estimate
	reserved int64  // of which luastd.Reserve has accepted
	next     int64  // built at which to look at the cap again
	capped   int64  // the run's memory cap, 0 for none; -1 until looked up
	steps    int    // steps since the context was last checked
}

// start prepares d for the decodings of one call of fn (e.g. "s:list")
// in L: what they build is charged to L's memory cap together.
func (d *decoder) start(L *lua.LState, fn string) {
	d.ctx, d.fn = L.Context(), fn
	d.built, d.reserved, d.next, d.capped, d.steps = 0, 0, probeSize, -1, 0
}

// finish ends what start began, keeping no context alive.
func (d *decoder) finish() { d.ctx = nil }

// Estimated sizes of what decoding builds, in bytes, for the memory cap.
const (
	slotSize  = 16 // an array slot or a string header (a Lua value)
	entrySize = 64 // a map entry: its pending pair and its slot in the table
)

// charge counts n bytes about to be built, and when the count passes the
// next check point asks luastd.Reserve for what it built since the last
// one: a *luastd.MemoryError when the run's memory cap does not allow it.
func (d *decoder) charge(n int64) error {
	if d.built += n; d.built < d.next {
		return nil
	}
	return d.reserve()
}

// reserve is charge's slow path.
func (d *decoder) reserve() error {
	if d.capped < 0 {
		d.capped = luastd.MemoryLimit(d.ctx)
	}
	if d.capped > 0 && d.built > d.capped {
		return &luastd.MemoryError{Func: d.fn, Size: d.built, Limit: d.capped}
	}
	if err := luastd.Reserve(d.ctx, d.fn, d.built-d.reserved); err != nil {
		return err
	}
	d.reserved = d.built
	// Look again after a sixteenth of the cap or 1 MiB, whichever is
	// less, as luastd looks at what the run holds for requests that
	// large; without a cap, only MaxAlloc bounds a piece, and no piece
	// is larger than the bytes decoded.
	d.next = 1<<63 - 1
	if d.capped > 0 {
		d.next = d.built + max(min(1<<20, d.capped/16), 1)
	}
	return nil
}

// step counts n steps of work and looks at the run's context every
// checkEvery of them, returning its error once it is done.
func (d *decoder) step(n int) error {
	if d.steps += n; d.steps < checkEvery {
		return nil
	}
	d.steps = 0
	return ctxErr(d.ctx)
}

type pair struct{ k, v lua.LValue }

func newDecoder() *decoder { return &decoder{} }

func (d *decoder) release() {
	d.r.Reset(nil)
	clear(d.pairs)
	d.pairs = d.pairs[:0]
}

// decode decodes all of b, which must hold exactly one non-nil value.
func (d *decoder) decode(L *lua.LState, b []byte) (lua.LValue, error) {
	if len(b) == 0 {
		return nil, &DecodeError{Offset: 0, Reason: "no data"}
	}
	if start, ok := mpack.StringStart(b); ok { // the common case, one copy
		if n := len(b) - start; n > probeSize {
			if err := d.charge(int64(n)); err != nil {
				return nil, err
			}
		}
		return lua.LString(b[start:]), nil
	}
	d.r.Reset(b)
	d.holes = 0
	defer d.release()
	v, err := d.value(L, 0)
	if err != nil {
		var pe *pathError
		if errors.As(err, &pe) {
			return nil, pe.valueError()
		}
		return nil, err
	}
	if v == lua.LNil {
		return nil, &DecodeError{Offset: 0, Reason: "value is nil"}
	}
	if n := d.r.Remaining(); n > 0 {
		return nil, d.r.Errorf("%d unexpected bytes after the value", n)
	}
	return v, nil
}

// value decodes one value; depth is the number of tables around it. It
// returns LNil for a MessagePack nil.
func (d *decoder) value(L *lua.LState, depth int) (lua.LValue, error) {
	t, err := d.r.Next()
	if err != nil {
		return nil, err
	}
	if err := d.step(1); err != nil {
		return nil, err
	}
	switch t.Type {
	case mpack.Int, mpack.Uint:
		f, exact := t.Number()
		if !exact {
			return nil, &pathError{reason: inexactReason(t, f)}
		}
		return lua.LNumber(f), nil
	case mpack.Float:
		return lua.LNumber(t.Float), nil
	case mpack.Bool:
		return lua.LBool(t.Bool), nil
	case mpack.Nil:
		return lua.LNil, nil
	case mpack.Str, mpack.Bin:
		if err := d.charge(int64(len(t.Bytes)) + slotSize); err != nil {
			return nil, err
		}
		if err := d.step(len(t.Bytes) >> 12); err != nil {
			return nil, err
		}
		return lua.LString(t.Bytes), nil
	case mpack.Array:
		return d.array(L, depth+1, t)
	case mpack.Map:
		return d.mapValue(L, depth+1, t)
	}
	return nil, &DecodeError{Offset: t.Offset, Reason: fmt.Sprintf("MessagePack extension type %d is not supported", t.ExtType)}
}

// inexactReason says why the integer of t, whose nearest float64 is f,
// cannot be decoded.
func inexactReason(t mpack.Token, f float64) string {
	return "integer " + t.IntString() + " is beyond 2^53 and has no exact Lua number (the nearest is " +
		strconv.FormatFloat(f, 'f', 0, 64) + ")"
}

func checkDepth(t mpack.Token, depth int) error {
	if depth > MaxDepth {
		return &DecodeError{Offset: t.Offset, Reason: fmt.Sprintf("tables nested deeper than %d levels", MaxDepth)}
	}
	return nil
}

func (d *decoder) array(L *lua.LState, depth int, at mpack.Token) (lua.LValue, error) {
	if err := checkDepth(at, depth); err != nil {
		return nil, err
	}
	n := at.Len
	if err := d.charge(int64(n)*slotSize + entrySize); err != nil {
		return nil, err
	}
	t := L.CreateTable(n, 0)
	holes, last := 0, 0
	for i := 1; i <= n; i++ {
		v, err := d.value(L, depth)
		if err != nil {
			return nil, withKey(err, lua.LNumber(i))
		}
		if v == lua.LNil {
			holes++
			continue
		}
		t.RawSetInt(i, v)
		last = i
	}
	// Trailing nils leave no holes: the table simply ends earlier.
	if holes -= n - last; holes > 0 {
		if d.holes += holes; d.holes > MaxHoles {
			return nil, d.r.Errorf("array has %d nil elements before its last value, over the limit of %d for a whole value", holes, MaxHoles)
		}
	}
	return t, nil
}

func (d *decoder) mapValue(L *lua.LState, depth int, tok mpack.Token) (lua.LValue, error) {
	if err := checkDepth(tok, depth); err != nil {
		return nil, err
	}
	at, n := tok.Offset, tok.Len
	base := len(d.pairs)
	defer func() {
		clear(d.pairs[base:])
		d.pairs = d.pairs[:base]
	}()
	maxInt, nStr := 0, 0
	for range n {
		keyAt := d.r.Offset()
		k, err := d.value(L, depth)
		if err != nil {
			if pe, ok := err.(*pathError); ok {
				pe.reason = "map key: " + pe.reason
			}
			return nil, err
		}
		switch k := k.(type) {
		case lua.LString:
			nStr++
		case lua.LBool:
		case lua.LNumber:
			f := float64(k)
			if f != f {
				return nil, &DecodeError{Offset: keyAt, Reason: "map key is nan"}
			}
			if f >= 1 && f < float64(lua.MaxArrayIndex) && f == math.Trunc(f) {
				maxInt = max(maxInt, int(f))
			}
		default:
			what := "nil"
			if k != lua.LNil {
				what = "a table"
			}
			return nil, &DecodeError{Offset: keyAt, Reason: "map key is " + what + " (keys must be booleans, numbers or strings)"}
		}
		v, err := d.value(L, depth)
		if err != nil {
			return nil, withKey(err, k)
		}
		if v != lua.LNil {
			if err := d.charge(entrySize); err != nil {
				return nil, err
			}
			d.pairs = append(d.pairs, pair{k, v})
		}
	}
	pairs := d.pairs[base:]
	// Bound the dense array gopher-lua allocates for integer keys before
	// creating it: at most the missing keys left in the budget plus the
	// keys present.
	if maxInt > MaxHoles-d.holes+len(pairs) {
		return nil, &DecodeError{Offset: at, Reason: fmt.Sprintf(
			"integer key %d leaves more missing keys below it than the limit of %d for a whole value", maxInt, MaxHoles)}
	}
	if err := d.charge(int64(maxInt)*slotSize + entrySize); err != nil {
		return nil, err
	}
	t := L.CreateTable(maxInt, nStr)
	for _, p := range pairs {
		t.RawSet(p.k, p.v)
	}
	if maxInt > 0 {
		present := 0
		for i := 1; i <= maxInt; i++ {
			if t.RawGetInt(i) != lua.LNil {
				present++
			}
		}
		if d.holes += maxInt - present; d.holes > MaxHoles {
			return nil, &DecodeError{Offset: at, Reason: holesReason(maxInt, maxInt-present)}
		}
	}
	return t, nil
}
