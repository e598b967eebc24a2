package runtime_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"database/sql"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	lua "github.com/yuin/gopher-lua"
	"golang.org/x/tools/txtar"

	"github.com/luahost/luahost/internal/dbtest"
	"github.com/luahost/luahost/runtime"
)

var updateWippy = flag.Bool("update-wippy", false, "rewrite the expected sections of testdata/wippy")

// TestWippyCompat runs each case in testdata/wippy: a registry written as
// Wippy's docs describe (the *.yaml files, loaded as a directory), and
// script.lua using Wippy's store and errors APIs. The output (what the
// script prints, then the registry warnings the host logs, or the load
// error) must equal the archive's "expected" file. "env" holds the OS
// environment (NAME=VALUE lines); setup.sqlite.sql and setup.postgres.sql
// hold SQL run first (see runSetup); other files go next to the registry.
//
// Every file may use placeholders: $DIR (the registry folder), $TABLE (a
// fresh table name), and the parts of the test databases' DSNs: $PG_HOST,
// $PG_PORT, $PG_USER, $PG_DB, $MY_HOST, $MY_PORT, $MY_USER, $MY_DB (a case
// using them is skipped without the database, failed when
// LUAHOST_REQUIRE_DB is set).
func TestWippyCompat(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "wippy", "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			vars := wippyPlaceholders(t, ar, dir)
			env := map[string]string{}
			setup := map[string]string{}
			var script string
			var expected []byte
			for _, f := range ar.Files {
				data := vars.Replace(string(f.Data))
				switch f.Name {
				case "expected":
					expected = f.Data
				case "env":
					for line := range strings.Lines(data) {
						if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
							env[k] = v
						}
					}
				case "script.lua":
					script = data
				case "setup.sqlite.sql", "setup.postgres.sql":
					setup[f.Name] = data
				default:
					if err := os.WriteFile(filepath.Join(dir, f.Name), []byte(data), 0o600); err != nil {
						t.Fatal(err)
					}
				}
			}
			for name, stmts := range setup {
				runSetup(t, dir, name, stmts)
			}
			got := strings.ReplaceAll(runWippyCase(t, dir, env, script), dir, "$DIR")
			if *updateWippy {
				for i := range ar.Files {
					if ar.Files[i].Name == "expected" {
						ar.Files[i].Data = []byte(got)
					}
				}
				if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != string(expected) {
				t.Errorf("output mismatch\ngot:\n%s\nwant:\n%s", got, expected)
			}
		})
	}
}

func wippyPlaceholders(t *testing.T, ar *txtar.Archive, dir string) *strings.Replacer {
	all := string(txtar.Format(ar))
	table := strings.ToLower(dbtest.TableName(t))
	pairs := []string{"$DIR", dir, "$TABLE", table}
	if strings.Contains(all, "$PG_") {
		dsn := dbtest.PostgresDSN(t)
		dbtest.DropTablesAt(t, "pgx", dsn, `"`+table+`"`)
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, "$PG_HOST", u.Hostname(), "$PG_PORT", u.Port(), "$PG_USER", u.User.Username(),
			"$PG_DB", strings.TrimPrefix(u.Path, "/"))
	}
	if strings.Contains(all, "$MY_") {
		dsn := dbtest.MySQLDSN(t)
		dbtest.DropTablesAt(t, "mysql", dsn, "`"+table+"`")
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			t.Fatal(err)
		}
		host, port, _ := strings.Cut(cfg.Addr, ":")
		pairs = append(pairs, "$MY_HOST", host, "$MY_PORT", port, "$MY_USER", cfg.User, "$MY_DB", cfg.DBName)
	}
	return strings.NewReplacer(pairs...)
}

// runSetup runs the statements of a setup file (";"-terminated lines) as
// another program would before luahost starts: setup.sqlite.sql on
// $DIR/wippy.db, setup.postgres.sql on the test PostgreSQL database.
func runSetup(t *testing.T, dir, name, stmts string) {
	driver, dsn := "sqlite3", filepath.Join(dir, "wippy.db")
	if name == "setup.postgres.sql" {
		driver, dsn = "pgx", dbtest.PostgresDSN(t)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range strings.SplitAfter(stmts, ";\n") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, stmt)
		}
	}
}

// runWippyCase loads the registry in dir and runs script, returning what
// it printed and the warnings logged, or the error.
func runWippyCase(t *testing.T, dir string, env map[string]string, script string) string {
	ctx := context.Background()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{
		Level: slog.LevelWarn,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	rt, err := runtime.New(ctx, runtime.WithRegistry(dir), runtime.WithLogger(logger),
		runtime.WithGetenv(func(name string) (string, bool) { v, ok := env[name]; return v, ok }))
	if err != nil {
		return "error:\n" + err.Error() + "\n"
	}
	t.Cleanup(func() { rt.Close(ctx) })
	var out strings.Builder
	err = rt.Do(ctx, func(L *lua.LState) error {
		orig := L.GetGlobal("print")
		defer L.SetGlobal("print", orig)
		L.SetGlobal("print", L.NewFunction(func(L *lua.LState) int {
			for i := 1; i <= L.GetTop(); i++ {
				if i > 1 {
					out.WriteByte('\t')
				}
				out.WriteString(L.ToStringMeta(L.Get(i)).String())
			}
			out.WriteByte('\n')
			return 0
		}))
		return L.DoString(script)
	})
	if err != nil {
		fmt.Fprintf(&out, "script error: %v\n", err)
	}
	if logs.Len() > 0 {
		out.WriteString("== log ==\n")
		out.Write(logs.Bytes())
	}
	return out.String()
}
