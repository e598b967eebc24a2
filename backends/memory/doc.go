// Package memory implements the store.memory kind: a key-value store held
// in process memory, with per-key TTL and optional limits on its keys and
// bytes.
//
// # Basics
//
// New builds a Store from Options; the package's init registers the kind
// with the registry, whose entries set max_size (default 10000, 0 for no
// limit), max_bytes (a byte size such as 256MiB; default 0, no limit, so
// that registries written before it load as they did) and
// cleanup_interval (default 5m, 0 for no background cleanup).
// Set copies the value; Get returns the stored bytes, which callers must
// treat as read-only. A key past its expiry is invisible to every method at
// once; the cleanup loop started by Start only frees its memory.
//
// Keys are spread over 64 shards by hash. Each shard has its own lock, an
// array of entries, an open-addressing table from key to entry, and a
// min-heap of expiry times that knows each entry's position, so that
// overwrites and deletes take their stale item out at once. No operation
// visits the whole store: cleanup removes expired entries in small batches
// per shard lock, and a new key on a full store evicts expired entries a
// batch at a time until it fits or none are left. An entry's version, key
// and value share one allocation, which with the shard's arrays makes about
// 197 bytes per entry for a million entries of 16-byte keys and 100-byte
// values with a TTL (a Go map of copied values takes about 228). A key and
// value may hold 4 GiB together.
//
// # Limits
//
// MaxSize caps the live keys, MaxBytes the bytes of keys and values of the
// live keys: len(key)+len(value) per entry, the value being the bytes
// stored (the Lua module's MessagePack encoding). The per-entry overhead
// (the block header, the shard's arrays, slack in a block reused for a
// shorter value) is not counted; it is about 80 bytes per entry at a
// million entries (see above). A write that would pass either limit
// returns an error wrapping backends.ErrFull, whose message names the
// limit and, for MaxBytes, the bytes the write adds; a key and value
// larger than MaxBytes on their own can never fit, and are refused with an
// error wrapping backends.ErrInvalid. Overwriting
// a key never counts toward MaxSize, and toward MaxBytes only by what it
// adds. Before refusing, a write evicts expired entries, so they never
// count.
//
// Each shard counts its entries' bytes under its lock, which costs an
// addition per write; Info and Bytes sum the shards. With MaxBytes set, a
// write that grows the store first reserves its growth in one atomic
// counter for the whole store (a compare-and-swap, refused past the
// limit), and a write that shrinks it or a removal gives bytes back, so
// concurrent writers never take the store past MaxBytes. Without
// MaxBytes that counter is never touched.
//
// # Extended methods
//
// Store implements backends.Extended. Each shard numbers its writes; an
// entry's version is the number of its last write (Set, Put, Incr or
// Expire), so it changes on every write and never repeats for a key, even
// across Delete and Clear. Put's conditions and Incr's read-modify-write
// run under the shard's lock, which makes them atomic.
//
// For List each shard also keeps its keys in order, in a B-tree of slot
// numbers with abbreviated keys (8 to 12 bytes per entry). Only new and
// removed keys change it; an overwrite does not. A List page merges the
// shards' orders: it takes each shard's lock once for a small batch
// of the shard's next keys (twice the shard's share of the page), refills
// a shard that runs out, and emits the smallest key first. A page costs
// 64 tree descents plus work in proportion to its limit, whatever the
// store's size, and never holds more than one shard's lock.
//
// # Caveats
//
//   - Expiry follows the clock (Options.Now) to the nanosecond; a TTL too
//     large to represent never expires.
//   - Without a cleanup interval, expired entries stay in memory until they
//     are deleted, overwritten or evicted to make room in a full store.
//   - Len and Bytes count held entries, including expired ones not yet
//     removed. Info's Size and Bytes are exact: Info first removes the
//     expired entries, at a cost in proportion to their number. Bytes
//     (and Info's) reads the shards one after another: under concurrent
//     writes it is not a snapshot.
//   - MaxBytes bounds the keys and values, not the process's heap: budget
//     the per-entry overhead on top, up to MaxSize entries.
//   - List is not a snapshot; a key live throughout a listing appears in
//     it exactly once. A page passes over a bounded number of expired
//     entries, so among many of them it may come back short, with HasMore.
//   - Clear is not atomic with respect to concurrent writes: a key set
//     while Clear runs may survive it.
//   - A shard's arrays grow but do not shrink until the shard is empty.
//   - Adding and removing keys (not overwriting them) pays for the key
//     order: a tree descent each, which also slows the removal of many
//     expired entries at once.
package memory
