package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/sqldb"
	"github.com/luahost/luahost/registry"
)

// checkTable makes sure the table has the store's columns, creating it
// when configured to. It returns the key column's data type, lower case.
// A table that does not fit is a schemaErrorf error holding the DDL that
// fixes it: CREATE for a missing table, ALTER TABLE ... ADD COLUMN for a
// missing expiry or version column (see addColumns).
func (s *Store) checkTable(ctx context.Context, db *sqlx.DB) (string, error) {
	d := s.db.Dialect()
	cols, err := s.columns(ctx, db)
	if err != nil {
		return "", fmt.Errorf("%s: %w", s.id, s.fail(ctx, "check table "+s.cfg.Table, err))
	}
	if len(cols) == 0 && s.cfg.CreateTable {
		var createErr error
		for _, stmt := range ddl(s.cfg, d) {
			if _, createErr = db.ExecContext(ctx, stmt); createErr != nil {
				break
			}
		}
		if cols, err = s.columns(ctx, db); err != nil {
			return "", fmt.Errorf("%s: %w", s.id, s.fail(ctx, "check table "+s.cfg.Table, err))
		}
		// Several hosts starting at once race to create the table (on
		// PostgreSQL even with IF NOT EXISTS); the loser finds it there.
		if createErr != nil && len(cols) == 0 {
			return "", fmt.Errorf("%s: %w", s.id, s.fail(ctx, "create table "+s.cfg.Table, createErr))
		}
	}
	if len(cols) == 0 {
		return "", schemaErrorf("%s: table %s does not exist in the %s database %s; create it with:\n\n%s\nor set create_table: true",
			s.id, s.cfg.Table, d, s.cfg.Database, Schema(s.cfg, d))
	}
	want := []string{s.cfg.IDColumn, s.cfg.PayloadColumn, s.cfg.ExpireColumn}
	if s.cfg.VersionColumn != "" {
		want = append(want, s.cfg.VersionColumn)
	}
	var missing []string
	keyType := ""
	for i, w := range want {
		typ, ok := lookupColumn(cols, w, d)
		if !ok {
			missing = append(missing, w)
		}
		if i == 0 {
			keyType = typ
		}
	}
	if len(missing) > 0 {
		have := make([]string, 0, len(cols))
		for c := range cols {
			have = append(have, c)
		}
		sort.Strings(have)
		if fix, ok := addColumns(s.cfg, d, missing); ok {
			return "", schemaErrorf("%s: table %s lacks column(s) %s (it has %s); if it has them under other names, name those in the entry's config, else add them, keeping the rows, with:\n\n%s",
				s.id, s.cfg.Table, strings.Join(missing, ", "), strings.Join(have, ", "), fix)
		}
		return "", schemaErrorf("%s: table %s lacks column(s) %s (it has %s); the key and value columns have no default to add to existing rows: name the table's own columns in id_column_name and payload_column_name, or use a new table:\n\n%s",
			s.id, s.cfg.Table, strings.Join(missing, ", "), strings.Join(have, ", "), Schema(s.cfg, d))
	}
	if s.cfg.ValueFormat == ValueJSON {
		// JSON text in a binary column would not be readable as JSON by
		// SQL, and PostgreSQL refuses text bound to BYTEA.
		typ, _ := lookupColumn(cols, s.cfg.PayloadColumn, d)
		low := strings.ToLower(typ)
		if strings.Contains(low, "bytea") || strings.Contains(low, "blob") || strings.Contains(low, "binary") {
			return "", schemaErrorf("%s: value column %s of table %s is %s, which does not hold JSON text; value_format: json needs the column of:\n\n%s",
				s.id, s.cfg.PayloadColumn, s.cfg.Table, typ, Schema(s.cfg, d))
		}
	}
	if err := s.checkKeyColumn(ctx, db); err != nil {
		return "", err
	}
	return keyType, nil
}

// schemaErrorf returns the error of a table that does not fit the entry's
// config. It wraps registry.ErrPermanent, since no retry of the start can
// fix it; a script's store.get sees it as UNAVAILABLE carrying this
// message, as store-api.md has it for any store that cannot start.
func schemaErrorf(format string, args ...any) error {
	return backends.Errorf(registry.ErrPermanent, format, args...)
}

// addColumns returns the statements that add the missing columns to an
// existing table of cfg on dialect d, keeping its rows: false when a key
// or value column is missing, which no default can fill. Existing rows
// get no expiry (NULL: they never expire) and version 0, the default a
// created table has: their version was "" before, so no version a script
// read can match it, and the next write makes it 1.
func addColumns(cfg Config, d sqldb.Dialect, missing []string) (string, bool) {
	cfg = cfg.withDefaults()
	q := d.Quote
	t := q(cfg.Table)
	var b strings.Builder
	for _, m := range missing {
		switch m {
		case cfg.ExpireColumn:
			e := q(cfg.ExpireColumn)
			fmt.Fprintf(&b, "ALTER TABLE %s ADD COLUMN %s BIGINT;\n", t, e)
			if d == sqldb.MySQL {
				fmt.Fprintf(&b, "CREATE INDEX %s ON %s (%s);\n", q(indexName(cfg)), t, e)
			} else {
				// The last statement of the DDL is the expiry index.
				stmts := ddl(cfg, d)
				b.WriteString(stmts[len(stmts)-1] + ";\n")
			}
		case cfg.VersionColumn:
			fmt.Fprintf(&b, "ALTER TABLE %s ADD COLUMN %s BIGINT NOT NULL DEFAULT 0;\n", t, q(cfg.VersionColumn))
		default:
			return "", false
		}
	}
	return b.String(), true
}

