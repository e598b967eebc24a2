// Package sqlstore is the store.sql backend: a backends.Store kept in one
// table of a SQL database entry (db.sql.sqlite, db.sql.postgres,
// db.sql.mysql).
//
// # Basics
//
// Each key is one row: the key column (binary-safe, at most MaxKeyLen
// bytes), the value column and an expiry column holding Unix time in
// milliseconds (NULL: no expiry). Every read ignores rows whose expiry has
// passed, so expiry is exact whether or not cleanup has run; cleanup only
// reclaims space. Set is a single upsert statement, safe with many
// goroutines and many hosts sharing the table.
//
// # Clock
//
// On PostgreSQL and MySQL/MariaDB the database's clock decides expiry:
// whether a row is live, the expiry a TTL gives, what TTL returns and
// which rows cleanup removes. Each statement reads the clock itself (the
// time it started), so hosts sharing a table agree whatever their own
// clocks say, and no extra round trip is made. An SQLite file belongs to
// one host, so there the store's clock (Options.Now) decides, which tests
// can move by hand.
//
// # Dialects
//
// Keys are binary-safe and compared byte by byte everywhere (so a later
// list is in byte-wise order):
//
//   - PostgreSQL: key BYTEA with CHECK (octet_length(key) <= 255); TEXT
//     cannot hold NUL or invalid UTF-8. A table made by hand with a
//     VARCHAR/TEXT key also works, for keys that are valid UTF-8 without
//     NUL (others are refused with ErrInvalid). Values BYTEA.
//   - MySQL/MariaDB: key VARBINARY(255) (no charset, no case or
//     trailing-space folding), values LONGBLOB, sessions in strict
//     sql_mode.
//   - SQLite: key VARCHAR(255) holding the key bytes as TEXT under the
//     BINARY (memcmp) collation, values BLOB.
//
// Keys over MaxKeyLen bytes are refused before any statement runs, so
// nothing is ever truncated.
//
// # Statements
//
// Every statement that reads or writes the store's rows is written out
// in one table per dialect, in statements.go (testdata/statements shows
// them filled in). Set is one upsert (ON CONFLICT on PostgreSQL and
// SQLite, ON DUPLICATE KEY on MySQL).
//
// Store implements backends.Extended. Versions need a version column
// (Config.VersionColumn): without one, Item.Version is "" and put with
// if_version is ErrInvalid. Conditional writes are single statements
// where the dialect allows: put if_version is one UPDATE on every
// dialect; put only_if_absent, and a put that returns the new version,
// are one INSERT ... RETURNING on PostgreSQL and SQLite.
//
// MySQL has no RETURNING and reports changed rather than matched rows, so
// there put only_if_absent, a versioned plain put and expire run a
// read-modify-write transaction, as incr does on every dialect:
// SELECT ... FOR UPDATE (SQLite: the transaction begins IMMEDIATE and
// holds the write lock), then UPDATE, or INSERT when there is no row. A
// concurrent insert of the same key, a deadlock or a serialization
// failure makes the transaction start over (at most 10 times, with a
// short random backoff). On MySQL these transactions run under READ
// COMMITTED, so a locking read of a missing key takes no gap lock.
//
// Every write adds 1 to the version. A new row (also one written after a
// delete) starts from a fresh seed, the database's clock in microseconds
// (SQLite: a random 62-bit number), and replacing an expired row
// continues its count, so a version read earlier never matches a later
// key.
//
// # Caveats
//
// Start checks that the table and its columns exist. If not, it fails with
// the DDL to run (Schema; ALTER TABLE for an existing table lacking the
// expiry or version column), or creates the table when create_table is
// set. These failures wrap registry.ErrPermanent.
//
// Errors caused by the database being unreachable (refused, reset, closed
// connections, server shutting down) wrap backends.ErrUnavailable; a call
// whose context ends wraps the context's error too.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/sqldb"
	"github.com/luahost/luahost/registry"
)

// Kind is the registry kind name of SQL stores.
const Kind = "store.sql"

// MaxKeyLen is the longest key, in bytes, a SQL store holds.
const MaxKeyLen = 255

