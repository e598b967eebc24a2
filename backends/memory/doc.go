// Package memory implements the store.memory kind: a key-value store held
// in process memory, with per-key TTL and an optional size limit.
//
// # Basics
//
// New builds a Store from Options; the package's init registers the kind
// with the registry, whose entries set max_size (default 10000, 0 for no
// limit) and cleanup_interval (default 5m, 0 for no background cleanup).
// Set copies the value; Get returns the stored bytes, which callers must
// treat as read-only. A key past its expiry is invisible to every method at
// once; the cleanup loop started by Start only frees its memory.
//
// Keys are spread over shards, each with its own lock, map and expiry heap,
// so no operation touches the whole store: cleanup removes expired entries
// in small batches per shard lock, and a new key on a full store evicts
// expired entries one batch at a time until it fits or none are left.
//
// # Caveats
//
//   - Expiry follows the injected clock (Options.Now) to the nanosecond;
//     a TTL too large to represent never expires.
//   - Without a cleanup interval, expired entries stay in memory until they
//     are deleted, overwritten or evicted to make room in a full store.
//   - Len counts held entries, including expired ones not yet removed.
//   - Clear is not atomic with respect to concurrent writes: a key set
//     while Clear runs may survive it.
//   - Memory given back by cleanup returns to the runtime only when a shard
//     empties; Go maps never shrink.
package memory
