package sqlstore

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/luahost/luahost/backends/sqldb"
)

// statements holds the SQL of one dialect: one template per statement the
// store prepares at Start (statementsFor fills them in). In a template
//
//   - {t}, {k}, {v}, {e}, {ver} are the table and the key, value, expiry
//     and version columns, quoted for the dialect;
//   - {seed} is the dialect's version of a new row (see seed below) and
//     {batch} is cleanupBatch;
//   - [x] is x when the store has a version column, else nothing, and
//     [x|y] is x with a version column, y without;
//   - runs of white space become one space.
//
// An empty template (or one that is all [x]) is a statement the dialect
// or the store does without. Parameters are listed as (arguments, in
// order); "live" is the condition ({e} IS NULL OR {e} > now) that every
// read and conditional write puts on a row.
type statements struct {
	// Core methods. get, exists, delete: (key, now). set: (key, value,
	// expiry), the upsert that also bumps the version. clear: (). cleanup:
	// (now), deleting at most {batch} expired rows.
	get, exists, set, delete, clear, cleanup string

	// Reads of the extended methods, on the read pool. entry, ttl: (key,
	// now). count: (now). list: (lower bound, after, now, limit); listTo
	// adds an upper bound: (lower bound, after, upper bound, now, limit).
	// listText replaces both on a PostgreSQL TEXT key column, comparing
	// bytes with COLLATE "C": (lower bound, after, prefix, now, limit).
	entry, ttl, count, list, listTo, listText string

	// Single-statement conditional writes; empty where the dialect runs
	// a transaction instead. putIfAbsent: (key, value, expiry, now),
	// returning the version, no row when a live key exists. putReturning:
	// set's upsert returning the version. putIfVersion: (value, expiry,
	// key, version, now), only with a version column. expire: (expiry,
	// key, now).
	putIfAbsent, putReturning, putIfVersion, expire string

	// Steps of read-modify-write transactions. lock: (key), reading
	// (value, expiry[, version]) of the row, live or not, and locking it.
	// update: (value, expiry, key). touch: (expiry, key). insert: (key,
	// value, expiry), affecting no row (PostgreSQL, SQLite) or failing
	// (MySQL) when the key exists.
	lock, update, touch, insert string

	// seed is the SQL expression for the version of a new row, so a key
	// deleted and written again never gets back a version it had before
	// and a stale if_version cannot match it (updates add 1).
	seed string
}

