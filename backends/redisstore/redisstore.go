// Package redisstore is the store.redis backend: a backends.Store kept in
// Redis (or Valkey) through a db.redis entry, in standalone, Sentinel or
// Cluster mode.
//
// # Key layout
//
// Every Redis key of a store starts with its prefix in braces, a Redis
// Cluster hash tag, so all of them live in one hash slot. For the prefix P
// (default: the entry ID) and a store key K:
//
//	{P}:k:K   hash: field "v" is the value (the MessagePack bytes a script
//	          wrote), field "ver" the version (decimal); the hash carries
//	          the key's expiry (PEXPIREAT)
//	{P}:i     sorted set, score 0, one member K per key: the key order that
//	          list reads with ZRANGEBYLEX (byte-wise order)
//	{P}:e     sorted set, one member K per key with an expiry, scored by
//	          its expiry in Unix milliseconds (server clock)
//	{P}:ver   string counter; every write takes the next version from it
//
// So `redis-cli HGET '{app:cache}:k:user:1' v` returns the MessagePack
// bytes of app:cache's key "user:1". Another program writing there must
// keep the three keys consistent (use the same scripts, see scripts.go).
//
// # Atomicity
//
// Every write is one Lua script (EVALSHA, loaded on first use) touching
// only the keys above, so it is atomic with any number of hosts: set, put
// with only_if_absent or if_version, incr, expire and delete. Reads are
// single commands or read-only scripts. Versions come from the store-wide
// counter, so a version never repeats, even after delete or clear.
//
// Expiry is Redis's own, on the server's clock: a key past its expiry is
// gone for every command at once. Every TTL a time.Duration holds works
// (up to 9223372036 s, as on the other stores): the expiry, the server's
// clock plus the TTL in milliseconds, stays below 2^44 ms, while Redis
// refuses only expiry times past 2^63-1 ms. An expired key's members in
// {P}:i and {P}:e stay until a sweep (every cleanup_interval, and whenever
// list meets one) removes them; list skips them and info's size subtracts
// them, so neither ever counts an expired key.
//
// # Cluster
//
// One store is one hash slot, so it lives on one master: its size is
// bounded by that master's memory and its throughput by that master's
// single thread, whatever the cluster's size. Spread load with several
// stores (each prefix is its own slot). list and clear work unchanged
// because every key of a store is on one node.
//
// # Faults
//
// Connection failures, timeouts and the replies LOADING, READONLY,
// MASTERDOWN, CLUSTERDOWN and TRYAGAIN wrap backends.ErrUnavailable. Writes
// that must not run twice (incr, put with a condition, delete) are never
// re-sent by the client; when the connection fails after one was sent,
// the error wraps backends.ErrOutcomeUnknown (not retryable).
package redisstore

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/redisdb"
	"github.com/luahost/luahost/registry"
)

// Kind is the registry kind name of Redis stores.
const Kind = "store.redis"

// Limits.
const (
	// MaxKeyLen is the longest key, in bytes: keys are also members of
	// the index sorted sets, so they are kept moderate.
	MaxKeyLen = 64 << 10
	// MaxValueSize is the largest value, in bytes: Redis's default
	// proto-max-bulk-len.
	MaxValueSize = 512 << 20
)

// DefaultCleanupInterval is how often expired keys leave the indexes when
// the entry does not say.
const DefaultCleanupInterval = time.Minute

// sweepBatch bounds the index entries one sweep script removes, so no
// script blocks the server for long.
const sweepBatch = 1000

// clearBatch is how many keys one clear script deletes.
const clearBatch = 500

// Config is a store.redis entry's configuration.
type Config struct {
	// Database is the full ID of the db.redis entry.
	Database string
	// Prefix starts every Redis key of the store; "" means the entry ID.
	// It must not contain '{' or '}' (it is the hash tag).
	Prefix string
	// CleanupInterval is how often expired keys are removed from the
	// indexes (0: only when list meets them).
	CleanupInterval time.Duration
}

// Problems returns what is wrong with c, by field name
// (registry.Validator).
func (c Config) Problems() []registry.FieldError {
	var ps []registry.FieldError
	if strings.ContainsAny(c.Prefix, "{}") {
		ps = append(ps, registry.FieldError{Field: "prefix",
			Msg: fmt.Sprintf("prefix %q must not contain { or }: it is the store's Redis Cluster hash tag", c.Prefix)})
	}
	if c.CleanupInterval < 0 {
		ps = append(ps, registry.FieldError{Field: "cleanup_interval", Msg: "must not be negative"})
	}
	return ps
}

// Schema returns "": a store in Redis needs no schema (registry.Schemer).
func (Config) Schema(*registry.Registry) (string, error) { return "", nil }

