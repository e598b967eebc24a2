package dbtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// PGServer is a private PostgreSQL server run from the local installation
// (/usr/lib/postgresql/*/bin) in a temporary folder, for tests that stop
// and restart the database.
type PGServer struct {
	bin  string
	dir  string
	port int
	// asPostgres runs the server as the postgres user (it refuses root).
	asPostgres bool
}

// StartPostgres initialises and starts a private server, and stops it when
// the test ends. Without a PostgreSQL installation the test is skipped (or
// fails when LUAHOST_REQUIRE_DB=1).
func StartPostgres(t testing.TB) *PGServer {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(bins) == 0 {
		Unavailable(t, "no /usr/lib/postgresql/*/bin/pg_ctl")
	}
	sort.Strings(bins)
	s := &PGServer{bin: filepath.Dir(bins[len(bins)-1]), asPostgres: os.Geteuid() == 0}
	s.dir = t.TempDir()
	if s.asPostgres {
		u, err := user.Lookup("postgres")
		if err != nil {
			Unavailable(t, "running as root and there is no postgres user")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		// The server runs as postgres: let it through the test's folders.
		if err := os.Chmod(filepath.Dir(s.dir), 0o711); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(s.dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	l.Close()

	s.run(t, "initdb", "-D", s.data(), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
	s.Start(t)
	t.Cleanup(func() {
		// Best effort: the test may have stopped it already.
		_ = s.cmd("pg_ctl", "-D", s.data(), "-m", "immediate", "-w", "stop").Run()
	})
	return s
}

// DSN returns the server's DSN (user postgres, database postgres).
func (s *PGServer) DSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

// Start starts the server and waits until it accepts connections.
func (s *PGServer) Start(t testing.TB) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", s.port, s.dir)
	s.run(t, "pg_ctl", "-D", s.data(), "-l", filepath.Join(s.dir, "log"), "-o", opts, "-w", "start")
}

// Stop stops the server at once, dropping every connection.
func (s *PGServer) Stop(t testing.TB) {
	t.Helper()
	s.run(t, "pg_ctl", "-D", s.data(), "-m", "immediate", "-w", "stop")
}

func (s *PGServer) data() string { return filepath.Join(s.dir, "data") }

func (s *PGServer) cmd(name string, args ...string) *exec.Cmd {
	path := filepath.Join(s.bin, name)
	if s.asPostgres {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

func (s *PGServer) run(t testing.TB, name string, args ...string) {
	t.Helper()
	if out, err := s.cmd(name, args...).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
		t.Fatalf("%s: %v\n%s\n%s", name, err, out, log)
	}
}

// Port returns the server's TCP port on 127.0.0.1.
func (s *PGServer) Port() int { return s.port }
