package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jmoiron/sqlx"
	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/sqldb"
)

// extStmts are the prepared statements of the extended methods, named
// as in statements, which gives their arguments; nil where the dialect
// or the store does without one.
type extStmts struct {
	entry, ttl, count, list, listTo                 *sqlx.Stmt // on the read pool
	putIfAbsent, putReturning, putIfVersion, expire *sqlx.Stmt
	lock, update, touch, insert                     *sqlx.Stmt // steps of modify's transactions
}

func (e *extStmts) all() []*sqlx.Stmt {
	return []*sqlx.Stmt{e.entry, e.ttl, e.count, e.list, e.listTo, e.putIfAbsent, e.putReturning,
		e.putIfVersion, e.expire, e.lock, e.update, e.touch, e.insert}
}

// keyArg returns v as a bind argument compared with the key column: like
// Store.key, but v may be empty and is not length-checked.
func (st *stmts) keyArg(v string) any {
	if st.keyBytes {
		return append(make([]byte, 0, len(v)), v...)
	}
	return v
}

func (s *Store) version(n int64) string {
	if s.cfg.VersionColumn == "" {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func msTime(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return time.UnixMilli(ms.Int64)
}

// scanDest returns the scan destinations for (value, expiry[, version]).
func (s *Store) scanDest(v *[]byte, e *sql.NullInt64, ver *int64) []any {
	if s.cfg.VersionColumn == "" {
		return []any{v, e}
	}
	return []any{v, e, ver}
}

// Entry returns the live item under key, or an error wrapping
// backends.ErrNotFound. Version is "" without a version column.
func (s *Store) Entry(ctx context.Context, key string) (backends.Item, error) {
	st, k, err := s.keyed(key)
	if err != nil {
		return backends.Item{}, err
	}
	var (
		v   []byte
		e   sql.NullInt64
		ver int64
	)
	if err := s.queryRow(ctx, st.ext.entry, s.scanDest(&v, &e, &ver), s.at(k)...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return backends.Item{}, errNotFound
		}
		return backends.Item{}, s.fail(ctx, "entry", err)
	}
	if v, err = s.fromStored(key, v); err != nil {
		return backends.Item{}, err
	}
	return backends.Item{Key: key, Value: v, Version: s.version(ver), ExpiresAt: msTime(e)}, nil
}

// errNoVersions is returned for if_version on a table without a version column.
func (s *Store) errNoVersions() error {
	return backends.Errorf(backends.ErrInvalid, "put with if_version needs versions, which this store.sql entry does not keep: set version_column_name (a BIGINT column the store increments on every write)")
}

// Put writes value under key and returns the new item, whose Value is
// value itself; see backends.Extended. With opts.IfVersion the write is
// one conditional UPDATE; a version that is not one this store issued
// never matches.
//
// The item's ExpiresAt is the expiry the database wrote where the write
// tells it (RETURNING, or the clock MySQL's transactions read). A put
// with if_version on PostgreSQL or MySQL, and a put on MySQL without
// conditions or version column, do not; their ExpiresAt is the host
// clock's estimate (Entry reads the stored one).
func (s *Store) Put(ctx context.Context, key string, value []byte, opts backends.PutOptions) (backends.Item, error) {
	st, k, err := s.keyed(key)
	if err != nil {
		return backends.Item{}, err
	}
	if err := backends.ValidateTTL(opts.TTL); err != nil {
		return backends.Item{}, err
	}
	if opts.OnlyIfAbsent && opts.HasIfVersion {
		return backends.Item{}, backends.Errorf(backends.ErrInvalid, "put %q: only_if_absent and if_version exclude each other", key)
	}
	if opts.HasIfVersion && s.cfg.VersionColumn == "" {
		return backends.Item{}, s.errNoVersions()
	}
	stored, err := s.toStored(st, value)
	if err != nil {
		return backends.Item{}, err
	}
	if value == nil {
		value = []byte{}
	}
	exp := s.expiry(opts.TTL)
	item := backends.Item{Key: key, Value: value}
	switch {
	case opts.TTL > 0 && !s.dbClock:
		item.ExpiresAt = time.UnixMilli(exp.(int64)) // what is written
	case opts.TTL > 0:
		// The estimate; replaced below where the database says.
		item.ExpiresAt = time.UnixMilli(s.nowMS() + ttlMS(opts.TTL))
	}
	var e sql.NullInt64
	conflict := func() error {
		return backends.Errorf(backends.ErrConflict, "put %q: the key's version is not %q, or the key is gone", key, opts.IfVersion)
	}
	exists := func() error {
		return backends.Errorf(backends.ErrAlreadyExists, "put %q with only_if_absent: the key exists", key)
	}

	switch {
	case opts.HasIfVersion:
		want, perr := strconv.ParseInt(opts.IfVersion, 10, 64)
		if perr != nil {
			return backends.Item{}, conflict()
		}
		res, err := s.execWrite(ctx, true, st.ext.putIfVersion, s.at(stored, exp, k, want)...)
		if err != nil {
			return backends.Item{}, s.fail(ctx, "put", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return backends.Item{}, s.fail(ctx, "put", err)
		}
		if n == 0 {
			return backends.Item{}, conflict()
		}
		item.Version = s.version(want + 1)
		return item, nil

	case opts.OnlyIfAbsent && st.ext.putIfAbsent != nil:
		var ver int64
		err := s.queryRow(ctx, st.ext.putIfAbsent, []any{&ver, &e}, s.at(k, stored, exp)...)
		if errors.Is(err, sql.ErrNoRows) {
			return backends.Item{}, exists()
		}
		if err != nil {
			return backends.Item{}, s.outcomeUnknown(ctx, "put", key, err)
		}
		item.Version, item.ExpiresAt = s.version(ver), msTime(e)
		return item, nil

	case opts.OnlyIfAbsent || (s.cfg.VersionColumn != "" && st.ext.putReturning == nil):
		// MySQL: lock the row, then write it.
		var at any
		ver, err := s.modify(ctx, st, "put", key, k, opts.OnlyIfAbsent, func(r row) (*write, error) {
			if r.live && opts.OnlyIfAbsent {
				return nil, exists()
			}
			at = expiryAt(r.now, opts.TTL)
			return &write{value: stored, exp: at}, nil
		})
		if err != nil {
			return backends.Item{}, err
		}
		item.Version = s.version(ver)
		if at != nil {
			item.ExpiresAt = time.UnixMilli(at.(int64))
		}
		return item, nil

	case st.ext.putReturning != nil:
		var ver int64
		if err := s.queryRow(ctx, st.ext.putReturning, []any{&ver, &e}, k, stored, exp); err != nil {
			return backends.Item{}, s.fail(ctx, "put", err)
		}
		item.Version, item.ExpiresAt = s.version(ver), msTime(e)
		return item, nil
	}
	if _, err := s.execWrite(ctx, true, st.set, k, stored, exp); err != nil {
		return backends.Item{}, s.fail(ctx, "put", err)
	}
	return item, nil
}

// List returns a page of live items in byte-wise key order; see
// backends.Extended. Cursor is the last item's key, or opts.After when the
// page is empty.
func (s *Store) List(ctx context.Context, opts backends.ListOptions) (backends.Page, error) {
	st, err := s.running()
	if err != nil {
		return backends.Page{}, err
	}
	limit := opts.Limit
	switch {
	case limit == 0:
		limit = backends.DefaultListLimit
	case limit < 0 || limit > backends.MaxListLimit:
		return backends.Page{}, backends.Errorf(backends.ErrInvalid, "list: limit must be an integer from 1 to %d, got %d", backends.MaxListLimit, limit)
	}
	if st.keyText {
		for _, a := range []string{opts.Prefix, opts.After} {
			if !utf8.ValidString(a) || strings.IndexByte(a, 0) >= 0 {
				return backends.Page{}, backends.Errorf(backends.ErrInvalid, "list: prefix or cursor %q is not valid UTF-8 or contains NUL, which the TEXT key column cannot hold", a)
			}
		}
	}
	// The statement's arguments: the bounds, now (SQLite only), limit.
	stmt, args := st.ext.list, []any{st.keyArg(opts.Prefix), st.keyArg(opts.After)}
	switch hi, ok := successor(opts.Prefix); {
	case st.keyText:
		args = append(args, opts.Prefix)
	case ok:
		stmt, args = st.ext.listTo, append(args, st.keyArg(hi))
	}
	var rows *sqlx.Rows
	rows, err = stmt.QueryxContext(ctx, append(s.at(args...), limit+1)...)
	if err != nil {
		return backends.Page{}, s.fail(ctx, "list", err)
	}
	defer rows.Close()
	page := backends.Page{Items: make([]backends.Item, 0, min(limit, 64)), Cursor: opts.After}
	for rows.Next() {
		if len(page.Items) == limit {
			page.HasMore = true
			break
		}
		var (
			key, v []byte
			e      sql.NullInt64
			ver    int64
		)
		dest := append([]any{&key}, s.scanDest(&v, &e, &ver)...)
		if err := rows.Scan(dest...); err != nil {
			return backends.Page{}, s.fail(ctx, "list", err)
		}
		// An unreadable value must not hide the rest of the page.
		v, verr := s.fromStored(string(key), v)
		page.Items = append(page.Items, backends.Item{Key: string(key), Value: v, Version: s.version(ver), ExpiresAt: msTime(e), Err: verr})
	}
	if err := rows.Err(); err != nil {
		return backends.Page{}, s.fail(ctx, "list", err)
	}
	if n := len(page.Items); n > 0 {
		page.Cursor = page.Items[n-1].Key
	}
	return page, nil
}

// successor returns the smallest byte string greater than every string
// with the given prefix; ok is false when there is none (the prefix is
// empty or all 0xff bytes).
func successor(prefix string) (string, bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// Incr adds delta to the number under key in one transaction that locks
// the row; see backends.Extended. backends.AddNumber decides the
// arithmetic and which results are ErrInvalid (then nothing is written).
// Integer counters need exact int64 arithmetic, which SQL's numeric types
// do not offer on MessagePack bytes, so the sum is computed here, inside
// the transaction that holds the row's lock: atomic across hosts.
func (s *Store) Incr(ctx context.Context, key string, delta float64, opts backends.IncrOptions) (float64, error) {
	st, k, err := s.keyed(key)
	if err != nil {
		return 0, err
	}
	if err := backends.ValidateTTL(opts.TTL); err != nil {
		return 0, err
	}
	if math.IsNaN(delta) || math.IsInf(delta, 0) || math.IsNaN(opts.Init) || math.IsInf(opts.Init, 0) {
		return 0, backends.Errorf(backends.ErrInvalid, "incr %q: delta and init must be finite numbers", key)
	}
	var result float64
	_, err = s.modify(ctx, st, "incr", key, k, true, func(r row) (*write, error) {
		w := &write{exp: r.exp}
		cur := r.value
		var err error
		if !r.live {
			cur = backends.EncodeNumber(opts.Init)
			w.exp = expiryAt(r.now, opts.TTL)
		} else if cur, err = s.fromStored(key, cur); err != nil {
			return nil, err
		}
		var next []byte
		if result, next, err = backends.AddNumber(nil, cur, delta); err != nil {
			return nil, fmt.Errorf("incr %q: %w", key, err)
		}
		if w.value, err = s.toStored(st, next); err != nil {
			return nil, fmt.Errorf("incr %q: %w", key, err)
		}
		return w, nil
	})
	if err != nil {
		return 0, err
	}
	return result, nil
}

// TTL returns the time left on a live key; see backends.Extended.
func (s *Store) TTL(ctx context.Context, key string) (time.Duration, bool, error) {
	st, k, err := s.keyed(key)
	if err != nil {
		return 0, false, err
	}
	var (
		e   sql.NullInt64
		now int64
	)
	dest, args := []any{&e}, []any{k}
	if s.dbClock {
		dest = append(dest, &now) // the database's clock, read with the row
	} else {
		now = s.nowMS()
		args = append(args, now)
	}
	if err := s.queryRow(ctx, st.ext.ttl, dest, args...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, false, errNotFound
		}
		return 0, false, s.fail(ctx, "ttl", err)
	}
	if !e.Valid {
		return 0, false, nil
	}
	return time.Duration(e.Int64-now) * time.Millisecond, true, nil
}

// Expire sets a live key's expiry (ttl 0 removes it) and reports whether
// the key was live. It counts as a write: the version changes.
func (s *Store) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	st, k, err := s.keyed(key)
	if err != nil {
		return false, err
	}
	if err := backends.ValidateTTL(ttl); err != nil {
		return false, err
	}
	if st.ext.expire == nil {
		// MySQL reports rows changed, not rows matched, unless the DSN
		// says otherwise: an UPDATE that leaves the expiry as it was
		// would read as a missing key. Lock the row instead.
		found := false
		_, err := s.modify(ctx, st, "expire", key, k, false, func(r row) (*write, error) {
			found = r.live
			if !r.live {
				return nil, nil
			}
			return &write{exp: expiryAt(r.now, ttl), keepValue: true}, nil
		})
		return found, err
	}
	res, err := s.execWrite(ctx, true, st.ext.expire, s.at(s.expiry(ttl), k)...)
	return s.changed(ctx, "expire", res, err)
}

// Info describes the store. Size is an exact count of live rows, which
// scans the table.
func (s *Store) Info(ctx context.Context) (backends.Info, error) {
	st, err := s.running()
	if err != nil {
		return backends.Info{}, err
	}
	var n int64
	if err := st.ext.count.QueryRowContext(ctx, s.at()...).Scan(&n); err != nil {
		return backends.Info{}, s.fail(ctx, "info", err)
	}
	versioned := s.cfg.VersionColumn != ""
	return backends.Info{
		Kind:    Kind,
		Backend: string(s.db.Dialect()),
		Durable: true,
		Size:    n,
		Capabilities: backends.Capabilities{
			TTL: true, List: true, Versioned: versioned, ConditionalPut: versioned, Incr: true,
		},
	}, nil
}

// row is a key's row as a read-modify-write transaction found it.
type row struct {
	found, live bool
	value       []byte
	exp         any // nil or int64, as the expiry column is bound
	ver         int64
	// now is the time, in Unix milliseconds on the clock that decides
	// expiry, by which live was decided and new expiries count.
	now int64
}

// write is what a read-modify-write does to the row: write value and exp,
// or only exp when keepValue is set.
type write struct {
	value     any // as the value column is bound (see toStored)
	exp       any
	keepValue bool
}

// errRace means another writer created the row between our read and our
// insert; the transaction starts over.
var errRace = errors.New("row created concurrently")

// modify runs decide on key's row in a transaction that holds the row's
// lock (SQLite: the database's write lock), then performs the write it
// returns (nil: none) and commits. It returns the row's new version.
// Errors decide returns are passed through as they are.
//
// once marks a write that is not safe to repeat (incr, put
// only_if_absent): when its COMMIT fails in a way that may have left it
// applied, the error wraps backends.ErrOutcomeUnknown.
func (s *Store) modify(ctx context.Context, st *stmts, op, key string, k any, once bool, decide func(row) (*write, error)) (int64, error) {
	db := s.db.DB()
	if db == nil {
		return 0, backends.Errorf(backends.ErrUnavailable, "database %s is not running", s.cfg.Database)
	}
	var (
		ver     int64
		decided bool
	)
	// An error of decide's own is final.
	policy := func(a attempt) (time.Duration, bool) {
		if decided {
			return 0, false
		}
		return txRetry(a)
	}
	err := s.retry.do(ctx, policy, func() (err error) {
		ver, decided, err = s.modifyOnce(ctx, db, st, k, decide)
		return err
	})
	if err == nil || decided {
		return ver, err
	}
	var ce *commitError
	if once && errors.As(err, &ce) {
		return 0, s.outcomeUnknown(ctx, op, key, ce.err)
	}
	return 0, s.fail(ctx, op, err)
}

// modifyOnce is one attempt of modify; decided reports that err came from
// decide.
func (s *Store) modifyOnce(ctx context.Context, db *sqlx.DB, st *stmts, k any, decide func(row) (*write, error)) (ver int64, decided bool, err error) {
	var opts *sql.TxOptions
	if s.db.Dialect() == sqldb.MySQL {
		// Under REPEATABLE READ, InnoDB's locking read of a missing key
		// takes a gap lock, so concurrent first writers of one key
		// deadlock on their inserts. READ COMMITTED takes none: the
		// later insert fails as a duplicate and its transaction starts
		// over, finding the row.
		opts = &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	var tx *sqlx.Tx
	// On SQLite, BEGIN IMMEDIATE takes the write lock: wait for it as
	// single statements do.
	err = s.retry.do(ctx, statementRetry, func() (err error) {
		tx, err = db.BeginTxx(ctx, opts)
		return err
	})
	if err != nil {
		return 0, false, err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	r, err := s.lockRow(ctx, tx, st, k)
	if err != nil {
		return 0, false, err
	}
	w, err := decide(r)
	if err != nil {
		return 0, true, err
	}
	if w == nil {
		return r.ver, false, commit(tx)
	}
	switch {
	case w.keepValue:
		_, err = tx.StmtxContext(ctx, st.ext.touch).ExecContext(ctx, w.exp, k)
		ver = r.ver + 1
	case r.found:
		_, err = tx.StmtxContext(ctx, st.ext.update).ExecContext(ctx, w.value, w.exp, k)
		ver = r.ver + 1
	default:
		var res sql.Result
		res, err = tx.StmtxContext(ctx, st.ext.insert).ExecContext(ctx, k, w.value, w.exp)
		if err == nil {
			var n int64
			if n, err = res.RowsAffected(); err == nil && n == 0 {
				err = errRace
			}
		}
		if err == nil && s.cfg.VersionColumn != "" {
			// A new row's version is seeded by the database's clock.
			var n row
			n, err = s.lockRow(ctx, tx, st, k)
			ver = n.ver
		}
	}
	if err != nil {
		return 0, false, err
	}
	return ver, false, commit(tx)
}

// lockRow reads key's row with the lock statement in tx, locking it, and
// decides whether it is live: on PostgreSQL and MySQL by the database's
// clock, read in the same statement; on SQLite by the store's.
func (s *Store) lockRow(ctx context.Context, tx *sqlx.Tx, st *stmts, k any) (row, error) {
	var (
		r     row
		e     sql.NullInt64
		found sql.NullBool
	)
	dest := s.scanDest(&r.value, &e, &r.ver)
	if s.dbClock {
		dest = append([]any{&r.now, &found}, dest...)
	}
	err := tx.StmtxContext(ctx, st.ext.lock).QueryRowContext(ctx, k).Scan(dest...)
	switch {
	case errors.Is(err, sql.ErrNoRows) && !s.dbClock:
		r.now = s.nowMS()
		return r, nil
	case err != nil:
		return row{}, err
	case !s.dbClock:
		r.now, r.found = s.nowMS(), true
	default:
		r.found = found.Valid && found.Bool
	}
	if r.found {
		r.live = !e.Valid || e.Int64 > r.now
		if e.Valid {
			r.exp = e.Int64
		}
	}
	return r, nil
}

// commit commits tx; a failure is a *commitError.
func commit(tx *sqlx.Tx) error {
	if err := tx.Commit(); err != nil {
		return &commitError{err}
	}
	return nil
}

// duplicateKey reports a unique violation: a concurrent insert of the key.
func duplicateKey(err error) bool {
	var (
		pgErr *pgconn.PgError
		myErr *mysql.MySQLError
	)
	switch {
	case errors.As(err, &pgErr):
		return pgErr.Code == "23505"
	case errors.As(err, &myErr):
		return myErr.Number == 1062
	}
	return false
}