// cleanupBatch bounds the rows one cleanup statement deletes, so cleanup
// never holds long locks.
const cleanupBatch = 1000

// Config is a store.sql entry's configuration. Zero column names mean the
// defaults below.
type Config struct {
	// Database is the full ID of the db.sql.* entry.
	Database string
	// Table is "table" or "schema.table".
	Table string
	// IDColumn holds keys (default "key").
	IDColumn string
	// PayloadColumn holds values (default "value").
	PayloadColumn string
	// ExpireColumn holds expiry times in Unix milliseconds (default "expires_at").
	ExpireColumn string
	// VersionColumn, when set, is a BIGINT incremented on every write.
	VersionColumn string
	// CleanupInterval is how often expired rows are deleted (0: never).
	CleanupInterval time.Duration
	// CreateTable makes Start create a missing table.
	CreateTable bool
	// ValueFormat is how values are stored: ValueMsgpack (default, exact
	// for every Lua value) or ValueJSON (Wippy's format, readable by SQL;
	// values JSON cannot hold exactly are refused with ErrInvalid).
	ValueFormat string
}

// Column name defaults.
const (
	DefaultIDColumn      = "key"
	DefaultPayloadColumn = "value"
	DefaultExpireColumn  = "expires_at"
)

func (c Config) withDefaults() Config {
	if c.IDColumn == "" {
		c.IDColumn = DefaultIDColumn
	}
	if c.PayloadColumn == "" {
		c.PayloadColumn = DefaultPayloadColumn
	}
	if c.ExpireColumn == "" {
		c.ExpireColumn = DefaultExpireColumn
	}
	if c.ValueFormat == "" {
		c.ValueFormat = ValueMsgpack
	}
	return c
}

// Options are the parts of a store that are not configuration.
type Options struct {
	// ID names the store in errors and logs (default "store.sql").
	ID string
	// Logger logs cleanup failures (default: discard); the host gives
	// it the entry ID as an attribute.
	Logger *slog.Logger
	// Now is the clock that decides expiry on SQLite (default time.Now).
	// PostgreSQL and MySQL stores use the database's clock instead, and
	// Now only estimates the ExpiresAt of some Put results there (see
	// Store.Put).
	Now func() time.Time
	// RetryClock times the pauses between attempts of a statement or
	// transaction the database refused for the moment (a deadlock, a
	// concurrent insert, SQLite's lock held by another process) and
	// bounds how long SQLite lock waits go on in all (default
	// registry.SystemClock). It is not Now's clock: those waits pass in
	// real time inside the database whatever clock decides expiry, and a
	// clock moved by hand would hold every retry until it moved.
	RetryClock registry.Clock
}

// Store is a backends.Store in a SQL table. Create it with New, then Start.
type Store struct {
	cfg    Config
	db     sqldb.DB
	id     string
	logger *slog.Logger
	now    func() time.Time
	retry  retrier
	// dbClock says the database's clock decides expiry (PostgreSQL,
	// MySQL): statements take TTLs rather than times, and no "now".
	dbClock bool

	st atomic.Pointer[stmts] // nil unless running

	mu     sync.Mutex // guards Start/Stop
	cancel context.CancelFunc
	done   chan struct{}
}

var _ backends.Extended = (*Store)(nil)

// stmts are the statements prepared at Start (named as in statements;
// del is delete), and how keys are bound.
type stmts struct {
	get, exists, set, del, clear, cleanup *sqlx.Stmt
	ext                                   extStmts
	// keyBytes binds keys as []byte (binary columns); otherwise as string.
	keyBytes bool
	// keyText rejects keys a text column cannot hold (PostgreSQL TEXT).
	keyText bool
	// maxValue is the largest value, in bytes, the database takes in one
	// statement, and limit names where that comes from.
	maxValue int
	limit    string
}

// New returns a store on db. It validates cfg and starts nothing.
func New(cfg Config, db sqldb.DB, opts Options) (*Store, error) {
	cfg = cfg.withDefaults()
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
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RetryClock == nil {
		opts.RetryClock = registry.SystemClock{}
	}
	return &Store{cfg: cfg, db: db, id: opts.ID, logger: opts.Logger, now: opts.Now, retry: retrier{opts.RetryClock},
		dbClock: db.Dialect() != sqldb.SQLite}, nil
}

