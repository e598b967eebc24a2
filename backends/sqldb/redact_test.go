package sqldb

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/luahost/luahost/internal/secret"
)

// TestNoSecretSurvives runs DSNs of every driver, odd passwords included,
// through what can print them: RedactDSN, the drivers' own parse errors,
// New, and Start against a real server (a password the server refuses,
// or one it ignores, so that the "database open" log line is written)
// and against a closed port. No spelling of a secret may survive.
func TestNoSecretSurvives(t *testing.T) {
	pgHost, mysqlHost := "127.0.0.1:1", "127.0.0.1:1" // closed ports unless a server is configured
	if dsn := os.Getenv("LUAHOST_TEST_POSTGRES_DSN"); dsn != "" {
		if pc, err := pgx.ParseConfig(dsn); err == nil {
			pgHost = fmt.Sprintf("%s:%d", pc.Host, pc.Port)
		}
	}
	if dsn := os.Getenv("LUAHOST_TEST_MYSQL_DSN"); dsn != "" {
		if mc, err := mysql.ParseDSN(dsn); err == nil {
			mysqlHost = mc.Addr
		}
	}
	tests := []struct {
		name    string
		cfg     Config
		secrets []string // as the user wrote or meant them
	}{
		{"pg url", Config{Dialect: Postgres, DSN: "postgres://postgres:hunter2@" + pgHost + "/test?sslmode=disable"}, []string{"hunter2"}},
		{"pg url escaped @:/%", Config{Dialect: Postgres, DSN: "postgres://postgres:p%40ss%3Aw%2Frd%25z@" + pgHost + "/test?sslmode=disable"}, []string{"p@ss:w/rd%z", "p%40ss%3Aw%2Frd%25z"}},
		{"pg url unescaped @:/", Config{Dialect: Postgres, DSN: "postgres://postgres:p@ss:w/rd@" + pgHost + "/test"}, []string{"p@ss:w/rd", "ss:w/rd"}},
		{"pg url space", Config{Dialect: Postgres, DSN: "postgres://postgres:sp ace@" + pgHost + "/test"}, []string{"sp ace"}},
		{"pg query password", Config{Dialect: Postgres, DSN: "postgres://postgres@" + pgHost + "/test?sslmode=disable&password=qu3ry%26x"}, []string{"qu3ry&x", "qu3ry%26x"}},
		{"pg query sslpassword", Config{Dialect: Postgres, DSN: "postgres://postgres@127.0.0.1:1/test?sslmode=require&sslkey=/nonexistent&sslpassword=k3ypass"}, []string{"k3ypass"}},
		{"pg key=value", Config{Dialect: Postgres, DSN: "host=" + strings.Split(pgHost, ":")[0] + " port=" + strings.Split(pgHost, ":")[1] + " user=postgres password=kv5ecret dbname=test sslmode=disable"}, []string{"kv5ecret"}},
		{"pg key=value quoted", Config{Dialect: Postgres, DSN: `host=127.0.0.1 port=1 user=postgres password='a b\'c@d' dbname=test sslmode=disable`}, []string{`a b'c@d`, `a b\'c@d`}},
		{"pg key=value sslpassword", Config{Dialect: Postgres, DSN: "host=127.0.0.1 port=1 user=postgres sslmode=require sslkey=/nonexistent sslpassword=kv55l dbname=test"}, []string{"kv55l"}},
		{"pg fields", Config{Dialect: Postgres, Host: "127.0.0.1", Port: 1, Username: "postgres", Password: "f1eld:p@ss", Database: "test", Options: map[string]string{"sslmode": "disable"}}, []string{"f1eld:p@ss"}},
		{"pg bad url", Config{Dialect: Postgres, DSN: "postgres://postgres:bad%zzpw@" + pgHost + "/test"}, []string{"bad%zzpw"}},
		{"mysql", Config{Dialect: MySQL, DSN: "root:my5ecret@tcp(" + mysqlHost + ")/test"}, []string{"my5ecret"}},
		{"mysql @:/%", Config{Dialect: MySQL, DSN: "root:p@ss:w/r%25d@tcp(" + mysqlHost + ")/test"}, []string{"p@ss:w/r%25d"}},
		{"mysql closed port", Config{Dialect: MySQL, DSN: "root:cl0sed@tcp(127.0.0.1:1)/test?timeout=2s"}, []string{"cl0sed"}},
		{"mysql bad param", Config{Dialect: MySQL, DSN: "root:pa5s@tcp(127.0.0.1:1)/test?timeout=never"}, []string{"pa5s"}},
		{"mysql fields", Config{Dialect: MySQL, Host: "127.0.0.1", Port: 1, Username: "root", Password: "f1eld@my", Database: "test"}, []string{"f1eld@my"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var texts []string
			if tt.cfg.DSN != "" {
				texts = append(texts, "RedactDSN: "+RedactDSN(tt.cfg.DSN))
			}
			s := scrubberOf(tt.cfg)
			// What drivers and parsers echo of a DSN.
			if err := parseConfig(tt.cfg); err != nil {
				texts = append(texts, "parse: "+s.Scrub(err.Error()))
			}
			if _, err := url.Parse(tt.cfg.DSN); err != nil {
				texts = append(texts, "url.Parse: "+s.Scrub(err.Error()))
			}
			texts = append(texts, "quoted: "+s.Scrub(fmt.Sprintf("dsn %q", tt.cfg.DSN)), "raw: "+s.Scrub(tt.cfg.DSN))

			var logs bytes.Buffer
			c, err := New("app:db", tt.cfg, slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				texts = append(texts, "New: "+err.Error())
			} else {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				if err := c.Start(ctx); err != nil {
					texts = append(texts, "Start: "+err.Error())
				}
				cancel()
				_ = c.Stop(context.Background())
			}
			texts = append(texts, "logs: "+logs.String())
			for _, text := range texts {
				for _, sec := range tt.secrets {
					for _, form := range secret.Spellings(sec) {
						if strings.Contains(text, form) {
							t.Errorf("%q survives in %s", form, text)
						}
					}
				}
			}
			if t.Failed() {
				t.Log(strings.Join(texts, "\n"))
			}
		})
	}
}
