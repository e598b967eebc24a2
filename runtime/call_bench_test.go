//go:build unix

package runtime

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/internal/dbtest"
	"github.com/luahost/luahost/luastd"
)

// callLoops is the script of BenchmarkStoreCall: after its setup it
// returns two functions running the same loop, writes then reads for i
// from i0 to i1, over the same 10,000 keys, one on a plain Lua table, one
// on a store handle.
const callLoops = `
local s = assert(store.get("app:cache"))
local keys = {}
for i = 1, 10000 do keys[i] = "key:" .. i end
local n = #keys
local t = {}
local function tableLoop(i0, i1)
  for i = i0, i1 do t[keys[i % n + 1]] = "value" end
  for i = i0, i1 do local v = t[keys[i % n + 1]] end
end
local function storeLoop(i0, i1)
  for i = i0, i1 do s:set(keys[i % n + 1], "value") end
  for i = i0, i1 do local v = s:get(keys[i % n + 1]) end
end
return tableLoop, storeLoop
`

// redisCallLoop is the same loop run inside Redis by EVAL, for i from
// ARGV[1] to ARGV[2]: on a Lua table when ARGV[3] is "table", else with
// redis.call SET and GET on KEYS[1]..i; with ARGV[3] "delete" it deletes
// those keys.
const redisCallLoop = `
local i0, i1, mode = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local keys = {}
for i = 1, 10000 do keys[i] = KEYS[1] .. i end
local n = #keys
if mode == "table" then
  local t = {}
  for i = i0, i1 do t[keys[i % n + 1]] = "value" end
  for i = i0, i1 do local v = t[keys[i % n + 1]] end
elseif mode == "call" then
  for i = i0, i1 do redis.call("SET", keys[i % n + 1], "value") end
  for i = i0, i1 do local v = redis.call("GET", keys[i % n + 1]) end
else
  for i = 1, n, 1000 do redis.call("DEL", unpack(keys, i, math.min(i + 999, n))) end
end
return 0
`

// redisCPU runs redisCallLoop for i from 1 to n in EVALs of callChunk
// iterations (a long script would make the shared Redis answer BUSY to
// everyone else), and returns the CPU time of the Redis server's main
// thread while they ran, read from /proc/PID/schedstat: Redis 7.0 has no
// os.clock in scripts, and its wall time on a loaded machine counts
// waiting for a CPU.
func redisCPU(b *testing.B, rdb *redis.Client, stat, prefix string, n int, mode string) time.Duration {
	read := func() time.Duration {
		data, err := os.ReadFile(stat)
		if err != nil {
			b.Fatal(err)
		}
		ns, err := strconv.ParseInt(strings.Fields(string(data))[0], 10, 64)
		if err != nil {
			b.Fatalf("%s: %v", stat, err)
		}
		return time.Duration(ns)
	}
	var cpu time.Duration
	for i0 := 1; i0 <= n; i0 += callChunk {
		start := read()
		err := rdb.Eval(context.Background(), redisCallLoop, []string{prefix}, i0, min(i0+callChunk-1, n), mode).Err()
		cpu += read() - start
		if err != nil {
			b.Fatal(err)
		}
	}
	return cpu
}

// redisStat returns the schedstat file of the main thread of the Redis
// server rdb talks to, which must run on this machine.
func redisStat(b *testing.B, rdb *redis.Client) string {
	info, err := rdb.Info(context.Background(), "server").Result()
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(info) {
		if pid, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok {
			stat := "/proc/" + pid + "/schedstat"
			if _, err := os.Stat(stat); err != nil {
				b.Skipf("redis.call figures need the Redis server on this machine: %v", err)
			}
			return stat
		}
	}
	b.Fatal("INFO server has no process_id")
	return ""
}

// callChunk is how many iterations of each loop BenchmarkStoreCall runs
// before switching to the other.
const callChunk = 50_000

// callTableLoop and callStoreLoop call one chunk of a loop of callLoops.
// They are two functions so that a CPU profile shows each loop's cost
// apart.
//
//go:noinline
func callTableLoop(L *lua.LState, fn lua.LValue, i0, i1 int) error {
	return L.CallByParam(lua.P{Fn: fn, Protect: true}, lua.LNumber(i0), lua.LNumber(i1))
}

//go:noinline
func callStoreLoop(L *lua.LState, fn lua.LValue, i0, i1 int) error {
	return L.CallByParam(lua.P{Fn: fn, Protect: true}, lua.LNumber(i0), lua.LNumber(i1))
}