// Start checks (or creates) the table, prepares the statements and starts
// the cleanup loop. A missing table or column fails with the DDL to run.
func (s *Store) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.Load() != nil {
		return nil
	}
	w, r := s.db.DB(), s.db.ReadDB()
	if w == nil || r == nil {
		return backends.Errorf(backends.ErrUnavailable, "%s: database %s is not running", s.id, s.cfg.Database)
	}
	keyType, err := s.checkTable(ctx, w)
	if err != nil {
		return err
	}
	st, err := s.prepare(ctx, w, r, keyType)
	if err != nil {
		return fmt.Errorf("%s: %w", s.id, s.fail(ctx, "prepare statements", err))
	}
	s.st.Store(st)
	if s.cfg.CleanupInterval > 0 {
		// The loop outlives Start's context; Stop ends it.
		loopCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		s.cancel, s.done = cancel, make(chan struct{})
		go s.cleanupLoop(loopCtx, s.done)
	}
	return nil
}

// Stop ends the cleanup loop and releases the statements. It leaves the
// database open (it belongs to the database entry) and is safe to call
// more than once.
func (s *Store) Stop(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		s.cancel()
		select {
		case <-s.done:
		case <-ctx.Done():
			return fmt.Errorf("%s: stop: cleanup still running: %w", s.id, ctx.Err())
		}
		s.cancel, s.done = nil, nil
	}
	st := s.st.Swap(nil)
	if st == nil {
		return nil
	}
	var errs []error
	for _, p := range st.all() {
		if p != nil {
			errs = append(errs, p.Close())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%s: stop: %w", s.id, err)
	}
	return nil
}

// all returns every statement, nil for those not prepared.
func (st *stmts) all() []*sqlx.Stmt {
	return append([]*sqlx.Stmt{st.get, st.exists, st.set, st.del, st.clear, st.cleanup}, st.ext.all()...)
}

func (s *Store) prepare(ctx context.Context, w, r *sqlx.DB, keyType string) (*stmts, error) {
	d := s.db.Dialect()
	st := &stmts{}
	switch d {
	case sqldb.MySQL:
		st.keyBytes = true
	case sqldb.Postgres:
		st.keyBytes = keyType == "bytea"
		st.keyText = !st.keyBytes
	}
	var err error
	if st.maxValue, st.limit, err = s.valueLimit(ctx, w); err != nil {
		return nil, err
	}
	q, x := statementsFor(s.cfg, d, st.keyText), &st.ext
	for _, p := range []struct {
		db    *sqlx.DB
		dst   **sqlx.Stmt
		query string
	}{
		{r, &st.get, q.get}, {r, &st.exists, q.exists}, {w, &st.set, q.set},
		{w, &st.del, q.delete}, {w, &st.clear, q.clear}, {w, &st.cleanup, q.cleanup},
		{r, &x.entry, q.entry}, {r, &x.ttl, q.ttl}, {r, &x.count, q.count},
		{r, &x.list, q.list}, {r, &x.listTo, q.listTo},
		{w, &x.putIfAbsent, q.putIfAbsent}, {w, &x.putReturning, q.putReturning},
		{w, &x.putIfVersion, q.putIfVersion}, {w, &x.expire, q.expire},
		{w, &x.lock, q.lock}, {w, &x.update, q.update}, {w, &x.touch, q.touch}, {w, &x.insert, q.insert},
	} {
		if p.query == "" {
			continue
		}
		if *p.dst, err = p.db.PreparexContext(ctx, p.query); err != nil {
			break
		}
	}
	if err != nil {
		for _, p := range st.all() {
			if p != nil {
				p.Close()
			}
		}
		return nil, err
	}
	return st, nil
}

// running returns the statements, or an ErrUnavailable error when stopped.
func (s *Store) running() (*stmts, error) {
	if st := s.st.Load(); st != nil {
		return st, nil
	}
	return nil, backends.Errorf(backends.ErrUnavailable, "the store is not running")
}

