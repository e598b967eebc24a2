package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/luahost/luahost/internal/dbtest"
)

// corpusDir holds the adversarial scripts (see its README.md).
const corpusDir = "../../testdata/limits"

const (
	corpusTimeout       = time.Second
	corpusMemoryDefault = "32MiB"
)

// corpusCase is one script of the corpus and how to run it.
type corpusCase struct {
	name     string
	path     string
	memory   string // --max-memory, "" for a --timeout case
	registry string // -r path, or ""
	// want is the error text the run must end with when it is not the
	// limit's own ("-- want: TEXT"): a script stopped before its limit by
	// a check of its own (a nesting limit, a refused allocation).
	want string
}

// loadCorpus reads the directives at the top of every corpus script.
func loadCorpus(tb testing.TB) []corpusCase {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join(corpusDir, "*.lua"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no corpus in %s: %v", corpusDir, err)
	}
	var out []corpusCase
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			tb.Fatal(err)
		}
		c := corpusCase{name: strings.TrimSuffix(filepath.Base(p), ".lua"), path: abs}
		f, err := os.Open(p)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if !strings.HasPrefix(line, "--") {
				break
			}
			if rest, ok := strings.CutPrefix(line, "-- limit: memory"); ok {
				c.memory = strings.TrimSpace(rest)
				if c.memory == "" {
					c.memory = corpusMemoryDefault
				}
			}
			if rest, ok := strings.CutPrefix(line, "-- want: "); ok && strings.TrimSpace(rest) != "deadline" {
				c.want = strings.TrimSpace(rest)
			}
			if rest, ok := strings.CutPrefix(line, "-- registry: "); ok {
				c.registry = filepath.Join(filepath.Dir(abs), strings.TrimSpace(rest))
			}
		}
		f.Close()
		out = append(out, c)
	}
	return out
}

// corpusRun is how one run of a corpus script ended.
type corpusRun struct {
	code    int
	stderr  string
	elapsed time.Duration
	maxRSS  int64 // bytes
}

// run runs the script through the command, in a fresh folder, with the
// port of a server that never answers in LUAHOST_LIMITS_PORT.
func (c corpusCase) run(tb testing.TB, port int, bound time.Duration) corpusRun {
	tb.Helper()
	args := []string{"--log-level", "error"}
	if c.registry != "" {
		args = append(args, "-r", c.registry)
	}
	args = append(args, "run")
	if c.memory != "" {
		args = append(args, "--max-memory", c.memory)
	} else {
		args = append(args, "--timeout", corpusTimeout.String())
	}
	args = append(args, c.path)
	cmd := exec.Command(binary, args...)
	cmd.Dir = tb.TempDir()
	cmd.Env = append(os.Environ(), "LUAHOST_REGISTRY=", fmt.Sprintf("LUAHOST_LIMITS_PORT=%d", port))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(bound):
		cmd.Process.Kill()
		<-done
		tb.Fatalf("%s: still running after %s; stderr:\n%s", c.name, bound, stderr.String())
	}
	r := corpusRun{stderr: stderr.String(), elapsed: time.Since(start)}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		tb.Fatal(err)
	}
	r.maxRSS, _ = peakRSSOf(cmd.ProcessState)
	return r
}

// wantError is the message a run of c must end with.
func (c corpusCase) wantError() string {
	if c.want != "" {
		return c.want
	}
	if c.memory != "" {
		return "luahost: INVALID: memory limit of "
	}
	return "luahost: script timed out after " + corpusTimeout.String()
}

// TestLimitsCorpus runs every adversarial script: each ends with exit
// status 1 and its limit's error. The wall bound is a liveness check
// (generous, for loaded CI machines); the overshoot is measured by
// BenchmarkLimitsCorpus.
func TestLimitsCorpus(t *testing.T) {
	port, _ := dbtest.SilentServer(t)
	cases := loadCorpus(t)
	if len(cases) < 30 {
		t.Errorf("the corpus has %d scripts, want at least 30", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bound := 5 * time.Second
			if c.memory != "" {
				bound = 15 * time.Second
			}
			r := c.run(t, port, bound)
			if r.code != 1 {
				t.Errorf("exit status %d, want 1; stderr:\n%s", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, c.wantError()) {
				t.Errorf("stderr lacks %q:\n%s", c.wantError(), r.stderr)
			}
		})
	}
}

