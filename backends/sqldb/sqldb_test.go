package sqldb

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/internal/dbtest"
	"github.com/luahost/luahost/registry"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func start(t *testing.T, cfg Config) *Component {
	t.Helper()
	c, err := New("app:db", cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return c
}

func pragma(t *testing.T, c *Component, name string, read bool) string {
	t.Helper()
	db := c.DB()
	if read {
		db = c.ReadDB()
	}
	var v string
	if err := db.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func TestSQLiteFile(t *testing.T) {
	// '?', '#' and '%' must stay part of the file name.
	file := filepath.Join(t.TempDir(), "odd ?#%name.db")
	c := start(t, Config{Dialect: SQLite, File: file, Options: map[string]string{"cache_size": "-4000"}})
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("database file not created at %q: %v", file, err)
	}
	for _, read := range []bool{false, true} {
		if got, want := pragma(t, c, "journal_mode", read), "wal"; got != want {
			t.Errorf("journal_mode (read=%v) = %q, want %q", read, got, want)
		}
		// One step of the busy wait; callers repeat it while their
		// context lasts.
		if got, want := pragma(t, c, "busy_timeout", read), strconv.Itoa(int(SQLiteBusyStep/time.Millisecond)); got != want {
			t.Errorf("busy_timeout (read=%v) = %q, want %q", read, got, want)
		}
		if got, want := pragma(t, c, "cache_size", read), "-4000"; got != want {
			t.Errorf("cache_size option (read=%v) = %q, want %q", read, got, want)
		}
	}
	if _, err := c.DB().Exec("CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadDB().Exec("INSERT INTO t VALUES (1)"); err == nil {
		t.Error("ReadDB accepted a write")
	}
	if got := c.Dialect(); got != SQLite {
		t.Errorf("Dialect() = %q", got)
	}
}

func TestSQLiteMemoryIsOneDatabase(t *testing.T) {
	c := start(t, Config{Dialect: SQLite, File: ":memory:"})
	if c.DB() != c.ReadDB() {
		t.Fatal(":memory: must use one pool for reads and writes")
	}
	if _, err := c.DB().Exec("CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			if _, err := c.DB().Exec("INSERT INTO t VALUES (?)", i); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var n int
	if err := c.ReadDB().QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 20 {
		t.Errorf("rows = %d, want 20 (every goroutine must see one database)", n)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"sqlite without file", Config{Dialect: SQLite}, "file is required"},
		{"bad pragma name", Config{Dialect: SQLite, File: "x.db", Options: map[string]string{"a;b": "1"}}, "not a valid pragma name"},
		{"bad pragma value", Config{Dialect: SQLite, File: "x.db", Options: map[string]string{"cache_size": "1; DROP"}}, "not a plain pragma value"},
		{"neither dsn nor host", Config{Dialect: Postgres}, "either dsn or host"},
		{"dsn and host", Config{Dialect: MySQL, DSN: "root@/x", Host: "h"}, "dsn excludes"},
		{"bad port", Config{Dialect: Postgres, Host: "h", Port: 70000}, "out of range"},
		{"unknown dialect", Config{Dialect: "oracle"}, "unknown dialect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New("app:db", tt.cfg, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New() error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// closedPort returns a local port nothing listens on.
func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func TestErrorsNeverShowPasswords(t *testing.T) {
	const secret = "S3cr3t-P@ss:w/rd"
	port := closedPort(t)
	hostPort := net.JoinHostPort("127.0.0.1", itoa(port))
	tests := []struct {
		name        string
		cfg         Config
		unavailable bool
	}{
		{"postgres fields", Config{Dialect: Postgres, Host: "127.0.0.1", Port: port, Database: "x", Username: "u", Password: secret}, true},
		{"postgres url", Config{Dialect: Postgres, DSN: "postgres://u:S3cr3t-P%40ss%3Aw%2Frd@" + hostPort + "/x?connect_timeout=2"}, true},
		{"postgres keywords", Config{Dialect: Postgres, DSN: "host=127.0.0.1 port=" + itoa(port) + " user=u password='" + secret + "' dbname=x"}, true},
		{"postgres malformed", Config{Dialect: Postgres, DSN: "postgres://u:" + secret + "@[::1/x?sslmode=bogus"}, false},
		{"mysql fields", Config{Dialect: MySQL, Host: "127.0.0.1", Port: port, Database: "x", Username: "u", Password: secret}, true},
		{"mysql dsn", Config{Dialect: MySQL, DSN: "u:" + secret + "@tcp(" + hostPort + ")/x"}, true},
		{"mysql malformed", Config{Dialect: MySQL, DSN: "u:" + secret + "@tcp(" + hostPort + "/x?timeout=zz"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New("app:db", tt.cfg, nil)
			if err == nil {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				err = c.Start(ctx)
				c.Stop(ctx)
			}
			if err == nil {
				t.Fatal("Start succeeded against a closed port")
			}
			msg := err.Error()
			for _, leak := range []string{secret, "S3cr3t", "S3cr3t-P%40ss"} {
				if strings.Contains(msg, leak) {
					t.Fatalf("error shows the password (%q): %s", leak, msg)
				}
			}
			if got := errors.Is(err, backends.ErrUnavailable); got != tt.unavailable {
				t.Errorf("errors.Is(err, ErrUnavailable) = %v, want %v; err: %s", got, tt.unavailable, msg)
			}
			if !strings.Contains(msg, "app:db") {
				t.Errorf("error does not name the entry: %s", msg)
			}
		})
	}
}

func TestRedactDSN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u:pw@h:5432/db?sslmode=disable", "postgres://u:xxxxx@h:5432/db?sslmode=disable"},
		{"postgres://u@h/db", "postgres://u@h/db"},
		{"host=h user=u password=pw dbname=d", "host=h user=u password=xxxxx dbname=d"},
		{"host=h password='p w' dbname=d", "host=h password=xxxxx dbname=d"},
		{"root:pw@tcp(127.0.0.1:3306)/test", "root:xxxxx@tcp(127.0.0.1:3306)/test"},
		{"root:@tcp(127.0.0.1:3306)/test", "root:xxxxx@tcp(127.0.0.1:3306)/test"},
	}
	for _, tt := range tests {
		if got := RedactDSN(tt.in); got != tt.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestServers(t *testing.T) {
	tests := []struct {
		name    string
		dialect Dialect
		dsn     func(testing.TB) string
		check   string // a query returning one string
		want    string // contained in the result
	}{
		{"postgres", Postgres, dbtest.PostgresDSN, "SELECT current_setting('server_version')", ""},
		{"mysql", MySQL, dbtest.MySQLDSN, "SELECT @@SESSION.sql_mode", "STRICT_ALL_TABLES"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := start(t, Config{Dialect: tt.dialect, DSN: tt.dsn(t)})
			if c.DB() != c.ReadDB() {
				t.Error("server databases use one pool")
			}
			var got string
			if err := c.DB().QueryRow(tt.check).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("%s = %q, want it to contain %q", tt.check, got, tt.want)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestKindsRegistered(t *testing.T) {
	for _, name := range []string{KindSQLite, KindPostgres, KindMySQL} {
		if _, ok := registry.LookupKind(name); !ok {
			t.Errorf("kind %s is not registered", name)
		}
	}
}

// The server trusts every local user, so a password in the DSN is
// accepted and ignored: the open succeeds and its log line must not show it.
func TestLogsNeverShowPasswords(t *testing.T) {
	const secret = "L0g-S3cret"
	dsn := dbtest.PostgresDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), secret)
	var buf bytes.Buffer
	c, err := New("app:db", Config{Dialect: Postgres, DSN: u.String()}, slog.New(slog.NewTextHandler(&buf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c.Stop(context.Background())
	if buf.Len() == 0 || strings.Contains(buf.String(), secret) {
		t.Errorf("log = %q: want a line without the password", buf.String())
	}
}

// syncBuffer is a bytes.Buffer safe for the driver's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMySQLDriverLogsGoToSlog: the driver's own log lines (here, about an
// idle connection the server killed) reach the entry's slog logger.
func TestMySQLDriverLogsGoToSlog(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	c, err := New("app:db", Config{Dialect: MySQL, DSN: dbtest.MySQLDSN(t), Pool: Pool{MaxOpen: 1, MaxIdle: 1}}, logger)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Stop(context.Background())
	var id int64
	if err := c.DB().QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
		t.Fatal(err)
	}
	other, err := New("app:other", Config{Dialect: MySQL, DSN: dbtest.MySQLDSN(t)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer other.Stop(context.Background())
	if _, err := other.DB().ExecContext(ctx, "KILL "+strconv.FormatInt(id, 10)); err != nil {
		t.Fatal(err)
	}
	// The pool finds its idle connection dead and opens another; the
	// driver logs why.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(buf.String(), "driver=mysql") && time.Now().Before(deadline) {
		c.DB().PingContext(ctx)
	}
	if got := buf.String(); !strings.Contains(got, "level=WARN") || !strings.Contains(got, "driver=mysql") {
		t.Errorf("slog output %q lacks the driver's warning", got)
	}
}