var sqliteStatements = statements{
	get:     `SELECT {v} FROM {t} WHERE {k} = ? AND ({e} IS NULL OR {e} > ?)`,
	exists:  `SELECT 1 FROM {t} WHERE {k} = ? AND ({e} IS NULL OR {e} > ?)`,
	delete:  `DELETE FROM {t} WHERE {k} = ? AND ({e} IS NULL OR {e} > ?)`,
	clear:   `DELETE FROM {t}`,
	cleanup: `DELETE FROM {t} WHERE {k} IN (SELECT {k} FROM {t} WHERE {e} <= ? LIMIT {batch})`,
	set: `INSERT INTO {t} ({k}, {v}, {e}[, {ver}]) VALUES (?, ?, ?[, {seed}])
		ON CONFLICT ({k}) DO UPDATE SET {v} = excluded.{v}, {e} = excluded.{e}[, {ver} = COALESCE({ver}, 0) + 1]`,

	entry: `SELECT {v}, {e}[, COALESCE({ver}, 0)] FROM {t} WHERE {k} = ? AND ({e} IS NULL OR {e} > ?)`,
	ttl:   `SELECT {e} FROM {t} WHERE {k} = ? AND ({e} IS NULL OR {e} > ?)`,
	count: `SELECT count(*) FROM {t} WHERE ({e} IS NULL OR {e} > ?)`,
	list: `SELECT {k}, {v}, {e}[, COALESCE({ver}, 0)] FROM {t}
		WHERE {k} >= ? AND {k} > ? AND ({e} IS NULL OR {e} > ?) ORDER BY {k} LIMIT ?`,
	listTo: `SELECT {k}, {v}, {e}[, COALESCE({ver}, 0)] FROM {t}
		WHERE {k} >= ? AND {k} > ? AND {k} < ? AND ({e} IS NULL OR {e} > ?) ORDER BY {k} LIMIT ?`,

	putIfAbsent: `INSERT INTO {t} ({k}, {v}, {e}[, {ver}]) VALUES (?, ?, ?[, {seed}])
		ON CONFLICT ({k}) DO UPDATE SET {v} = excluded.{v}, {e} = excluded.{e}[, {ver} = COALESCE({ver}, 0) + 1]
		WHERE {e} IS NOT NULL AND {e} <= ? RETURNING [{ver}|1]`,
	putReturning: `INSERT INTO {t} ({k}, {v}, {e}[, {ver}]) VALUES (?, ?, ?[, {seed}])
		ON CONFLICT ({k}) DO UPDATE SET {v} = excluded.{v}, {e} = excluded.{e}[, {ver} = COALESCE({ver}, 0) + 1]
		RETURNING [{ver}|1]`,
	putIfVersion: `[UPDATE {t} SET {v} = ?, {e} = ?, {ver} = COALESCE({ver}, 0) + 1
		WHERE {k} = ? AND {ver} = ? AND ({e} IS NULL OR {e} > ?)]`,
	expire: `UPDATE {t} SET {e} = ?[, {ver} = COALESCE({ver}, 0) + 1] WHERE {k} = ? AND ({e} IS NULL OR {e} > ?)`,

	// No FOR UPDATE: the transaction holds SQLite's write lock from
	// BEGIN IMMEDIATE.
	lock:   `SELECT {v}, {e}[, COALESCE({ver}, 0)] FROM {t} WHERE {k} = ?`,
	update: `UPDATE {t} SET {v} = ?, {e} = ?[, {ver} = COALESCE({ver}, 0) + 1] WHERE {k} = ?`,
	touch:  `UPDATE {t} SET {e} = ?[, {ver} = COALESCE({ver}, 0) + 1] WHERE {k} = ?`,
	insert: `INSERT INTO {t} ({k}, {v}, {e}[, {ver}]) VALUES (?, ?, ?[, {seed}]) ON CONFLICT ({k}) DO NOTHING`,

	// SQLite's clock has only milliseconds: a random 62-bit number.
	seed: `(random() & 4611686018427387903)`,
}

