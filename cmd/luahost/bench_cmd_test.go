package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/luahost/luahost/internal/dbtest"
)

// benchJSON is the documented schema of `luahost bench --json`.
type benchJSON struct {
	Store     string       `json:"store"`
	Kind      string       `json:"kind"`
	Backend   string       `json:"backend"`
	Level     string       `json:"level"`
	Keys      int          `json:"keys"`
	ValueSize int          `json:"value_size"`
	Clients   int          `json:"clients"`
	Duration  float64      `json:"duration_s"`
	Requests  int64        `json:"requests"`
	Prefix    string       `json:"prefix"`
	ListLimit int          `json:"list_limit"`
	LuaBatch  int          `json:"lua_batch"`
	Phases    []benchPhase `json:"phases"`
}

type benchPhase struct {
	Name    string  `json:"name"`
	Elapsed float64 `json:"elapsed_s"`
	benchStats
	ByOp []benchStats `json:"by_op"`
}

type benchStats struct {
	Op         string        `json:"op"`
	Ops        int64         `json:"ops"`
	OpsPerSec  float64       `json:"ops_per_sec"`
	Errors     int64         `json:"errors"`
	Conflicts  int64         `json:"conflicts"`
	FirstError string        `json:"first_error"`
	Latency    *benchLatency `json:"latency_us"`
}

type benchLatency struct {
	Mean, P50, P99, P999, Max float64
}

