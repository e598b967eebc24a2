// Package dbtest helps integration tests reach real databases.
//
// PostgresDSN, MySQLDSN and RedisAddr read LUAHOST_TEST_POSTGRES_DSN,
// LUAHOST_TEST_MYSQL_DSN and LUAHOST_TEST_REDIS_ADDR. When a variable is unset the test is skipped,
// unless LUAHOST_REQUIRE_DB=1 (as in CI), which makes it fail instead.
// TableName gives each test a table of its own so tests and packages can
// share one database in parallel.
package dbtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"regexp"
	"strings"
	"testing"
)

// Environment variables read by this package.
const (
	EnvPostgresDSN = "LUAHOST_TEST_POSTGRES_DSN"
	EnvMySQLDSN    = "LUAHOST_TEST_MYSQL_DSN"
	EnvRedisAddr   = "LUAHOST_TEST_REDIS_ADDR"
	EnvRequireDB   = "LUAHOST_REQUIRE_DB"
)

// PostgresDSN returns the DSN of the test PostgreSQL server, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	return dsn(t, EnvPostgresDSN)
}

// MySQLDSN returns the DSN of the test MySQL or MariaDB server, e.g.
// root:@tcp(127.0.0.1:3306)/test.
func MySQLDSN(t testing.TB) string {
	t.Helper()
	return dsn(t, EnvMySQLDSN)
}

// RedisAddr returns the host:port of the shared test Redis server, e.g.
// 127.0.0.1:6379. Tests use keys under a prefix of their own there (see
// KeyPrefix) and never FLUSHDB or FLUSHALL.
func RedisAddr(t testing.TB) string {
	t.Helper()
	return dsn(t, EnvRedisAddr)
}

// KeyPrefix returns a Redis key prefix no other test uses, derived from
// the test name and a random suffix.
func KeyPrefix(t testing.TB) string {
	t.Helper()
	return "luahost-test:" + TableName(t)
}

func dsn(t testing.TB, env string) string {
	t.Helper()
	if v := os.Getenv(env); v != "" {
		return v
	}
	Unavailable(t, env+" is not set")
	return ""
}

// Required reports whether LUAHOST_REQUIRE_DB=1: database tests must run.
func Required() bool { return os.Getenv(EnvRequireDB) == "1" }

// Unavailable skips the test because a database it needs is missing, or
// fails it when databases are required.
func Unavailable(t testing.TB, why string) {
	t.Helper()
	if Required() {
		t.Fatalf("database required (%s=1) but unavailable: %s", EnvRequireDB, why)
	}
	t.Skip("database unavailable: " + why)
}

var nonIdent = regexp.MustCompile(`[^a-z0-9_]+`)

// TableName returns a table name no other test uses: a prefix derived from
// the test name and a random suffix, a valid identifier of at most 48
// bytes. The caller creates the table and drops it in t.Cleanup.
func TableName(t testing.TB) string {
	t.Helper()
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	base := nonIdent.ReplaceAllString(strings.ToLower(t.Name()), "_")
	base = strings.Trim(base, "_")
	if len(base) > 32 {
		base = base[len(base)-32:]
	}
	return "t_" + strings.Trim(base, "_") + "_" + hex.EncodeToString(b[:])
}

// DropOnCleanup drops table (already quoted for the database's dialect)
// when the test ends, reporting a failure as a test error.
func DropOnCleanup(t testing.TB, db *sql.DB, quotedTable string) {
	t.Helper()
	t.Cleanup(func() {
		if _, err := db.Exec("DROP TABLE IF EXISTS " + quotedTable); err != nil {
			t.Errorf("drop table %s: %v", quotedTable, err)
		}
	})
}

// DropTablesAt drops the tables (each already quoted for the database's
// dialect) when the test ends, over a connection of its own to dsn through
// the database/sql driver named driver (which the caller registers), for a
// test whose tables were made by another process or component.
func DropTablesAt(t testing.TB, driver, dsn string, quotedTables ...string) {
	t.Helper()
	t.Cleanup(func() {
		db, err := sql.Open(driver, dsn)
		if err != nil {
			t.Error(err)
			return
		}
		defer db.Close()
		for _, table := range quotedTables {
			if _, err := db.Exec("DROP TABLE IF EXISTS " + table); err != nil {
				t.Errorf("drop table %s: %v", table, err)
			}
		}
	})
}
