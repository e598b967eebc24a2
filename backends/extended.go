package backends

import (
	"context"
	"time"
)

// Extended is implemented by stores that offer the extended methods of the
// Lua store API (entry, put, list, incr, ttl, expire, info). Callers find it
// with a type assertion; a store without it supports the core methods only.
type Extended interface {
	Store

	// Entry returns the live item under key, or an error wrapping ErrNotFound.
	Entry(ctx context.Context, key string) (Item, error)

	// Put writes value under key and returns the new item. With
	// OnlyIfAbsent it fails with ErrAlreadyExists when a live key exists;
	// with IfVersion set it fails with ErrConflict when the live version
	// differs or the key is gone. Setting both is ErrInvalid. A store
	// without versions returns ErrInvalid for IfVersion.
	Put(ctx context.Context, key string, value []byte, opts PutOptions) (Item, error)

	// List returns live items in byte-wise key order, after opts.After,
	// whose keys start with opts.Prefix. Limit 0 means 100; over 1000 is
	// ErrInvalid.
	List(ctx context.Context, opts ListOptions) (Page, error)

	// Incr atomically adds delta to the number stored under key and
	// returns the new number, computed and encoded as AddNumber does
	// (integer counters in exact int64 arithmetic). A missing key starts
	// from opts.Init and gets opts.TTL; an existing key keeps its expiry.
	// A value that is not a MessagePack number, and a result AddNumber
	// refuses (not finite, int64 overflow, an integer beyond ±2^53), are
	// ErrInvalid and write nothing.
	Incr(ctx context.Context, key string, delta float64, opts IncrOptions) (float64, error)

	// TTL returns the time left on a live key; ok is false when the key
	// has no expiry. A missing key is ErrNotFound.
	TTL(ctx context.Context, key string) (left time.Duration, ok bool, err error)

	// Expire sets the key's expiry (0 removes it) and reports whether the
	// key was live. It is a write: the key's version changes.
	Expire(ctx context.Context, key string, ttl time.Duration) (bool, error)

	// Info describes the store.
	Info(ctx context.Context) (Info, error)
}

// Item is one live entry of a store.
type Item struct {
	Key   string
	Value []byte
	// Version is opaque and changes on every write of the key; "" for a
	// store that keeps no versions.
	Version string
	// ExpiresAt is zero for a key without expiry.
	ExpiresAt time.Time
	// Err, set by List only, says the stored value could not be read
	// (Value is then nil); the rest of the page is still returned.
	Err error
}

// PutOptions are the conditions and TTL of a Put.
type PutOptions struct {
	TTL          time.Duration
	OnlyIfAbsent bool
	// IfVersion, when HasIfVersion is set, is the version the live key
	// must have.
	IfVersion    string
	HasIfVersion bool
}

// ListOptions select a page of List.
type ListOptions struct {
	Prefix string
	After  string
	Limit  int
}

// Page is one page of List.
type Page struct {
	Items []Item
	// Cursor is the key to pass as After for the next page: the last
	// item's key, or ListOptions.After when the page is empty.
	Cursor  string
	HasMore bool
}

// IncrOptions apply when Incr creates the key.
type IncrOptions struct {
	Init float64
	TTL  time.Duration
}

// Info describes a store.
type Info struct {
	Kind    string // e.g. "store.memory"
	Backend string // e.g. "memory", "sqlite", "postgres", "mysql"
	// Consistency is what reads promise (one of the Consistency
	// constants); "" lets the Lua module derive it from Backend.
	Consistency string
	Durable     bool
	// Size is the number of live keys; approximate for SQL stores.
	Size    int64
	MaxSize int64 // 0 = unlimited
	// CountsBytes is true for a store that counts the bytes it holds
	// (store.memory); Bytes is then the bytes of keys and values of its
	// live entries (len(key)+len(value) each), and MaxBytes their limit
	// (0 = unlimited). Other stores leave all three zero.
	CountsBytes bool
	Bytes       int64
	MaxBytes    int64
	// ConsistencyNote says, in one line, what a reader is guaranteed to
	// see and what a failure can lose (e.g. for replicated Redis); "" when
	// the backend does not report it.
	ConsistencyNote string
	Capabilities
}

// Consistency levels a store can promise, with Wippy's names.
const (
	// ConsistencyLinearizable: every read sees every write that finished
	// before it, from any host (one SQL database, one Redis server).
	ConsistencyLinearizable = "linearizable"
	// ConsistencyEventual: replicas converge; a read may miss recent writes.
	ConsistencyEventual = "eventual"
	// ConsistencyLocal: the data lives in one process (store.memory), and
	// is linearizable within it.
	ConsistencyLocal = "local"
	// ConsistencyUnknown: the store does not say.
	ConsistencyUnknown = "unknown"
)

// Capabilities say which extended behaviours a store supports.
type Capabilities struct {
	TTL            bool
	List           bool
	Versioned      bool
	ConditionalPut bool
	Incr           bool
}

// List limits.
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
)
