package sqlstore

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/sqldb"
	"github.com/luahost/luahost/registry"
)

// TestMissingColumnFix: an existing table lacking a column the entry's
// config names fails Start with a permanent error (only a schema change
// heals it). For the expiry and version columns the error holds the
// statements that add them; run as given they keep the rows (no expiry,
// version 0) and the store starts.
// A missing key or value column has no such fix: the error says so.
func TestMissingColumnFix(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config // on a table made with the default columns and no version
		missing string
		fixable bool
		version string // of the existing row after the fix
	}{
		{"version column", Config{VersionColumn: "ver"}, "ver", true, "0"},
		{"expiry column", Config{ExpireColumn: "ttl_ms"}, "ttl_ms", true, ""},
		{"expiry and version columns", Config{ExpireColumn: "ttl_ms", VersionColumn: "ver"}, "ttl_ms, ver", true, "0"},
		{"key column", Config{IDColumn: "k", VersionColumn: "ver"}, "k, ver", false, ""},
		{"value column", Config{PayloadColumn: "payload"}, "payload", false, ""},
	}
	// The schema each test database has, for schema-qualified names.
	schemas := map[sqldb.Dialect]string{sqldb.SQLite: "main", sqldb.Postgres: "public", sqldb.MySQL: "test"}
	forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
		for _, tt := range tests {
			for _, qualified := range []bool{false, true} {
				t.Run(tt.name+"/qualified="+strconv.FormatBool(qualified), func(t *testing.T) {
					old := newStore(t, db, Config{}, time.Now)
					if err := old.Set(ctx(t), "k1", []byte("v1"), 0); err != nil {
						t.Fatal(err)
					}
					cfg := tt.cfg
					cfg.Table = old.cfg.Table
					if qualified {
						cfg.Table = schemas[db.Dialect()] + "." + cfg.Table
					}
					s, err := New(cfg, db, Options{ID: "app:kv"})
					if err != nil {
						t.Fatal(err)
					}
					err = s.Start(ctx(t))
					if !errors.Is(err, registry.ErrPermanent) || errors.Is(err, backends.ErrInvalid) {
						t.Fatalf("Start: error = %v, want one matching registry.ErrPermanent, not backends.ErrInvalid", err)
					}
					if !strings.Contains(err.Error(), "app:kv: table "+cfg.Table+" lacks column(s) "+tt.missing+" (") {
						t.Fatalf("Start: error does not name the missing column(s) %s:\n%v", tt.missing, err)
					}
					if !tt.fixable {
						if !strings.Contains(err.Error(), "no default to add to existing rows") || !strings.Contains(err.Error(), Schema(cfg, db.Dialect())) {
							t.Fatalf("Start: error = %v\nwant it to say the column has no default and show the table's DDL", err)
						}
						return
					}
					msg := err.Error()
					fix := msg[strings.Index(msg, "\n\n")+2:]
					if !strings.HasPrefix(fix, "ALTER TABLE ") {
						t.Fatalf("Start: error = %v\nwant the ALTER TABLE statements after a blank line", err)
					}
					for _, stmt := range strings.Split(strings.TrimSpace(fix), ";\n") {
						if _, err := db.DB().Exec(strings.TrimSuffix(stmt, ";")); err != nil {
							t.Fatalf("running the suggested fix: %v\n%s", err, stmt)
						}
					}
					if err := s.Start(ctx(t)); err != nil {
						t.Fatalf("Start after the fix: %v", err)
					}
					t.Cleanup(func() { _ = s.Stop(context.Background()) })
					it, err := s.Entry(ctx(t), "k1")
					if err != nil {
						t.Fatal(err)
					}
					if string(it.Value) != "v1" || it.Version != tt.version || !it.ExpiresAt.IsZero() {
						t.Errorf("existing row after the fix = %q, version %q, expires %v; want \"v1\", version %q, no expiry",
							it.Value, it.Version, it.ExpiresAt, tt.version)
					}
					if err := s.Set(ctx(t), "k2", []byte("v2"), time.Minute); err != nil {
						t.Fatal(err)
					}
					if ttl, ok, err := s.TTL(ctx(t), "k2"); err != nil || !ok || ttl <= 0 || ttl > time.Minute {
						t.Errorf("TTL of a key set for a minute after the fix = %v, %v, %v", ttl, ok, err)
					}
				})
			}
		}
	})
}
