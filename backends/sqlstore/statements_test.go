package sqlstore

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luahost/luahost/backends/sqldb"
)

// TestStatementsGolden renders every statement the store prepares, per
// dialect and table shape, into testdata/statements: the SQL a reviewer
// checks and a change to the tables shows up in. That the statements run
// and do what the store needs is what every other test of this package
// checks, on each database.
func TestStatementsGolden(t *testing.T) {
	cases := []struct {
		name    string
		cfg     Config
		keyText bool
	}{
		{"default", Config{Table: "kv"}, false},
		{"version", Config{Table: "kv", VersionColumn: "ver"}, false},
		{"text_key_version", Config{Table: "kv", VersionColumn: "ver"}, true},
		{"schema_names", Config{Table: "app.kv", IDColumn: "k", PayloadColumn: "v", ExpireColumn: "exp", VersionColumn: "version"}, false},
	}
	names := []string{"get", "exists", "set", "delete", "clear", "cleanup", "entry", "ttl", "count", "list", "listTo",
		"putIfAbsent", "putReturning", "putIfVersion", "expire", "lock", "update", "touch", "insert"}
	for _, d := range []sqldb.Dialect{sqldb.SQLite, sqldb.Postgres, sqldb.MySQL} {
		for _, c := range cases {
			if c.keyText && d != sqldb.Postgres {
				continue // only PostgreSQL keeps TEXT key columns
			}
			name := string(d) + "_" + c.name + ".sql"
			t.Run(name, func(t *testing.T) {
				q := statementsFor(c.cfg.withDefaults(), d, c.keyText)
				if q.listText != "" {
					t.Errorf("listText = %q after filling, want it folded into list", q.listText)
				}
				all := []string{q.get, q.exists, q.set, q.delete, q.clear, q.cleanup, q.entry, q.ttl, q.count, q.list, q.listTo,
					q.putIfAbsent, q.putReturning, q.putIfVersion, q.expire, q.lock, q.update, q.touch, q.insert}
				var b strings.Builder
				for i, stmt := range all {
					if stmt != "" {
						fmt.Fprintf(&b, "-- %s\n%s;\n", names[i], stmt)
					}
				}
				checkGolden(t, filepath.Join("testdata", "statements", name), b.String())
			})
		}
	}
}

// TestFillTemplates: the template syntax of the statement tables.
func TestFillTemplates(t *testing.T) {
	tests := []struct {
		tmpl      string
		versioned bool
		want      string
		panics    bool
	}{
		{tmpl: "SELECT 1 FROM {t}", want: `SELECT 1 FROM "kv"`},
		{tmpl: "SELECT a[, {ver}] FROM {t}", versioned: true, want: `SELECT a, "ver" FROM "kv"`},
		{tmpl: "SELECT a[, {ver}] FROM {t}", want: `SELECT a FROM "kv"`},
		{tmpl: "RETURNING [{ver}|1]", versioned: true, want: `RETURNING "ver"`},
		{tmpl: "RETURNING [{ver}|1]", want: `RETURNING 1`},
		{tmpl: "[UPDATE {t} SET {ver} = 1]", want: ``},
		{tmpl: "SELECT a\n\t\tFROM   {t}\n", want: `SELECT a FROM "kv"`},
		{tmpl: "SELECT [a", versioned: true, panics: true},
		{tmpl: "SELECT [a [b]]", versioned: true, panics: true},
		{tmpl: "SELECT {ver}", panics: true}, // a version column outside [...]
		{tmpl: "SELECT {x}", versioned: true, panics: true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q versioned=%v", tt.tmpl, tt.versioned), func(t *testing.T) {
			pairs := []string{"{t}", `"kv"`}
			if tt.versioned {
				pairs = append(pairs, "{ver}", `"ver"`)
			}
			defer func() {
				if r := recover(); (r != nil) != tt.panics {
					t.Errorf("fill panicked: %v, want a panic: %v", r, tt.panics)
				}
			}()
			if got := fill(tt.tmpl, tt.versioned, strings.NewReplacer(pairs...)); got != tt.want {
				t.Errorf("fill = %q, want %q", got, tt.want)
			}
		})
	}
}
