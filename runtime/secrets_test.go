package runtime_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luahost/luahost/internal/dbtest"
	"github.com/luahost/luahost/internal/testclock"
	"github.com/luahost/luahost/registry"
	"github.com/luahost/luahost/runtime"
)

// The test.hang kind's Start waits for its context.
func init() {
	runtime.RegisterTyped(registry.TypedKind[hang]{
		Name:   "test.hang",
		Decode: func(f *registry.Fields) hang { return hang{} },
		New:    func(h hang, _ registry.Env) (registry.Component, error) { return h, nil },
	})
}

type hang struct{}

func (hang) Start(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
func (hang) Stop(context.Context) error      { return nil }

// syncBuffer is a log sink safe for concurrent writes.
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

// TestEnvValuesStayOutOfOutput sets every field of every kind that takes
// ${env:...} to a distinctive marker, makes the entry fail, and checks that
// no marker appears in Go errors, states, log records (at debug level) or
// the error text a script sees.
func TestEnvValuesStayOutOfOutput(t *testing.T) {
	pg, my := dbtest.PostgresDSN(t), dbtest.MySQLDSN(t)
	pgPort := strconv.Itoa(closedPort(t))
	myPort := strconv.Itoa(closedPort(t))
	type tc struct {
		name string
		env  map[string]string // variable -> marker
		reg  string            // app:x is the entry used
		// script provokes the failure; it returns the error's text. ""
		// starts app:x from Go instead.
		script string
		// clock, when set, is advanced by this much after the script starts.
		advance time.Duration
	}
	get := `local s, e = store.get("app:x"); return tostring(e)`
	tests := []tc{
		{name: "postgres host, port, password, options", env: map[string]string{
			"H": "127.0.0.77", "P": pgPort, "PW": "lcmarker-pw", "O": "lcmarkerapp"},
			reg: `
- {name: db, kind: db.sql.postgres, host: "${env:H}", port: "${env:P}", database: test, username: someone, password: "${env:PW}", options: {application_name: "${env:O}"}}
- {name: x, kind: store.sql, database: db, table_name: kv}`, script: get},
		{name: "postgres database", env: map[string]string{"D": "lcmarkerdb"}, reg: `
- {name: db, kind: db.sql.postgres, dsn: "` + strings.Replace(pg, "/test?", "/${env:D}?", 1) + `"}
- {name: x, kind: store.sql, database: db, table_name: kv}`, script: get},
		{name: "postgres username", env: map[string]string{"U": "lcmarkeruser"}, reg: `
- {name: db, kind: db.sql.postgres, host: 127.0.0.1, database: test, username: "${env:U}"}
- {name: x, kind: store.sql, database: db, table_name: kv}`, script: get},
		{name: "postgres dsn", env: map[string]string{"DSN": pgDSN(t, "lcmarkeruser2", "lcmarkerdb2")}, reg: `
- {name: db, kind: db.sql.postgres, dsn: "${env:DSN}"}
- {name: x, kind: store.sql, database: db, table_name: kv}`, script: get},
		{name: "mysql host, port, database, username, password, options", env: map[string]string{
			"H": "127.0.0.78", "P": myPort, "D": "lcmarkerdb3", "U": "lcmarkeruser3", "PW": "lcmarker-pw3", "O": "lcmarkerzone"},
			reg: `
- {name: db, kind: db.sql.mysql, host: "${env:H}", port: "${env:P}", database: "${env:D}", username: "${env:U}", password: "${env:PW}", options: {time_zone: "'${env:O}'"}}
- {name: x, kind: store.sql, database: db, table_name: kv}`, script: get},
		{name: "mysql database and password on a real server", env: map[string]string{"D": "lcmarkerdb4", "PW": "lcmarker-pw4"}, reg: `
- {name: db, kind: db.sql.mysql, dsn: "` + strings.Replace(strings.Replace(my, "/test", "/${env:D}", 1), "root:@", "root:${env:PW}@", 1) + `"}
- {name: x, kind: store.sql, database: db, table_name: kv}`, script: get},
		{name: "mysql dsn", env: map[string]string{"DSN": myDSN(t, "", "lcmarkerdb5")}, reg: `
- {name: db, kind: db.sql.mysql, dsn: "${env:DSN}"}
- {name: x, kind: store.sql, database: db, table_name: kv}`, script: get},
		{name: "sqlite file and options", env: map[string]string{"F": "/nonexistent-lcmarker/x.db", "O": "lcmarkermode"}, reg: `
- {name: db, kind: db.sql.sqlite, file: "${env:F}", options: {journal_size_limit: "${env:O}"}}
- {name: x, kind: store.sql, database: db, table_name: kv}`, script: get},
		{name: "store.sql table and columns", env: map[string]string{
			"T": "lcmarkertable", "K": "lcmarkerkey", "V": "lcmarkervalue", "E": "lcmarkerexp", "VER": "lcmarkerver"}, reg: `
- {name: db, kind: db.sql.sqlite, file: ":memory:"}
- {name: x, kind: store.sql, database: db, table_name: "${env:T}", id_column_name: "${env:K}", payload_column_name: "${env:V}", expire_column_name: "${env:E}", version_column_name: "${env:VER}"}`,
			script: get},
		{name: "store.memory max_size", env: map[string]string{"M": "7919"}, reg: `
- {name: x, kind: store.memory, max_size: "${env:M}"}`, script: `
local s = assert(store.get("app:x"))
for i = 1, 7919 do assert(s:set("k" .. i, i)) end
local ok, e = s:set("one more", 1)
return tostring(e)`},
		{name: "lifecycle start_timeout", env: map[string]string{"T": "1.5s"}, reg: `
- {name: x, kind: test.hang, lifecycle: {start_timeout: "${env:T}"}}`, advance: 1500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncBuffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			clk := testclock.New()
			ctx := context.Background()
			var out []string
			rt, err := runtime.New(ctx, runtime.WithLogger(logger), runtime.WithClock(clk),
				runtime.WithRegistryString("env.yaml", tt.reg),
				runtime.WithGetenv(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }))
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if tt.advance > 0 {
				go func() {
					clk.WaitDue(tt.advance, 5*time.Second)
					clk.Advance(tt.advance)
				}()
			}
			var luaErr string
			if tt.script == "" { // not a store: start it from Go
				luaErr = fmt.Sprint(rt.Start(ctx, "app:x"))
			} else {
				res, err := rt.RunString(ctx, tt.script)
				if err != nil {
					t.Fatalf("script: %v", err)
				}
				luaErr = fmt.Sprint(res...)
			}
			if luaErr == "nil" || !strings.Contains(luaErr, "<redacted>") {
				t.Errorf("the script saw no failure with a redacted value: %q", luaErr)
			}
			out = append(out, luaErr)
			if _, err := rt.Store(ctx, "app:x"); err != nil {
				out = append(out, err.Error())
			}
			for _, es := range rt.States() {
				out = append(out, es.State.String())
			}
			if err := rt.Close(ctx); err != nil {
				out = append(out, err.Error())
			}
			out = append(out, logs.String())
			all := strings.Join(out, "\n")
			for name, marker := range tt.env {
				if strings.Contains(all, marker) {
					t.Errorf("the value of %s (%q) appears in output:\n%s", name, marker, all)
				}
			}
		})
	}
}