// checkKeyColumn makes sure the key column holds every key the store
// accepts and compares keys byte by byte, so that "user", "USER" and
// "user " are three keys. Otherwise it fails (see schemaErrorf) with the
// statements that fix the table:
//
//   - MySQL: VARBINARY or a BLOB type. Character columns fold case or
//     trailing spaces (PAD SPACE collations, _bin ones included) or
//     reject bytes that are not valid in their character set.
//   - PostgreSQL: BYTEA, or TEXT/VARCHAR under a deterministic collation
//     (keys that are not valid UTF-8 or hold NUL are then INVALID; list
//     orders them with COLLATE "C"). CHAR(n) pads and nondeterministic
//     collations fold.
//   - SQLite: TEXT or BLOB affinity (numeric affinities turn "0123"
//     into 123) under the BINARY collation (NOCASE and RTRIM fold).
func (s *Store) checkKeyColumn(ctx context.Context, db *sqlx.DB) error {
	problem, err := s.keyColumnProblem(ctx, db)
	if err != nil {
		return fmt.Errorf("%s: %w", s.id, s.fail(ctx, "check key column of "+s.cfg.Table, err))
	}
	if problem == "" {
		return nil
	}
	return schemaErrorf("%s: the key column %s of table %s %s, so some distinct keys would be folded into one row or refused; keys must compare byte by byte. Fix the table with:\n\n%s",
		s.id, s.cfg.IDColumn, s.cfg.Table, problem, keyColumnFix(s.cfg, s.db.Dialect()))
}

// keyColumnProblem describes what is wrong with the key column, "" when
// nothing is.
func (s *Store) keyColumnProblem(ctx context.Context, db *sqlx.DB) (string, error) {
	schema, name := splitTable(s.cfg.Table)
	switch s.db.Dialect() {
	case sqldb.MySQL:
		q := "SELECT data_type, column_type, COALESCE(collation_name, '') FROM information_schema.columns WHERE table_name = ? AND LOWER(column_name) = LOWER(?) AND table_schema = "
		args := []any{name, s.cfg.IDColumn}
		if schema == "" {
			q += "DATABASE()"
		} else {
			q, args = q+"?", append(args, schema)
		}
		var typ, colType, coll string
		if err := db.QueryRowContext(ctx, q, args...).Scan(&typ, &colType, &coll); err != nil {
			return "", err
		}
		switch strings.ToLower(typ) {
		case "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
			if strings.ToLower(typ) == "varbinary" && varLen(colType) < MaxKeyLen {
				return fmt.Sprintf("is %s, shorter than the %d-byte keys the store accepts", colType, MaxKeyLen), nil
			}
			return "", nil
		case "binary":
			return fmt.Sprintf("is %s, which pads keys with zero bytes", colType), nil
		}
		return fmt.Sprintf("is %s with collation %s, which folds case or trailing spaces, or refuses bytes its character set lacks", colType, coll), nil

	case sqldb.Postgres:
		table := s.db.Dialect().Quote(s.cfg.Table)
		var typ string
		var maxLen sql.NullInt64
		var coll sql.NullString
		var deterministic bool
		err := db.QueryRowContext(ctx, `SELECT format_type(a.atttypid, a.atttypmod), t.typname, CASE WHEN a.atttypmod > 4 AND t.typname IN ('varchar', 'bpchar') THEN a.atttypmod - 4 END,
			c.collname, COALESCE(c.collisdeterministic, true)
			FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_collation c ON c.oid = a.attcollation
			WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND NOT a.attisdropped`, table, s.cfg.IDColumn).Scan(&typ, new(string), &maxLen, &coll, &deterministic)
		if err != nil {
			return "", err
		}
		switch {
		case typ == "bytea":
			return "", nil
		case strings.HasPrefix(typ, "character(") || typ == "character":
			return fmt.Sprintf("is %s, which pads keys with spaces, so \"k\" and \"k \" are one key", typ), nil
		case typ != "text" && !strings.HasPrefix(typ, "character varying"):
			return fmt.Sprintf("is %s, not BYTEA or TEXT", typ), nil
		case !deterministic:
			return fmt.Sprintf("is %s with the nondeterministic collation %q, which compares different keys as equal", typ, coll.String), nil
		case maxLen.Valid && maxLen.Int64 < MaxKeyLen:
			return fmt.Sprintf("is %s, shorter than the %d-byte keys the store accepts", typ, MaxKeyLen), nil
		}
		return "", nil
	}
	// SQLite: the declared type decides the affinity; the collation of the
	// unique index on the key is the column's.
	if schema == "" {
		schema = "main"
	}
	var typ string
	if err := db.QueryRowContext(ctx, "SELECT type FROM pragma_table_info(?, ?) WHERE name = ? COLLATE NOCASE", name, schema, s.cfg.IDColumn).Scan(&typ); err != nil {
		return "", err
	}
	up := strings.ToUpper(typ)
	textual := strings.Contains(up, "CHAR") || strings.Contains(up, "CLOB") || strings.Contains(up, "TEXT")
	if !textual && !(up == "" || strings.Contains(up, "BLOB")) {
		return fmt.Sprintf("is declared %s, whose numeric affinity stores keys such as \"0123\" as numbers", typ), nil
	}
	rows, err := db.QueryContext(ctx, `SELECT x.coll FROM pragma_index_list(?, ?) AS l, pragma_index_xinfo(l.name, ?) AS x
		WHERE l."unique" AND x.key AND x.name = ? COLLATE NOCASE`, name, schema, schema, s.cfg.IDColumn)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var coll string
		if err := rows.Scan(&coll); err != nil {
			return "", err
		}
		if !strings.EqualFold(coll, "BINARY") {
			return fmt.Sprintf("has the collation %s, which folds keys (BINARY compares bytes)", coll), nil
		}
	}
	return "", rows.Err()
}

