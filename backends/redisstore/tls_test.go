package redisstore

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/redisdb"
	"github.com/luahost/luahost/internal/redistest"
)

// TestTLS runs a store's core calls and its server-side scripts (incr,
// conditional put, list) through a db.redis that reaches a TLS-only
// server with its own CA, by addr and by rediss:// URL.
func TestTLS(t *testing.T) {
	needServers(t)
	srv, files, err := redistest.StartTLS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Kill)
	tlsOpts := redisdb.TLSOptions{CAFile: files.CAFile}
	for _, tc := range []struct {
		name string
		cfg  redisdb.Config
		db   int
	}{
		{"addr", redisdb.Config{Addr: srv.Addr, TLS: true, TLSOptions: tlsOpts}, 0},
		{"rediss url", redisdb.Config{URL: "rediss://" + srv.Addr + "/3", TLS: true, TLSOptions: tlsOpts}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t, startDB(t, tc.cfg), Options{})
			c := ctx(t)
			for _, k := range []string{"b", "a", "c", "x"} {
				if err := s.Set(c, k, []byte("v-"+k), 0); err != nil {
					t.Fatal(err)
				}
			}
			if v, err := s.Get(c, "b"); err != nil || string(v) != "v-b" {
				t.Fatalf("get b = %q, %v", v, err)
			}
			for want := 1.0; want <= 3; want++ {
				if n, err := s.Incr(c, "n", 1, backends.IncrOptions{}); err != nil || n != want {
					t.Fatalf("incr = %v, %v; want %v", n, err, want)
				}
			}
			if _, err := s.Put(c, "a", []byte("other"), backends.PutOptions{OnlyIfAbsent: true}); err == nil {
				t.Error("put only_if_absent on an existing key succeeded")
			}
			page, err := s.List(c, backends.ListOptions{After: "a", Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, it := range page.Items {
				keys = append(keys, it.Key)
			}
			if want := []string{"b", "c"}; !reflect.DeepEqual(keys, want) || !page.HasMore {
				t.Errorf("list after a = %v (has_more %v), want %v with more", keys, page.HasMore, want)
			}
			// The data is on the TLS server, in the URL's database.
			out, err := srv.Cli("-n", strconv.Itoa(tc.db), "exists", s.keys("b")[0])
			if err != nil || strings.TrimSpace(out) != "1" {
				t.Errorf("key b not on the TLS server's db %d: %q, %v", tc.db, out, err)
			}
		})
	}
}
