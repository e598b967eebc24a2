package sqlstore

import (
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/luahost/luahost/backends/sqldb"
	"github.com/luahost/luahost/registry"
)

// Problems returns what is wrong with c's identifiers, value format and
// durations, one problem per field, after the defaults of the fields c
// leaves zero (registry.Validator).
func (c Config) Problems() []registry.FieldError {
	c = c.withDefaults()
	var out []registry.FieldError
	add := func(field, format string, args ...any) {
		out = append(out, registry.FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if c.ValueFormat != ValueMsgpack && c.ValueFormat != ValueJSON {
		add("value_format", "%q: want %s or %s", c.ValueFormat, ValueMsgpack, ValueJSON)
	}
	if c.Table == "" {
		add("table_name", "is required")
	} else {
		parts := strings.Split(c.Table, ".")
		if len(parts) > 2 {
			add("table_name", "%q: at most one schema prefix (schema.table) is allowed", c.Table)
		} else {
			for _, p := range parts {
				if err := sqldb.CheckIdent(p); err != nil {
					add("table_name", "%q: %v", c.Table, err)
					break
				}
			}
		}
	}
	cols := []struct{ field, value string }{
		{"id_column_name", c.IDColumn},
		{"payload_column_name", c.PayloadColumn},
		{"expire_column_name", c.ExpireColumn},
		{"version_column_name", c.VersionColumn},
	}
	seen := map[string]string{}
	for _, col := range cols {
		if col.value == "" && col.field == "version_column_name" {
			continue
		}
		if err := sqldb.CheckIdent(col.value); err != nil {
			add(col.field, "%q: %v", col.value, err)
			continue
		}
		low := strings.ToLower(col.value)
		if other, dup := seen[low]; dup {
			add(col.field, "%q is also used by %s", col.value, other)
		}
		seen[low] = col.field
	}
	if c.CleanupInterval < 0 {
		add("cleanup_interval", "must not be negative")
	}
	return out
}

// Schema returns the DDL that creates the table cfg expects on dialect d:
// one statement per line group, each ending with ";". It is what
// create_table runs, and what the error for a missing table shows.
func Schema(cfg Config, d sqldb.Dialect) string {
	return strings.Join(ddl(cfg.withDefaults(), d), ";\n") + ";\n"
}

// ddl returns the statements creating the table and its expiry index.
//
// Keys are binary-safe and compared byte by byte on every dialect:
// PostgreSQL BYTEA (TEXT rejects NUL and invalid UTF-8), MySQL VARBINARY
// (no charset, no collation, no trailing-space folding), SQLite
// VARCHAR(255) holding the key bytes as TEXT under the BINARY collation
// (memcmp). SQLite does not enforce the 255 limit; the store does.
func ddl(c Config, d sqldb.Dialect) []string {
	q := d.Quote
	table, k, v, e := q(c.Table), q(c.IDColumn), q(c.PayloadColumn), q(c.ExpireColumn)
	idx := q(indexName(c))
	var cols []string
	switch d {
	case sqldb.Postgres:
		cols = []string{
			fmt.Sprintf("%s BYTEA PRIMARY KEY CHECK (octet_length(%s) <= %d)", k, k, MaxKeyLen),
			v + " " + valueType(c, "BYTEA", "JSONB") + " NOT NULL",
			e + " BIGINT",
		}
	case sqldb.MySQL:
		cols = []string{
			fmt.Sprintf("%s VARBINARY(%d) NOT NULL PRIMARY KEY", k, MaxKeyLen),
			v + " " + valueType(c, "LONGBLOB", "JSON") + " NOT NULL",
			e + " BIGINT NULL",
		}
	default:
		cols = []string{
			fmt.Sprintf("%s VARCHAR(%d) NOT NULL PRIMARY KEY", k, MaxKeyLen),
			v + " " + valueType(c, "BLOB", "TEXT") + " NOT NULL",
			e + " BIGINT",
		}
	}
	if c.VersionColumn != "" {
		cols = append(cols, q(c.VersionColumn)+" BIGINT NOT NULL DEFAULT 0")
	}
	switch d {
	case sqldb.MySQL:
		// MySQL has no CREATE INDEX IF NOT EXISTS and no partial indexes.
		cols = append(cols, fmt.Sprintf("INDEX %s (%s)", idx, e))
		return []string{fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (\n    %s\n) ENGINE=InnoDB", table, strings.Join(cols, ",\n    "))}
	case sqldb.SQLite:
		// SQLite puts the schema on the index name, not on the table.
		schema, name := splitTable(c.Table)
		if schema != "" {
			idx = q(schema) + "." + idx
		}
		return []string{
			fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (\n    %s\n)", table, strings.Join(cols, ",\n    ")),
			fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s) WHERE %s IS NOT NULL", idx, q(name), e, e),
		}
	default:
		return []string{
			fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (\n    %s\n)", table, strings.Join(cols, ",\n    ")),
			fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s) WHERE %s IS NOT NULL", idx, table, e, e),
		}
	}
}

func splitTable(t string) (schema, name string) {
	if i := strings.IndexByte(t, '.'); i >= 0 {
		return t[:i], t[i+1:]
	}
	return "", t
}

// indexName is "<table>_<expire column>_idx", shortened with a hash when
// over the identifier limit so that it stays unique per table.
func indexName(c Config) string {
	_, t := splitTable(c.Table)
	name := t + "_" + c.ExpireColumn + "_idx"
	if len(name) <= sqldb.MaxIdentLen {
		return name
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	return fmt.Sprintf("%s_%08x", name[:sqldb.MaxIdentLen-9], h.Sum32())
}

// Schema returns the DDL of c's table (see the function Schema) in the
// dialect of c's database entry in reg (registry.Schemer). With a version
// column it ends with SQL comments giving the ALTER TABLE that adds that
// column to an existing table made without it: the CREATE statements
// leave an existing table as it is, and piping the output to a database
// client must not fail on a table that already has the column.
func (c Config) Schema(reg *registry.Registry) (string, error) {
	dbEntry, ok := reg.Entry(c.Database)
	if !ok {
		return "", fmt.Errorf("database %s is missing", c.Database)
	}
	dbCfg, ok := dbEntry.Config.(sqldb.Config)
	if !ok {
		return "", fmt.Errorf("database %s is a %s, not a SQL database", c.Database, dbEntry.Kind)
	}
	out := Schema(c, dbCfg.Dialect)
	if c.VersionColumn != "" {
		fix, _ := addColumns(c, dbCfg.Dialect, []string{c.VersionColumn})
		out += "-- An existing table " + c.Table + " without the version column " + c.VersionColumn +
			" takes instead (existing rows get version 0):\n-- " + strings.TrimSuffix(fix, "\n") + "\n"
	}
	return out, nil
}

// valueType is the value column's type: binary for MessagePack; for JSON,
// PostgreSQL's JSONB (SQL can query inside values), MySQL's JSON (on
// MariaDB an alias of LONGTEXT checked with JSON_VALID) and SQLite TEXT
// (which its JSON functions read).
func valueType(c Config, binary, json string) string {
	if c.ValueFormat == ValueJSON {
		return json
	}
	return binary
}