// varLen returns n of a "varbinary(n)" column type, or MaxKeyLen when
// there is none.
func varLen(colType string) int {
	i, j := strings.IndexByte(colType, '('), strings.IndexByte(colType, ')')
	if i < 0 || j < i {
		return MaxKeyLen
	}
	n, err := strconv.Atoi(colType[i+1 : j])
	if err != nil {
		return MaxKeyLen
	}
	return n
}

// keyColumnFix returns the statements that give cfg's table a byte-exact
// key column on dialect d, keeping its rows.
func keyColumnFix(cfg Config, d sqldb.Dialect) string {
	q := d.Quote
	t, k := q(cfg.Table), q(cfg.IDColumn)
	switch d {
	case sqldb.MySQL:
		return fmt.Sprintf("ALTER TABLE %s MODIFY %s VARBINARY(%d) NOT NULL;\n", t, k, MaxKeyLen)
	case sqldb.Postgres:
		return fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s TYPE BYTEA USING convert_to(%s::text, 'UTF8');\n", t, k, k)
	}
	// SQLite cannot change a column: build the table anew and copy.
	schema, name := splitTable(cfg.Table)
	old := name + "_old"
	oldQ := q(old)
	if schema != "" {
		oldQ = q(schema) + "." + q(old)
	}
	idx := q(indexName(cfg))
	if schema != "" {
		idx = q(schema) + "." + idx
	}
	cols := []string{k, q(cfg.PayloadColumn), q(cfg.ExpireColumn)}
	if cfg.VersionColumn != "" {
		cols = append(cols, q(cfg.VersionColumn))
	}
	list := strings.Join(cols, ", ")
	return fmt.Sprintf("ALTER TABLE %s RENAME TO %s;\nDROP INDEX IF EXISTS %s;\n%sINSERT INTO %s (%s) SELECT %s FROM %s;\nDROP TABLE %s;\n",
		t, q(old), idx, Schema(cfg, d), t, list, list, oldQ, oldQ)
}

// lookupColumn finds a column by name: exactly on PostgreSQL (quoted
// identifiers are case-sensitive there), ignoring case elsewhere.
func lookupColumn(cols map[string]string, name string, d sqldb.Dialect) (string, bool) {
	if typ, ok := cols[name]; ok {
		return typ, true
	}
	if d == sqldb.Postgres {
		return "", false
	}
	for c, typ := range cols {
		if strings.EqualFold(c, name) {
			return typ, true
		}
	}
	return "", false
}

// columns returns the table's column names and lower-case data types; an
// empty map when the table does not exist.
func (s *Store) columns(ctx context.Context, db *sqlx.DB) (map[string]string, error) {
	schema, name := splitTable(s.cfg.Table)
	var (
		query string
		args  []any
	)
	switch s.db.Dialect() {
	case sqldb.SQLite:
		if schema == "" {
			schema = "main"
		}
		query, args = "SELECT name, type FROM pragma_table_info(?, ?)", []any{name, schema}
	case sqldb.Postgres:
		query = "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 AND table_schema = "
		args = []any{name}
		if schema == "" {
			query += "current_schema()"
		} else {
			query, args = query+"$2", append(args, schema)
		}
	case sqldb.MySQL:
		query = "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? AND table_schema = "
		args = []any{name}
		if schema == "" {
			query += "DATABASE()"
		} else {
			query, args = query+"?", append(args, schema)
		}
	}
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string]string{}
	for rows.Next() {
		var c, typ string
		if err := rows.Scan(&c, &typ); err != nil {
			return nil, err
		}
		cols[c] = strings.ToLower(typ)
	}
	return cols, rows.Err()
}
