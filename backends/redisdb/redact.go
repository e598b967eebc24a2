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
// replaces the passwords of cfg in every spelling a client might echo,
// and any other credential written in a URL.
func scrubberOf(cfg Config) *secret.Scrubber {
	return secret.New(secret.Mask, passwords(cfg)...).Credentials()
}

// passwords returns the secrets of cfg: the password field and the URL's
// password as url.Parse reads it. Empty values are left out.
func passwords(cfg Config) []string {
	var pws []string
	if cfg.Password != "" {
		pws = append(pws, cfg.Password)
	}
	if u, err := url.Parse(cfg.URL); err == nil && u.User != nil {
		if p, _ := u.User.Password(); p != "" {
			pws = append(pws, p)
		}
	}
	return pws
}

// redact removes every secret of the component from s.
func (c *Component) redact(s string) string { return c.scrub.Scrub(s) }

// redactErr returns err with secrets removed from its text. errors.Is and
// errors.As still see the original chain.
func (c *Component) redactErr(err error) error { return secret.Err(err, c.redact) }
