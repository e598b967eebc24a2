package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/luahost/luahost/internal/dbtest"
	"github.com/luahost/luahost/internal/redistest"
)

// writerScript overwrites shared keys and its own keys many times; every
// value names its writer and carries a payload derived from it.
const writerScript = `
local me, rounds = arg[1], tonumber(arg[2])
local s = assert(store.get("app:kv"))
for r = 1, rounds do
  for i = 1, 20 do
    assert(s:set("shared:" .. i, { writer = me, round = r, payload = string.rep(me, 200) }))
    assert(s:set(me .. ":" .. i, r))
    assert(s:incr("counter"))
  end
  -- Compare-and-set: read the entry, write it back only if unchanged.
  while true do
    local e = s:entry("cas")
    local ok, err
    if e then
      ok, err = s:put("cas", e.value + 1, { if_version = e.version })
    else
      ok, err = s:put("cas", 1, { only_if_absent = true })
    end
    if ok then break end
    assert(errors.is(err, errors.CONFLICT) or errors.is(err, errors.ALREADY_EXISTS), tostring(err))
  end
end
print("done", me)
`

const verifyScript = `
local s = assert(store.get("app:kv"))
local writers, rounds = { A = true, B = true }, tonumber(arg[1])
for i = 1, 20 do
  local v = assert(s:get("shared:" .. i))
  assert(writers[v.writer], "unknown writer")
  assert(v.payload == string.rep(v.writer, 200), "torn value at shared:" .. i)
  assert(v.round >= 1 and v.round <= rounds)
  for w in pairs(writers) do
    assert(s:get(w .. ":" .. i) == rounds, "lost write at " .. w .. ":" .. i)
  end
end
assert(s:get("counter") == 2 * 20 * rounds, "counter " .. tostring(s:get("counter")))
assert(s:get("cas") == 2 * rounds, "cas " .. tostring(s:get("cas")))
print("verified")
`

// TestTwoHostsShareOnePostgresTable runs two host processes writing the
// same keys through one PostgreSQL table at the same time: no value is
// torn or lost, and incr and compare-and-set counts are exact.
func TestTwoHostsShareOnePostgresTable(t *testing.T) {
	dsn := dbtest.PostgresDSN(t)
	table := dbtest.TableName(t)
	dir := t.TempDir()
	reg := filepath.Join(dir, "registry.yaml")
	err := os.WriteFile(reg, []byte(fmt.Sprintf(`
- {name: pg, kind: db.sql.postgres, dsn: %q}
- {name: kv, kind: store.sql, database: pg, table_name: %s, version_column_name: version, create_table: true}
`, dsn, table)), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r := luahost(t, dir, "", "-r", reg, "run", "-e", `assert(store.get("app:kv")):clear()`)
		if r.code != 0 {
			t.Errorf("clean up: %s", r.stderr)
		}
		dropTable(t, dsn, table)
	})
	const rounds = "40"
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i, me := range []string{"A", "B"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = luahost(t, dir, writerScript, "-r", reg, "run", "-", me, rounds)
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 || !strings.HasPrefix(r.stdout, "done") {
			t.Fatalf("writer %d: exit %d\n%s%s", i, r.code, r.stdout, r.stderr)
		}
	}
	r := luahost(t, dir, verifyScript, "-r", reg, "run", "-", rounds)
	if r.code != 0 || r.stdout != "verified\n" {
		t.Fatalf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func dropTable(t *testing.T, dsn, table string) {
	out, err := exec.Command("psql", dsn, "-c", `DROP TABLE IF EXISTS "`+table+`"`).CombinedOutput()
	if err != nil {
		t.Errorf("drop %s: %v: %s", table, err, out)
	}
}

// TestTwoHostsShareOneRedisStore runs the same two writers on one
// store.redis, on the shared standalone server and on a 3-master cluster
// the test starts: incr and compare-and-set counts are exact.
func TestTwoHostsShareOneRedisStore(t *testing.T) {
	addr := dbtest.RedisAddr(t)
	t.Run("standalone", func(t *testing.T) {
		prefix := dbtest.KeyPrefix(t)
		t.Cleanup(func() {
			c := redis.NewClient(&redis.Options{Addr: addr})
			defer c.Close()
			if err := c.Del(context.Background(), "{"+prefix+"}:ver").Err(); err != nil {
				t.Error(err)
			}
		})
		twoHosts(t, fmt.Sprintf("{name: redis, kind: db.redis, addr: %q}", addr), prefix)
	})
	t.Run("cluster", func(t *testing.T) {
		if err := redistest.Available(); err != nil {
			dbtest.Unavailable(t, err.Error())
		}
		c, err := redistest.StartCluster(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		addrs, _ := json.Marshal(c.Addrs())
		twoHosts(t, fmt.Sprintf("{name: redis, kind: db.redis, addrs: %s}", addrs), dbtest.KeyPrefix(t))
	})
}

// twoHosts runs writerScript in two processes on a store.redis over the
// db.redis entry db, then verifyScript.
func twoHosts(t *testing.T, db, prefix string) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "registry.yaml")
	err := os.WriteFile(reg, []byte(fmt.Sprintf("- %s\n- {name: kv, kind: store.redis, database: redis, prefix: %q}\n", db, prefix)), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r := luahost(t, dir, "", "-r", reg, "run", "-e", `assert(store.get("app:kv")):clear()`)
		if r.code != 0 {
			t.Errorf("clean up: %s", r.stderr)
		}
	})
	const rounds = "40"
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i, me := range []string{"A", "B"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = luahost(t, dir, writerScript, "-r", reg, "run", "-", me, rounds)
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 || !strings.HasPrefix(r.stdout, "done") {
			t.Fatalf("writer %d: exit %d\n%s%s", i, r.code, r.stdout, r.stderr)
		}
	}
	r := luahost(t, dir, verifyScript, "-r", reg, "run", "-", rounds)
	if r.code != 0 || r.stdout != "verified\n" {
		t.Fatalf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