// pointCtx is the context for a single-row statement. go-sqlite3 runs a
// statement under a cancellable context on a second goroutine, which costs
// more than the statement itself; a single-row SQLite statement on a local
// file is short, and waits for a lock at most sqldb.SQLiteBusyStep before
// statementRetry checks the call's context, so it runs without
// cancellation. Long SQLite statements (clear, list, cleanup) and every
// server database keep it.
func (s *Store) pointCtx(ctx context.Context) context.Context {
	if s.db.Dialect() != sqldb.SQLite || ctx.Err() != nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

// keyed returns the running statements and key as the bind argument for
// the key column: the start of every single-key method.
func (s *Store) keyed(key string) (*stmts, any, error) {
	st, err := s.running()
	if err != nil {
		return nil, nil, err
	}
	k, err := s.key(st, key)
	if err != nil {
		return nil, nil, err
	}
	return st, k, nil
}

// changed reports whether a write statement changed a row.
func (s *Store) changed(ctx context.Context, op string, res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, s.fail(ctx, op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.fail(ctx, op, err)
	}
	return n > 0, nil
}

// key validates key and returns it as the bind argument for the key column.
func (s *Store) key(st *stmts, key string) (any, error) {
	if err := backends.ValidateKey(key, MaxKeyLen); err != nil {
		return nil, err
	}
	if st.keyText && (!utf8.ValidString(key) || strings.IndexByte(key, 0) >= 0) {
		return nil, backends.Errorf(backends.ErrInvalid, "key is not valid UTF-8 or contains NUL, which the TEXT key column cannot hold (use BYTEA for binary keys)")
	}
	if st.keyBytes {
		return []byte(key), nil
	}
	return key, nil
}

// PostgreSQL keeps a field in one allocation of at most 1 GB - 1 byte
// (MaxAllocSize), its 4-byte length header included.
const pgMaxValue = 1<<30 - 1 - 4

// mysqlStatementOverhead is room, within max_allowed_packet, for the rest
// of the statement: the key and the other parameters.
const mysqlStatementOverhead = 1024

// valueLimit returns the largest value the database takes and what sets
// it: PostgreSQL's field size; MySQL's max_allowed_packet, read from the
// server; SQLite's SQLITE_LIMIT_LENGTH, read from the connection, less
// room for the key (the whole row must fit).
func (s *Store) valueLimit(ctx context.Context, w *sqlx.DB) (int, string, error) {
	switch s.db.Dialect() {
	case sqldb.Postgres:
		return pgMaxValue, "PostgreSQL's 1 GB field size", nil
	case sqldb.MySQL:
		var packet int64
		if err := w.QueryRowContext(ctx, "SELECT @@max_allowed_packet").Scan(&packet); err != nil {
			return 0, "", s.fail(ctx, "read max_allowed_packet", err)
		}
		return int(packet) - mysqlStatementOverhead, fmt.Sprintf("the server's max_allowed_packet of %d bytes, less %d for the rest of the statement", packet, mysqlStatementOverhead), nil
	}
	conn, err := w.Conn(ctx)
	if err != nil {
		return 0, "", s.fail(ctx, "read SQLite's length limit", err)
	}
	defer conn.Close()
	var limit int
	err = conn.Raw(func(dc any) (err error) {
		limit, err = sqliteLengthLimit(dc)
		return err
	})
	if err != nil {
		return 0, "", s.fail(ctx, "read SQLite's length limit", err)
	}
	return limit - MaxKeyLen - 64, fmt.Sprintf("SQLite's length limit (SQLITE_MAX_LENGTH) of %d bytes per row, less room for the key", limit), nil
}

// checkValue refuses a value larger than the database takes, before any
// statement is sent.
func (s *Store) checkValue(st *stmts, value []byte) error {
	if len(value) > st.maxValue {
		return backends.Errorf(backends.ErrInvalid, "value is %d bytes, over this store's limit of %d bytes (%s)", len(value), st.maxValue, st.limit)
	}
	return nil
}

func (s *Store) nowMS() int64 { return s.now().UnixMilli() }

// at returns args followed by the store's clock in Unix milliseconds
// when that clock decides expiry (SQLite); on PostgreSQL and MySQL the
// statements read the database's clock and take no such argument.
func (s *Store) at(args ...any) []any {
	if s.dbClock {
		return args
	}
	return append(args, s.nowMS())
}

// ttlMS is ttl rounded up to whole milliseconds.
func ttlMS(ttl time.Duration) int64 { return int64((ttl + time.Millisecond - 1) / time.Millisecond) }

// expiry returns the expiry argument of a statement writing ttl: nil for
// no expiry; else on PostgreSQL and MySQL the TTL in milliseconds, which
// the statement adds to the database's clock, and on SQLite the Unix time
// in milliseconds by the store's clock.
func (s *Store) expiry(ttl time.Duration) any {
	if ttl <= 0 {
		return nil
	}
	if s.dbClock {
		return ttlMS(ttl)
	}
	return s.nowMS() + ttlMS(ttl)
}

// expiryAt returns the expiry column value for ttl from now (Unix
// milliseconds, on the clock that decides expiry): nil for no expiry.
func expiryAt(now int64, ttl time.Duration) any {
	if ttl <= 0 {
		return nil
	}
	return now + ttlMS(ttl)
}

// Get returns the live value of key, or an error wrapping
// backends.ErrNotFound when it is missing or expired.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	st, k, err := s.keyed(key)
	if err != nil {
		return nil, err
	}
	var v []byte
	if err := s.queryRow(ctx, st.get, []any{&v}, s.at(k)...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errNotFound
		}
		return nil, s.fail(ctx, "get", err)
	}
	return s.fromStored(key, v)
}

