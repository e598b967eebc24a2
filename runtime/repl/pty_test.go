//go:build !windows

package repl_test

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/luahost/luahost/internal/dbtest"
)

// waitLimit bounds every wait for output; reaching it fails the test.
const waitLimit = 20 * time.Second

// session is the REPL running in a child process on a pseudo-terminal.
type session struct {
	t    *testing.T
	cmd  *exec.Cmd
	tty  *os.File
	done chan struct{} // closed when the child's output ends

	mu     sync.Mutex
	out    bytes.Buffer
	seen   int // output before this offset has been matched
	update chan struct{}
}

// start runs the test binary as the REPL under a pseudo-terminal, with
// the given history file and a file that records stopped entries.
func start(t *testing.T, history, stops string, env ...string) *session {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"=1", "LUAHOST_HISTORY="+history, "REPL_TEST_STOPS="+stops, "TERM=xterm")
	cmd.Env = append(cmd.Env, env...)
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	s := &session{t: t, cmd: cmd, tty: tty, done: make(chan struct{}), update: make(chan struct{}, 1)}
	go func() {
		defer close(s.done)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.mu.Unlock()
			select {
			case s.update <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		tty.Close()
		<-s.done
	})
	return s
}

// expect waits until the output after the last match contains want.
func (s *session) expect(want string) {
	s.t.Helper()
	deadline := time.After(waitLimit)
	for {
		s.mu.Lock()
		rest := s.out.String()[s.seen:]
		if i := strings.Index(rest, want); i >= 0 {
			s.seen += i + len(want)
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		select {
		case <-s.update:
		case <-s.done:
			s.mu.Lock()
			ok := strings.Contains(s.out.String()[s.seen:], want)
			s.mu.Unlock()
			if !ok {
				s.t.Fatalf("output ended without %q; output:\n%s", want, s.output())
			}
		case <-deadline:
			s.t.Fatalf("no %q within %s; output:\n%s", want, waitLimit, s.output())
		}
	}
}

func (s *session) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

func (s *session) send(keys string) {
	s.t.Helper()
	if _, err := s.tty.Write([]byte(keys)); err != nil {
		s.t.Fatal(err)
	}
}

// wait waits for the child to exit and returns its status.
func (s *session) wait() int {
	s.t.Helper()
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			s.t.Fatal(err)
		}
		return 0
	case <-time.After(waitLimit):
		s.t.Fatalf("the REPL did not exit; output:\n%s", s.output())
	}
	return -1
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return string(b)
}

// files returns a history file path and a stopped-entries file path in a
// fresh folder.
func files(t *testing.T) (history, stops string) {
	dir := t.TempDir()
	return filepath.Join(dir, "config", "luahost", "history"), filepath.Join(dir, "stops")
}

const stopped = "stopped app:kv\n"

func TestTerminalPromptsAndCtrlD(t *testing.T) {
	history, stops := files(t)
	s := start(t, history, stops)
	s.expect(".help for help")
	s.expect("> ")
	s.send("function double(n)\r")
	s.expect(">> ")
	s.send("return n * 2\r")
	s.expect(">> ")
	s.send("end\r")
	s.expect("> ")
	s.send("double(21)\r")
	s.expect("42")
	s.expect("> ")
	s.send("{b = 2, a = {1, 'x'}}\r")
	s.expect(`{a = {1, "x"}, b = 2}`)
	s.expect("> ")
	s.send("return double(50)\r")
	s.expect("100")
	s.expect("> ")
	s.send("nil + 1\r")
	s.expect("attempt to perform arithmetic on a nil value")
	s.expect("> ")
	s.send("\x04") // Ctrl-D
	if code := s.wait(); code != 0 {
		t.Fatalf("exit status %d after Ctrl-D, want 0; output:\n%s", code, s.output())
	}
	if got := readFile(t, stops); got != stopped {
		t.Errorf("entries stopped on exit: %q, want %q", got, stopped)
	}
}

func TestTerminalCtrlCInterruptsStatement(t *testing.T) {
	history, stops := files(t)
	s := start(t, history, stops)
	s.expect("> ")
	// The statement prints before it loops, so Ctrl-C is sent only once
	// it runs (the output differs from the echoed input).
	s.send(`print("loop" .. "ing") while true do end` + "\r")
	s.expect("looping")
	s.send("\x03")
	s.expect("interrupted")
	s.expect("> ")
	s.send(`"still " .. "alive"` + "\r")
	s.expect("still alive")
	s.expect("> ")
	s.send("dropped line\x03") // Ctrl-C drops a typed line and the REPL stays
	s.expect("> ")
	s.send(`"after " .. "drop"` + "\r")
	s.expect("after drop")
	s.expect("> ")
	s.send("\x03") // Ctrl-C on an empty line exits
	if code := s.wait(); code != 0 {
		t.Fatalf("exit status %d after Ctrl-C on an empty line, want 0; output:\n%s", code, s.output())
	}
	if got := readFile(t, stops); got != stopped {
		t.Errorf("entries stopped on exit: %q, want %q", got, stopped)
	}
}

