package main

import (
	"os/exec"
	"testing"
)

// BenchmarkRunSetGet times a whole `luahost run` of a script that sets and
// gets one key on the built-in registry: process start, registry load,
// boot, script, shutdown.
func BenchmarkRunSetGet(b *testing.B) {
	dir := b.TempDir()
	for range b.N {
		cmd := exec.Command(binary, "run", "-e",
			`local s = store.get("app:cache") s:set("k", "v") assert(s:get("k") == "v")`)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
	}
}

// BenchmarkExecFloor times starting a trivial process, the floor under
// any command's wall time on this machine, for comparison.
func BenchmarkExecFloor(b *testing.B) {
	for range b.N {
		if err := exec.Command("/bin/true").Run(); err != nil {
			b.Fatal(err)
		}
	}
}
