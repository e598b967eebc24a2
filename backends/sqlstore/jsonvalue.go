package sqlstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/sqldb"
	"github.com/luahost/luahost/internal/mpack"
)

// Value formats of Config.ValueFormat.
const (
	// ValueMsgpack stores the MessagePack bytes the caller gives (default).
	ValueMsgpack = "msgpack"
	// ValueJSON stores values as JSON text, as Wippy's SQL store does, so
	// that SQL can read inside them and rows written as JSON read back.
	ValueJSON = "json"
)

// maxExactInt is 2^53: integers beyond it do not survive a JSON reader
// that holds numbers as float64 (JavaScript, Lua 5.1, Wippy), nor one
// that holds them as int64 when written as floats; whatever their
// encoding, they are refused.
const maxExactInt = 1 << 53

// maxJSONDepth bounds nesting while transcoding, so a crafted row cannot
// exhaust the stack.
const maxJSONDepth = 200

// jsonError is a value JSON cannot hold exactly, at a value path such as
// value.items[2].name (arrays count from 1, as Lua does).
func jsonError(path, format string, args ...any) error {
	return backends.Errorf(backends.ErrInvalid, "%s: %s", path, fmt.Sprintf(format, args...))
}

func pathKey(path, key string) string {
	if isIdent(key) {
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// msgpackToJSON returns the JSON text of the MessagePack value b. What JSON
// cannot hold exactly (NaN, ±inf, -0, integers beyond 2^53, binary
// strings, non-string map keys, extension types; with noNUL, strings
// holding NUL, which PostgreSQL's jsonb refuses) is an error wrapping
// backends.ErrInvalid with the value path.
func msgpackToJSON(b []byte, noNUL bool) ([]byte, error) {
	t := &mpToJSON{src: b, noNUL: noNUL}
	if err := t.value("value", 0); err != nil {
		return nil, err
	}
	if left := len(b) - t.pos; left != 0 {
		return nil, backends.Errorf(backends.ErrInvalid, "value: %d unexpected bytes after the value", left)
	}
	return t.out, nil
}

// errTruncated is the error for input that ends inside a value.
var errTruncated = backends.Errorf(backends.ErrInvalid, "value: truncated MessagePack value")

// mpToJSON transcodes the MessagePack value at src[pos:] token by token.
type mpToJSON struct {
	src   []byte
	pos   int
	out   []byte
	noNUL bool
}

// peek returns the format byte of the next value, or errTruncated.
func (t *mpToJSON) peek() (byte, error) {
	if t.pos == len(t.src) {
		return 0, errTruncated
	}
	return t.src[t.pos], nil
}

func (t *mpToJSON) value(path string, depth int) error {
	if depth > maxJSONDepth {
		return jsonError(path, "nested deeper than %d", maxJSONDepth)
	}
	c, err := t.peek()
	if err != nil {
		return err
	}
	// Types JSON lacks are refused on their format byte, whatever follows.
	switch mpack.TypeOf(c) {
	case mpack.Bin:
		return jsonError(path, "binary string (not UTF-8) has no JSON form")
	case mpack.Ext, mpack.Invalid:
		return jsonError(path, "MessagePack type 0x%02x has no JSON form", c)
	}
	tok, n, err := mpack.Read(t.src[t.pos:])
	if err != nil {
		typ, head := mpack.TypeOf(c), mpack.HeadLen(c)
		if (typ == mpack.Array || typ == mpack.Map) && len(t.src)-t.pos >= head {
			// More elements than bytes left: reading them in turn runs
			// out of input before the count does, and reports the first
			// bad element where it is.
			t.pos += head
			return t.container(path, typ, math.MaxInt, depth)
		}
		return errTruncated
	}
	t.pos += n
	switch tok.Type {
	case mpack.Nil:
		// Lua writes no nil; a Go value can (a nil in a map). Inside a
		// table its null reads back as nil again.
		t.out = append(t.out, "null"...)
	case mpack.Bool:
		t.out = strconv.AppendBool(t.out, tok.Bool)
	case mpack.Int:
		if tok.Int > maxExactInt || tok.Int < -maxExactInt {
			return jsonError(path, "integer %d is beyond 2^53, which JSON numbers do not hold exactly", tok.Int)
		}
		t.out = strconv.AppendInt(t.out, tok.Int, 10)
	case mpack.Uint: // above math.MaxInt64
		return jsonError(path, "integer %d is beyond 2^53, which JSON numbers do not hold exactly", tok.Uint)
	case mpack.Float:
		return t.float(path, tok.Float)
	case mpack.Str:
		if !utf8.Valid(tok.Bytes) {
			return jsonError(path, "binary string (not UTF-8) has no JSON form")
		}
		if t.noNUL && bytes.IndexByte(tok.Bytes, 0) >= 0 {
			return jsonError(path, "string holds NUL, which PostgreSQL jsonb refuses")
		}
		t.appendString(tok.Bytes)
	case mpack.Array, mpack.Map:
		return t.container(path, tok.Type, tok.Len, depth)
	}
	return nil
}

func (t *mpToJSON) float(path string, f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return jsonError(path, "%v has no JSON form", f)
	}
	if f == 0 && math.Signbit(f) {
		// JSON text can spell -0, but PostgreSQL jsonb and most JSON
		// readers (Go's and Python's integers, Wippy) read it as 0.
		return jsonError(path, "-0 has no JSON form that keeps its sign (jsonb and most JSON readers read it as 0)")
	}
	if f == math.Trunc(f) {
		if math.Abs(f) > maxExactInt {
			return jsonError(path, "integer %v is beyond 2^53, which JSON numbers do not hold exactly", f)
		}
		t.out = strconv.AppendInt(t.out, int64(f), 10)
		return nil
	}
	t.out = strconv.AppendFloat(t.out, f, 'g', -1, 64)
	return nil
}

func (t *mpToJSON) appendString(p []byte) {
	enc, _ := json.Marshal(string(p))
	t.out = append(t.out, enc...)
}

// container writes the n elements of an array, or the n entries of a map
// as an object, whose header has been read.
func (t *mpToJSON) container(path string, typ mpack.Type, n, depth int) error {
	open, end := byte('['), byte(']')
	if typ == mpack.Map {
		open, end = '{', '}'
	}
	t.out = append(t.out, open)
	for i := 0; i < n; i++ {
		if i > 0 {
			t.out = append(t.out, ',')
		}
		var elem string
		if typ == mpack.Map {
			k, err := t.key(path)
			if err != nil {
				return err
			}
			t.appendString(k)
			t.out = append(t.out, ':')
			elem = pathKey(path, string(k))
		} else {
			elem = path + "[" + strconv.Itoa(i+1) + "]"
		}
		if err := t.value(elem, depth+1); err != nil {
			return err
		}
	}
	t.out = append(t.out, end)
	return nil
}

// key reads a map key, which must be a UTF-8 string.
func (t *mpToJSON) key(path string) ([]byte, error) {
	c, err := t.peek()
	if err != nil {
		return nil, err
	}
	if mpack.TypeOf(c) != mpack.Str {
		return nil, jsonError(path, "map key is not a string (JSON objects have string keys only)")
	}
	tok, n, err := mpack.Read(t.src[t.pos:])
	if err != nil {
		return nil, errTruncated
	}
	t.pos += n
	if !utf8.Valid(tok.Bytes) {
		return nil, jsonError(path, "map key is not UTF-8")
	}
	if t.noNUL && bytes.IndexByte(tok.Bytes, 0) >= 0 {
		return nil, jsonError(path, "map key holds NUL, which PostgreSQL jsonb refuses")
	}
	return tok.Bytes, nil
}

// jsonToMsgpack returns the MessagePack encoding of the JSON text b, as
// luamod would encode the same Lua value: numbers as backends.AppendNumber
// encodes them (-0 and -0.0 as -0), objects as maps with string keys. A
// number JSON text holds but a float64 does not hold exactly (an integer
// beyond 2^53, one out of range) and a top-level null (no stored value is
// nil) are errors wrapping backends.ErrInvalid with the value path; a
// null inside a table is MessagePack nil, which luamod reads as a hole.
func jsonToMsgpack(b []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, backends.Errorf(backends.ErrInvalid, "value is not JSON: %v", err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, backends.Errorf(backends.ErrInvalid, "value: unexpected JSON after the value")
	}
	if v == nil {
		// Lua has no stored nil: a store holds values, never nil.
		return nil, backends.Errorf(backends.ErrInvalid, "value: JSON null is not a value a store holds")
	}
	return appendJSONValue(nil, v, "value", 0)
}

func appendJSONValue(out []byte, v any, path string, depth int) ([]byte, error) {
	if depth > maxJSONDepth {
		return nil, jsonError(path, "nested deeper than %d", maxJSONDepth)
	}
	switch v := v.(type) {
	case nil:
		// Inside a table, a null reads as nil, as Lua (and Wippy) reads
		// JSON: a hole in an array, a missing field in an object. Rows
		// other programs wrote with nulls stay readable.
		return mpack.AppendNil(out), nil
	case bool:
		return mpack.AppendBool(out, v), nil
	case json.Number:
		s := string(v)
		if !strings.ContainsAny(s, ".eE") {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n > maxExactInt || n < -maxExactInt {
				return nil, jsonError(path, "integer %s is beyond 2^53 and would not read back exactly", numberText(s))
			}
			if n == 0 && s[0] == '-' {
				return backends.AppendNumber(out, math.Copysign(0, -1)), nil
			}
			return backends.AppendNumber(out, float64(n)), nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, jsonError(path, "number %s is out of range", numberText(s))
		}
		if f == math.Trunc(f) && math.Abs(f) > maxExactInt {
			return nil, jsonError(path, "integer %s is beyond 2^53 and would not read back exactly", numberText(s))
		}
		return backends.AppendNumber(out, f), nil
	case string:
		return mpack.AppendString(out, v), nil
	case []any:
		out = mpack.AppendArrayLen(out, len(v))
		for i, e := range v {
			var err error
			if out, err = appendJSONValue(out, e, fmt.Sprintf("%s[%d]", path, i+1), depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		out = mpack.AppendMapLen(out, len(v))
		// In key order, so that the same row always gives the same bytes
		// and, with several problems, the same error.
		for _, k := range slices.Sorted(maps.Keys(v)) {
			e := v[k]
			out = mpack.AppendString(out, k)
			var err error
			if out, err = appendJSONValue(out, e, pathKey(path, k), depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, jsonError(path, "unexpected JSON value %T", v)
}

// maxNumberText is the longest number text an error message quotes whole.
const maxNumberText = 32

// numberText returns the JSON number s for a message: as it is when short,
// else in exponent form with its leading digits (PostgreSQL's jsonb gives
// 1e400 back as 401 digits).
func numberText(s string) string {
	if len(s) <= maxNumberText {
		return s
	}
	if f, ok := new(big.Float).SetString(s); ok {
		return f.Text('g', 10) + " (" + strconv.Itoa(len(s)) + " characters)"
	}
	return s[:maxNumberText] + "... (" + strconv.Itoa(len(s)) + " characters)"
}

// toStored returns what the value column gets for the MessagePack value:
// the bytes themselves, or with value_format: json the JSON text (bound
// as a string, so that JSONB, JSON and SQLite's JSON functions take it),
// refusing a value over the database's limit.
func (s *Store) toStored(st *stmts, value []byte) (any, error) {
	if s.cfg.ValueFormat != ValueJSON {
		if err := s.checkValue(st, value); err != nil {
			return nil, err
		}
		if value == nil {
			value = []byte{} // drivers bind nil as NULL
		}
		return value, nil
	}
	j, err := msgpackToJSON(value, s.db.Dialect() == sqldb.Postgres)
	if err != nil {
		return nil, fmt.Errorf("value_format json: %w", err)
	}
	if err := s.checkValue(st, j); err != nil {
		return nil, err
	}
	return string(j), nil
}

// fromStored returns the MessagePack value of a value column read from
// key. A JSON row that is not JSON or that luahost cannot read exactly
// (an integer beyond 2^53) is an error wrapping backends.ErrInvalid.
func (s *Store) fromStored(key string, v []byte) ([]byte, error) {
	if s.cfg.ValueFormat != ValueJSON {
		if v == nil {
			v = []byte{}
		}
		return v, nil
	}
	m, err := jsonToMsgpack(v)
	if err != nil {
		return nil, fmt.Errorf("the stored value of key %q: %w", key, err)
	}
	return m, nil
}