// TestTerminalAbandonsAStuckStatement runs a statement that Ctrl-C cannot
// stop: Options.Abandon is called StopTimeout after Ctrl-C, or at once on a
// second Ctrl-C.
func TestTerminalAbandonsAStuckStatement(t *testing.T) {
	tests := []struct {
		name        string
		stopTimeout string
		keys        string
	}{
		{"after the stop timeout", "200ms", "\x03"},
		{"at a second Ctrl-C", "10m", "\x03\x03"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			history, stops := files(t)
			s := start(t, history, stops, "REPL_TEST_STOP_TIMEOUT="+tt.stopTimeout)
			s.expect("> ")
			s.send(`require("block")()` + "\r")
			s.expect("blocking")
			for _, k := range tt.keys {
				s.send(string(k))
				time.Sleep(50 * time.Millisecond) // separate signals, not one read
			}
			s.expect("abandoned")
			if code := s.wait(); code != 130 {
				t.Fatalf("exit status %d, want 130; output:\n%s", code, s.output())
			}
		})
	}
}

func TestTerminalCompletion(t *testing.T) {
	history, stops := files(t)
	s := start(t, history, stops)
	s.expect("> ")
	tests := []struct {
		name, setup, keys, want string
	}{
		{"global", "", "prin\t(\"glob\" .. \"al\")\r", "global"},
		{"library field", "", "string.for\t(\"<%d>\", 42)\r", "<42>"},
		{"table field", `t = {alpha = "x-" .. "alpha", beta = 2}`, "t.al\t\r", "x-alpha"},
		{"store method", `h = store.get("app:kv") h:set("k", "com" .. "pleted")`, "h:ge\t(\"k\")\r", "completed"},
	}
	for _, tt := range tests {
		if tt.setup != "" {
			s.send(tt.setup + "\r")
			s.expect("> ")
		}
		s.send(tt.keys)
		s.expect(tt.want)
		s.expect("> ")
	}
	s.send(".exit\r")
	if code := s.wait(); code != 0 {
		t.Fatalf("exit status %d after .exit, want 0", code)
	}
}

func TestTerminalHistoryPersists(t *testing.T) {
	history, stops := files(t)
	s := start(t, history, stops)
	s.expect("> ")
	s.send(`"from " .. "history"` + "\r")
	s.expect("from history")
	s.expect("> ")
	s.send("\x04")
	if code := s.wait(); code != 0 {
		t.Fatalf("exit status %d, want 0", code)
	}
	if got := readFile(t, history); !strings.Contains(got, `"from " .. "history"`) {
		t.Fatalf("history file %s holds %q", history, got)
	}
	info, err := os.Stat(history)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("history file mode %v, want 0600", perm)
	}

	s = start(t, history, stops)
	s.expect("> ")
	s.send("\x1b[A\r") // Up, Enter: run the previous session's line again
	s.expect("from history")
	s.expect("> ")
	s.send("\x04")
	if code := s.wait(); code != 0 {
		t.Fatalf("exit status %d, want 0", code)
	}
}

// TestTerminalCtrlCDuringFirstStart: Ctrl-C while the first store.get of
// an entry waits for its start interrupts only that statement. The start
// goes on (app:kv is a real PostgreSQL store that needs app:gate, whose
// start the test holds), and the next store.get, once it ends, gets the
// store.
func TestTerminalCtrlCDuringFirstStart(t *testing.T) {
	dsn := dbtest.PostgresDSN(t)
	table := dbtest.TableName(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	dbtest.DropOnCleanup(t, db, `"`+table+`"`)
	history, stops := files(t)
	gate := filepath.Join(t.TempDir(), "gate")
	if err := syscall.Mkfifo(gate, 0o600); err != nil {
		t.Fatal(err)
	}
	reg := fmt.Sprintf(`
- {name: gate, kind: test.gated, gate: %q}
- {name: db, kind: db.sql.postgres, dsn: %q}
- {name: kv, kind: store.sql, database: db, table_name: %s, create_table: true, lifecycle: {requires: [gate]}}
`, gate, dsn, table)
	s := start(t, history, stops, "REPL_TEST_REGISTRY="+reg)
	s.expect("> ")
	s.send(`print("wait" .. "ing"); first, err = store.get("app:kv")` + "\r")
	s.expect("waiting")
	// Once app:gate's Start has the FIFO open for reading, store.get is
	// waiting for the start: only then can a writer open it. Holding the
	// writer open holds the start.
	w := openWriter(t, gate)
	s.send("\x03")
	s.expect("interrupted")
	s.expect("> ")
	s.send(".entries\r")
	// Still starting for everyone: not failed, not retrying.
	s.expect("app:kv    store.sql        starting")
	s.expect("> ")
	// The next statement waits for the same start; release it.
	s.send(`kv = assert(store.get("app:kv")); kv:set("k", "after " .. "ctrl-c"); print(kv:get("k"))` + "\r")
	w.Close()
	s.expect("after ctrl-c")
	s.expect("> ")
	s.send(".entries\r")
	s.expect("app:kv    store.sql        running")
	s.expect("> ")
	s.send("\x04")
	if code := s.wait(); code != 0 {
		t.Fatalf("exit status %d, want 0; output:\n%s", code, s.output())
	}
}

// openWriter opens the FIFO for writing once a reader has it open.
func openWriter(t *testing.T, fifo string) *os.File {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			return f
		}
		if !errors.Is(err, syscall.ENXIO) || time.Now().After(deadline) {
			t.Fatalf("open %s for writing: %v", fifo, err)
		}
		time.Sleep(5 * time.Millisecond) // another process: nothing to wait on
	}
}
