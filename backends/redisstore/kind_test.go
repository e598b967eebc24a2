package redisstore

import (
	"strings"
	"testing"

	_ "github.com/luahost/luahost/backends/sqldb"
	"github.com/luahost/luahost/registry"
)

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       Config
		err        string
	}{
		{name: "defaults", yaml: "- {name: r, kind: db.redis, addr: \"a:1\"}\n- {name: s, kind: store.redis, database: r}",
			want: Config{Database: "app:r", CleanupInterval: DefaultCleanupInterval}},
		{name: "all fields", yaml: "- {name: r, kind: db.redis, addr: \"a:1\"}\n- {name: s, kind: store.redis, database: app:r, prefix: sessions, cleanup_interval: 0s}",
			want: Config{Database: "app:r", Prefix: "sessions"}},
		{name: "no database", yaml: `- {name: s, kind: store.redis, cleanup_interval: 1m}`, err: `r.yaml:1:3: app:s: missing required field "database"`},
		{name: "sql database", yaml: "- {name: d, kind: db.sql.sqlite, file: \":memory:\"}\n- {name: s, kind: store.redis, database: d}", err: "db.redis"},
		{name: "prefix braces", yaml: "- {name: r, kind: db.redis, addr: \"a:1\"}\n- {name: s, kind: store.redis, database: r, prefix: \"a{b}\"}",
			err: "r.yaml:2:53: app:s: prefix: prefix \"a{b}\" must not contain { or }"},
		{name: "negative interval", yaml: "- {name: r, kind: db.redis, addr: \"a:1\"}\n- {name: s, kind: store.redis, database: r, cleanup_interval: -1m}", err: "cleanup_interval"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg, err := registry.Load([]registry.Source{{Name: "r.yaml", Data: []byte(tc.yaml)}}, registry.Options{})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			e, _ := reg.Entry("app:s")
			if got := e.Config.(Config); got != tc.want {
				t.Errorf("config = %+v, want %+v", got, tc.want)
			}
			if got := e.Deps; len(got) != 1 || got[0] != "app:r" {
				t.Errorf("deps = %v, want [app:r]", got)
			}
		})
	}
}
