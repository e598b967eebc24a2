// Package storebench runs a standard workload against a store entry of a
// runtime and measures it, like redis-benchmark or pgbench: per operation,
// throughput (ops/s) and latency percentiles (mean, p50, p99, p99.9,
// max). It is the engine of the `luahost bench` command.
//
// # Basics
//
// Each operation named in Config.Ops runs as a phase of its own, one after
// the other (as redis-benchmark runs its tests); Config.Mix instead runs
// one phase choosing each call at random by weight (e.g. 90% get, 10%
// set). Config.Clients clients call the store at once, each choosing keys
// uniformly among Config.Keys keys, for Config.Duration or until
// Config.Requests calls.
//
// Two levels are measured. The Go level calls the store as the host gives
// it to Go code (Runtime.Store, then KV.Raw): each call is timed on the
// monotonic clock. The Lua level (Config.Lua) runs each client as a Lua
// state of the runtime looping over the store module's methods, as a
// script does; calls are timed in batches of Config.LuaBatch and each call
// of a batch is recorded at the batch's mean, so Lua percentiles describe
// batch means, not single calls (LuaBatch 1 times single calls, plus the
// cost of entering Lua once per call). A Lua client draws its keys (and
// a mix's operations) before the clock starts, four per key (at least
// 65,536, at most 4,194,304), and walks round them, so it reaches nearly
// every key (of up to 1,048,576 keys; beyond, the draws cover a share).
//
// Memory does not grow with Config.Keys beyond one bit per key: key names
// are made when a call needs one (one allocation per Go-level call), and
// a bitmap records which keys the benchmark may have written, for the
// cleanup. A Lua client holds a table naming each key of its walk, so at
// most 4,194,304 names per client and phase.
//
// # Caveats
//
// The benchmark writes only keys under Config.Prefix: data keys
// "<prefix>k:<n>" and, for incr, counter keys "<prefix>n:<n>". It never
// clears the store, and at the end deletes every key it may have written,
// and no other, unless Config.Keep is set: the key of every writing call,
// failed ones included (a write may land after an error), counting at the
// Lua level every call of each batch begun. Values are MessagePack
// strings of Config.ValueSize bytes, the bytes a script's s:set(k,
// string) writes.
// Latencies are recorded in an HDR histogram with 3 significant digits,
// from 1 ns to 1 minute (longer calls count as 1 minute).
package storebench