// Options are the parts of a store that are not configuration.
type Options struct {
	// ID names the store in errors and logs, and is the default prefix.
	ID string
	// Logger logs cleanup failures (default: discard); the host gives
	// it the entry ID as an attribute.
	Logger *slog.Logger
	// MaxValueSize overrides MaxValueSize when smaller (for tests).
	MaxValueSize int
}

// Store is a backends.Store in Redis. Create it with New, then Start.
type Store struct {
	db       redisdb.DB
	id       string
	logger   *slog.Logger
	interval time.Duration
	maxValue int

	// Redis key names; itemPrefix + key is a key's hash.
	itemPrefix, index, expiries, counter string
	// keys4 are the script KEYS other than the item hash.

	mu     sync.Mutex // guards Start/Stop and the fields below
	client redis.UniversalClient
	info   backends.Info
	cancel context.CancelFunc
	done   chan struct{}
}

var (
	_ backends.Extended     = (*Store)(nil)
	_ backends.ValueLimiter = (*Store)(nil)
)

// MaxValueSize returns the largest value the store accepts, in bytes:
// MaxValueSize, or Options.MaxValueSize when smaller.
func (s *Store) MaxValueSize() int { return s.maxValue }

// New returns a store on db. It validates cfg and starts nothing.
func New(cfg Config, db redisdb.DB, opts Options) (*Store, error) {
	if opts.ID == "" {
		opts.ID = Kind
	}
	if err := registry.CheckConfig(opts.ID, cfg); err != nil {
		return nil, err
	}
	if db == nil {
		return nil, fmt.Errorf("%s: no database", opts.ID)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxValueSize <= 0 || opts.MaxValueSize > MaxValueSize {
		opts.MaxValueSize = MaxValueSize
	}
	prefix := cfg.Prefix
	if prefix == "" {
		prefix = opts.ID
	}
	tag := "{" + prefix + "}:"
	return &Store{
		db: db, id: opts.ID, logger: opts.Logger, interval: cfg.CleanupInterval, maxValue: opts.MaxValueSize,
		itemPrefix: tag + "k:", index: tag + "i", expiries: tag + "e", counter: tag + "ver",
	}, nil
}

// Start takes the database's client, reads whether the server persists
// writes (for info), and starts the cleanup loop.
func (s *Store) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != nil {
		return nil
	}
	client := s.db.Client()
	if client == nil {
		return backends.Errorf(backends.ErrUnavailable, "%s: database is not running", s.id)
	}
	mode := s.db.Mode()
	durable := false
	// CONFIG may be refused by ACLs or a managed service: then the store
	// does not claim durability.
	if v, err := client.ConfigGet(ctx, "appendonly").Result(); err == nil && v["appendonly"] == "yes" {
		durable = true
	} else if err != nil && ctx.Err() != nil {
		return fmt.Errorf("%s: %w", s.id, s.fail(ctx, "start", err, false))
	}
	s.info = backends.Info{
		Kind: Kind, Backend: "redis", Durable: durable,
		Consistency: consistencyLevel(mode), ConsistencyNote: consistency(mode, durable),
		Capabilities: backends.Capabilities{TTL: true, List: true, Versioned: true, ConditionalPut: true, Incr: true},
	}
	s.client = client
	if s.interval > 0 {
		lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		s.cancel, s.done = cancel, make(chan struct{})
		go s.cleanupLoop(lctx, s.done)
	}
	return nil
}

// consistencyLevel is the level info() reports: one server is
// linearizable; with asynchronous replicas (Sentinel, Cluster) a failover
// can lose acknowledged writes, which only eventual consistency admits.
func consistencyLevel(mode redisdb.Mode) string {
	if mode == redisdb.Sentinel || mode == redisdb.Cluster {
		return backends.ConsistencyEventual
	}
	return backends.ConsistencyLinearizable
}

// consistency describes what the mode guarantees, for info.
func consistency(mode redisdb.Mode, durable bool) string {
	disk := "acknowledged writes survive a restart only as far as the server's RDB/AOF persistence allows"
	if durable {
		disk = "the server logs writes to its AOF (appendonly yes)"
	}
	switch mode {
	case redisdb.Sentinel:
		return "linearizable on the current master; replication is asynchronous, so a failover can lose writes acknowledged just before it; " + disk
	case redisdb.Cluster:
		return "linearizable on the store's master (one hash slot); replication is asynchronous, so a failover can lose writes acknowledged just before it; " + disk
	}
	return "linearizable (one server); " + disk
}

// Stop ends the cleanup loop. The client belongs to the db.redis entry.
func (s *Store) Stop(ctx context.Context) error {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.cancel, s.done, s.client = nil, nil, nil
	s.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: stop: cleanup did not end: %w", s.id, ctx.Err())
	}
}

func (s *Store) cleanupLoop(ctx context.Context, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.logger.Warn("store cleanup failed", "error", err)
		}
	}
}