var postgresStatements = statements{
	get:     `SELECT {v} FROM {t} WHERE {k} = $1 AND ({e} IS NULL OR {e} > $2)`,
	exists:  `SELECT 1 FROM {t} WHERE {k} = $1 AND ({e} IS NULL OR {e} > $2)`,
	delete:  `DELETE FROM {t} WHERE {k} = $1 AND ({e} IS NULL OR {e} > $2)`,
	clear:   `DELETE FROM {t}`,
	cleanup: `DELETE FROM {t} WHERE {k} IN (SELECT {k} FROM {t} WHERE {e} <= $1 LIMIT {batch})`,
	// The alias cur names the old row.
	set: `INSERT INTO {t} AS cur ({k}, {v}, {e}[, {ver}]) VALUES ($1, $2, $3[, {seed}])
		ON CONFLICT ({k}) DO UPDATE SET {v} = EXCLUDED.{v}, {e} = EXCLUDED.{e}[, {ver} = COALESCE(cur.{ver}, 0) + 1]`,

	entry: `SELECT {v}, {e}[, COALESCE({ver}, 0)] FROM {t} WHERE {k} = $1 AND ({e} IS NULL OR {e} > $2)`,
	ttl:   `SELECT {e} FROM {t} WHERE {k} = $1 AND ({e} IS NULL OR {e} > $2)`,
	count: `SELECT count(*) FROM {t} WHERE ({e} IS NULL OR {e} > $1)`,
	list: `SELECT {k}, {v}, {e}[, COALESCE({ver}, 0)] FROM {t}
		WHERE {k} >= $1 AND {k} > $2 AND ({e} IS NULL OR {e} > $3) ORDER BY {k} LIMIT $4`,
	listTo: `SELECT {k}, {v}, {e}[, COALESCE({ver}, 0)] FROM {t}
		WHERE {k} >= $1 AND {k} > $2 AND {k} < $3 AND ({e} IS NULL OR {e} > $4) ORDER BY {k} LIMIT $5`,
	listText: `SELECT {k}, {v}, {e}[, COALESCE({ver}, 0)] FROM {t}
		WHERE {k} COLLATE "C" >= $1 AND {k} COLLATE "C" > $2 AND starts_with({k}, $3) AND ({e} IS NULL OR {e} > $4)
		ORDER BY {k} COLLATE "C" LIMIT $5`,

	putIfAbsent: `INSERT INTO {t} AS cur ({k}, {v}, {e}[, {ver}]) VALUES ($1, $2, $3[, {seed}])
		ON CONFLICT ({k}) DO UPDATE SET {v} = EXCLUDED.{v}, {e} = EXCLUDED.{e}[, {ver} = COALESCE(cur.{ver}, 0) + 1]
		WHERE cur.{e} IS NOT NULL AND cur.{e} <= $4 RETURNING [{ver}|1]`,
	putReturning: `INSERT INTO {t} AS cur ({k}, {v}, {e}[, {ver}]) VALUES ($1, $2, $3[, {seed}])
		ON CONFLICT ({k}) DO UPDATE SET {v} = EXCLUDED.{v}, {e} = EXCLUDED.{e}[, {ver} = COALESCE(cur.{ver}, 0) + 1]
		RETURNING [{ver}|1]`,
	putIfVersion: `[UPDATE {t} SET {v} = $1, {e} = $2, {ver} = COALESCE({ver}, 0) + 1
		WHERE {k} = $3 AND {ver} = $4 AND ({e} IS NULL OR {e} > $5)]`,
	expire: `UPDATE {t} SET {e} = $1[, {ver} = COALESCE({ver}, 0) + 1] WHERE {k} = $2 AND ({e} IS NULL OR {e} > $3)`,

	lock:   `SELECT {v}, {e}[, COALESCE({ver}, 0)] FROM {t} WHERE {k} = $1 FOR UPDATE`,
	update: `UPDATE {t} SET {v} = $1, {e} = $2[, {ver} = COALESCE({ver}, 0) + 1] WHERE {k} = $3`,
	touch:  `UPDATE {t} SET {e} = $1[, {ver} = COALESCE({ver}, 0) + 1] WHERE {k} = $2`,
	insert: `INSERT INTO {t} ({k}, {v}, {e}[, {ver}]) VALUES ($1, $2, $3[, {seed}]) ON CONFLICT ({k}) DO NOTHING`,

	// The time in microseconds: a row is never updated more than once a
	// microsecond.
	seed: `CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)`,
}

// MySQL has no RETURNING, and reports rows changed rather than rows
// matched: put only_if_absent, a versioned plain put and expire run a
// read-modify-write transaction instead of a single statement.
var mysqlStatements = statements{
	get:     "SELECT {v} FROM {t} WHERE {k} = ? AND ({e} IS NULL OR {e} > ?)",
	exists:  "SELECT 1 FROM {t} WHERE {k} = ? AND ({e} IS NULL OR {e} > ?)",
	delete:  "DELETE FROM {t} WHERE {k} = ? AND ({e} IS NULL OR {e} > ?)",
	clear:   "DELETE FROM {t}",
	cleanup: "DELETE FROM {t} WHERE {e} <= ? LIMIT {batch}",
	set: `INSERT INTO {t} ({k}, {v}, {e}[, {ver}]) VALUES (?, ?, ?[, {seed}])
		ON DUPLICATE KEY UPDATE {v} = VALUES({v}), {e} = VALUES({e})[, {ver} = COALESCE({ver}, 0) + 1]`,

	entry: "SELECT {v}, {e}[, COALESCE({ver}, 0)] FROM {t} WHERE {k} = ? AND ({e} IS NULL OR {e} > ?)",
	ttl:   "SELECT {e} FROM {t} WHERE {k} = ? AND ({e} IS NULL OR {e} > ?)",
	count: "SELECT count(*) FROM {t} WHERE ({e} IS NULL OR {e} > ?)",
	list: `SELECT {k}, {v}, {e}[, COALESCE({ver}, 0)] FROM {t}
		WHERE {k} >= ? AND {k} > ? AND ({e} IS NULL OR {e} > ?) ORDER BY {k} LIMIT ?`,
	listTo: `SELECT {k}, {v}, {e}[, COALESCE({ver}, 0)] FROM {t}
		WHERE {k} >= ? AND {k} > ? AND {k} < ? AND ({e} IS NULL OR {e} > ?) ORDER BY {k} LIMIT ?`,

	putIfVersion: `[UPDATE {t} SET {v} = ?, {e} = ?, {ver} = COALESCE({ver}, 0) + 1
		WHERE {k} = ? AND {ver} = ? AND ({e} IS NULL OR {e} > ?)]`,

	lock:   "SELECT {v}, {e}[, COALESCE({ver}, 0)] FROM {t} WHERE {k} = ? FOR UPDATE",
	update: "UPDATE {t} SET {v} = ?, {e} = ?[, {ver} = COALESCE({ver}, 0) + 1] WHERE {k} = ?",
	touch:  "UPDATE {t} SET {e} = ?[, {ver} = COALESCE({ver}, 0) + 1] WHERE {k} = ?",
	insert: "INSERT INTO {t} ({k}, {v}, {e}[, {ver}]) VALUES (?, ?, ?[, {seed}])",

	// The time in microseconds, as on PostgreSQL.
	seed: "CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED)",
}

