package sqlstore

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/luahost/luahost/backends/sqldb"
)

// checkTable makes sure the table has the store's columns, creating it
// when configured to. It returns the key column's data type, lower case.
func (s *Store) checkTable(ctx context.Context, db *sqlx.DB) (string, error) {
	d := s.db.Dialect()
	cols, err := s.columns(ctx, db)
	if err != nil {
		return "", s.fail(ctx, "check table "+s.cfg.Table, err)
	}
	if len(cols) == 0 && s.cfg.CreateTable {
		var createErr error
		for _, stmt := range ddl(s.cfg, d) {
			if _, createErr = db.ExecContext(ctx, stmt); createErr != nil {
				break
			}
		}
		if cols, err = s.columns(ctx, db); err != nil {
			return "", s.fail(ctx, "check table "+s.cfg.Table, err)
		}
		// Several hosts starting at once race to create the table (on
		// PostgreSQL even with IF NOT EXISTS); the loser finds it there.
		if createErr != nil && len(cols) == 0 {
			return "", s.fail(ctx, "create table "+s.cfg.Table, createErr)
		}
	}
	if len(cols) == 0 {
		return "", fmt.Errorf("%s: table %s does not exist in the %s database %s; create it with:\n\n%s\nor set create_table: true",
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
		return "", fmt.Errorf("%s: table %s lacks column(s) %s (it has %s); the expected table is:\n\n%s",
			s.id, s.cfg.Table, strings.Join(missing, ", "), strings.Join(have, ", "), Schema(s.cfg, d))
	}
	return keyType, nil
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
