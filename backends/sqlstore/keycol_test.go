package sqlstore

import (
	"errors"
	"strings"
	"testing"

	"github.com/luahost/luahost/backends/sqldb"
	"github.com/luahost/luahost/internal/dbtest"
	"github.com/luahost/luahost/registry"
)

// TestKeyColumnMustCompareBytes: a table made by hand whose key column
// folds or refuses keys fails the start permanently, with statements that
// fix it; once they have run, the store starts and "user", "USER",
// "user " and a key that is not UTF-8 are four keys.
func TestKeyColumnMustCompareBytes(t *testing.T) {
	tables := map[sqldb.Dialect][]struct {
		name, key, problem string
		setup              []string
	}{
		sqldb.MySQL: {
			{"varchar default collation", "`key` VARCHAR(255) PRIMARY KEY", "collation", nil},
			{"varchar _bin collation", "`key` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PRIMARY KEY", "utf8mb4_bin", nil},
			{"binary pads", "`key` BINARY(255) PRIMARY KEY", "pads", nil},
			{"short varbinary", "`key` VARBINARY(16) PRIMARY KEY", "shorter", nil},
		},
		sqldb.Postgres: {
			{"char pads", `"key" CHAR(255) PRIMARY KEY`, "pads", nil},
			{"nondeterministic collation", `"key" TEXT COLLATE luahost_test_ci PRIMARY KEY`, "nondeterministic",
				[]string{`CREATE COLLATION IF NOT EXISTS luahost_test_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`}},
			{"short varchar", `"key" VARCHAR(16) PRIMARY KEY`, "shorter", nil},
			{"integer", `"key" INTEGER PRIMARY KEY`, "integer", nil},
		},
		sqldb.SQLite: {
			{"nocase", `"key" TEXT COLLATE NOCASE PRIMARY KEY`, "NOCASE", nil},
			{"rtrim", `"key" VARCHAR(255) COLLATE RTRIM NOT NULL PRIMARY KEY`, "RTRIM", nil},
			{"numeric affinity", `"key" NUMERIC PRIMARY KEY`, "affinity", nil},
		},
	}
	keys := []string{"user", "USER", "user ", "us\xffer"}
	forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
		d := db.Dialect()
		for _, tc := range tables[d] {
			t.Run(tc.name, func(t *testing.T) {
				c := ctx(t)
				cfg := Config{Table: dbtest.TableName(t), VersionColumn: "ver"}
				dropTable(t, db, cfg.Table)
				exec := func(stmts ...string) {
					t.Helper()
					for _, stmt := range stmts {
						if stmt = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(stmt), ";")); stmt == "" {
							continue
						}
						if _, err := db.DB().ExecContext(c, stmt); err != nil {
							t.Fatalf("%v\n%s", err, stmt)
						}
					}
				}
				exec(tc.setup...)
				exec("CREATE TABLE " + d.Quote(cfg.Table) + " (" + tc.key + `, value ` + map[sqldb.Dialect]string{sqldb.Postgres: "BYTEA", sqldb.MySQL: "LONGBLOB", sqldb.SQLite: "BLOB"}[d] +
					" NOT NULL, expires_at BIGINT, ver BIGINT NOT NULL DEFAULT 0)")
				s, err := New(cfg, db, Options{ID: "app:kv"})
				if err != nil {
					t.Fatal(err)
				}
				err = s.Start(c)
				fix := keyColumnFix(s.cfg, d)
				if !errors.Is(err, registry.ErrPermanent) || !strings.Contains(err.Error(), fix) || !strings.Contains(err.Error(), tc.problem) {
					t.Fatalf("Start: error = %v\nwant registry.ErrPermanent saying %q with the fix:\n%s", err, tc.problem, fix)
				}
				exec(strings.Split(fix, ";\n")...)
				if err := s.Start(c); err != nil {
					t.Fatalf("Start after the fix: %v", err)
				}
				defer s.Stop(c)
				for i, k := range keys {
					if err := s.Set(c, k, []byte{byte(i)}, 0); err != nil {
						t.Fatalf("set %q: %v", k, err)
					}
				}
				for i, k := range keys {
					if got, err := s.Get(c, k); err != nil || len(got) != 1 || got[0] != byte(i) {
						t.Errorf("get %q = %v, %v; want [%d]", k, got, err, i)
					}
				}
				if got := rowCount(t, s); got != len(keys) {
					t.Errorf("rows = %d, want %d distinct keys", got, len(keys))
				}
			})
		}
	})
}

// TestMissingTableIsPermanent: a missing table, or one lacking a column,
// is a start error no retry fixes.
func TestMissingTableIsPermanent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
		cfg := Config{Table: dbtest.TableName(t)}
		dropTable(t, db, cfg.Table)
		s, err := New(cfg, db, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(ctx(t)); !errors.Is(err, registry.ErrPermanent) {
			t.Errorf("missing table: error = %v, want registry.ErrPermanent", err)
		}
		if _, err := db.DB().ExecContext(ctx(t), "CREATE TABLE "+db.Dialect().Quote(cfg.Table)+" (other INT)"); err != nil {
			t.Fatal(err)
		}
		if err := s.Start(ctx(t)); !errors.Is(err, registry.ErrPermanent) || !strings.Contains(err.Error(), "lacks column") {
			t.Errorf("table lacking columns: error = %v, want registry.ErrPermanent", err)
		}
	})
}
