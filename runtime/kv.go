package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/vmihailenco/msgpack/v5"
	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/internal/mpack"
	"github.com/luahost/luahost/luamod"
)

// Errors returned through the runtime, the same values as the backends
// errors, for use with errors.Is without importing backends.
var (
	ErrNotFound         = backends.ErrNotFound
	ErrInvalid          = backends.ErrInvalid
	ErrAlreadyExists    = backends.ErrAlreadyExists
	ErrConflict         = backends.ErrConflict
	ErrUnavailable      = backends.ErrUnavailable
	ErrFull             = backends.ErrFull
	ErrPermissionDenied = backends.ErrPermissionDenied
)

// KV is typed Go access to one store entry. Values are the MessagePack a
// Lua script's store calls write and read, so Go code and scripts share
// values both ways:
//
//   - Go to Lua: structs (fields named by `msgpack:"name"` tags, else by
//     the Go field name; `msgpack:"-"` skips a field), maps, slices and
//     arrays, numbers, strings, []byte and bools. Every Go number becomes a
//     Lua number (a float64); an integer a float64 does not hold exactly
//     (beyond 2^53, such as 2^53+1 or a nanosecond timestamp) is rejected
//     with ErrInvalid naming its path, as a script could not read it. A nil
//     value inside a map or struct leaves the key out. A value Lua cannot
//     hold (nil at the top, time.Time and other MessagePack extensions,
//     channels, functions) is rejected with ErrInvalid and nothing is
//     written.
//   - Lua to Go: decode into the type you expect. Integral Lua numbers are
//     MessagePack integers and decode into any Go number type that holds
//     them; an integer out of a field's range (300 into an int8, -1 into a
//     uint), one a float field does not hold exactly, or a fraction into
//     an integer field is an error naming the value path, never changed. Into
//     any, map[string]any or []any, values become int64 (integral numbers),
//     float64, string, bool, []any (sequences) and map[string]any (or
//     map[any]any when some key is not a string).
//   - An empty Lua table is an empty MessagePack array: it decodes into a
//     slice, a struct or any, and into map[string]any as an empty map, but
//     a typed Go map field cannot receive it.
//
// A KV is safe for concurrent use. Every call is bounded by its context
// and starts the entry if it is stopped.
type KV struct {
	rt *Runtime
	id string
}

// Store returns typed access to the store entry id, starting it (and its
// dependencies) if needed. An unknown ID wraps ErrNotFound (naming close
// matches), an entry that is not a store ErrInvalid, and an entry that
// cannot start ErrUnavailable.
func (rt *Runtime) Store(ctx context.Context, id string) (*KV, error) {
	if _, err := rt.backendStore(ctx, id); err != nil {
		return nil, redactErr(rt.redact, err)
	}
	return &KV{rt: rt, id: id}, nil
}

// ID returns the store's registry ID.
func (kv *KV) ID() string { return kv.id }

// Raw returns the store, for byte-level access and, through a type
// assertion to backends.Extended, the extended methods. Like a script's
// handle, it sends each call to the entry's running instance, across
// registry reloads.
func (kv *KV) Raw(ctx context.Context) (backends.Store, error) { return kv.store(ctx) }

// store returns the running backend, starting the entry if it stopped.
func (kv *KV) store(ctx context.Context) (backends.Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return kv.rt.backendStore(ctx, kv.id)
}

// Set stores v under key; ttl 0 means no expiry. See KV for which values
// are accepted and how scripts see them.
func (kv *KV) Set(ctx context.Context, key string, v any, ttl time.Duration) error {
	b, err := Marshal(v)
	if err != nil {
		return kv.wrap("set", key, err)
	}
	st, err := kv.store(ctx)
	if err != nil {
		return err
	}
	return kv.wrap("set", key, st.Set(ctx, key, b, ttl))
}

// Get decodes the value under key into dst, which must be a non-nil
// pointer. A missing or expired key wraps ErrNotFound; a value that does
// not fit dst wraps ErrInvalid.
func (kv *KV) Get(ctx context.Context, key string, dst any) error {
	if rv := reflect.ValueOf(dst); rv.Kind() != reflect.Pointer || rv.IsNil() {
		return backends.Errorf(backends.ErrInvalid, "store %q: get %q: decode into %T: want a non-nil pointer", kv.id, key, dst)
	}
	st, err := kv.store(ctx)
	if err != nil {
		return err
	}
	b, err := st.Get(ctx, key)
	if err == nil {
		err = Unmarshal(b, dst)
	}
	return kv.wrap("get", key, err)
}

// wrap adds the store, as scripts see it named (store "ID"), the call and
// the key to err, keeping what it matches.
func (kv *KV) wrap(op, key string, err error) error {
	if err == nil {
		return nil
	}
	return redactErr(kv.rt.redact, fmt.Errorf("store %q: %s %q: %w", kv.id, op, key, err))
}

// Delete removes key and reports whether a live key was removed.
func (kv *KV) Delete(ctx context.Context, key string) (bool, error) {
	st, err := kv.store(ctx)
	if err != nil {
		return false, err
	}
	ok, err := st.Delete(ctx, key)
	return ok, kv.wrap("delete", key, err)
}

// Exists reports whether key is live.
func (kv *KV) Exists(ctx context.Context, key string) (bool, error) {
	st, err := kv.store(ctx)
	if err != nil {
		return false, err
	}
	ok, err := st.Exists(ctx, key)
	return ok, kv.wrap("exists", key, err)
}

// Clear removes every key of the store.
func (kv *KV) Clear(ctx context.Context) error {
	st, err := kv.store(ctx)
	if err != nil {
		return err
	}
	if err := st.Clear(ctx); err != nil {
		return redactErr(kv.rt.redact, fmt.Errorf("store %q: clear: %w", kv.id, err))
	}
	return nil
}

