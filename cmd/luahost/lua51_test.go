package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestLua51Differential runs every script of testdata/lua51 under PUC Lua
// 5.1 (Debian's lua5.1) and under luahost run, and compares what they
// print byte for byte, and whether they fail. expected-diff.txtar lists
// the deliberate differences, with their reasons, as luahost's output.
func TestLua51Differential(t *testing.T) {
	lua51, err := exec.LookPath("lua5.1")
	if err != nil {
		if os.Getenv("LUAHOST_REQUIRE_DB") != "" || os.Getenv("CI") == "true" {
			t.Fatal("lua5.1 is not installed (apt-get install lua5.1); CI requires it")
		}
		t.Skip("lua5.1 is not installed")
	}
	dir := filepath.Join("testdata", "lua51")
	scripts, err := filepath.Glob(filepath.Join(dir, "*.lua"))
	if err != nil || len(scripts) < 200 {
		t.Fatalf("want at least 200 scripts in %s, have %d (%v)", dir, len(scripts), err)
	}
	ar, err := txtar.ParseFile(filepath.Join(dir, "expected-diff.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	expected := map[string]string{}
	for _, f := range ar.Files {
		expected[f.Name] = string(f.Data)
	}
	for _, script := range scripts {
		name := filepath.Base(script)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// Both run the script by its name from its folder, so that
			// the positions in messages read the same.
			ref := exec.Command(lua51, name)
			ref.Dir = dir
			var want bytes.Buffer
			ref.Stdout = &want
			refErr := ref.Run()
			if _, ok := refErr.(*exec.ExitError); refErr != nil && !ok {
				t.Fatal(refErr)
			}
			got := luahost(t, dir, "", "run", name)
			if (refErr == nil) != (got.code == 0) {
				t.Fatalf("lua5.1 error %v, luahost exit %d (stderr %q)", refErr, got.code, got.stderr)
			}
			if exp, ok := expected[name]; ok {
				if got.stdout != exp {
					t.Fatalf("luahost printed\n%s\nwant the documented difference\n%s", got.stdout, exp)
				}
				if exp == want.String() {
					t.Fatalf("%s is listed in expected-diff.txtar but lua5.1 prints the same", name)
				}
				return
			}
			if got.stdout != want.String() {
				t.Fatalf("luahost printed\n%s\nlua5.1 printed\n%s\nstderr: %s", got.stdout, want.String(), got.stderr)
			}
		})
	}
}

// TestREPLNumbersLua51 checks that the REPL prints returned numbers as
// PUC Lua 5.1's interactive "=expr" does, which prints them through
// tostring: each expression's line from luahost repl must equal what
// lua5.1 prints for print(expr).
func TestREPLNumbersLua51(t *testing.T) {
	lua51, err := exec.LookPath("lua5.1")
	if err != nil {
		if os.Getenv("LUAHOST_REQUIRE_DB") != "" || os.Getenv("CI") == "true" {
			t.Fatal("lua5.1 is not installed (apt-get install lua5.1); CI requires it")
		}
		t.Skip("lua5.1 is not installed")
	}
	exprs := []string{
		"0/0", "-(0/0)", "1/0", "-1/0", "math.huge", "-0", "-0.0", "0", "2^53", "-2^53", "2^63",
		"1e15", "1e14", "123456789012345", "1e100", "0.1", "1/3", "-1.5", "5e-324", "1e300*1e10",
		"1, -0, 0/0", "3, 'x', nil", "2^24 + 0.5",
	}
	// Each expression is a chunk of its own, as each REPL line is (in one
	// chunk, -0 and 0 would share a constant).
	var ref strings.Builder
	for _, e := range exprs {
		ref.WriteString("loadstring(" + strconv.Quote("print("+e+")") + ")()\n")
	}
	cmd := exec.Command(lua51, "-")
	cmd.Stdin = strings.NewReader(ref.String())
	want, err := cmd.Output()
	if err != nil {
		t.Fatalf("lua5.1: %v", err)
	}
	got := luahost(t, t.TempDir(), strings.Join(exprs, "\n")+"\n", "repl")
	if got.code != 0 {
		t.Fatalf("repl exit %d, stderr %q", got.code, got.stderr)
	}
	wantLines := strings.Split(strings.TrimSuffix(string(want), "\n"), "\n")
	gotLines := strings.Split(strings.TrimSuffix(got.stdout, "\n"), "\n")
	if len(gotLines) != len(exprs) || len(wantLines) != len(exprs) {
		t.Fatalf("repl printed %q, lua5.1 printed %q", got.stdout, want)
	}
	for i, e := range exprs {
		if gotLines[i] != wantLines[i] {
			t.Errorf("%s: repl printed %q, lua5.1 %q", e, gotLines[i], wantLines[i])
		}
	}
}

// TestArgLikeLua51 runs one script as a file and from stdin under lua5.1
// and luahost run: arg[0] and arg[1..n] must match, and the negative
// indices hold the command line before the script, down to the program's
// name, as lua5.1 puts its own there.
func TestArgLikeLua51(t *testing.T) {
	lua51, err := exec.LookPath("lua5.1")
	if err != nil {
		if os.Getenv("LUAHOST_REQUIRE_DB") != "" || os.Getenv("CI") == "true" {
			t.Fatal("lua5.1 is not installed (apt-get install lua5.1); CI requires it")
		}
		t.Skip("lua5.1 is not installed")
	}
	dir := t.TempDir()
	const script = `print(arg[0], #arg, arg[1], arg[2], select('#', ...), ...)
local neg = {}
local i = -1
while arg[i] do neg[#neg + 1] = arg[i]; i = i - 1 end
io.stderr:write(table.concat(neg, " "), "\n")
`
	if err := os.WriteFile(filepath.Join(dir, "args.lua"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		lua     []string // lua5.1's arguments
		luahost []string // luahost's arguments
		stdin   string
		neg     string // luahost's arg[-1], arg[-2], ... after the program's name
	}{
		{"file", []string{"args.lua", "a", "b c"}, []string{"run", "args.lua", "a", "b c"}, "", "run"},
		{"stdin", []string{"-", "a"}, []string{"run", "-", "a"}, script, "run"},
		{"stdin without arguments", []string{"-"}, []string{"run", "-"}, script, "run"},
		{"flags before the script", []string{"args.lua", "x"}, []string{"--log-level", "error", "run", "--timeout", "5s", "args.lua", "x"}, "", "5s --timeout run error --log-level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref := exec.Command(lua51, tt.lua...)
			ref.Dir = dir
			ref.Stdin = strings.NewReader(tt.stdin)
			var want, refErr bytes.Buffer
			ref.Stdout, ref.Stderr = &want, &refErr
			if err := ref.Run(); err != nil {
				t.Fatalf("lua5.1: %v", err)
			}
			if got := strings.TrimSpace(refErr.String()); got != lua51 && got != "lua5.1" {
				t.Fatalf("lua5.1's negative indices: %q", got)
			}
			got := luahost(t, dir, tt.stdin, tt.luahost...)
			if got.code != 0 {
				t.Fatalf("exit %d: %s", got.code, got.stderr)
			}
			if got.stdout != want.String() {
				t.Errorf("luahost printed %q, lua5.1 %q", got.stdout, want.String())
			}
			if neg := strings.TrimSpace(got.stderr); neg != tt.neg+" "+binary {
				t.Errorf("negative indices %q, want %q", neg, tt.neg+" "+binary)
			}
		})
	}
}
