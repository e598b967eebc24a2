package redisdb

import (
	"net/url"

	"github.com/luahost/luahost/internal/secret"
)

// RedactURL returns u with any password replaced by "xxxxx" (the userinfo
// password, as url.URL.Redacted masks it, and password query settings).
// Text that is not a URL has the password of every URL in it masked.
func RedactURL(u string) string { return secret.RedactURL(u) }

// scrubberOf returns the scrubber of a client's errors and logs: it
// replaces the passwords of cfg (the password field, and the URL's as
// url.Parse reads it) in every spelling a client might echo, and any
// other credential written in a URL.
func scrubberOf(cfg Config) *secret.Scrubber {
	pws := []string{cfg.Password}
	if u, err := url.Parse(cfg.URL); err == nil && u.User != nil {
		p, _ := u.User.Password()
		pws = append(pws, p)
	}
	return secret.New(secret.Mask, pws...).Credentials()
}

// redact removes every secret of the component from s.
func (c *Component) redact(s string) string { return c.scrub.Scrub(s) }

// redactErr returns err with secrets removed from its text. errors.Is and
// errors.As still see the original chain.
func (c *Component) redactErr(err error) error { return secret.Err(err, c.redact) }
