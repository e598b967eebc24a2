package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/luahost/luahost/internal/dbtest"
)

// slowFind runs for tens of seconds inside one gopher-lua library call,
// which does not check the script's context: only the stop timeout (or a
// second signal) ends it.
const slowFind = `local s = string.rep('a', 28) print(s:find(string.rep('a?', 28) .. string.rep('a', 28)))`

// started starts the command and waits until it wrote a first line to
// stdout (or, when wait is non-nil, until wait gets a value).
func started(t *testing.T, wait <-chan struct{}, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "LUAHOST_REGISTRY=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() }) // only if a test failed early
	if wait != nil {
		select {
		case <-wait:
		case <-time.After(30 * time.Second):
			t.Fatalf("not started; stderr:\n%s", stderr.String())
		}
		go io.Copy(io.Discard, stdout)
		return cmd
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("no first line: %v; stderr:\n%s", err, stderr.String())
	}
	_ = line
	go io.Copy(io.Discard, stdout)
	return cmd
}

// exitsWith waits for cmd and checks its exit status; bound is a generous
// liveness limit (the command would run far longer without the feature).
func exitsWith(t *testing.T, cmd *exec.Cmd, want int, bound time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != want {
			t.Errorf("exit status %d, want %d; stderr:\n%s", code, want, cmd.Stderr)
		}
	case <-time.After(bound):
		cmd.Process.Kill()
		<-done
		t.Fatalf("still running %s after the signal; stderr:\n%s", bound, cmd.Stderr)
	}
}

// hangingRegistry writes a registry whose auto_start PostgreSQL entry
// connects to a server that never answers, so the boot blocks.
func hangingRegistry(t *testing.T, port int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hang.yaml")
	yaml := fmt.Sprintf(`- name: db
  kind: db.sql.postgres
  dsn: "postgres://nobody@127.0.0.1:%d/none?sslmode=disable&connect_timeout=600"
  lifecycle: {auto_start: true, start_timeout: 10m}
`, port)
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSignals sends SIGINT and SIGTERM to the command while a script runs,
// while a library call ignores its context, and during the boot: it always
// exits with 130 or 143.
func TestSignals(t *testing.T) {
	loop := `print("started") io.stdout:flush() while true do end`
	tests := []struct {
		name  string
		args  []string
		stdin string
		boot  bool          // the registry's boot hangs; signal while it does
		sigs  []os.Signal   // sent one after the other
		gap   time.Duration // between signals
		want  int
	}{
		{name: "SIGINT stops a loop", args: []string{"run", "-e", loop}, sigs: []os.Signal{os.Interrupt}, want: 130},
		{name: "SIGTERM stops a loop", args: []string{"run", "-e", loop}, sigs: []os.Signal{syscall.SIGTERM}, want: 143},
		{name: "SIGINT stops the quiet REPL", args: []string{"repl"}, stdin: loop + "\n",
			sigs: []os.Signal{os.Interrupt}, want: 130},
		{name: "SIGTERM stops the quiet REPL", args: []string{"repl"}, stdin: loop + "\n",
			sigs: []os.Signal{syscall.SIGTERM}, want: 143},
		{name: "stop timeout ends an unresponsive script",
			args: []string{"--stop-timeout", "200ms", "run", "-e", `print("started") io.stdout:flush() ` + slowFind},
			sigs: []os.Signal{syscall.SIGTERM}, want: 143},
		{name: "second signal ends an unresponsive script at once",
			args: []string{"--stop-timeout", "10m", "run", "-e", `print("started") io.stdout:flush() ` + slowFind},
			sigs: []os.Signal{os.Interrupt, os.Interrupt}, gap: 100 * time.Millisecond, want: 130},
		{name: "SIGINT during boot", args: []string{"run", "-e", "print(1)"}, boot: true,
			sigs: []os.Signal{os.Interrupt}, want: 130},
		{name: "SIGTERM during boot", args: []string{"run", "-e", "print(1)"}, boot: true,
			sigs: []os.Signal{syscall.SIGTERM}, want: 143},
		{name: "SIGTERM during the REPL's boot", args: []string{"repl"}, boot: true,
			sigs: []os.Signal{syscall.SIGTERM}, want: 143},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := tt.args
			var wait <-chan struct{}
			if tt.boot {
				port, accepted := dbtest.SilentServer(t)
				args = append([]string{"-r", hangingRegistry(t, port)}, args...)
				wait = accepted
			}
			var cmd *exec.Cmd
			if tt.stdin != "" {
				cmd = startedWithStdin(t, tt.stdin, args...)
			} else {
				cmd = started(t, wait, args...)
			}
			for i, sig := range tt.sigs {
				if i > 0 {
					time.Sleep(tt.gap)
				}
				if err := cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
			}
			exitsWith(t, cmd, tt.want, 10*time.Second)
		})
	}
}

// startedWithStdin starts the command with stdin and waits for its first
// line of output.
func startedWithStdin(t *testing.T, stdin string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "LUAHOST_REGISTRY=")
	cmd.Stdin = strings.NewReader(stdin)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
		t.Fatalf("no first line: %v; stderr:\n%s", err, stderr.String())
	}
	go io.Copy(io.Discard, stdout)
	return cmd
}
