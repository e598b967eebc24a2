package runtime_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

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

// TestSecretsStayOutOfOutput sets fields of every kind that takes
// ${env:...} to distinctive markers, makes the entry fail, and checks that
// no secret marker (a password, however given) appears in Go errors,
// states, log records (at debug level) or the error text a script sees,
// while values that are not secrets (hosts, ports, names) are shown as
// they are.
func TestSecretsStayOutOfOutput(t *testing.T) {
	pg, my := dbtest.PostgresDSN(t), dbtest.MySQLDSN(t)
	pgPort := strconv.Itoa(closedPort(t))
	myPort := strconv.Itoa(closedPort(t))
	type tc struct {
		name string
		env  map[string]string // variable -> marker
		// secret are the variables whose markers must not appear
		// anywhere; shown those whose markers the script's error shows.
		secret, shown []string
		reg           string // app:x is the entry used
		// script provokes the failure; it returns the error's text.
		script string
	}
	get := `local s, e = store.get("app:x"); return tostring(e)`
	tests := []tc{
		{name: "postgres host, port, password, options", env: map[string]string{
			"H": "127.0.0.77", "P": pgPort, "PW": "lcmarker-pw", "O": "lcmarkerapp"},
			secret: []string{"PW"}, shown: []string{"H", "P"},
			reg: `
- {name: db, kind: db.sql.postgres, host: "${env:H}", port: "${env:P}", database: test, username: someone, password: "${env:PW}", options: {application_name: "${env:O}"}}
- {name: x, kind: store.sql, database: db, table_name: kv}`, script: get},
		{name: "postgres database", env: map[string]string{"D": "lcmarkerdb"}, shown: []string{"D"}, reg: `
- {name: db, kind: db.sql.postgres, dsn: "` + strings.Replace(pg, "/test?", "/${env:D}?", 1) + `"}
- {name: x, kind: store.sql, database: db, table_name: kv}`, script: get},
		{name: "postgres dsn with a password", env: map[string]string{"DSN": pgDSNWithPassword(t, "lcmarkeruser2", "lcmarker-pw2")},
			secret: []string{"DSN"}, reg: `
- {name: db, kind: db.sql.postgres, dsn: "${env:DSN}"}
- {name: x, kind: store.sql, database: db, table_name: kv}`, script: get},
		{name: "mysql host, port, password", env: map[string]string{
			"H": "127.0.0.78", "P": myPort, "U": "lcmarkeruser3", "PW": "lcmarker-pw3"},
			secret: []string{"PW"}, shown: []string{"H", "P"},
			reg: `
- {name: db, kind: db.sql.mysql, host: "${env:H}", port: "${env:P}", database: test, username: "${env:U}", password: "${env:PW}"}
- {name: x, kind: store.sql, database: db, table_name: kv}`, script: get},
		{name: "mysql database and password on a real server", env: map[string]string{"D": "lcmarkerdb4", "PW": "lcmarker-pw4"},
			secret: []string{"PW"}, reg: `
- {name: db, kind: db.sql.mysql, dsn: "` + strings.Replace(strings.Replace(my, "/test", "/${env:D}", 1), "root:@", "root:${env:PW}@", 1) + `"}
- {name: x, kind: store.sql, database: db, table_name: kv}`, script: get},
		{name: "mysql dsn with a password", env: map[string]string{"DSN": myDSN(t, "lcmarker-pw5", "lcmarkerdb5")},
			secret: []string{"DSN"}, reg: `
- {name: db, kind: db.sql.mysql, dsn: "${env:DSN}"}
- {name: x, kind: store.sql, database: db, table_name: kv}`, script: get},
		{name: "sqlite file", env: map[string]string{"F": "/nonexistent-lcmarker/x.db"}, shown: []string{"F"}, reg: `
- {name: db, kind: db.sql.sqlite, file: "${env:F}"}
- {name: x, kind: store.sql, database: db, table_name: kv}`, script: get},
		{name: "redis password", env: map[string]string{"PW": "lcmarker-pw6", "A": "127.0.0.1:" + strconv.Itoa(closedPort(t))},
			secret: []string{"PW"}, shown: []string{"A"}, reg: `
- {name: r, kind: db.redis, addr: "${env:A}", password: "${env:PW}", dial_timeout: 200ms, max_retries: -1}
- {name: x, kind: store.redis, database: r}`, script: get},
		{name: "store.memory max_size", env: map[string]string{"M": "7919"}, shown: []string{"M"}, reg: `
- {name: x, kind: store.memory, max_size: "${env:M}"}`, script: `
local s = assert(store.get("app:x"))
for i = 1, 7919 do assert(s:set("k" .. i, i)) end
local ok, e = s:set("one more", 1)
return tostring(e)`},
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
			res, err := rt.RunString(ctx, tt.script)
			if err != nil {
				t.Fatalf("script: %v", err)
			}
			luaErr := fmt.Sprint(res...)
			if luaErr == "nil" {
				t.Errorf("the script saw no failure")
			}
			for _, name := range tt.shown {
				if !strings.Contains(luaErr, tt.env[name]) {
					t.Errorf("the script's error does not show %s (%q), which is not a secret: %q", name, tt.env[name], luaErr)
				}
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
			for _, name := range tt.secret {
				if strings.Contains(all, tt.env[name]) {
					t.Errorf("the value of %s (%q) appears in output:\n%s", name, tt.env[name], all)
				}
			}
			for _, pw := range []string{"lcmarker-pw2", "lcmarker-pw5"} { // passwords inside DSNs
				if strings.Contains(all, pw) {
					t.Errorf("the password %q appears in output:\n%s", pw, all)
				}
			}
			if strings.Contains(all, "<red<") || strings.Contains(all, "<<redacted>") {
				t.Errorf("nested masks in output:\n%s", all)
			}
		})
	}
}

