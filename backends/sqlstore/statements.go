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
//   - {seed} is the dialect's version of a new row (see seed below),
//     {now} the database's clock in Unix milliseconds (see now below) and
//     {batch} is cleanupBatch;
//   - [x] is x when the store has a version column, else nothing, and
//     [x|y] is x with a version column, y without;
//   - runs of white space become one space.
//
// An empty template (or one that is all [x]) is a statement the dialect
// or the store does without. Parameters are listed as (arguments, in
// order); "live" is the condition ({e} IS NULL OR {e} > now) that every
// read and conditional write puts on a row.
//
// Which clock is "now" depends on the dialect. On PostgreSQL and MySQL
// it is the database's ({now}), so hosts whose clocks disagree still
// agree on which keys are live: those statements take no "now" argument,
// and an "expiry" argument is the TTL in milliseconds (NULL: none), which
// the statement adds to {now}. SQLite is one host's file: there "now" is
// the store's clock, passed as the last argument (before limit in list
// and listTo), and "expiry" is a Unix time in milliseconds. The arguments
// below are SQLite's; the other dialects drop now.
type statements struct {
	// Core methods. get, exists, delete: (key, now). set: (key, value,
	// expiry), the upsert that also bumps the version. clear: (). cleanup:
	// (now), deleting at most {batch} expired rows.
	get, exists, set, delete, clear, cleanup string

	// Reads of the extended methods, on the read pool. entry: (key,
	// now). ttl: (key, now), reading the expiry and, on PostgreSQL and
	// MySQL, {now}. count: (now). list: (lower bound, after, now, limit);
	// listTo adds an upper bound: (lower bound, after, upper bound, now,
	// limit). listText replaces both on a PostgreSQL TEXT key column,
	// comparing bytes with COLLATE "C": (lower bound, after, prefix,
	// limit).
	entry, ttl, count, list, listTo, listText string

	// Single-statement conditional writes; empty where the dialect runs
	// a transaction instead. putIfAbsent: (key, value, expiry, now),
	// returning the version and expiry, no row when a live key exists.
	// putReturning: set's upsert returning the version and expiry.
	// putIfVersion: (value, expiry, key, version, now), only with a
	// version column. expire: (expiry, key, now).
	putIfAbsent, putReturning, putIfVersion, expire string

	// Steps of read-modify-write transactions. lock: (key), locking the
	// row and reading it, live or not. On SQLite it reads (value, expiry[,
	// version]), no row for a missing key; on PostgreSQL and MySQL always
	// one row, (now, found, value, expiry[, version]) with found NULL or
	// false for a missing key, so the transaction decides by the
	// database's clock. update: (value, expiry, key). touch: (expiry,
	// key). insert: (key, value, expiry), affecting no row (PostgreSQL,
	// SQLite) or failing (MySQL) when the key exists. Their expiry is a
	// Unix time in milliseconds on every dialect, computed from the now
	// that lock read.
	lock, update, touch, insert string

	// seed is the SQL expression for the version of a new row, so a key
	// deleted and written again never gets back a version it had before
	// and a stale if_version cannot match it (updates add 1).
	seed string

	// now is the SQL expression for the database's clock in Unix
	// milliseconds, the same throughout one statement (the time it
	// started); "" on SQLite, whose statements take the store's clock as
	// an argument.
	now string
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
		WHERE {e} IS NOT NULL AND {e} <= ? RETURNING [{ver}|1], {e}`,
	putReturning: `INSERT INTO {t} ({k}, {v}, {e}[, {ver}]) VALUES (?, ?, ?[, {seed}])
		ON CONFLICT ({k}) DO UPDATE SET {v} = excluded.{v}, {e} = excluded.{e}[, {ver} = COALESCE({ver}, 0) + 1]
		RETURNING [{ver}|1], {e}`,
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

// live is the condition every read and conditional write puts on a row
// on PostgreSQL and MySQL, by the database's clock.
const live = `({e} IS NULL OR {e} > {now})`

var postgresStatements = statements{
	get:     `SELECT {v} FROM {t} WHERE {k} = $1 AND ` + live,
	exists:  `SELECT 1 FROM {t} WHERE {k} = $1 AND ` + live,
	delete:  `DELETE FROM {t} WHERE {k} = $1 AND ` + live,
	clear:   `DELETE FROM {t}`,
	cleanup: `DELETE FROM {t} WHERE {k} IN (SELECT {k} FROM {t} WHERE {e} <= {now} LIMIT {batch})`,
	// The alias cur names the old row.
	set: `INSERT INTO {t} AS cur ({k}, {v}, {e}[, {ver}]) VALUES ($1, $2, {now} + $3[, {seed}])
		ON CONFLICT ({k}) DO UPDATE SET {v} = EXCLUDED.{v}, {e} = EXCLUDED.{e}[, {ver} = COALESCE(cur.{ver}, 0) + 1]`,

	entry: `SELECT {v}, {e}[, COALESCE({ver}, 0)] FROM {t} WHERE {k} = $1 AND ` + live,
	ttl:   `SELECT {e}, {now} FROM {t} WHERE {k} = $1 AND ` + live,
	count: `SELECT count(*) FROM {t} WHERE ` + live,
	list: `SELECT {k}, {v}, {e}[, COALESCE({ver}, 0)] FROM {t}
		WHERE {k} >= $1 AND {k} > $2 AND ` + live + ` ORDER BY {k} LIMIT $3`,
	listTo: `SELECT {k}, {v}, {e}[, COALESCE({ver}, 0)] FROM {t}
		WHERE {k} >= $1 AND {k} > $2 AND {k} < $3 AND ` + live + ` ORDER BY {k} LIMIT $4`,
	listText: `SELECT {k}, {v}, {e}[, COALESCE({ver}, 0)] FROM {t}
		WHERE {k} COLLATE "C" >= $1 AND {k} COLLATE "C" > $2 AND starts_with({k}, $3) AND ` + live + `
		ORDER BY {k} COLLATE "C" LIMIT $4`,

	putIfAbsent: `INSERT INTO {t} AS cur ({k}, {v}, {e}[, {ver}]) VALUES ($1, $2, {now} + $3[, {seed}])
		ON CONFLICT ({k}) DO UPDATE SET {v} = EXCLUDED.{v}, {e} = EXCLUDED.{e}[, {ver} = COALESCE(cur.{ver}, 0) + 1]
		WHERE cur.{e} IS NOT NULL AND cur.{e} <= {now} RETURNING [{ver}|1], {e}`,
	putReturning: `INSERT INTO {t} AS cur ({k}, {v}, {e}[, {ver}]) VALUES ($1, $2, {now} + $3[, {seed}])
		ON CONFLICT ({k}) DO UPDATE SET {v} = EXCLUDED.{v}, {e} = EXCLUDED.{e}[, {ver} = COALESCE(cur.{ver}, 0) + 1]
		RETURNING [{ver}|1], {e}`,
	putIfVersion: `[UPDATE {t} SET {v} = $1, {e} = {now} + $2, {ver} = COALESCE({ver}, 0) + 1
		WHERE {k} = $3 AND {ver} = $4 AND ` + live + `]`,
	expire: `UPDATE {t} SET {e} = {now} + $1[, {ver} = COALESCE({ver}, 0) + 1] WHERE {k} = $2 AND ` + live,

	// One row whether or not the key exists, so the transaction learns
	// the database's clock either way: FOR UPDATE may not lock the
	// nullable side of an outer join, but may lock inside a subquery.
	lock: `SELECT {now}, x.luahost_found, x.{v}, x.{e}[, COALESCE(x.{ver}, 0)]
		FROM (SELECT 1) AS luahost_one LEFT JOIN
		(SELECT true AS luahost_found, {v}, {e}[, {ver}] FROM {t} WHERE {k} = $1 FOR UPDATE) AS x ON true`,
	update: `UPDATE {t} SET {v} = $1, {e} = $2[, {ver} = COALESCE({ver}, 0) + 1] WHERE {k} = $3`,
	touch:  `UPDATE {t} SET {e} = $1[, {ver} = COALESCE({ver}, 0) + 1] WHERE {k} = $2`,
	insert: `INSERT INTO {t} ({k}, {v}, {e}[, {ver}]) VALUES ($1, $2, $3[, {seed}]) ON CONFLICT ({k}) DO NOTHING`,

	// The time in microseconds: a row is never updated more than once a
	// microsecond.
	seed: `CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)`,
	// statement_timestamp() is stable within the statement, so the
	// expiry index still serves cleanup.
	now: `CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT)`,
}

// MySQL has no RETURNING, and reports rows changed rather than rows
// matched: put only_if_absent, a versioned plain put and expire run a
// read-modify-write transaction instead of a single statement.
var mysqlStatements = statements{
	get:     "SELECT {v} FROM {t} WHERE {k} = ? AND " + live,
	exists:  "SELECT 1 FROM {t} WHERE {k} = ? AND " + live,
	delete:  "DELETE FROM {t} WHERE {k} = ? AND " + live,
	clear:   "DELETE FROM {t}",
	cleanup: "DELETE FROM {t} WHERE {e} <= {now} LIMIT {batch}",
	set: `INSERT INTO {t} ({k}, {v}, {e}[, {ver}]) VALUES (?, ?, {now} + ?[, {seed}])
		ON DUPLICATE KEY UPDATE {v} = VALUES({v}), {e} = VALUES({e})[, {ver} = COALESCE({ver}, 0) + 1]`,

	entry: "SELECT {v}, {e}[, COALESCE({ver}, 0)] FROM {t} WHERE {k} = ? AND " + live,
	ttl:   "SELECT {e}, {now} FROM {t} WHERE {k} = ? AND " + live,
	count: "SELECT count(*) FROM {t} WHERE " + live,
	list: `SELECT {k}, {v}, {e}[, COALESCE({ver}, 0)] FROM {t}
		WHERE {k} >= ? AND {k} > ? AND ` + live + ` ORDER BY {k} LIMIT ?`,
	listTo: `SELECT {k}, {v}, {e}[, COALESCE({ver}, 0)] FROM {t}
		WHERE {k} >= ? AND {k} > ? AND {k} < ? AND ` + live + ` ORDER BY {k} LIMIT ?`,

	putIfVersion: `[UPDATE {t} SET {v} = ?, {e} = {now} + ?, {ver} = COALESCE({ver}, 0) + 1
		WHERE {k} = ? AND {ver} = ? AND ` + live + `]`,

	// One row whether or not the key exists, so the transaction learns
	// the database's clock either way.
	lock: `SELECT {now}, {t}.{k} IS NOT NULL, {t}.{v}, {t}.{e}[, COALESCE({t}.{ver}, 0)]
		FROM (SELECT 1) AS luahost_one LEFT JOIN {t} ON {t}.{k} = ? FOR UPDATE`,
	update: "UPDATE {t} SET {v} = ?, {e} = ?[, {ver} = COALESCE({ver}, 0) + 1] WHERE {k} = ?",
	touch:  "UPDATE {t} SET {e} = ?[, {ver} = COALESCE({ver}, 0) + 1] WHERE {k} = ?",
	insert: "INSERT INTO {t} ({k}, {v}, {e}[, {ver}]) VALUES (?, ?, ?[, {seed}])",

	// The time in microseconds, as on PostgreSQL.
	seed: "CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED)",
	// UTC_TIMESTAMP, unlike UNIX_TIMESTAMP(NOW()), does not depend on
	// the session's time zone (and so is not ambiguous in the hour a
	// daylight-saving change repeats). Like NOW() it is the time the
	// statement started.
	now: "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000)",
}

// dialectStatements is the statement table of each dialect.
var dialectStatements = map[sqldb.Dialect]*statements{
	sqldb.SQLite:   &sqliteStatements,
	sqldb.Postgres: &postgresStatements,
	sqldb.MySQL:    &mysqlStatements,
}

// fields returns a pointer to every statement template (not seed or now).
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
	if q.now != "" {
		pairs = append(pairs, "{now}", q.now)
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
