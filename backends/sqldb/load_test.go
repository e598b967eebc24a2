package sqldb

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/luahost/luahost/registry"
)

// TestBadConfigAtLoad: what the drivers would refuse at start is a load
// problem with its position, so `luahost check` reports it; passwords and
// values from the environment are not shown.
func TestBadConfigAtLoad(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"PG_DSN": "postgres://envuser:envpw@envhost:badport/envdb", "SQLITE_FILE": "file:x.db?mode=ro"}
	tests := []struct {
		name  string
		entry string
		want  string // the whole problem; "" for none
	}{
		{"postgres url with bad port", `{name: x, kind: db.sql.postgres, dsn: "postgres://u:hunter2@h:port/db"}`,
			"a.yaml:1:41: app:x: dsn: the postgres driver cannot parse it: invalid port"},
		{"postgres keywords", `{name: x, kind: db.sql.postgres, dsn: "host=h port=abc"}`,
			"a.yaml:1:41: app:x: dsn: the postgres driver cannot parse it: invalid port"},
		{"postgres dsn from env", `{name: x, kind: db.sql.postgres, dsn: "${env:PG_DSN}"}`,
			"a.yaml:1:41: app:x: dsn: the postgres driver cannot parse it: invalid port"},
		{"postgres bad option", `{name: x, kind: db.sql.postgres, host: h, options: {connect_timeout: soon}}`,
			"a.yaml:1:54: app:x: options: the postgres driver cannot parse it: invalid connect_timeout (strconv.ParseInt: parsing \"soon\": invalid syntax)"},
		{"mysql unterminated address", `{name: x, kind: db.sql.mysql, dsn: "root:pw@tcp(127.0.0.1:3306/test"}`,
			"a.yaml:1:38: app:x: dsn: the mysql driver cannot parse it: invalid DSN: network address not terminated (missing closing brace)"},
		{"mysql bad option", `{name: x, kind: db.sql.mysql, host: h, password: hunter2, options: {timeout: never}}`,
			"a.yaml:1:70: app:x: options: the mysql driver cannot parse it: time: invalid duration \"never\""},
		{"sqlite directory", `{name: x, kind: db.sql.sqlite, file: "` + dir + `"}`,
			"a.yaml:1:40: app:x: file: \"" + dir + "\" is a directory"},
		{"sqlite uri", `{name: x, kind: db.sql.sqlite, file: "file:x.db?mode=ro"}`,
			"a.yaml:1:40: app:x: file: want a plain path, not a \"file:\" URI (pragmas go in \"options\")"},
		{"sqlite uri with absolute path", `{name: x, kind: db.sql.sqlite, file: "file:///tmp/x.db"}`,
			"a.yaml:1:40: app:x: file: want a plain path, not a \"file:\" URI (pragmas go in \"options\")"},
		{"sqlite uri from env", `{name: x, kind: db.sql.sqlite, file: "${env:SQLITE_FILE}"}`,
			"a.yaml:1:40: app:x: file: want a plain path, not a \"file:\" URI (pragmas go in \"options\")"},
		{"sqlite file: inside a path", `{name: x, kind: db.sql.sqlite, file: "data/file:x.db"}`, ""},
		{"pool lifetime too short", `{name: x, kind: db.sql.postgres, host: h, pool: {max_lifetime: 1ms}}`,
			"a.yaml:1:66: app:x: pool.max_lifetime: must be 0 or at least 1s, got 1ms"},
		{"dsn and port", `{name: x, kind: db.sql.postgres, dsn: "postgres://h/db", port: 5433}`,
			"a.yaml:1:41: app:x: dsn: dsn excludes host, port, database, username, password and options; put them in the dsn"},
		{"neither dsn nor host", `{name: x, kind: db.sql.mysql, database: d}`,
			"a.yaml:1:3: app:x: host: either dsn or host is required"},
		{"dsn from an unset variable", `{name: x, kind: db.sql.postgres, dsn: "postgres://u:${env:UNSET_PW}@h/db"}`,
			"a.yaml:1:41: app:x: dsn: environment variable UNSET_PW is not set (write ${env:UNSET_PW:-default} to give a default)"},
		{"mysql dsn from an unset variable", `{name: x, kind: db.sql.mysql, dsn: "${env:UNSET_DSN}"}`,
			"a.yaml:1:38: app:x: dsn: environment variable UNSET_DSN is not set (write ${env:UNSET_DSN:-default} to give a default)"},
		{"port out of range", `{name: x, kind: db.sql.mysql, host: h, port: 70000}`,
			"a.yaml:1:48: app:x: port: port 70000 is out of range 1-65535"},
		{"sqlite without file", `{name: x, kind: db.sql.sqlite}`,
			"a.yaml:1:3: app:x: file: file is required: a path, or \":memory:\""},
		{"sqlite bad pragma value", `{name: x, kind: db.sql.sqlite, file: a.db, options: {cache_size: "1; DROP"}}`,
			"a.yaml:1:55: app:x: options: option \"cache_size\": not a plain pragma value (letters, digits, _ . + -)"},
		{"postgres url dsn with a misspelt parameter", `{name: x, kind: db.sql.postgres, dsn: "postgres://u@h:5432/test?sslmod=disable"}`,
			"a.yaml:1:41: app:x: dsn: unknown connection parameter \"sslmod\" (did you mean \"sslmode\"?): the server would get it as a setting and refuse to connect"},
		{"postgres keyword dsn with a misspelt parameter", `{name: x, kind: db.sql.postgres, dsn: "host=h dbname=test prot=5432"}`,
			"a.yaml:1:41: app:x: dsn: unknown connection parameter \"prot\" (did you mean \"port\"?): the server would get it as a setting and refuse to connect"},
		{"postgres option misspelt", `{name: x, kind: db.sql.postgres, host: h, options: {application_name: a, sslmod: disable}}`,
			"a.yaml:1:84: app:x: options.sslmod: unknown connection parameter \"sslmod\" (did you mean \"sslmode\"?): the server would get it as a setting and refuse to connect"},
		{"postgres server settings", `{name: x, kind: db.sql.postgres, dsn: "postgres://h/db?application_name=a&search_path=s&statement_timeout=5s&TimeZone=UTC&tcp_keepalives_idle=5"}`, ""},
		{"postgres server settings in options", `{name: x, kind: db.sql.postgres, host: h, options: {search_path: s, lock_timeout: 1s, client_encoding: UTF8}}`, ""},
		{"mysql dsn with a misspelt parameter", `{name: x, kind: db.sql.mysql, dsn: "root@tcp(h:3306)/test?parseTim=true"}`,
			"a.yaml:1:38: app:x: dsn: unknown connection parameter \"parseTim\" (did you mean \"parseTime\"?): the server would get it as a setting and refuse to connect"},
		{"mysql option misspelt", `{name: x, kind: db.sql.mysql, host: h, options: {timout: 5s}}`,
			"a.yaml:1:60: app:x: options.timout: unknown connection parameter \"timout\" (did you mean \"timeout\"?): the server would get it as a setting and refuse to connect"},
		{"mysql session variables", `{name: x, kind: db.sql.mysql, host: h, options: {time_zone: "'+00:00'", autocommit: "1", sql_mode: "'ANSI'", tls: "false", wait_timeout: "60"}}`, ""},
		{"mysql session variables near a driver parameter", `{name: x, kind: db.sql.mysql, dsn: "root@tcp(h:3306)/test?wait_timeout=60&max_allowed_packet=1024&net_read_timeout=30"}`, ""},
		{"host with a port", `{name: x, kind: db.sql.postgres, host: "127.0.0.1:5432"}`,
			"a.yaml:1:42: app:x: host: \"127.0.0.1:5432\" includes a port: write host: 127.0.0.1 and port: 5432"},
		{"mysql host with a port", `{name: x, kind: db.sql.mysql, host: "db.example:3307"}`,
			"a.yaml:1:39: app:x: host: \"db.example:3307\" includes a port: write host: db.example and port: 3307"},
		{"host is a url", `{name: x, kind: db.sql.postgres, host: "postgres://127.0.0.1"}`,
			"a.yaml:1:42: app:x: host: \"postgres://127.0.0.1\" is a URL: host takes a host name or address; put a URL in dsn instead"},
		{"ipv6 host", `{name: x, kind: db.sql.postgres, host: "::1"}`, ""},
		{"unix socket host", `{name: x, kind: db.sql.postgres, host: /var/run/postgresql}`, ""},
		{"sqlite misspelt pragma", `{name: x, kind: db.sql.sqlite, file: a.db, options: {journal_mode: wal, busy_timout: 5000}}`,
			"a.yaml:1:88: app:x: options.busy_timout: unknown SQLite pragma \"busy_timout\" (did you mean \"busy_timeout\"?)"},
		{"sqlite unknown pragma", `{name: x, kind: db.sql.sqlite, file: a.db, options: {turbo: on}}`,
			"a.yaml:1:63: app:x: options.turbo: unknown SQLite pragma \"turbo\""},
		{"sqlite pragmas", `{name: x, kind: db.sql.sqlite, file: a.db, options: {journal_mode: wal, Busy_Timeout: 5000, cache_size: -2000, mmap_size: 0}}`, ""},
		{"good postgres", `{name: x, kind: db.sql.postgres, host: h, options: {sslmode: disable}, pool: {max_lifetime: 0}}`, ""},
		{"good mysql", `{name: x, kind: db.sql.mysql, dsn: "root:pw@tcp(127.0.0.1:3306)/test?timeout=5s"}`, ""},
		{"good sqlite", `{name: x, kind: db.sql.sqlite, file: "` + dir + `/new.db"}`, ""},
	}
	// Each entry loads from a source without a folder and from one in a
	// folder, against which relative paths resolve (as from a file).
	for _, tt := range tests {
		for _, srcDir := range []string{"", dir} {
			t.Run(tt.name+"/dir="+strconv.FormatBool(srcDir != ""), func(t *testing.T) {
				_, err := registry.Load([]registry.Source{{Name: "a.yaml", Data: []byte("- " + tt.entry + "\n"), Dir: srcDir}},
					registry.Options{Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
				if tt.want == "" {
					if err != nil {
						t.Fatalf("Load: %v", err)
					}
					return
				}
				var re *registry.Error
				if !errors.As(err, &re) || len(re.Problems) != 1 {
					t.Fatalf("Load error = %v, want one problem", err)
				}
				if got := re.Problems[0].Error(); got != tt.want {
					t.Errorf("problem\n got %s\nwant %s", got, tt.want)
				}
				for _, secret := range []string{"hunter2", "envuser", "envpw", "envhost", "envdb"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("problem shows %q: %v", secret, err)
					}
				}
			})
		}
	}
	if _, err := os.Stat(dir + "/new.db"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("loading created the database file: %v", err)
	}
}