// Set stores value under key with one upsert statement. ttl 0 means no
// expiry and removes an old one; a positive ttl is rounded up to whole
// milliseconds.
func (s *Store) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	st, k, err := s.keyed(key)
	if err != nil {
		return err
	}
	if err := backends.ValidateTTL(ttl); err != nil {
		return err
	}
	stored, err := s.toStored(st, value)
	if err != nil {
		return err
	}
	exp := s.expiry(ttl)
	if _, err := s.execWrite(ctx, true, st.set, k, stored, exp); err != nil {
		return s.fail(ctx, "set", err)
	}
	return nil
}

// Delete removes key and reports whether a live row was removed. An
// expired row is left for cleanup and reported as false.
func (s *Store) Delete(ctx context.Context, key string) (bool, error) {
	st, k, err := s.keyed(key)
	if err != nil {
		return false, err
	}
	res, err := s.execWrite(ctx, true, st.del, s.at(k)...)
	return s.changed(ctx, "delete", res, err)
}

// Exists reports whether key is live.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	st, k, err := s.keyed(key)
	if err != nil {
		return false, err
	}
	var one int
	if err := s.queryRow(ctx, st.exists, []any{&one}, s.at(k)...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return false, s.fail(ctx, "exists", err)
	}
	return true, nil
}

// Clear deletes every row of this store's table, and nothing else.
func (s *Store) Clear(ctx context.Context) error {
	st, err := s.running()
	if err != nil {
		return err
	}
	if _, err := s.execWrite(ctx, false, st.clear); err != nil {
		return s.fail(ctx, "clear", err)
	}
	return nil
}

// Cleanup deletes expired rows, at most 1000 per statement, until none
// are left or ctx ends, and returns how many it deleted. The cleanup loop
// calls it every cleanup_interval.
func (s *Store) Cleanup(ctx context.Context) (int64, error) {
	st, err := s.running()
	if err != nil {
		return 0, err
	}
	var total int64
	for {
		res, err := s.execWrite(ctx, false, st.cleanup, s.at()...)
		if err != nil {
			return total, s.fail(ctx, "cleanup", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, s.fail(ctx, "cleanup", err)
		}
		total += n
		if n < cleanupBatch {
			return total, nil
		}
	}
}

func (s *Store) cleanupLoop(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(s.cfg.CleanupInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := s.Cleanup(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				s.logger.Warn("cleanup of expired keys failed", "error", err)
			case n > 0:
				s.logger.Debug("expired keys removed", "count", n)
			}
		}
	}
}
