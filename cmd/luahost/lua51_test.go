package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
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
