package sqldb

import (
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/luahost/luahost/internal/secret"
)

// RedactDSN returns dsn with any password replaced by "xxxxx", found by
// the drivers' own parsers: URL DSNs (postgres://user:pass@host/db, and
// password or sslpassword query settings), PostgreSQL keyword/value DSNs
// (password=..., sslpassword=...) and MySQL DSNs (user:pass@tcp(host)/db).
func RedactDSN(dsn string) string {
	if strings.Contains(dsn, "://") {
		return secret.RedactURL(dsn)
	}
	if mc := parseMySQLDSN(dsn); mc != nil {
		if userPass := mc.User + ":" + mc.Passwd + "@"; strings.HasPrefix(dsn, userPass) {
			dsn = mc.User + ":" + secret.Mask + "@" + dsn[len(userPass):]
		}
	}
	return secret.ScrubCredentials(dsn)
}

// parseMySQLDSN returns the MySQL driver's reading of dsn, or nil. A DSN
// whose parameters the driver refuses is read without them, so that its
// password is still known.
func parseMySQLDSN(dsn string) *mysql.Config {
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		if i := strings.LastIndexByte(dsn, '?'); i > strings.LastIndexByte(dsn, '/') {
			mc, err = mysql.ParseDSN(dsn[:i])
		}
	}
	if err != nil {
		return nil
	}
	return mc
}

// scrubberOf returns the scrubber of a database's errors and logs: it
// replaces the passwords of cfg, as the drivers' parsers read them, in
// every spelling a driver might echo, and any other credential in a URL,
// MySQL DSN or password= setting.
func scrubberOf(cfg Config) *secret.Scrubber {
	return secret.New(secret.Mask, passwords(cfg)...).Credentials()
}

// passwords returns the secrets of cfg: the password field, option values
// whose name ends in "password" (sslpassword), and the password in the
// DSN as each driver's parser, and url.Parse, reads it. Empty values are
// left out.
func passwords(cfg Config) []string {
	var pws []string
	add := func(v string) {
		if v != "" && !slices.Contains(pws, v) {
			pws = append(pws, v)
		}
	}
	add(cfg.Password)
	for _, k := range slices.Sorted(maps.Keys(cfg.Options)) {
		if strings.HasSuffix(strings.ToLower(k), "password") {
			add(cfg.Options[k])
		}
	}
	if cfg.DSN != "" {
		if cfg.Dialect != MySQL {
			if pc, err := postgresConfig(Config{DSN: cfg.DSN}); err == nil {
				add(pc.Password)
			}
		}
		if cfg.Dialect != Postgres {
			if mc := parseMySQLDSN(cfg.DSN); mc != nil {
				add(mc.Passwd)
			}
		}
		// A URL no driver accepts can still be echoed by url.Parse.
		if u, err := url.Parse(cfg.DSN); err == nil && u.User != nil {
			p, _ := u.User.Password()
			add(p)
		}
	}
	return pws
}

// redact removes every secret of the component from s.
func (c *Component) redact(s string) string { return c.scrub.Scrub(s) }

// redactErr returns err with secrets removed from its text. errors.Is and
// errors.As still see the original chain.
func (c *Component) redactErr(err error) error { return secret.Err(err, c.redact) }
