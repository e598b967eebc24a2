package sqldb

import (
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/go-sql-driver/mysql"
)

const redacted = "xxxxx"

var (
	urlPassRE   = lazyRE(`(://[^:/@\s]*):(.*)@`)
	kvPassRE    = lazyRE(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)
	mysqlPassRE = lazyRE(`^([^:/@\s]*):(.*)@`)
)

// RedactDSN returns dsn with any password replaced by "xxxxx". It
// understands URL DSNs (postgres://user:pass@host/db), PostgreSQL
// keyword/value DSNs (password=...) and MySQL DSNs (user:pass@tcp(host)/db).
func RedactDSN(dsn string) string {
	s := urlPassRE().ReplaceAllString(dsn, "${1}:"+redacted+"@")
	s = kvPassRE().ReplaceAllString(s, "${1}"+redacted)
	if !strings.Contains(dsn, "://") {
		s = mysqlPassRE().ReplaceAllString(s, "${1}:"+redacted+"@")
	}
	return s
}

// secretsOf lists the strings that must never appear in an error: the
// password in every spelling a driver might echo, and the DSN itself.
func secretsOf(cfg Config) []string {
	var pws []string
	if cfg.Password != "" {
		pws = append(pws, cfg.Password)
	}
	if cfg.DSN != "" {
		if u, err := url.Parse(cfg.DSN); err == nil && u.User != nil {
			if p, ok := u.User.Password(); ok && p != "" {
				pws = append(pws, p)
			}
		}
		if m := kvPassRE().FindStringSubmatch(cfg.DSN); m != nil {
			pws = append(pws, strings.Trim(m[2], "'"))
		}
		if cfg.Dialect == MySQL {
			if mc, err := mysql.ParseDSN(cfg.DSN); err == nil && mc.Passwd != "" {
				pws = append(pws, mc.Passwd)
			}
		}
	}
	var out []string
	if cfg.DSN != "" {
		out = append(out, cfg.DSN)
	}
	for _, p := range pws {
		userinfo := strings.TrimPrefix(url.UserPassword("", p).String(), ":")
		out = append(out, p, url.QueryEscape(p), url.PathEscape(p), userinfo)
	}
	return out
}

// redact removes every secret of the component from s.
func (c *Component) redact(s string) string {
	for _, sec := range c.secrets {
		if sec == "" {
			continue
		}
		if sec == c.cfg.DSN {
			s = strings.ReplaceAll(s, sec, RedactDSN(sec))
			continue
		}
		s = strings.ReplaceAll(s, sec, redacted)
	}
	// Catch credentials the parsers above did not find (a DSN a driver
	// echoed in another spelling).
	s = urlPassRE().ReplaceAllString(s, "${1}:"+redacted+"@")
	return kvPassRE().ReplaceAllString(s, "${1}"+redacted)
}

// redactErr returns err with secrets removed from its text. errors.Is and
// errors.As still see the original chain.
func (c *Component) redactErr(err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{msg: c.redact(err.Error()), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// lazyRE compiles a pattern on first use, keeping start-up of every
// command free of work only database entries need.
func lazyRE(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}
