package runtime

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/redis/go-redis/v9"

	"github.com/luahost/luahost/internal/dbtest"
	"github.com/luahost/luahost/internal/testclock"
	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/luamod/storesuite"
)

// suiteBackend is a built-in store backend the suites run against.
type suiteBackend struct {
	name string
	// registry returns the entries app:cache, app:other and app:db.
	registry func(t *testing.T) string
	full     bool // app:small has max_size 3, app:bytes max_bytes 1KB
	maxKey   int
	cfg      storesuite.Config
}

// suiteBackends returns every built-in store backend, on real services.
func suiteBackends() []suiteBackend {
	return []suiteBackend{
		{name: "memory", full: true, cfg: storesuite.Config{Versioned: true, Kind: "store.memory", Backend: "memory", CountsBytes: true}, registry: func(t *testing.T) string {
			return `
- {name: cache, kind: store.memory, max_size: 0, cleanup_interval: 100ms}
- {name: other, kind: store.memory}
- {name: small, kind: store.memory, max_size: 3}
- {name: bytes, kind: store.memory, max_bytes: 1KB}
- {name: db, kind: db.sql.sqlite, file: ":memory:"}
`
		}},
		{name: "sqlite", maxKey: 255, cfg: sqlSuite("sqlite"), registry: func(t *testing.T) string {
			return sqlRegistry(fmt.Sprintf("{kind: db.sql.sqlite, file: %q}", filepath.Join(t.TempDir(), "suite.db")), "cache", "other")
		}},
		{name: "postgres", maxKey: 255, cfg: sqlSuite("postgres"), registry: func(t *testing.T) string {
			dsn := dbtest.PostgresDSN(t)
			a, b := dbtest.TableName(t), dbtest.TableName(t)
			dbtest.DropTablesAt(t, "pgx", dsn, `"`+a+`"`, `"`+b+`"`)
			return sqlRegistry(fmt.Sprintf("{kind: db.sql.postgres, dsn: %q}", dsn), a, b)
		}},
		{name: "mysql", maxKey: 255, cfg: sqlSuite("mysql"), registry: func(t *testing.T) string {
			dsn := dbtest.MySQLDSN(t)
			a, b := dbtest.TableName(t), dbtest.TableName(t)
			dbtest.DropTablesAt(t, "mysql", dsn, "`"+a+"`", "`"+b+"`")
			return sqlRegistry(fmt.Sprintf("{kind: db.sql.mysql, dsn: %q}", dsn), a, b)
		}},
		{name: "redis", maxKey: 64 << 10, cfg: storesuite.Config{Versioned: true, Kind: "store.redis", Backend: "redis", Durable: false}, registry: func(t *testing.T) string {
			addr := dbtest.RedisAddr(t)
			a, b := dbtest.KeyPrefix(t), dbtest.KeyPrefix(t)
			dropRedisPrefixes(t, addr, a, b)
			return fmt.Sprintf(`
- {name: db, kind: db.redis, addr: %q}
- {name: cache, kind: store.redis, database: db, prefix: %q}
- {name: other, kind: store.redis, database: db, prefix: %q}
`, addr, a, b)
		}},
	}
}

// TestStoreSuite runs the behavioural Lua suite through a real runtime
// against every built-in store backend.
func TestStoreSuite(t *testing.T) {
	for _, b := range suiteBackends() {
		t.Run(b.name, func(t *testing.T) {
			storesuite.Run(t, func(t *testing.T) (luamod.Resolver, storesuite.Config) {
				// Expiry follows the runtime's clock, except on the
				// servers that decide it by their own (below): the TTL
				// tests move it instead of sleeping.
				clk := testclock.New()
				rt, err := New(context.Background(), WithRegistryString("suite.yaml", b.registry(t)), WithClock(clk))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					if err := rt.Close(context.Background()); err != nil {
						t.Error(err)
					}
				})
				cfg := b.cfg
				cfg.Advance = clk.Advance
				switch cfg.Backend {
				case "redis":
					cfg.Durable = redisAOF(t, dbtest.RedisAddr(t))
					cfg.RealClock = true // Redis expires keys on the server's clock
				case "postgres", "mysql":
					cfg.RealClock = true // so do these databases
				}
				cfg.StoreID, cfg.OtherStoreID, cfg.NonStoreID, cfg.MaxKeyLen = "app:cache", "app:other", "app:db", b.maxKey
				if b.full {
					cfg.FullStoreID, cfg.MaxSize = "app:small", 3
					cfg.BytesStoreID, cfg.MaxBytes = "app:bytes", 1000
				}
				return storeResolver{rt}, cfg
			})
		})
	}
}

// sqlSuite is what store.sql on a table without a version column reports.
func sqlSuite(backend string) storesuite.Config {
	return storesuite.Config{Kind: "store.sql", Backend: backend, Durable: true}
}

// sqlRegistry returns a registry with two store.sql entries on one database.
func sqlRegistry(db, tableA, tableB string) string {
	return fmt.Sprintf(`
- {name: db, %s
- {name: cache, kind: store.sql, database: db, table_name: %s, create_table: true}
- {name: other, kind: store.sql, database: db, table_name: %s, create_table: true}
`, db[1:], tableA, tableB)
}

// redisAOF reports whether the server logs writes (appendonly yes), which
// is what store.redis reports as durable.
func redisAOF(t *testing.T, addr string) bool {
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	v, err := c.ConfigGet(context.Background(), "appendonly").Result()
	if err != nil {
		t.Fatal(err)
	}
	return v["appendonly"] == "yes"
}

// dropRedisPrefixes deletes every key under the store prefixes when the
// test ends (the shared server is never flushed).
func dropRedisPrefixes(t *testing.T, addr string, prefixes ...string) {
	t.Cleanup(func() {
		c := redis.NewClient(&redis.Options{Addr: addr})
		defer c.Close()
		ctx := context.Background()
		for _, p := range prefixes {
			iter := c.Scan(ctx, 0, "{"+p+"}:*", 1000).Iterator()
			for iter.Next(ctx) {
				if err := c.Del(ctx, iter.Val()).Err(); err != nil {
					t.Error(err)
					return
				}
			}
			if err := iter.Err(); err != nil {
				t.Error(err)
			}
		}
	})
}
