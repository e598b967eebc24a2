package main

import (
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"testing"
)

// setGetScript sets and gets one key in the built-in registry's app:cache.
const setGetScript = `local s = store.get("app:cache") s:set("k", "v") assert(s:get("k") == "v")`

// BenchmarkRunSetGet times a whole `luahost run` of a script that sets and
// gets one key on the built-in registry: process start, registry load,
// boot, script, shutdown. Compare it with BenchmarkHelloFloor from the
// same run.
func BenchmarkRunSetGet(b *testing.B) {
	dir := b.TempDir()
	for range b.N {
		cmd := exec.Command(binary, "run", "-e", setGetScript)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
	}
}

// BenchmarkRunSetGetInProcess is BenchmarkRunSetGet without the process:
// flag parsing, registry load, boot, script and shutdown through the
// same execute main uses. Its allocs/op do not depend on the machine's
// load.
func BenchmarkRunSetGetInProcess(b *testing.B) {
	getenv := func(string) string { return "" }
	args := []string{"run", "-e", setGetScript}
	b.ReportAllocs()
	for range b.N {
		if code := execute(context.Background(), nil, getenv, args, nil, io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit status %d", code)
		}
	}
}

// BenchmarkHelloFloor times a Go hello world (testdata/hello, built with
// the same toolchain), the floor under any Go command's wall time on this
// machine: BenchmarkRunSetGet less this is what luahost adds.
func BenchmarkHelloFloor(b *testing.B) {
	hello := filepath.Join(b.TempDir(), "hello")
	if out, err := exec.Command("go", "build", "-o", hello, "./testdata/hello").CombinedOutput(); err != nil {
		b.Fatalf("build hello: %v: %s", err, out)
	}
	b.ResetTimer()
	for range b.N {
		if out, err := exec.Command(hello).Output(); err != nil || string(out) != "hello\n" {
			b.Fatalf("hello: %q, %v", out, err)
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
