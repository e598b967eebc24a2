package runtime

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/internal/dbtest"
	"github.com/luahost/luahost/luamod"
)

// loopScript runs n set and n get calls on obj over 10,000 short keys.
const loopScript = `
local obj, n = ...
local keys = {}
for i = 1, 10000 do keys[i] = "key:" .. i end
local v = "a short value"
for i = 1, n do obj:set(keys[i % 10000 + 1], v) end
for i = 1, n do local x = obj:get(keys[i % 10000 + 1]) end
`

// tableObject is a plain Lua table with the same set/get call shape.
const tableObject = `
local t = { data = {} }
function t:set(k, v) self.data[k] = v return true end
function t:get(k) return self.data[k] end
return t
`

// timeLoop runs loopScript on obj in L and returns how long it took.
func timeLoop(b *testing.B, L *lua.LState, fn *lua.LFunction, obj lua.LValue, n int) time.Duration {
	start := time.Now()
	L.Push(fn)
	L.Push(obj)
	L.Push(lua.LNumber(n))
	if err := L.PCall(2, 0, nil); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

func benchRuntime(b *testing.B, registry string) *Runtime {
	rt, err := New(context.Background(), WithRegistryString("bench.yaml", registry))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rt.Close(context.Background()) })
	return rt
}

// storeLoopRatio alternates the same loop on a store handle and on a Lua
// table object, so load on the machine hits both alike, and reports
// store time / table time.
func storeLoopRatio(b *testing.B, rt *Runtime, id string, n int) {
	err := rt.Do(context.Background(), func(L *lua.LState) error {
		fn, err := L.LoadString(loopScript)
		if err != nil {
			return err
		}
		if err := L.DoString(tableObject); err != nil {
			return err
		}
		table := L.Get(-1)
		L.Pop(1)
		if err := L.DoString(fmt.Sprintf("return assert(store.get(%q))", id)); err != nil {
			return err
		}
		handle := L.Get(-1)
		L.Pop(1)
		var tableTime, storeTime time.Duration
		b.ResetTimer()
		for range b.N {
			tableTime += timeLoop(b, L, fn, table, n)
			storeTime += timeLoop(b, L, fn, handle, n)
		}
		b.ReportMetric(float64(storeTime)/float64(tableTime), "store/table")
		b.ReportMetric(float64(storeTime.Nanoseconds())/float64(2*n*b.N), "store-ns/call")
		b.ReportMetric(float64(tableTime.Nanoseconds())/float64(2*n*b.N), "table-ns/call")
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkMemoryStoreLoop: 1,000,000 s:set and 1,000,000 s:get on
// store.memory against the identical loop on a Lua table object.
func BenchmarkMemoryStoreLoop(b *testing.B) {
	rt := benchRuntime(b, `- {name: cache, kind: store.memory, max_size: 0}`)
	storeLoopRatio(b, rt, "app:cache", 1_000_000)
}

// BenchmarkSQLStore compares s:set and s:get through the Lua module with a
// plain Go loop running the equivalent prepared statements on the same
// database, in the same run: direct time / Lua time is the Lua module's
// throughput relative to Go.
func BenchmarkSQLStore(b *testing.B) {
	cases := []struct {
		name, driver string
		dsn          func(b *testing.B) (registryDB, goDSN string)
		upsert, get  string
	}{
		{name: "sqlite", driver: "sqlite3", dsn: func(b *testing.B) (string, string) {
			file := filepath.Join(b.TempDir(), "bench.db")
			return fmt.Sprintf("{kind: db.sql.sqlite, file: %q}", file),
				"file:" + file + "?_journal_mode=WAL&_busy_timeout=5000&_txlock=immediate&_synchronous=NORMAL"
		},
			upsert: `INSERT INTO "%s" ("key", "value", "expires_at") VALUES (?, ?, ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "expires_at" = excluded."expires_at"`,
			get:    `SELECT "value" FROM "%s" WHERE "key" = ? AND ("expires_at" IS NULL OR "expires_at" > ?)`},
		{name: "postgres", driver: "pgx", dsn: func(b *testing.B) (string, string) {
			dsn := dbtest.PostgresDSN(b)
			return fmt.Sprintf("{kind: db.sql.postgres, dsn: %q}", dsn), dsn
		},
			upsert: `INSERT INTO "%s" ("key", "value", "expires_at") VALUES ($1, $2, $3) ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value", "expires_at" = EXCLUDED."expires_at"`,
			get:    `SELECT "value" FROM "%s" WHERE "key" = $1 AND ("expires_at" IS NULL OR "expires_at" > $2)`},
	}
	const n = 2000
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			regDB, goDSN := c.dsn(b)
			table := strings.ToLower(dbtest.TableName(b))
			rt := benchRuntime(b, fmt.Sprintf(`
- {name: db, %s
- {name: kv, kind: store.sql, database: db, table_name: %s, create_table: true}
`, regDB[1:], table))
			if err := rt.Start(context.Background(), "app:kv"); err != nil {
				b.Fatal(err)
			}
			db, err := sql.Open(c.driver, goDSN)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			b.Cleanup(func() { db.Exec(`DROP TABLE IF EXISTS "` + table + `"`) })
			upsert, err := db.Prepare(fmt.Sprintf(c.upsert, table))
			if err != nil {
				b.Fatal(err)
			}
			get, err := db.Prepare(fmt.Sprintf(c.get, table))
			if err != nil {
				b.Fatal(err)
			}
			value, err := luamod.Encode(lua.LString("short value")) // the bytes s:set writes
			if err != nil {
				b.Fatal(err)
			}
			direct := func() time.Duration {
				start := time.Now()
				for i := range n {
					if _, err := upsert.Exec(fmt.Sprintf("key:%d", i%500+1), value, nil); err != nil {
						b.Fatal(err)
					}
				}
				for i := range n {
					var v []byte
					if err := get.QueryRow(fmt.Sprintf("key:%d", i%500+1), time.Now().UnixMilli()).Scan(&v); err != nil {
						b.Fatal(err)
					}
				}
				return time.Since(start)
			}
			script := fmt.Sprintf(`
				local n = ...
				local s = assert(store.get("app:kv"))
				for i = 0, n - 1 do assert(s:set("key:" .. (i %% 500 + 1), "short value")) end
				for i = 0, n - 1 do assert(s:get("key:" .. (i %% 500 + 1))) end`)
			var luaTime, goTime time.Duration
			b.ResetTimer()
			for range b.N {
				goTime += direct()
				err := rt.Do(context.Background(), func(L *lua.LState) error {
					fn, err := L.LoadString(script)
					if err != nil {
						return err
					}
					start := time.Now()
					L.Push(fn)
					L.Push(lua.LNumber(n))
					err = L.PCall(1, 0, nil)
					luaTime += time.Since(start)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(goTime)/float64(luaTime), "lua-throughput/go")
			b.ReportMetric(float64(luaTime.Nanoseconds())/float64(2*n*b.N), "lua-ns/call")
			b.ReportMetric(float64(goTime.Nanoseconds())/float64(2*n*b.N), "go-ns/call")
		})
	}
}