// Sweep removes every expired key from the store's indexes and returns how
// many it removed. Redis itself drops the expired values.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	c, err := s.conn()
	if err != nil {
		return 0, err
	}
	total := 0
	for {
		n, err := sweepScript.Run(ctx, c, []string{s.index, s.expiries}, sweepBatch).Int()
		if err != nil {
			return total, s.fail(ctx, "sweep", err, false)
		}
		total += n
		if n < sweepBatch {
			return total, nil
		}
	}
}

func (s *Store) conn() (redis.UniversalClient, error) {
	s.mu.Lock()
	c := s.client
	s.mu.Unlock()
	if c == nil {
		return nil, backends.Errorf(backends.ErrUnavailable, "the store is not running")
	}
	return c, nil
}

// begin checks a single-key call and returns the client.
func (s *Store) begin(ctx context.Context, key string) (redis.UniversalClient, error) {
	if err := backends.ValidateKey(key, MaxKeyLen); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.conn()
}

func (s *Store) keys(key string) []string {
	return []string{s.itemPrefix + key, s.index, s.expiries, s.counter}
}

func (s *Store) checkWrite(value []byte, ttl time.Duration) error {
	if len(value) > s.maxValue {
		return backends.Errorf(backends.ErrInvalid, "value is %d bytes, over Redis's limit of %d bytes", len(value), s.maxValue)
	}
	return backends.ValidateTTL(ttl)
}

// ttlMS is a TTL in whole milliseconds; a positive TTL under 1ms is 1ms,
// never 0 (which means no expiry).
func ttlMS(ttl time.Duration) int64 {
	ms := ttl.Milliseconds()
	if ttl > 0 && ms == 0 {
		ms = 1
	}
	return ms
}

// Get returns the live value of key, or an error wrapping
// backends.ErrNotFound.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	c, err := s.begin(ctx, key)
	if err != nil {
		return nil, err
	}
	v, err := c.HGet(ctx, s.itemPrefix+key, "v").Bytes()
	if err != nil {
		if err == redis.Nil {
			return nil, errNotFound
		}
		return nil, s.fail(ctx, "get", err, false)
	}
	return v, nil
}

// abbrev shortens a key for messages.
func abbrev(key string) string {
	if len(key) > 64 {
		return key[:64] + "..."
	}
	return key
}

// Set stores value under key with ttl (0: no expiry, removing any old one).
func (s *Store) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	c, err := s.begin(ctx, key)
	if err != nil {
		return err
	}
	if err := s.checkWrite(value, ttl); err != nil {
		return err
	}
	if err := setScript.Run(ctx, c, s.keys(key), key, value, ttlMS(ttl), "").Err(); err != nil {
		return s.fail(ctx, "set", err, false)
	}
	return nil
}

// Delete removes key and reports whether a live key was removed.
func (s *Store) Delete(ctx context.Context, key string) (bool, error) {
	c, err := s.begin(ctx, key)
	if err != nil {
		return false, err
	}
	n, err := runOnce(ctx, c, deleteScript, s.keys(key), key).Int()
	if err != nil {
		return false, s.fail(ctx, "delete", err, true)
	}
	return n == 1, nil
}

// Exists reports whether key is live.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	c, err := s.begin(ctx, key)
	if err != nil {
		return false, err
	}
	n, err := c.Exists(ctx, s.itemPrefix+key).Result()
	if err != nil {
		return false, s.fail(ctx, "exists", err, false)
	}
	return n == 1, nil
}

// Clear removes every key of this store, in batches of clearBatch keys
// (one script each), and nothing else. The version counter stays, so
// versions never repeat. Keys written while Clear runs may survive it.
func (s *Store) Clear(ctx context.Context) error {
	c, err := s.conn()
	if err != nil {
		return err
	}
	for {
		members, err := c.ZRange(ctx, s.index, 0, clearBatch-1).Result()
		if err != nil {
			return s.fail(ctx, "clear", err, false)
		}
		if len(members) == 0 {
			break
		}
		keys := make([]string, 0, len(members)+2)
		keys = append(keys, s.index, s.expiries)
		args := make([]any, len(members))
		for i, m := range members {
			keys = append(keys, s.itemPrefix+m)
			args[i] = m
		}
		if err := clearScript.Run(ctx, c, keys, args...).Err(); err != nil {
			return s.fail(ctx, "clear", err, false)
		}
	}
	// An expiry index entry without an index entry cannot exist, but
	// drop the set anyway so a clear always leaves it empty.
	if err := c.Del(ctx, s.expiries).Err(); err != nil {
		return s.fail(ctx, "clear", err, false)
	}
	return nil
}

// finite reports whether f is neither NaN nor infinite.
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// version formats a version number from a script.
func version(v any) string {
	switch n := v.(type) {
	case int64:
		return strconv.FormatInt(n, 10)
	case string:
		return n
	}
	return fmt.Sprint(v)
}
