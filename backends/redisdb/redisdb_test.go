package redisdb

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/internal/dbtest"
	"github.com/luahost/luahost/internal/redistest"
	"github.com/luahost/luahost/registry"
)

func load(t *testing.T, yaml string, env map[string]string) (*registry.Registry, error) {
	t.Helper()
	return registry.Load([]registry.Source{{Name: "r.yaml", Data: []byte(yaml)}}, registry.Options{
		Getenv: func(n string) (string, bool) { v, ok := env[n]; return v, ok },
	})
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       Config
		mode       Mode
	}{
		{"addr", `- {name: r, kind: db.redis, addr: "127.0.0.1:6379", db: 3}`,
			Config{Addr: "127.0.0.1:6379", DB: 3}, Standalone},
		{"url", `- {name: r, kind: db.redis, url: "rediss://u:p@h:6380/2"}`,
			Config{URL: "rediss://u:p@h:6380/2"}, Standalone},
		{"cluster inferred", `- {name: r, kind: db.redis, addrs: ["a:1", "b:2"]}`,
			Config{Addrs: []string{"a:1", "b:2"}}, Cluster},
		{"cluster one seed", `- {name: r, kind: db.redis, addr: "a:1", mode: cluster}`,
			Config{Addr: "a:1", Mode: Cluster}, Cluster},
		{"sentinel inferred", `- {name: r, kind: db.redis, addrs: ["s:26379"], master_name: m}`,
			Config{Addrs: []string{"s:26379"}, MasterName: "m"}, Sentinel},
		{"tls mapping", `- {name: r, kind: db.redis, addr: "h:1", tls: {ca_file: /etc/ca.pem, cert_file: c.pem, key_file: k.pem, server_name: redis.internal}}`,
			Config{Addr: "h:1", TLS: true, TLSOptions: TLSOptions{CAFile: "/etc/ca.pem", CertFile: "c.pem", KeyFile: "k.pem", ServerName: "redis.internal"}}, Standalone},
		{"tls mapping with url", `- {name: r, kind: db.redis, url: "rediss://h:1", tls: {insecure_skip_verify: true}}`,
			Config{URL: "rediss://h:1", TLS: true, TLSOptions: TLSOptions{InsecureSkipVerify: true}}, Standalone},
		{"tls false", `- {name: r, kind: db.redis, addrs: ["a:1", "b:2"], tls: false}`,
			Config{Addrs: []string{"a:1", "b:2"}}, Cluster},
		{"everything", `
- name: r
  kind: db.redis
  addr: h:1
  username: app
  password: ${env:PW}
  tls: true
  dial_timeout: 1s
  read_timeout: 2s
  write_timeout: 3s
  max_retries: -1
  pool: {size: 20, min_idle: 1, max_idle: 5, max_lifetime: 1h, idle_timeout: 5m, timeout: 4s}
`, Config{Addr: "h:1", Username: "app", Password: "s3cret", TLS: true, DialTimeout: time.Second, ReadTimeout: 2 * time.Second,
			WriteTimeout: 3 * time.Second, MaxRetries: -1,
			Pool: Pool{Size: 20, MinIdle: 1, MaxIdle: 5, MaxLifetime: time.Hour, IdleTimeout: 5 * time.Minute, Timeout: 4 * time.Second}}, Standalone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg, err := load(t, tc.yaml, map[string]string{"PW": "s3cret"})
			if err != nil {
				t.Fatal(err)
			}
			e, _ := reg.Entry("app:r")
			got := e.Config.(Config)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("config = %+v, want %+v", got, tc.want)
			}
			if m := got.ResolvedMode(); m != tc.mode {
				t.Errorf("mode = %s, want %s", m, tc.mode)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"no address", `- {name: r, kind: db.redis}`, "r.yaml:1:3: app:r: addr: one of addr, addrs or url is required"},
		{"two addresses", `- {name: r, kind: db.redis, addr: "a:1", url: "redis://b"}`, "addr, addrs and url exclude each other"},
		{"bad url", `- {name: r, kind: db.redis, url: "http://u:hunter2@b"}`, `want a redis:// or rediss:// URL, got "http://u:xxxxx@b"`},
		{"url and password", `- {name: r, kind: db.redis, url: "redis://b", password: x}`, "url excludes username, password, db and tls"},
		{"unknown mode", `- {name: r, kind: db.redis, addr: "a:1", mode: ring}`, `unknown mode "ring"`},
		{"sentinel without name", `- {name: r, kind: db.redis, addrs: ["a:1"], mode: sentinel}`, "mode sentinel needs master_name"},
		{"cluster db", `- {name: r, kind: db.redis, addrs: ["a:1"], db: 2}`, "Redis Cluster has only database 0"},
		{"standalone addrs", `- {name: r, kind: db.redis, addrs: ["a:1"], mode: standalone}`, "mode standalone takes one addr"},
		{"no port", `- {name: r, kind: db.redis, addr: "localhost"}`, `address "localhost" has no port`},
		{"negative timeout", `- {name: r, kind: db.redis, addr: "a:1", read_timeout: -1s}`, "read_timeout: duration must not be negative"},
		{"url and tls true", `- {name: r, kind: db.redis, url: "rediss://b:1", tls: true}`, "url excludes username, password, db and tls"},
		{"tls options on redis url", `- {name: r, kind: db.redis, url: "redis://b:1", tls: {ca_file: ca.pem}}`, "tls: tls options need a rediss:// url"},
		{"cert without key", `- {name: r, kind: db.redis, addr: "a:1", tls: {cert_file: c.pem}}`, "tls: cert_file and key_file go together"},
		{"tls not boolean", `- {name: r, kind: db.redis, addr: "a:1", tls: yes please}`, "tls: want true or false"},
		{"unknown tls field", `- {name: r, kind: db.redis, addr: "a:1", tls: {ca_fil: x}}`, "ca_fil"},
		{"unknown field", `- {name: r, kind: db.redis, addr: "a:1", adr: x}`, "adr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.yaml, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

// An address that names an unset variable is the one problem reported,
// not also a missing address.
func TestUnsetAddressVariable(t *testing.T) {
	for _, field := range []string{"addr", "url"} {
		t.Run(field, func(t *testing.T) {
			_, err := load(t, `- {name: r, kind: db.redis, `+field+`: "${env:UNSET_REDIS}"}`, nil)
			var re *registry.Error
			if !errors.As(err, &re) || len(re.Problems) != 1 {
				t.Fatalf("error %v, want one problem", err)
			}
			if got, want := re.Problems[0].Error(), field+": environment variable UNSET_REDIS is not set"; !strings.Contains(got, want) {
				t.Errorf("problem %q, want it to say %q", got, want)
			}
		})
	}
}

// TestStartErrors checks that start errors say what is wrong, with the
// right kind, and never show the password.
func TestStartErrors(t *testing.T) {
	if err := redistest.Available(); err != nil {
		dbtest.Unavailable(t, err.Error())
	}
	srv, err := redistest.StartServer(t.TempDir(), "--requirepass", "right-pass")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Kill)
	down, err := redistest.StartServer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	down.Kill()
	for _, tc := range []struct {
		name string
		cfg  Config
		kind error
	}{
		{"wrong password", Config{Addr: srv.Addr, Password: "wrong-pass"}, backends.ErrPermissionDenied},
		{"wrong password in url", Config{URL: "redis://:wrong-pass@" + srv.Addr}, backends.ErrPermissionDenied},
		{"refused", Config{Addr: down.Addr, Password: "wrong-pass"}, backends.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New("app:r", tc.cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err = c.Start(ctx)
			if !errors.Is(err, tc.kind) {
				t.Fatalf("start: %v, want %v", err, tc.kind)
			}
			if strings.Contains(err.Error(), "wrong-pass") {
				t.Errorf("error shows the password: %v", err)
			}
			if !strings.Contains(err.Error(), "app:r") {
				t.Errorf("error does not name the entry: %v", err)
			}
		})
	}
	c, err := New("app:r", Config{URL: "redis://:right-pass@" + srv.Addr + "/1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c.Stop(context.Background())
	if err := c.Client().Set(context.Background(), "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if out, _ := srv.Cli("-n", "1", "get", "k"); strings.TrimSpace(out) != "v" {
		t.Errorf("db 1 has %q, want the value written through the url's db", out)
	}
}