// Marshal returns the MessagePack encoding of v as KV.Set stores it. It
// fails with an error wrapping ErrInvalid when v cannot be encoded or when
// a Lua script could not read the result.
func Marshal(v any) ([]byte, error) {
	if v == nil {
		return nil, backends.Errorf(backends.ErrInvalid, "value is nil")
	}
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	if err := enc.Encode(v); err != nil {
		return nil, backends.Errorf(backends.ErrInvalid, "encode %T: %w", v, err)
	}
	// Check with the decoder scripts use, so that nothing is stored that a
	// script cannot read (extensions such as time.Time, a nil map key,
	// tables nested too deeply).
	L := scratchStates.Get().(*lua.LState)
	_, err := luamod.Decode(L, buf.Bytes())
	scratchStates.Put(L)
	if err != nil {
		return nil, backends.Errorf(backends.ErrInvalid, "%T cannot be read by Lua: %w", v, err)
	}
	return buf.Bytes(), nil
}

// scratchStates hold bare Lua states whose only use is to build the
// throwaway tables of a check in Marshal.
var scratchStates = sync.Pool{New: func() any {
	return lua.NewState(lua.Options{SkipOpenLibs: true, CallStackSize: 8, RegistrySize: 64})
}}

// Unmarshal decodes MessagePack written by a script (or by Marshal) into
// dst, a non-nil pointer, following the rules described on KV. A value that
// does not fit dst wraps ErrInvalid.
func Unmarshal(b []byte, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return backends.Errorf(backends.ErrInvalid, "decode into %T: want a non-nil pointer", dst)
	}
	fail := func(err error) error {
		return backends.Errorf(backends.ErrInvalid, "decode into %T: %w", dst, err)
	}
	switch p := dst.(type) {
	case *any:
		v, err := decodeAny(mpack.NewDecoder(b), 0)
		if err != nil {
			return fail(err)
		}
		*p = v
		return nil
	case *map[string]any:
		v, err := decodeAny(mpack.NewDecoder(b), 0)
		if err != nil {
			return fail(err)
		}
		switch v := v.(type) {
		case map[string]any:
			*p = v
		case []any:
			if len(v) > 0 {
				return fail(errors.New("value is a sequence, not a map"))
			}
			*p = map[string]any{}
		default:
			return fail(fmt.Errorf("value is a %T, not a map with string keys", v))
		}
		return nil
	case *[]any:
		v, err := decodeAny(mpack.NewDecoder(b), 0)
		if err != nil {
			return fail(err)
		}
		switch v := v.(type) {
		case []any:
			*p = v
		case map[string]any:
			if len(v) > 0 {
				return fail(errors.New("value is a map, not a sequence"))
			}
			*p = []any{}
		default:
			return fail(fmt.Errorf("value is a %T, not a sequence", v))
		}
		return nil
	}
	if err := checkFits(b, rv.Type().Elem()); err != nil {
		return fail(err)
	}
	dec := msgpack.NewDecoder(bytes.NewReader(b))
	dec.UseLooseInterfaceDecoding(true)
	// A map inside an interface field: the library finds its bytes, the
	// codec gives it the shape described on KV.
	dec.SetMapDecoder(func(d *msgpack.Decoder) (any, error) {
		raw, err := d.DecodeRaw()
		if err != nil {
			return nil, err
		}
		return decodeAny(mpack.NewDecoder(raw), 0)
	})
	if err := dec.Decode(dst); err != nil {
		return fail(err)
	}
	return nil
}

// decodeAny decodes one value into the plain Go form described on KV.
func decodeAny(d *mpack.Decoder, depth int) (any, error) {
	t, err := d.Next()
	if err != nil {
		return nil, err
	}
	switch t.Type {
	case mpack.Nil:
		return nil, nil
	case mpack.Bool:
		return t.Bool, nil
	case mpack.Float:
		return t.Float, nil
	case mpack.Uint:
		return t.Uint, nil
	case mpack.Int:
		return t.Int, nil
	case mpack.Str, mpack.Bin:
		return string(t.Bytes), nil
	case mpack.Array:
		if depth >= mpack.MaxDepth {
			return nil, fmt.Errorf("tables nested deeper than %d levels", mpack.MaxDepth)
		}
		out := make([]any, 0, min(t.Len, 1024))
		for range t.Len {
			v, err := decodeAny(d, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case mpack.Map:
		if depth >= mpack.MaxDepth {
			return nil, fmt.Errorf("tables nested deeper than %d levels", mpack.MaxDepth)
		}
		keys := make([]any, 0, min(t.Len, 1024))
		vals := make([]any, 0, min(t.Len, 1024))
		allStrings := true
		for range t.Len {
			k, err := decodeAny(d, depth+1)
			if err != nil {
				return nil, err
			}
			switch k.(type) {
			case string:
			case int64, uint64, float64, bool:
				allStrings = false
			default:
				return nil, fmt.Errorf("map key is %T (keys must be booleans, numbers or strings)", k)
			}
			v, err := decodeAny(d, depth+1)
			if err != nil {
				return nil, err
			}
			keys, vals = append(keys, k), append(vals, v)
		}
		if allStrings {
			m := make(map[string]any, len(keys))
			for i, k := range keys {
				m[k.(string)] = vals[i]
			}
			return m, nil
		}
		m := make(map[any]any, len(keys))
		for i, k := range keys {
			m[k] = vals[i]
		}
		return m, nil
	}
	return nil, &mpack.DecodeError{Offset: t.Offset, Reason: fmt.Sprintf("MessagePack extension type %d is not supported", t.ExtType)}
}
