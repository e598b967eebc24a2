package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/internal/dbtest"
	"github.com/luahost/luahost/internal/testclock"
	"github.com/luahost/luahost/registry"
	"github.com/luahost/luahost/runtime"
)

// The test.failing kind fails every start with its field "error"; with
// "permanent: true" the error wraps registry.ErrPermanent.
func init() {
	runtime.RegisterTyped(registry.TypedKind[error]{
		Name: "test.failing",
		Decode: func(f *registry.Fields) error {
			err := errors.New(f.String("error", "failed"))
			if f.Bool("permanent", false) {
				err = fmt.Errorf("%w: %w", err, registry.ErrPermanent)
			}
			return err
		},
		New: func(cfg error, _ registry.Env) (registry.Component, error) {
			return failing{cfg}, nil
		},
	})
}

type failing struct{ err error }

func (f failing) Start(context.Context) error { return f.err }
func (f failing) Stop(context.Context) error  { return nil }

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// pgDSN returns the test server's DSN with user and database replaced.
func pgDSN(t *testing.T, user, database string) string {
	u, err := url.Parse(dbtest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		u.User = url.User(user)
	}
	if database != "" {
		u.Path = "/" + database
	}
	return u.String()
}

// withParam returns dsn with the query parameter kv added.
func withParam(dsn, kv string) string {
	if strings.Contains(dsn, "?") {
		return dsn + "&" + kv
	}
	return dsn + "?" + kv
}

// myDSN returns the test server's DSN with a password or database replaced.
func myDSN(t *testing.T, password, database string) string {
	c, err := mysql.ParseDSN(dbtest.MySQLDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	if password != "" {
		c.Passwd = password
	}
	if database != "" {
		c.DBName = database
	}
	return c.FormatDSN()
}

// TestStartFailureClasses starts one entry per class of start failure: a
// permanent one is failed after its first attempt, with its message and
// no retry; a transient one retries with backoff on the runtime's clock.
func TestStartFailureClasses(t *testing.T) {
	tests := []struct {
		name  string
		entry func(t *testing.T) string // the fields of app:x
		want  runtime.Phase
		msg   string
	}{
		{"postgres unknown role", func(t *testing.T) string {
			return fmt.Sprintf("kind: db.sql.postgres, dsn: %q", pgDSN(t, "no_such_role_lc", ""))
		}, runtime.Failed, `role "no_such_role_lc" does not exist`},
		{"postgres unknown database", func(t *testing.T) string {
			return fmt.Sprintf("kind: db.sql.postgres, dsn: %q", pgDSN(t, "", "no_such_db_lc"))
		}, runtime.Failed, `database "no_such_db_lc" does not exist`},
		{"postgres unknown setting", func(t *testing.T) string {
			return fmt.Sprintf("kind: db.sql.postgres, dsn: %q", withParam(pgDSN(t, "", ""), "no_such_setting_lc=1"))
		}, runtime.Failed, `unrecognized configuration parameter "no_such_setting_lc"`},
		{"postgres bad setting value", func(t *testing.T) string {
			return fmt.Sprintf("kind: db.sql.postgres, dsn: %q", withParam(pgDSN(t, "", ""), "statement_timeout=soon"))
		}, runtime.Failed, `invalid value for parameter "statement_timeout"`},
		{"mariadb unknown variable", func(t *testing.T) string {
			return fmt.Sprintf("kind: db.sql.mysql, dsn: %q", withParam(myDSN(t, "", ""), "no_such_var_lc=1"))
		}, runtime.Failed, "Error 1193"},
		{"postgres client at a mariadb port", func(t *testing.T) string {
			c, err := mysql.ParseDSN(dbtest.MySQLDSN(t))
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("kind: db.sql.postgres, dsn: %q", "postgres://x@"+c.Addr+"/x?sslmode=disable")
		}, runtime.Retrying, "is likely not a PostgreSQL server (another service, such as MySQL, may be listening on that port)"},
		{"mariadb wrong password", func(t *testing.T) string {
			return fmt.Sprintf("kind: db.sql.mysql, dsn: %q", myDSN(t, "wrong-password", ""))
		}, runtime.Failed, "Error 1045"},
		{"mariadb unknown database", func(t *testing.T) string {
			return fmt.Sprintf("kind: db.sql.mysql, dsn: %q", myDSN(t, "", "no_such_db_lc"))
		}, runtime.Failed, "Error 1049"},
		{"permanent error of a kind", func(t *testing.T) string {
			return "kind: test.failing, error: schema mismatch, permanent: true"
		}, runtime.Failed, "schema mismatch"},
		{"postgres connection refused", func(t *testing.T) string {
			return fmt.Sprintf("kind: db.sql.postgres, host: 127.0.0.1, port: %d, database: x, username: x", closedPort(t))
		}, runtime.Retrying, "connection refused"},
		{"mariadb connection refused", func(t *testing.T) string {
			return fmt.Sprintf("kind: db.sql.mysql, host: 127.0.0.1, port: %d, database: x, username: x", closedPort(t))
		}, runtime.Retrying, "connection refused"},
		{"transient error of a kind", func(t *testing.T) string {
			return "kind: test.failing, error: try again"
		}, runtime.Retrying, "try again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := testclock.New()
			ctx := context.Background()
			rt, err := runtime.New(ctx, runtime.WithClock(clk), runtime.WithRegistryString("fail.yaml", fmt.Sprintf(`
- {name: x, %s, lifecycle: {restart: {initial_delay: 1s, max_delay: 1m, backoff_factor: 2, jitter: 0}}}
`, tt.entry(t))))
			if err != nil {
				t.Fatal(err)
			}
			defer rt.Close(ctx)
			err = rt.Start(ctx, "app:x")
			if !errors.Is(err, backends.ErrUnavailable) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("start = %v, want UNAVAILABLE with %q", err, tt.msg)
			}
			st := rt.State("app:x")
			if st.Phase != tt.want || st.Attempts != 1 {
				t.Fatalf("state %s, want %s after one attempt", st, tt.want)
			}
			if tt.want == runtime.Failed {
				if !errors.Is(st.LastError, registry.ErrPermanent) {
					t.Errorf("last error %v does not wrap ErrPermanent", st.LastError)
				}
				// The attempt's start timeout was its only timer: no retry.
				if !clk.WaitTimers(1, 5*time.Second) || clk.WaitTimers(1, 50*time.Millisecond) {
					t.Fatalf("want exactly one timer (the start timeout)")
				}
				clk.Advance(time.Hour)
				if st := rt.State("app:x"); st.Phase != runtime.Failed || st.Attempts != 1 {
					t.Errorf("an hour later: %s", st)
				}
				return
			}
			if errors.Is(st.LastError, registry.ErrPermanent) {
				t.Errorf("transient error wraps ErrPermanent: %v", st.LastError)
			}
			// Backoff: 1s, then 2s.
			for attempt, delay := range []time.Duration{time.Second, 2 * time.Second} {
				if !clk.WaitTimers(2, 5*time.Second) { // start timeout, retry delay
					t.Fatalf("attempt %d: no retry scheduled", attempt+1)
				}
				st := rt.State("app:x")
				if st.Phase != runtime.Retrying || st.Attempts != attempt+1 {
					t.Fatalf("attempt %d: %s", attempt+1, st)
				}
				if got := st.NextRetry.Sub(clk.Now()); got != delay {
					t.Errorf("attempt %d: retry in %s, want %s", attempt+1, got, delay)
				}
				clk.Advance(delay)
			}
		})
	}
}