// BenchmarkLimitsCorpus runs the whole corpus once per iteration and
// reports the worst overshoot past --timeout over its time-limited
// scripts (wall time of the command minus the limit minus the median wall
// time of a command that runs an empty script), and the largest peak RSS
// of any script, memory-capped ones included.
func BenchmarkLimitsCorpus(b *testing.B) {
	port, _ := dbtest.SilentServer(b)
	cases := loadCorpus(b)
	startup := commandFloor(b)
	var worst time.Duration
	var worstName string
	var peakRSS int64
	for range b.N {
		for _, c := range cases {
			r := c.run(b, port, time.Minute)
			if r.code != 1 || !strings.Contains(r.stderr, c.wantError()) {
				b.Fatalf("%s: exit %d:\n%s", c.name, r.code, r.stderr)
			}
			peakRSS = max(peakRSS, r.maxRSS)
			if c.memory != "" || c.want != "" {
				continue // not stopped by the time limit
			}
			if over := r.elapsed - corpusTimeout - startup; over > worst {
				worst, worstName = over, c.name
			}
		}
	}
	b.ReportMetric(float64(worst.Nanoseconds()), "overshoot-ns")
	b.ReportMetric(float64(peakRSS), "peak-rss-bytes")
	b.ReportMetric(0, "ns/op")
	b.Logf("worst overshoot %s (%s); command start-up %s; peak RSS %d MiB", worst, worstName, startup, peakRSS>>20)
}

// commandFloor is the median wall time of the command running an empty
// script: start-up, boot and shutdown, which every corpus run pays.
func commandFloor(b *testing.B) time.Duration {
	var times []time.Duration
	dir := b.TempDir()
	for range 5 {
		start := time.Now()
		cmd := exec.Command(binary, "run", "-e", "local _")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "LUAHOST_REGISTRY=")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	return times[len(times)/2]
}

// BenchmarkMemoryCap256MiB runs a script that tries to allocate about 10
// GB in tables and strings under --max-memory 256MiB and reports the
// command's peak RSS.
func BenchmarkMemoryCap256MiB(b *testing.B) {
	const script = `local t = {} for i = 1, 1e7 do t[i] = string.rep("x", 1000) .. i end`
	var peak int64
	for range b.N {
		cmd := exec.Command(binary, "run", "--max-memory", "256MiB", "-e", script)
		cmd.Dir = b.TempDir()
		cmd.Env = append(os.Environ(), "LUAHOST_REGISTRY=")
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "INVALID: memory limit of 256 MiB exceeded") {
			b.Fatalf("%v: %s", err, out)
		}
		if rss, ok := peakRSSOf(cmd.ProcessState); ok {
			peak = max(peak, rss)
		}
	}
	b.ReportMetric(float64(peak), "peak-rss-bytes")
}

// concatDoubling doubles a string until its cap refuses it.
const concatDoubling = `local s = "x" while true do s = s .. s end`

// runConcatDoubling runs concatDoubling under --max-memory limit and
// returns the command's peak RSS.
func runConcatDoubling(tb testing.TB, limit string) int64 {
	tb.Helper()
	cmd := exec.Command(binary, "run", "--max-memory", limit, "-e", concatDoubling)
	cmd.Dir = tb.TempDir()
	cmd.Env = append(os.Environ(), "LUAHOST_REGISTRY=")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "exceeded: concatenation needs ") {
		tb.Fatalf("%v: %s", err, out)
	}
	rss, ok := peakRSSOf(cmd.ProcessState)
	if !ok {
		tb.Skip("the peak RSS of a process is known only on unix systems")
	}
	return rss
}

// TestConcatStaysNearMemoryCap: a string doubled by .. is refused before
// the allocation that would pass the cap, counting the string it doubles,
// so the process never holds much more than the cap (it reached about
// four times the cap when only the heap watchdog stopped it).
//
// The allowance is the cap, plus what the same binary holds running an
// empty script (its code and runtime, larger under -race), plus 48 MiB for
// strings the collector has not yet freed on a loaded machine.
func TestConcatStaysNearMemoryCap(t *testing.T) {
	const limit, slack = 64 << 20, 48 << 20
	base := exec.Command(binary, "run", "-e", "return")
	base.Dir = t.TempDir()
	base.Env = append(os.Environ(), "LUAHOST_REGISTRY=")
	if out, err := base.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	own, ok := peakRSSOf(base.ProcessState)
	if !ok {
		t.Skip("the peak RSS of a process is known only on unix systems")
	}
	if peak := runConcatDoubling(t, "64MiB"); peak > limit+own+slack {
		t.Fatalf("peak RSS %d MiB under --max-memory 64MiB, want at most %d MiB (the cap, %d MiB of the process's own, 48 MiB slack)",
			peak>>20, (limit+own+slack)>>20, own>>20)
	}
}

// BenchmarkConcatDoubling256MiB reports the peak RSS of concatDoubling
// under --max-memory 256MiB.
func BenchmarkConcatDoubling256MiB(b *testing.B) {
	var peak int64
	for range b.N {
		peak = max(peak, runConcatDoubling(b, "256MiB"))
	}
	b.ReportMetric(float64(peak), "peak-rss-bytes")
}