func (l *benchLatency) UnmarshalJSON(b []byte) error {
	var m struct {
		Mean float64 `json:"mean"`
		P50  float64 `json:"p50"`
		P99  float64 `json:"p99"`
		P999 float64 `json:"p999"`
		Max  float64 `json:"max"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*l = benchLatency{m.Mean, m.P50, m.P99, m.P999, m.Max}
	return nil
}

// checkStats reports what is wrong with one operation's figures: no
// calls, errors, or latencies out of order.
func checkStats(s benchStats, wantLatency bool) error {
	var errs []string
	if s.Ops <= 0 || s.OpsPerSec <= 0 {
		errs = append(errs, fmt.Sprintf("ops %d, ops/s %g: want > 0", s.Ops, s.OpsPerSec))
	}
	if s.Errors != 0 || s.FirstError != "" {
		errs = append(errs, fmt.Sprintf("%d errors, first %q", s.Errors, s.FirstError))
	}
	switch l := s.Latency; {
	case l == nil && wantLatency:
		errs = append(errs, "no latency_us")
	case l != nil && !wantLatency:
		errs = append(errs, "latency_us set, want null")
	case l != nil && !(0 < l.P50 && l.P50 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max && l.Mean > 0 && l.Mean <= l.Max):
		errs = append(errs, fmt.Sprintf("latency_us %+v: want 0 < p50 <= p99 <= p99.9 <= max, 0 < mean <= max", *l))
	}
	if errs != nil {
		return fmt.Errorf("%s: %s", s.Op, strings.Join(errs, "; "))
	}
	return nil
}

// parseBench decodes --json output and checks every phase: phase names
// in order, every operation with calls, no errors, ordered percentiles.
func parseBench(t *testing.T, r result, phases []string, byOp []string, lua bool) benchJSON {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	var got benchJSON
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("stdout is not the documented JSON: %v\n%s", err, r.stdout)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON document:\n%s", r.stdout)
	}
	var names []string
	for _, p := range got.Phases {
		names = append(names, p.Name)
		if p.Elapsed <= 0 {
			t.Errorf("phase %s: elapsed_s %g", p.Name, p.Elapsed)
		}
		if err := checkStats(p.benchStats, true); err != nil {
			t.Errorf("phase %s: %v", p.Name, err)
		}
		var ops []string
		var sum int64
		for _, s := range p.ByOp {
			ops = append(ops, s.Op)
			sum += s.Ops
			if err := checkStats(s, !lua); err != nil {
				t.Errorf("phase %s: %v", p.Name, err)
			}
		}
		if p.ByOp != nil && sum != p.Ops {
			t.Errorf("phase %s: by_op ops add up to %d, total %d", p.Name, sum, p.Ops)
		}
		if !slices.Equal(ops, byOp) {
			t.Errorf("phase %s: by_op %q, want %q", p.Name, ops, byOp)
		}
	}
	if !slices.Equal(names, phases) {
		t.Errorf("phases %q, want %q", names, phases)
	}
	wantLevel := "go"
	if lua {
		wantLevel = "lua"
	}
	if got.Level != wantLevel {
		t.Errorf("level %q, want %q", got.Level, wantLevel)
	}
	return got
}

// writeRegistry writes a registry file holding entries and returns its path.
func writeRegistry(t *testing.T, entries string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "registry.yaml")
	if err := os.WriteFile(p, []byte("version: \"1.0\"\nnamespace: app\nentries:\n"+entries), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

var allOps = []string{"set", "get", "incr", "put-if-version", "list"}

func TestBenchMemory(t *testing.T) {
	reg := writeRegistry(t, `
  - {name: cache, kind: store.memory}
  - {name: tiny, kind: store.memory, max_size: 10}
`)
	common := []string{"-r", reg, "bench", "app:cache", "--keys", "200", "--duration", "50ms", "--json"}
	tests := []struct {
		name   string
		args   []string
		phases []string
		byOp   []string
		lua    bool
	}{
		{name: "go, every op, one client", args: []string{"--op", strings.Join(allOps, ",")}, phases: allOps},
		{name: "go, every op, three clients", args: []string{"--op", strings.Join(allOps, ","), "-c", "3"}, phases: allOps},
		{name: "go, default ops", phases: []string{"set", "get"}},
		{name: "go, mix", args: []string{"--mix", "get=90,set=10", "-c", "2"},
			phases: []string{"mix get=90,set=10"}, byOp: []string{"get", "set"}},
		{name: "lua, every op", args: []string{"--lua", "--op", strings.Join(allOps, ",")}, phases: allOps, lua: true},
		{name: "lua, batch of one, two clients", args: []string{"--lua", "--lua-batch", "1", "-c", "2", "--op", "get,incr"},
			phases: []string{"get", "incr"}, lua: true},
		{name: "lua, mix", args: []string{"--lua", "--mix", "get=90,set=10", "-c", "2"},
			phases: []string{"mix get=90,set=10"}, byOp: []string{"get", "set"}, lua: true},
		{name: "lua, mix of every op", args: []string{"--lua", "--mix", "set=1,get=1,incr=1,put-if-version=1,list=1"},
			phases: []string{"mix set=1,get=1,incr=1,put-if-version=1,list=1"}, byOp: allOps, lua: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := inProcess(t, "", append(slices.Clone(common), tc.args...)...)
			got := parseBench(t, r, tc.phases, tc.byOp, tc.lua)
			if got.Store != "app:cache" || got.Kind != "store.memory" || got.Backend != "memory" || got.Keys != 200 || got.ValueSize != 100 {
				t.Errorf("header %+v: want app:cache, store.memory, memory, 200 keys, 100-byte values", got)
			}
			if r.stderr != "" {
				t.Errorf("stderr %q, want none (stderr is not a terminal)", r.stderr)
			}
			// A 90/10 mix makes about 9 gets for each set.
			if p := got.Phases[0]; len(p.ByOp) == 2 && p.Ops >= 1000 {
				if share := float64(p.ByOp[0].Ops) / float64(p.Ops); share < 0.85 || share > 0.95 {
					t.Errorf("get is %.3f of the mix's %d calls, want about 0.9", share, p.Ops)
				}
			}
		})
	}

	t.Run("requests count the calls", func(t *testing.T) {
		r := inProcess(t, "", "-r", reg, "bench", "app:cache", "-n", "301", "-c", "2", "--op", "set,incr", "--json")
		got := parseBench(t, r, []string{"set", "incr"}, nil, false)
		for _, p := range got.Phases {
			if p.Ops != 301 {
				t.Errorf("%s: %d calls, want 301", p.Name, p.Ops)
			}
		}
		r = inProcess(t, "", "-r", reg, "bench", "app:cache", "-n", "250", "--lua", "--lua-batch", "100", "--op", "get", "--json")
		got = parseBench(t, r, []string{"get"}, nil, true)
		if got.Phases[0].Ops != 250 {
			t.Errorf("lua get: %d calls, want 250", got.Phases[0].Ops)
		}
	})

	t.Run("failed calls are counted and exit 1", func(t *testing.T) {
		r := inProcess(t, "", "-r", reg, "bench", "app:tiny", "--keys", "100", "-n", "200", "--op", "set", "--json")
		if r.code != 1 || !strings.Contains(r.stderr, "calls failed") {
			t.Errorf("exit %d, stderr %q; want 1 and the failed calls", r.code, r.stderr)
		}
		var got benchJSON
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("figures not printed: %v\n%s", err, r.stdout)
		}
		set := got.Phases[0]
		if set.Ops != 200 || set.Errors == 0 || set.Errors >= 200 || !strings.Contains(set.FirstError, "full") {
			t.Errorf("set: %d calls, %d errors, first %q; want 200 calls, some failing with the store full", set.Ops, set.Errors, set.FirstError)
		}
	})

	t.Run("text output and progress line", func(t *testing.T) {
		r := inProcess(t, "", "-r", reg, "bench", "app:cache", "--duration", "300ms", "--op", "set,get", "--progress", "always")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if len(lines) != 4 {
			t.Fatalf("stdout has %d lines, want a header, a column line and 2 rows:\n%s", len(lines), r.stdout)
		}
		if want := "store app:cache (store.memory, memory), Go level, 1 client, 10000 keys, 100-byte values, 0.3s per phase"; lines[0] != want {
			t.Errorf("header %q, want %q", lines[0], want)
		}
		if f := strings.Fields(lines[1]); !slices.Equal(f, []string{"op", "ops", "ops/s", "errors", "mean", "p50", "p99", "p99.9", "max"}) {
			t.Errorf("columns %q", f)
		}
		for i, op := range []string{"set", "get"} {
			if f := strings.Fields(lines[2+i]); len(f) != 9 || f[0] != op || f[3] != "0" {
				t.Errorf("row %q: want %s, 8 figures, 0 errors", lines[2+i], op)
			}
		}
		for _, want := range []string{"\rset: ", "\rget: ", " ops/s, 0 errors", "\r\x1b[K"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr %q lacks the progress line part %q", r.stderr, want)
			}
		}
	})
}

func TestBenchUsageErrors(t *testing.T) {
	reg := writeRegistry(t, fmt.Sprintf(`
  - {name: cache, kind: store.memory}
  - {name: db, kind: db.sql.sqlite, file: %q}
  - {name: plain, kind: store.sql, database: db, table_name: plain, create_table: true}
`, filepath.Join(t.TempDir(), "u.db")))
	tests := []struct {
		name      string
		args      []string
		stderrHas []string
	}{
		{name: "unknown store", args: []string{"app:cachee"},
			stderrHas: []string{`no entry "app:cachee"`, `did you mean "app:cache"`, "the registry's stores: app:cache (store.memory), app:plain (store.sql)"}},
		{name: "not a store", args: []string{"app:db"},
			stderrHas: []string{"app:db is a db.sql.sqlite, not a store", "app:cache (store.memory)"}},
		{name: "malformed ID", args: []string{"cache"}, stderrHas: []string{`malformed store ID "cache"`}},
		{name: "unsupported op", args: []string{"app:plain", "--op", "set,put-if-version"},
			stderrHas: []string{"store app:plain does not support put-if-version", "version_column_name"}},
		{name: "unsupported op in a mix", args: []string{"app:plain", "--mix", "get=9,put-if-version=1"},
			stderrHas: []string{"does not support put-if-version"}},
		{name: "unknown op", args: []string{"app:cache", "--op", "set,gett"},
			stderrHas: []string{`--op: unknown operation "gett": want one of set, get, incr, put-if-version, list`}},
		{name: "op twice", args: []string{"app:cache", "--op", "get,get"}, stderrHas: []string{`"get" is listed twice`}},
		{name: "bad mix", args: []string{"app:cache", "--mix", "get=90,set"}, stderrHas: []string{`--mix: "set": want op=weight`}},
		{name: "zero weight", args: []string{"app:cache", "--mix", "get=0"}, stderrHas: []string{"positive integer"}},
		{name: "op and mix", args: []string{"app:cache", "--op", "get", "--mix", "get=1"}, stderrHas: []string{"--op and --mix"}},
		{name: "bad numbers", args: []string{"app:cache", "--keys", "0", "-c", "0", "--list-limit", "5000", "--prefix", ""},
			stderrHas: []string{"bad flags", "keys 0", "clients 0", "list limit 5000", "prefix"}},
		{name: "no limit", args: []string{"app:cache", "--duration", "0"}, stderrHas: []string{"duration and requests are both 0"}},
		{name: "bad progress", args: []string{"app:cache", "--progress", "sometimes"}, stderrHas: []string{`--progress "sometimes"`}},
		{name: "value too large", args: []string{"app:cache", "--value-size", "2GiB"},
			stderrHas: []string{"--value-size 2147483648: want at most 67108864 bytes"}},
		{name: "bad value size", args: []string{"app:cache", "--value-size", "lots"}, stderrHas: []string{`"lots" is not a size`}},
		{name: "no store", args: nil, stderrHas: []string{"bench needs one store ID"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := inProcess(t, "", append([]string{"-r", reg, "bench"}, tc.args...)...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2", r.code)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want none", r.stdout)
			}
			for _, want := range tc.stderrHas {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr %q lacks %q", r.stderr, want)
				}
			}
		})
	}
}

// TestBenchBackends runs every operation at both levels against each
// durable backend, and checks the benchmark deletes its keys (and only
// its keys) unless --keep.
func TestBenchBackends(t *testing.T) {
	sqlStore := "  - {name: kv, kind: store.sql, database: db, table_name: %s, create_table: true, version_column_name: version}\n"
	backends := []struct {
		name     string
		registry func(t *testing.T) string
	}{
		{name: "sqlite", registry: func(t *testing.T) string {
			return fmt.Sprintf("  - {name: db, kind: db.sql.sqlite, file: %q}\n"+sqlStore,
				filepath.Join(t.TempDir(), "bench.db"), "kv")
		}},
		{name: "postgres", registry: func(t *testing.T) string {
			dsn := dbtest.PostgresDSN(t)
			table := dbtest.TableName(t)
			dbtest.DropTablesAt(t, "pgx", dsn, `"`+table+`"`)
			return fmt.Sprintf("  - {name: db, kind: db.sql.postgres, dsn: %q}\n"+sqlStore, dsn, table)
		}},
		{name: "mysql", registry: func(t *testing.T) string {
			dsn := dbtest.MySQLDSN(t)
			table := dbtest.TableName(t)
			dbtest.DropTablesAt(t, "mysql", dsn, "`"+table+"`")
			return fmt.Sprintf("  - {name: db, kind: db.sql.mysql, dsn: %q}\n"+sqlStore, dsn, table)
		}},
		{name: "redis", registry: func(t *testing.T) string {
			addr := dbtest.RedisAddr(t)
			prefix := dbtest.KeyPrefix(t)
			t.Cleanup(func() {
				c := redis.NewClient(&redis.Options{Addr: addr})
				defer c.Close()
				ctx := context.Background()
				iter := c.Scan(ctx, 0, "{"+prefix+"}:*", 1000).Iterator()
				for iter.Next(ctx) {
					if err := c.Del(ctx, iter.Val()).Err(); err != nil {
						t.Error(err)
					}
				}
				if err := iter.Err(); err != nil {
					t.Error(err)
				}
			})
			return fmt.Sprintf("  - {name: db, kind: db.redis, addr: %q}\n  - {name: kv, kind: store.redis, database: db, prefix: %q}\n",
				addr, prefix)
		}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			reg := writeRegistry(t, b.registry(t))
			run := func(code string) string {
				t.Helper()
				r := inProcess(t, "", "-r", reg, "run", "-e", code)
				if r.code != 0 {
					t.Fatalf("run %s: exit %d: %s", code, r.code, r.stderr)
				}
				return r.stdout
			}
			run(`assert(assert(store.get("app:kv")):set("other", "not the benchmark's"))`)
			countKeys := `local s = assert(store.get("app:kv"))
				local n, after = 0, nil
				repeat
					local p = assert(s:list({after = after, limit = 1000}))
					for _, e in ipairs(p.items) do
						if e.key:sub(1, 6) == "bench:" then n = n + 1 else print(e.key, e.value) end
					end
					after = p.cursor
				until not p.has_more
				print(n)`
			for _, level := range []string{"go", "lua"} {
				t.Run(level, func(t *testing.T) {
					args := []string{"-r", reg, "bench", "app:kv", "--keys", "50", "--duration", "50ms", "-c", "2",
						"--op", strings.Join(allOps, ","), "--json"}
					if level == "lua" {
						args = append(args, "--lua", "--lua-batch", "10")
					}
					parseBench(t, inProcess(t, "", args...), allOps, nil, level == "lua")
					if got, want := run(countKeys), "other\tnot the benchmark's\n0\n"; got != want {
						t.Errorf("after the benchmark the store holds (non-bench keys, then bench key count):\n%s\nwant:\n%s", got, want)
					}
				})
			}
			t.Run("keep", func(t *testing.T) {
				parseBench(t, inProcess(t, "", "-r", reg, "bench", "app:kv", "--keys", "30", "-n", "40",
					"--op", "get,incr", "--keep", "--json"), []string{"get", "incr"}, nil, false)
				out := run(countKeys)
				// 30 data keys, and the counters the 40 incr calls reached.
				var n int
				if _, err := fmt.Sscanf(strings.TrimPrefix(out, "other\tnot the benchmark's\n"), "%d", &n); err != nil || n <= 30 || n > 60 {
					t.Errorf("with --keep the store holds:\n%s\nwant other and 31 to 60 bench keys", out)
				}
				// A later run refuses to touch the keys left under its prefix.
				r := inProcess(t, "", "-r", reg, "bench", "app:kv", "-n", "10", "--keys", "20")
				if r.code != 2 || !strings.Contains(r.stderr, `store app:kv already holds keys under the prefix "bench:"`) {
					t.Errorf("bench over kept keys: exit %d, stderr %q; want 2 and the keys named", r.code, r.stderr)
				}
				if got := run(countKeys); got != out {
					t.Errorf("the refused run changed the store: now\n%s\nwant\n%s", got, out)
				}
				parseBench(t, inProcess(t, "", "-r", reg, "bench", "app:kv", "-n", "10", "--keys", "20", "--prefix", "bench2:", "--json"),
					[]string{"set", "get"}, nil, false)
			})
		})
	}
}
