package sqlstore

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/sqldb"
	"github.com/luahost/luahost/internal/dbtest"
)

func TestSchemaGolden(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
	}{
		{"default", Config{Table: "kv_store"}},
		{"schema_version", Config{Table: "app.kv_store", IDColumn: "k", PayloadColumn: "v", ExpireColumn: "exp", VersionColumn: "version"}},
		{"json", Config{Table: "kv_store", ValueFormat: ValueJSON}},
	}
	for _, d := range []sqldb.Dialect{sqldb.SQLite, sqldb.Postgres, sqldb.MySQL} {
		for _, c := range cases {
			name := string(d) + "_" + c.name + ".sql"
			t.Run(name, func(t *testing.T) {
				checkGolden(t, filepath.Join("testdata", "schema", name), Schema(c.cfg, d))
			})
		}
	}
}

// TestAddColumnsGolden: the statements that add the expiry and version
// columns to an existing table (TestMissingColumnFix runs them).
func TestAddColumnsGolden(t *testing.T) {
	cfg := Config{Table: "app.kv_store", IDColumn: "k", PayloadColumn: "v", ExpireColumn: "exp", VersionColumn: "version"}
	for _, d := range []sqldb.Dialect{sqldb.SQLite, sqldb.Postgres, sqldb.MySQL} {
		name := string(d) + "_add_columns.sql"
		t.Run(name, func(t *testing.T) {
			fix, ok := addColumns(cfg, d, []string{"exp", "version"})
			if !ok {
				t.Fatal("addColumns refused the expiry and version columns")
			}
			checkGolden(t, filepath.Join("testdata", "schema", name), fix)
			if _, ok := addColumns(cfg, d, []string{"v"}); ok {
				t.Error("addColumns offered to add the value column, which has no default")
			}
		})
	}
}

func TestIndexNameStaysShort(t *testing.T) {
	long := strings.Repeat("t", sqldb.MaxIdentLen)
	a := indexName(Config{Table: long, ExpireColumn: "expires_at"})
	b := indexName(Config{Table: long[:62] + "u", ExpireColumn: "expires_at"})
	if len(a) > sqldb.MaxIdentLen || len(b) > sqldb.MaxIdentLen || a == b {
		t.Errorf("index names %q, %q: want distinct, at most %d bytes", a, b, sqldb.MaxIdentLen)
	}
}

func TestConfigProblems(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		field string // "" means valid
	}{
		{"plain", Config{Table: "kv_store"}, ""},
		{"schema prefix", Config{Table: "app.kv_store"}, ""},
		{"underscore start", Config{Table: "_kv", IDColumn: "_k"}, ""},
		{"missing table", Config{}, "table_name"},
		{"digit start", Config{Table: "1kv"}, "table_name"},
		{"two prefixes", Config{Table: "a.b.c"}, "table_name"},
		{"empty part", Config{Table: "app."}, "table_name"},
		{"quote", Config{Table: `kv"; DROP TABLE x; --`}, "table_name"},
		{"space", Config{Table: "kv store"}, "table_name"},
		{"non-ASCII", Config{Table: "kvé"}, "table_name"},
		{"too long", Config{Table: strings.Repeat("a", 64)}, "table_name"},
		{"bad id column", Config{Table: "kv", IDColumn: "my-key"}, "id_column_name"},
		{"bad payload column", Config{Table: "kv", PayloadColumn: "v`"}, "payload_column_name"},
		{"bad expire column", Config{Table: "kv", ExpireColumn: "exp.at"}, "expire_column_name"},
		{"bad version column", Config{Table: "kv", VersionColumn: "1v"}, "version_column_name"},
		{"same column twice", Config{Table: "kv", PayloadColumn: "KEY"}, "payload_column_name"},
		{"negative interval", Config{Table: "kv", CleanupInterval: -time.Second}, "cleanup_interval"},
		{"json values", Config{Table: "kv", ValueFormat: ValueJSON}, ""},
		{"unknown value format", Config{Table: "kv", ValueFormat: "yaml"}, "value_format"},
	}
	db := backendList[0].open(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			probs := tt.cfg.withDefaults().Problems()
			if tt.field == "" {
				if len(probs) > 0 {
					t.Fatalf("Problems() = %v, want none", probs)
				}
				return
			}
			if len(probs) != 1 || probs[0].Field != tt.field {
				t.Fatalf("Problems() = %v, want one for %s", probs, tt.field)
			}
			if _, err := New(tt.cfg, db, Options{}); err == nil || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("New() error = %v, want one naming %s", err, tt.field)
			}
		})
	}
}

// A table made by hand from the registry documentation's PostgreSQL DDL
// (VARCHAR key) works for text keys and refuses keys TEXT cannot hold.
func TestPostgresTextKeyColumn(t *testing.T) {
	db := backendList[1].open(t)
	table := dbtest.TableName(t)
	dropTable(t, db, table)
	if _, err := db.DB().Exec(`CREATE TABLE "` + table + `" (key VARCHAR(255) PRIMARY KEY, value BYTEA NOT NULL, expires_at BIGINT)`); err != nil {
		t.Fatal(err)
	}
	s := newStore(t, db, Config{Table: table}, nil)
	c := ctx(t)
	if err := s.Set(c, "ключ", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(c, "ключ"); err != nil || string(got) != "v" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	for _, key := range []string{"\xff", "a\x00b"} {
		if err := s.Set(c, key, []byte("v"), 0); !errors.Is(err, backends.ErrInvalid) || !strings.Contains(err.Error(), "BYTEA") {
			t.Errorf("Set(%q) on a TEXT key column: error = %v, want ErrInvalid suggesting BYTEA", key, err)
		}
	}
}