// pgDSNWithPassword is the test server's DSN with user and password set.
func pgDSNWithPassword(t *testing.T, user, password string) string {
	u, err := url.Parse(dbtest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(user, password)
	return u.String()
}

// TestRedactionLeavesOrdinaryText holds regressions: redaction once
// rewrote every "e" of every message for a password "e", hid a port from
// the environment ("attempt 1" read "attempt <redacted>") and the same
// address written plainly for another entry, nested masks, and let a
// script confirm a guess of the password by seeing its own key come back
// redacted.
func TestRedactionLeavesOrdinaryText(t *testing.T) {
	pg := `
- {name: db, kind: db.sql.postgres, host: 127.0.0.1, port: 1, database: test, username: someone, password: "${env:PGPASSWORD}"}
- {name: c, kind: store.memory}`
	tests := []struct {
		name   string
		env    map[string]string
		reg    string
		script string   // returns a text to check
		want   string   // the script's result
		shows  []string // texts each found in the script's result and app:db's state
	}{
		{name: "1-byte password, ordinary key", env: map[string]string{"PGPASSWORD": "e"}, reg: pg,
			script: `local c = store.get("app:c"); local v, e = c:get("hello"); return tostring(e)`,
			want:   `NOT_FOUND: store "app:c": key "hello" not found`},
		{name: "1-byte password as the key", env: map[string]string{"PGPASSWORD": "e"}, reg: pg,
			script: `local c = store.get("app:c"); local v, e = c:get("e"); return tostring(e)`,
			want:   `NOT_FOUND: store "app:c": key "e" not found`},
		{name: "long password as the key", env: map[string]string{"PGPASSWORD": "hunter2secret"}, reg: pg,
			script: `local c = store.get("app:c"); local v, e = c:get("hunter2secret"); return tostring(e)`,
			want:   `NOT_FOUND: store "app:c": key "hunter2secret" not found`},
		{name: "password that is part of the mask", env: map[string]string{"PGPASSWORD": "dacted"}, reg: pg,
			script: `local c = store.get("app:c"); local v, e = c:get("<redacted>"); return tostring(e)`,
			want:   `NOT_FOUND: store "app:c": key "<redacted>" not found`},
		{name: "dsn from the environment, address in the file", env: map[string]string{
			"DSN": "postgres://someone:pw4sure@127.0.0.1:1/test?connect_timeout=1"}, reg: `
- {name: db, kind: db.sql.postgres, dsn: "${env:DSN}"}
- {name: x, kind: store.sql, database: db, table_name: kv}
- {name: r, kind: db.redis, addr: "127.0.0.1:1", dial_timeout: 200ms, max_retries: -1}
- {name: y, kind: store.redis, database: r}`,
			script: `local _, e1 = store.get("app:x"); local _, e2 = store.get("app:y"); return tostring(e1) .. "\n" .. tostring(e2)`,
			shows:  []string{"(attempt 1)", "127.0.0.1:1", "someone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncBuffer
			ctx := context.Background()
			rt, err := runtime.New(ctx, runtime.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
				runtime.WithClock(testclock.New()), runtime.WithRegistryString("a.yaml", tt.reg),
				runtime.WithGetenv(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }))
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			defer rt.Close(ctx)
			res, err := rt.RunString(ctx, tt.script)
			if err != nil {
				t.Fatalf("script: %v", err)
			}
			got := fmt.Sprint(res...)
			if tt.want != "" && got != tt.want {
				t.Errorf("script result = %q, want %q", got, tt.want)
			}
			for _, es := range rt.States() {
				if es.Entry.ID != "app:db" {
					continue
				}
				for _, want := range tt.shows {
					if !strings.Contains(es.State.String(), want) {
						t.Errorf("state of app:db = %q, want it to show %q", es.State, want)
					}
					if !strings.Contains(got, want) {
						t.Errorf("script result = %q, want it to show %q", got, want)
					}
				}
			}
			t.Logf("script: %s\nlogs:\n%s", got, logs.String())
		})
	}
}
