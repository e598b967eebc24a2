package sqldb

import (
	"net/url"
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
// every spelling a driver might echo, and any other credential in a URL
// or password= setting.
func scrubberOf(cfg Config) *secret.Scrubber {
	pws := []string{cfg.Password}
	for k, v := range cfg.Options {
		if strings.HasSuffix(strings.ToLower(k), "password") {
			pws = append(pws, v)
		}
	}
	if cfg.DSN != "" {
		if cfg.Dialect != MySQL {
			if pc, err := postgresConfig(Config{DSN: cfg.DSN}); err == nil {
				pws = append(pws, pc.Password)
			}
		}
		if cfg.Dialect != Postgres {
			if mc := parseMySQLDSN(cfg.DSN); mc != nil {
				pws = append(pws, mc.Passwd)
			}
		}
		// A URL no driver accepts can still be echoed by url.Parse.
		if u, err := url.Parse(cfg.DSN); err == nil && u.User != nil {
			p, _ := u.User.Password()
			pws = append(pws, p)
		}
	}
	return secret.New(secret.Mask, pws...).Credentials()
}

// redact removes every secret of the component from s.
func (c *Component) redact(s string) string { return c.scrub.Scrub(s) }

// redactErr returns err with secrets removed from its text. errors.Is and
// errors.As still see the original chain.
func (c *Component) redactErr(err error) error { return secret.Err(err, c.redact) }