// cpuTime returns the CPU time (user and system) the process has used:
// it counts the garbage collector's work on other threads, which the
// calls cause, and not the time the process waits for a CPU on a loaded
// machine.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkStoreCall measures the cost of a store call against a table
// access, on the path a script run by luahost run takes: a runtime built
// from a registry with a store.memory entry, a pooled state with its run
// context, isolation, memory watchdog (sandbox) and store proxy. Each op
// is one run that does LUAHOST_BENCH_CALL_N (default 1,000,000) t[k] = v
// and v = t[k] on a Lua table, and as many s:set(k, v) and s:get(k), over
// 10,000 keys, in alternating chunks of callChunk writes and reads.
// Figures are Go-side process CPU time:
//
//	store/table       CPU time of the store loop over the table loop
//	overhead-ns/call  (store - table) / 2N
//	table-ns/op, store-ns/op  CPU time per access or call
//	wall-store/table  the same ratio in wall time
//
// Instructions are counted under callgrind, one loop at a time: the
// difference of the totals of two runs with different N, over 2N, is the
// loop's instructions per access or call:
//
//	GODEBUG=asyncpreemptoff=1 LUAHOST_BENCH_CALL_LOOP=store LUAHOST_BENCH_CALL_N=100000 \
//	  valgrind --tool=callgrind ./runtime.test -test.run '^$' -test.bench StoreCall/run -test.benchtime 1x
//
// With LUAHOST_TEST_REDIS_ADDR set (a Redis on this machine), each op
// also runs the same loops in Redis by EVAL, in chunks as well (keys under
// a prefix of their own, deleted at the end), and reports
// redis-overhead-ns/call, (redis.call loop - table loop) / 2N in the CPU
// time of Redis's main thread, and ours/redis, the ratio of the two
// overheads.
//
// LUAHOST_BENCH_CALL_CONTEXT=off runs both loops on a state without a
// context, as no run of luahost does: gopher-lua then skips the check of
// the context's Done channel it makes before every VM instruction. The
// difference in overhead-ns/call is what that check costs on the VM
// instructions a method call takes beyond a table access (SELF, the
// argument loads, CALL).
func BenchmarkStoreCall(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("LUAHOST_BENCH_CALL_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("LUAHOST_BENCH_CALL_N=%q: want a positive integer", v)
		}
	}
	// LUAHOST_BENCH_CALL_LOOP=table or store runs only that loop, to count
	// its instructions under callgrind.
	only := os.Getenv("LUAHOST_BENCH_CALL_LOOP")
	if only != "" && only != "table" && only != "store" {
		b.Fatalf("LUAHOST_BENCH_CALL_LOOP=%q: want table or store", only)
	}
	noContext := false
	switch v := os.Getenv("LUAHOST_BENCH_CALL_CONTEXT"); v {
	case "", "on":
	case "off":
		noContext = true
	default:
		b.Fatalf("LUAHOST_BENCH_CALL_CONTEXT=%q: want on or off", v)
	}
	var rdb *redis.Client
	stat, prefix := "", ""
	if os.Getenv(dbtest.EnvRedisAddr) != "" && only == "" {
		rdb = redis.NewClient(&redis.Options{Addr: dbtest.RedisAddr(b), ReadTimeout: -1})
		b.Cleanup(func() { rdb.Close() })
		stat = redisStat(b, rdb)
		prefix = "luahost-bench-call:" + strconv.Itoa(os.Getpid()) + ":"
		b.Cleanup(func() {
			if err := rdb.Eval(context.Background(), redisCallLoop, []string{prefix}, 0, 0, "delete").Err(); err != nil {
				b.Error(err)
			}
		})
	}
	for _, tc := range []struct {
		name string
		opts []Option
	}{
		{"run", nil},
		{"sandbox", []Option{WithSandbox(), WithMemoryLimit(1 << 30)}}, // as luahost run --sandbox
	} {
		b.Run(tc.name, func(b *testing.B) {
			opts := append([]Option{WithRegistryString("bench.yaml", `- {name: cache, kind: store.memory}`)}, tc.opts...)
			rt, err := New(context.Background(), opts...)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { rt.Close(context.Background()) })
			var tableCPU, storeCPU, tableWall, storeWall, redisTable, redisCall time.Duration
			for b.Loop() {
				err := rt.Do(context.Background(), func(L *lua.LState) error {
					if err := L.DoString(callLoops); err != nil {
						return err
					}
					if noContext {
						defer luastd.SetContext(L, L.RemoveContext())
					}
					tableLoop, storeLoop := L.Get(-2), L.Get(-1)
					L.Pop(2)
					run := func(call func(*lua.LState, lua.LValue, int, int) error, fn lua.LValue, i0, i1 int, cpu, wall *time.Duration) error {
						c0, w0 := cpuTime(b), time.Now()
						err := call(L, fn, i0, i1)
						*cpu += cpuTime(b) - c0
						*wall += time.Since(w0)
						return err
					}
					// Chunks of the two loops alternate, so that load
					// drifting during the run hits both alike.
					for i0 := 1; i0 <= n; i0 += callChunk {
						i1 := min(i0+callChunk-1, n)
						if only != "store" {
							if err := run(callTableLoop, tableLoop, i0, i1, &tableCPU, &tableWall); err != nil {
								return err
							}
						}
						if only != "table" {
							if err := run(callStoreLoop, storeLoop, i0, i1, &storeCPU, &storeWall); err != nil {
								return err
							}
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				if rdb != nil {
					redisTable += redisCPU(b, rdb, stat, prefix, n, "table")
					redisCall += redisCPU(b, rdb, stat, prefix, n, "call")
				}
			}
			calls := float64(2 * n * b.N)
			if only != "" {
				return
			}
			overhead := float64(storeCPU-tableCPU) / calls
			b.ReportMetric(float64(storeCPU)/float64(tableCPU), "store/table")
			b.ReportMetric(overhead, "overhead-ns/call")
			b.ReportMetric(float64(tableCPU)/calls, "table-ns/op")
			b.ReportMetric(float64(storeCPU)/calls, "store-ns/op")
			b.ReportMetric(float64(storeWall)/float64(tableWall), "wall-store/table")
			if rdb != nil {
				redisOverhead := float64(redisCall-redisTable) / calls
				b.ReportMetric(redisOverhead, "redis-overhead-ns/call")
				b.ReportMetric(overhead/redisOverhead, "ours/redis")
			}
		})
	}
}
