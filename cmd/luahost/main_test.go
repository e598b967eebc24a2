package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "luahost-cli")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "luahost")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// luahost runs the built command in dir with stdin.
func luahost(t *testing.T, dir, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), "LUAHOST_REGISTRY=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, stdout.String(), stderr.String()}
}

// lockedBuffer is a bytes.Buffer safe for the concurrent writes of a
// script and the runtime's logger.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// inProcess runs the command inside the test process, through the same
// execute main uses, with stdin and LUAHOST_REGISTRY empty. The working
// directory is the package's.
func inProcess(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	getenv := func(name string) string {
		if name == "LUAHOST_REGISTRY" {
			return ""
		}
		return os.Getenv(name)
	}
	var stdout, stderr lockedBuffer
	code := execute(t.Context(), nil, getenv, args, strings.NewReader(stdin), &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

func testdata(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCommands(t *testing.T) {
	emptyDir := t.TempDir()
	tests := []struct {
		name       string
		args       []string
		stdin      string
		wantCode   int
		wantStdout string   // exact, when not empty
		stdoutHas  []string // substrings
		stderrHas  []string
		// process runs the built command in a fresh folder: the case writes
		// the default registry's luahost.db in the working directory, or
		// --max-memory sets the process's memory limit.
		process bool
	}{
		{name: "inline code", args: []string{"run", "-e", "print(1 + 1)"}, wantStdout: "2\n"},
		{name: "args and arg table", args: []string{"run", testdata(t, "args.lua"), "a", "--b"},
			wantStdout: "2\t" + testdata(t, "args.lua") + "\ta\t--b\n"},
		{name: "inline code with args", args: []string{"run", "-e", "print(...)", "x", "y"}, wantStdout: "x\ty\n"},
		{name: "stdin", args: []string{"run", "-", "z"}, stdin: "print('from stdin', ...)", wantStdout: "from stdin\tz\n"},
		{name: "default registry memory and sqlite", args: []string{"run", "-e", `
			local c = assert(store.get("app:cache")); c:set("k", {1, "two"})
			local kv = assert(store.get("app:kv")); kv:set("k", "durable")
			print(c:get("k")[2], kv:get("k"))`}, wantStdout: "two\tdurable\n", process: true},
		{name: "script error exits 1 with traceback", args: []string{"run", testdata(t, "fail.lua")}, wantCode: 1,
			stderrHas: []string{"fail.lua:2: something broke", "stack traceback:", "fail.lua:4: in main chunk"}},
		{name: "assert with a store error", args: []string{"run", "-e", `local s = assert(store.get("app:cahce"))`}, wantCode: 1,
			stderrHas: []string{`(command line):1: NOT_FOUND: no entry "app:cahce" in the registry (did you mean "app:cache"?)`}},
		{name: "syntax error exits 1", args: []string{"run", "-e", "x = = 1"}, wantCode: 1, stderrHas: []string{"(command line)"}},
		{name: "os.exit code", args: []string{"run", "-e", "print('bye') os.exit(7)"}, wantCode: 7, wantStdout: "bye\n"},
		{name: "os.exit false", args: []string{"run", "-e", "os.exit(false)"}, wantCode: 1},
		{name: "os.exit true", args: []string{"run", "-e", "os.exit(true)"}, wantCode: 0},
		{name: "os.exit without status", args: []string{"run", "-e", "os.exit()"}, wantCode: 0},
		{name: "os.exit 255", args: []string{"run", "-e", "os.exit(255)"}, wantCode: 255},
		{name: "os.exit string", args: []string{"run", "-e", `os.exit("5")`}, wantCode: 1,
			stderrHas: []string{"(command line):1: bad argument #1 to 'exit' (exit status must be a boolean or an integer from 0 to 255, got string)"}},
		{name: "os.exit NaN", args: []string{"run", "-e", "os.exit(0/0)"}, wantCode: 1,
			stderrHas: []string{"(exit status must be an integer from 0 to 255, got "}},
		{name: "os.exit 256", args: []string{"run", "-e", "os.exit(256)"}, wantCode: 1,
			stderrHas: []string{"exit status must be an integer from 0 to 255, got 256"}},
		{name: "os.exit negative", args: []string{"run", "-e", "os.exit(-1)"}, wantCode: 1,
			stderrHas: []string{"exit status must be an integer from 0 to 255, got -1"}},
		{name: "os.exit fraction", args: []string{"run", "-e", "os.exit(1.5)"}, wantCode: 1,
			stderrHas: []string{"exit status must be an integer from 0 to 255, got 1.5"}},
		{name: "os.exit bad status is catchable", args: []string{"run", "-e", `print(pcall(os.exit, "5")) print("went on")`},
			stdoutHas: []string{"false	", "went on"}},
		{name: "max-memory stops a growing table", args: []string{"run", "--max-memory", "64MiB", "-e",
			`local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 1000) .. i end`}, wantCode: 1,
			stderrHas: []string{"luahost: INVALID: memory limit of 64 MiB exceeded"}, process: true},
		{name: "max-memory in the REPL", args: []string{"repl", "--max-memory", "64MiB"},
			stdin: "t = {} for i = 1, 1e9 do t[i] = string.rep('x', 1000) .. i end\nt = nil print('alive')\n", wantCode: 1,
			wantStdout: "alive\n", stderrHas: []string{"INVALID: memory limit of 64 MiB exceeded"}, process: true},
		{name: "max-memory bad size", args: []string{"run", "--max-memory", "lots", "-e", ""}, wantCode: 2,
			stderrHas: []string{`"lots" is not a size`}},
		{name: "io.write and io.stdout write to the command's output", args: []string{"run", "-e",
			`print(1) io.write("a", 0.5, " ", 2^53, "\n") io.stdout:write("b\n") io.output():write("c\n") print(io.write("") == true)`},
			wantStdout: "1\na0.5 9.007199254741e+15\nb\nc\ntrue\n"},
		{name: "io.close leaves the command's output open", args: []string{"run", "-e", `print(io.close()) io.write("after\n")`},
			wantStdout: "nil\tcannot close standard file\nafter\n"},
		{name: "io.write with a bad argument", args: []string{"run", "-e", `io.write("partial", nil)`}, wantCode: 1,
			wantStdout: "partial", stderrHas: []string{"(command line):1: bad argument #2 to 'write' (string expected, got nil)"}},
		{name: "io.write in the REPL", args: []string{"repl"}, stdin: "io.write('r1 ', 1.5, '\\n')\nprint('r2')\nlocal x = io.stdout:write('r3\\n')\n",
			wantStdout: "r1 1.5\ntrue\nr2\nr3\n"},
		{name: "sandbox has no os.exit", args: []string{"run", "--sandbox", "-e", "print(os.exit, _printregs)"}, wantStdout: "nil\tnil\n"},
		{name: "timeout stops a loop", args: []string{"run", "--timeout", "100ms", "-e", "while true do end"}, wantCode: 1,
			stderrHas: []string{"script timed out after 100ms"}},
		{name: "sandbox", args: []string{"run", "--sandbox", "-e",
			"print(io, os.getenv, os.execute, loadfile, dofile, type(os.time), type(os.clock), type(os.date), pcall(require, 'args'))"},
			wantStdout: "nil\tnil\tnil\tnil\tnil\tfunction\tfunction\tfunction\tfalse\t(command line):1: module args not found:\n\tno field package.preload['args'], \n"},
		{name: "without sandbox require reads files", args: []string{"run", "-e", "package.path = './?.lua'; print(pcall(require, 'args'))"},
			wantStdout: "", stderrHas: nil, stdoutHas: []string{"stat ./args.lua: no such file"}},
		{name: "missing script", args: []string{"run", "nosuch.lua"}, wantCode: 2, stderrHas: []string{"nosuch.lua"}},
		{name: "run without script", args: []string{"run"}, wantCode: 2, stderrHas: []string{"needs a script"}},
		{name: "unknown flag", args: []string{"run", "--nope", "x.lua"}, wantCode: 2, stderrHas: []string{"unknown flag: --nope"}},
		{name: "registry dir without yaml files exits 2", args: []string{"-r", emptyDir, "check"}, wantCode: 2,
			stderrHas: []string{"luahost: invalid registry: read registry dir " + emptyDir + ": no *.yaml or *.yml files"}},
		{name: "registry that is a device exits 2", args: []string{"-r", "/dev/null", "run", "-e", "print(1)"}, wantCode: 2,
			stderrHas: []string{"luahost: invalid registry: read registry: /dev/null: a device, not a regular file"}},
		{name: "missing registry exits 2", args: []string{"-r", "nosuch.yaml", "entries"}, wantCode: 2,
			stderrHas: []string{"luahost: invalid registry: read registry: stat nosuch.yaml: no such file or directory"}},
		{name: "negative timeout", args: []string{"run", "--timeout", "-1s", "-e", "print(1)"}, wantCode: 2,
			stderrHas: []string{`invalid argument "-1s" for "--timeout" flag: -1s is negative`}},
		{name: "negative repl timeout", args: []string{"repl", "--timeout", "-5ms"}, stdin: "print(1)\n", wantCode: 2,
			stderrHas: []string{`invalid argument "-5ms" for "--timeout" flag: -5ms is negative`}},
		{name: "negative stop timeout", args: []string{"--stop-timeout", "-1s", "run", "-e", "print(1)"}, wantCode: 2,
			stderrHas: []string{`invalid argument "-1s" for "--stop-timeout" flag`}},
		{name: "zero stop timeout", args: []string{"--stop-timeout", "0", "run", "-e", "print(1)"}, wantCode: 2,
			stderrHas: []string{`--stop-timeout 0s: want a positive duration`}},
		{name: "negative bench duration", args: []string{"bench", "app:cache", "--duration", "-1s", "-n", "10"}, wantCode: 2,
			stderrHas: []string{`invalid argument "-1s" for "-t, --duration" flag: -1s is negative`}},
		{name: "bad timeout", args: []string{"run", "--timeout", "5", "-e", "print(1)"}, wantCode: 2,
			stderrHas: []string{`invalid argument "5" for "--timeout" flag: "5" is not a duration`}},
		{name: "NaN max-memory", args: []string{"run", "--max-memory", "NaN", "-e", "print(1)"}, wantCode: 2,
			stderrHas: []string{`invalid argument "NaN" for "--max-memory" flag`}},
		{name: "repl prints returned values", args: []string{"repl"}, stdin: "return 5\n= 6\nreturn\nreturn 'a', 1\n",
			wantStdout: "5\n6\na\t1\n"},
		{name: "check default", args: []string{"check"}, wantStdout: "registry ok: 3 entries\n"},
		{name: "broken registry exits 2 listing every problem", args: []string{"-r", testdata(t, "broken.yaml"), "run", "-e", "print(1)"},
			wantCode: 2, stderrHas: []string{
				"broken.yaml:5:5: app:cache: unknown field \"max_sise\" (did you mean \"max_size\"?)",
				"broken.yaml:8:15: app:kv: database: no entry app:nodb",
				"broken.yaml:9:17: app:kv: table_name:",
				"broken.yaml:10:5: app:cache: duplicate ID, first defined at ",
				"broken.yaml:11:11: app:cache: kind: unknown kind \"store.memroy\" (did you mean \"store.memory\"?)",
				"broken.yaml:14:11: app:localfile: file: want a plain path, not a \"file:\" URI",
			}},
		{name: "entries", args: []string{"entries"}, stdoutHas: []string{
			"ID         KIND           STATE    DEFINED AT",
			"app:cache  store.memory   stopped  <default registry>:",
			"app:kv     store.sql      stopped  <default registry>:"}},
		{name: "entries json", args: []string{"entries", "--json"}, stdoutHas: []string{`"id": "app:kvdb"`, `"kind": "db.sql.sqlite"`}},
		{name: "entries --start shows retrying without the password", args: []string{"-r", testdata(t, "retry.yaml"), "entries", "--start"},
			stdoutHas: []string{"app:db  db.sql.postgres  retrying (attempt 1)"}},
		{name: "entries --start lists a failed required entry and exits 1", args: []string{"-r", testdata(t, "failed.yaml"), "entries", "--start"},
			wantCode: 1, stdoutHas: []string{
				"ID         KIND             STATE               DEFINED AT",
				"app:cache  store.memory     running             ",
				"app:db     db.sql.postgres  failed (attempt 1)  ",
				"\napp:db failed (attempt 1):\n  app:db: connect to 127.0.0.1:1/none as nobody: failed to connect to `user=nobody database=none`: 127.0.0.1:1",
				"app:optdb  db.sql.postgres  failed (attempt 1)  ",
			},
			stderrHas: []string{"luahost: cannot boot: required entry failed to start: app:db\n"}},
		{name: "entries --start --json with a failed entry", args: []string{"-r", testdata(t, "failed.yaml"), "entries", "--start", "--json"},
			wantCode: 1, stdoutHas: []string{`"id": "app:db"`, `"state": "failed"`, `"last_error": "app:db: connect to 127.0.0.1:1/none`, `"state": "running"`},
			stderrHas: []string{"required entry failed to start: app:db\n"}},
		{name: "entries --start with only an optional entry failed exits 0", args: []string{"-r", testdata(t, "optional.yaml"), "entries", "--start"},
			stdoutHas: []string{"app:cache  store.memory     running", "app:optdb  db.sql.postgres  failed (attempt 1)  ", "app:optdb: connect to"}},
		{name: "a failing store call names the store, with the kind once", args: []string{"run", "-e",
			`local s = store.get("app:cache"); s:set("k", "x"); assert(s:incr("k"))`},
			wantCode: 1, stderrHas: []string{`(command line):1: INVALID: store "app:cache": incr "k": the stored value is a string, not a number` + "\n"}},
		{name: "a full store names the store and its limit", args: []string{"-r", testdata(t, "full.yaml"), "run", "-e",
			`local s = store.get("app:tiny"); s:set("a", 1); print(s:set("b", 2))`},
			wantStdout: "nil\tUNAVAILABLE: store \"app:tiny\": the store is full (max_size 1)\n"},
		{name: "unavailable store", args: []string{"-r", testdata(t, "retry.yaml"), "run", "-e",
			"local s, err = store.get('app:kv'); print(s, err:kind(), err:retryable())"},
			wantStdout: "nil\tUnavailable\ttrue\n"},
		{name: "redis entries --start shows retrying without the password", args: []string{"-r", testdata(t, "retry_redis.yaml"), "entries", "--start"},
			stdoutHas: []string{"app:kv   store.redis  stopped", "app:rdb  db.redis     retrying (attempt 1)"}},
		{name: "unavailable redis store", args: []string{"-r", testdata(t, "retry_redis.yaml"), "run", "-e",
			"local s, err = store.get('app:kv'); print(s, err:kind(), err:retryable())"},
			wantStdout: "nil\tUnavailable\ttrue\n"},
		{name: "schema", args: []string{"schema", "app:kv"}, stdoutHas: []string{`CREATE TABLE IF NOT EXISTS "kv_store"`}},
		{name: "schema for value_format json", args: []string{"-r", testdata(t, "json.yaml"), "schema", "app:kv"},
			stdoutHas: []string{`CREATE TABLE IF NOT EXISTS "kv_json"`, `"value" JSONB NOT NULL,`}},
		{name: "schema with a version column", args: []string{"-r", testdata(t, "versioned.yaml"), "schema", "app:kv"},
			stdoutHas: []string{`CREATE TABLE IF NOT EXISTS "kv"`, `"ver" BIGINT NOT NULL DEFAULT 0`,
				"\n-- An existing table kv without the version column ver takes instead (existing rows get version 0):\n" +
					`-- ALTER TABLE "kv" ADD COLUMN "ver" BIGINT NOT NULL DEFAULT 0;` + "\n"}},
		{name: "schema of a memory store", args: []string{"schema", "app:cache"}, wantCode: 2, stderrHas: []string{"app:cache: no schema: a store.memory needs none"}},
		{name: "schema of a redis store", args: []string{"-r", testdata(t, "retry_redis.yaml"), "schema", "app:kv"}, wantCode: 2,
			stderrHas: []string{"app:kv: no schema: a store.redis needs none"}},
		{name: "schema of a database", args: []string{"schema", "app:kvdb"}, wantCode: 2,
			stderrHas: []string{"app:kvdb: no schema: a db.sql.sqlite does not describe one"}},
		{name: "schema without an ID", args: []string{"schema"}, wantCode: 2,
			stderrHas: []string{"luahost: schema needs an entry ID: app:kv\n"}},
		{name: "schema without an ID nor a schema", args: []string{"-r", testdata(t, "retry_redis.yaml"), "schema"}, wantCode: 2,
			stderrHas: []string{"schema needs the ID of an entry with a schema, such as a store.sql entry; this registry has none"}},
		{name: "schema of a missing entry", args: []string{"schema", "app:kb"}, wantCode: 2,
			stderrHas: []string{`no entry "app:kb" in the registry (did you mean app:kv`}},
		{name: "bad log level", args: []string{"--log-level", "loud", "check"}, wantCode: 2, stderrHas: []string{"--log-level"}},
		{name: "help lists completion", args: []string{"--help"}, stdoutHas: []string{"completion  Generate the autocompletion script"}},
		{name: "completion script", args: []string{"completion", "bash"}, stdoutHas: []string{"# bash completion V2 for luahost"}},
		{name: "completion of a command name", args: []string{"__complete", "r"}, stdoutHas: []string{"repl\t", "run\t"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r result
			if tt.process {
				r = luahost(t, t.TempDir(), tt.stdin, tt.args...)
			} else {
				t.Parallel()
				r = inProcess(t, tt.stdin, tt.args...)
			}
			if r.code != tt.wantCode {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", r.code, tt.wantCode, r.stdout, r.stderr)
			}
			if tt.wantStdout != "" && r.stdout != tt.wantStdout {
				t.Errorf("stdout %q, want %q", r.stdout, tt.wantStdout)
			}
			for _, s := range tt.stdoutHas {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
				}
			}
			for _, s := range tt.stderrHas {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
				}
			}
			if strings.Contains(r.stdout+r.stderr, "s3cret-pw") {
				t.Errorf("a password reached the output:\n%s%s", r.stdout, r.stderr)
			}
		})
	}
}

// TestCheckGolden checks the whole report for a broken registry.
func TestCheckGolden(t *testing.T) {
	r := inProcess(t, "", "-r", filepath.Join("testdata", "broken.yaml"), "check")
	if r.code != 2 {
		t.Fatalf("exit code %d, want 2", r.code)
	}
	golden := filepath.Join("testdata", "broken.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(r.stderr), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if r.stderr != string(want) {
		t.Errorf("check output:\n%s\nwant:\n%s", r.stderr, want)
	}
}

// TestInterruptExits130 sends SIGINT to a running script: the host shuts
// down and exits 130.
func TestInterruptExits130(t *testing.T) {
	cmd := exec.Command(binary, "run", "-e", `print("started") io.stdout:flush() while true do end`)
	cmd.Dir = t.TempDir()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	if _, err := io.ReadFull(stdout, buf); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v, want status 130", err)
	}
}

// TestRunStartsOnlyWhatItUses checks that a run on the built-in registry
// that uses only app:cache leaves the SQLite entries stopped: no
// luahost.db appears in the working directory.
func TestRunStartsOnlyWhatItUses(t *testing.T) {
	dir := t.TempDir()
	if r := luahost(t, dir, "", "run", "-e", setGetScript); r.code != 0 {
		t.Fatalf("exit code %d\nstderr: %s", r.code, r.stderr)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("the run left %s in its working directory", e.Name())
	}
}