// dialectStatements is the statement table of each dialect.
var dialectStatements = map[sqldb.Dialect]*statements{
	sqldb.SQLite:   &sqliteStatements,
	sqldb.Postgres: &postgresStatements,
	sqldb.MySQL:    &mysqlStatements,
}

// fields returns a pointer to every statement template (not seed).
func (q *statements) fields() []*string {
	return []*string{&q.get, &q.exists, &q.set, &q.delete, &q.clear, &q.cleanup,
		&q.entry, &q.ttl, &q.count, &q.list, &q.listTo, &q.listText,
		&q.putIfAbsent, &q.putReturning, &q.putIfVersion, &q.expire,
		&q.lock, &q.update, &q.touch, &q.insert}
}

// statementsFor returns the statements of a store with cfg on dialect d: the dialect's
// templates filled with cfg's names. keyText marks a PostgreSQL TEXT key
// column: list becomes listText, and listTo is left empty.
func statementsFor(cfg Config, d sqldb.Dialect, keyText bool) statements {
	q := *dialectStatements[d]
	versioned := cfg.VersionColumn != ""
	pairs := []string{
		"{t}", d.Quote(cfg.Table), "{k}", d.Quote(cfg.IDColumn),
		"{v}", d.Quote(cfg.PayloadColumn), "{e}", d.Quote(cfg.ExpireColumn),
		"{seed}", q.seed, "{batch}", strconv.Itoa(cleanupBatch),
	}
	if versioned {
		pairs = append(pairs, "{ver}", d.Quote(cfg.VersionColumn))
	}
	names := strings.NewReplacer(pairs...)
	for _, f := range q.fields() {
		*f = fill(*f, versioned, names)
	}
	if keyText {
		q.list, q.listTo = q.listText, ""
	}
	q.listText = ""
	return q
}

// fill expands one template (see statements). A template it cannot
// expand is a mistake in the tables above: it panics.
func fill(tmpl string, versioned bool, names *strings.Replacer) string {
	var b strings.Builder
	rest := tmpl
	for {
		i := strings.IndexByte(rest, '[')
		if i < 0 {
			b.WriteString(rest)
			break
		}
		j := strings.IndexByte(rest[i:], ']')
		if j < 0 || strings.IndexByte(rest[i+1:i+j], '[') >= 0 {
			panic(fmt.Sprintf("sqlstore: unbalanced [ in statement template %q", tmpl))
		}
		b.WriteString(rest[:i])
		with, without, _ := strings.Cut(rest[i+1:i+j], "|")
		if versioned {
			b.WriteString(with)
		} else {
			b.WriteString(without)
		}
		rest = rest[i+j+1:]
	}
	out := strings.Join(strings.Fields(names.Replace(b.String())), " ")
	if strings.ContainsAny(out, "{}[]") {
		panic(fmt.Sprintf("sqlstore: statement template %q leaves %q", tmpl, out))
	}
	return out
}
