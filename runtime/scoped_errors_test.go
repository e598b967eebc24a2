package runtime_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/internal/dbtest"
	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/runtime"
)

// scopedErrPolicies lets the tenant group open t:kv and t:rkv and use their
// keys; the database entries behind them are not allowed.
const scopedErrPolicies = `
  - name: tenant_stores
    kind: security.policy
    policy:
      actions: [store.get, "store.key.*"]
      resources: ["t:kv", "t:rkv"]
      effect: allow
    groups: [tenant]
`

// failingCall opens the store and, if that works, reads a key; it
// returns what the script sees of the first error.
const failingCall = `
local id = ...
local s, err = store.get(id)
if s then
  local v
  v, err = s:get("k")
  if err == nil then return "no error" end
end
return err:kind(), err:message(), err:retryable(), tostring(err)
`

// scopedErrCase is one store run with and without a scope: what the
// message must say and, under the scope, what it must not.
type scopedErrCase struct {
	id string
	// full are strings the unscoped message and the Go error contain (the
	// dependency, host and port). The scoped message is always exactly the
	// generic one, so none of them appears there.
	full []string
}

// checkScopedErrors runs failingCall on tt.id with and without a scope,
// and raises the error to Go to check that it keeps every detail.
func checkScopedErrors(t *testing.T, rt *runtime.Runtime, tt scopedErrCase) {
	t.Helper()
	ctx := context.Background()
	scope := runtime.WithScope("t:tenant")
	for _, scoped := range []bool{false, true} {
		var opts []runtime.RunOption
		if scoped {
			opts = append(opts, scope, runtime.WithActor("acme", nil))
		}
		res, err := rt.RunString(ctx, "return (function(...) "+failingCall+" end)("+fmt.Sprintf("%q", tt.id)+")", opts...)
		if err != nil {
			t.Fatalf("scoped=%v: %v", scoped, err)
		}
		if len(res) != 4 {
			t.Fatalf("scoped=%v: got %v, want an error", scoped, res)
		}
		kind, msg, retry, text := fmt.Sprint(res[0]), fmt.Sprint(res[1]), fmt.Sprint(res[2]), fmt.Sprint(res[3])
		if kind != luamod.KindUnavailable || retry != "true" {
			t.Errorf("scoped=%v: kind %s retryable %s (%s), want Unavailable and retryable", scoped, kind, retry, text)
		}
		want := `store "` + tt.id + `": unavailable, try again later`
		if !scoped {
			if msg == want {
				t.Errorf("unscoped message %q is the scoped one", msg)
			}
			for _, s := range tt.full {
				if !strings.Contains(msg, s) {
					t.Errorf("unscoped message %q does not contain %q", msg, s)
				}
			}
			continue
		}
		if msg != want || text != "UNAVAILABLE: "+want {
			t.Errorf("scoped message %q (tostring %q), want %q", msg, text, want)
		}
		for _, s := range tt.full {
			if strings.Contains(text, s) {
				t.Errorf("scoped message %q names %q", text, s)
			}
		}
	}

	// Raised to Go, the error keeps the full chain under the scope too.
	_, err := rt.RunString(ctx, `
local s, err = store.get(`+fmt.Sprintf("%q", tt.id)+`)
if s then local v; v, err = s:get("k") end
error(err)`, scope, runtime.WithActor("acme", nil))
	var le *luamod.Error
	if !errors.As(err, &le) || le.Err == nil {
		t.Fatalf("raised error %v: no *luamod.Error with a cause", err)
	}
	if !errors.Is(err, backends.ErrUnavailable) {
		t.Errorf("raised error %v does not match ErrUnavailable", err)
	}
	for _, s := range tt.full {
		if !strings.Contains(le.Err.Error(), s) {
			t.Errorf("Go cause %q does not contain %q", le.Err.Error(), s)
		}
	}
}

// TestScopedErrorsOfStoresThatCannotStart: stores on a PostgreSQL and a
// Redis entry nothing listens for. Unscoped, the script sees the start
// error (the database entry, host, port, user); scoped, only that its
// store is unavailable and may be retried.
func TestScopedErrorsOfStoresThatCannotStart(t *testing.T) {
	port := closedPort(t)
	dead := fmt.Sprintf("127.0.0.1:%d", port)
	rt, err := runtime.New(context.Background(), runtime.WithRegistryString("reg.yaml", fmt.Sprintf(`
namespace: t
entries:
  - {name: secret_db, kind: db.sql.postgres, host: 127.0.0.1, port: %d, database: test, username: pguser_x, password: hunter22}
  - {name: kv, kind: store.sql, database: t:secret_db, table_name: kv_scoped, create_table: true}
  - {name: secret_rdb, kind: db.redis, addr: %q, dial_timeout: 200ms, max_retries: 0}
  - {name: rkv, kind: store.redis, database: t:secret_rdb}
`+scopedErrPolicies, port, dead)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	for _, tt := range []scopedErrCase{
		{id: "t:kv", full: []string{"t:secret_db", dead, "pguser_x"}},
		{id: "t:rkv", full: []string{"t:secret_rdb", dead}},
	} {
		t.Run(tt.id, func(t *testing.T) { checkScopedErrors(t, rt, tt) })
	}
}

// TestScopedErrorsOfDatabasesThatGoAway: stores on the real PostgreSQL
// and Redis reached through a proxy, which is shut once they run, so the
// error comes from the driver in the middle of a call.
func TestScopedErrorsOfDatabasesThatGoAway(t *testing.T) {
	pgDSN := dbtest.PostgresDSN(t)
	redisAddr := dbtest.RedisAddr(t)
	u, err := url.Parse(pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	pgProxy := newProxy(t, u.Host)
	u.Host = pgProxy.addr
	redisProxy := newProxy(t, redisAddr)

	table := dbtest.TableName(t)
	db, err := sql.Open("pgx", pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	dbtest.DropOnCleanup(t, db, `"`+table+`"`)

	rt, err := runtime.New(context.Background(), runtime.WithRegistryString("reg.yaml", fmt.Sprintf(`
namespace: t
entries:
  - {name: secret_db, kind: db.sql.postgres, dsn: %q}
  - {name: kv, kind: store.sql, database: t:secret_db, table_name: %s, create_table: true}
  - {name: secret_rdb, kind: db.redis, addr: %q, dial_timeout: 200ms, max_retries: 0}
  - {name: rkv, kind: store.redis, database: t:secret_rdb, prefix: %q}
`+scopedErrPolicies, u.String(), table, redisProxy.addr, dbtest.KeyPrefix(t))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	// Both stores work through the proxies first.
	if _, err := rt.RunString(context.Background(), `
for _, id in ipairs({"t:kv", "t:rkv"}) do
  local s = assert(store.get(id))
  assert(s:set("k", 1, 60))
end`); err != nil {
		t.Fatal(err)
	}
	pgProxy.shut()
	redisProxy.shut()
	// What the driver says of a broken connection varies ("unexpected
	// EOF", "connection refused" with the address): no fixed text.
	for _, tt := range []scopedErrCase{{id: "t:kv"}, {id: "t:rkv"}} {
		t.Run(tt.id, func(t *testing.T) { checkScopedErrors(t, rt, tt) })
	}
}

// proxy forwards TCP connections to a database until shut, which closes
// the listener and every connection, as a database host going away does.
type proxy struct {
	addr  string
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{addr: ln.Addr().String(), ln: ln}
	t.Cleanup(p.shut)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			d, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, d)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(d, c); d.Close() }()
			go func() { _, _ = io.Copy(c, d); c.Close() }()
		}
	}()
	return p
}

func (p *proxy) shut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
