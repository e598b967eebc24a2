package redisdb

import (
	"net/url"
	"regexp"
	"strings"
	"sync"
)

const redacted = "xxxxx"

var urlPassRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(://[^:/@\s]*):([^@\s]*)@`) })

// RedactURL returns u with any password replaced by "xxxxx".
func RedactURL(u string) string {
	return urlPassRE().ReplaceAllString(u, "${1}:"+redacted+"@")
}

// secretsOf lists the strings that must never appear in an error: the
// password in every spelling a client might echo.
func secretsOf(cfg Config) []string {
	var pws []string
	if cfg.Password != "" {
		pws = append(pws, cfg.Password)
	}
	if u, err := url.Parse(cfg.URL); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			pws = append(pws, p)
		}
	}
	var out []string
	for _, p := range pws {
		out = append(out, p, url.QueryEscape(p), url.PathEscape(p))
	}
	return out
}

// redact removes every secret of the component from s.
func (c *Component) redact(s string) string {
	s = RedactURL(s)
	for _, sec := range c.secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return s
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
