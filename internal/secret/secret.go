// Package secret removes secrets from text before it reaches an error
// message or a log: values the registry took from the environment, and
// the passwords of connection settings (DSNs, URLs), in every spelling a
// driver or parser may echo them.
//
// # Basics
//
// A Scrubber replaces known values. The connection kinds learn the values
// from the drivers' own parsers (pgx.ParseConfig, mysql.ParseDSN,
// url.Parse) and build their Scrubber with Credentials, which also masks
// passwords written in any URL or key=value connection string in the text,
// the final pass for text a driver echoes in a spelling no parser gave.
//
// # Caveats
//
//   - A very short secret is replaced wherever it appears, even inside
//     unrelated words: over-redaction is preferred to a leak.
//   - A URL password in text is masked up to the last '@' on its line,
//     so that one holding unescaped '@', '/' or spaces is covered; this
//     may hide more of the line than the password.
package secret

import (
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Mask is what replaces a password in a DSN, a URL or a driver's message;
// it is the mask url.URL.Redacted uses.
const Mask = "xxxxx"

// Scrubber replaces secrets in text. The zero value and a nil *Scrubber
// replace nothing.
type Scrubber struct {
	rep   *strings.Replacer
	creds bool
}

// New returns a Scrubber that replaces each non-empty value with mask, in
// every spelling of Spellings, longer spellings first (so a value inside
// another is not replaced first).
func New(mask string, values ...string) *Scrubber {
	seen := map[string]bool{}
	var all []string
	for _, v := range values {
		for _, form := range Spellings(v) {
			if !seen[form] {
				seen[form] = true
				all = append(all, form)
			}
		}
	}
	s := &Scrubber{}
	if len(all) == 0 {
		return s
	}
	sort.Slice(all, func(i, j int) bool {
		if len(all[i]) != len(all[j]) {
			return len(all[i]) > len(all[j])
		}
		return all[i] < all[j]
	})
	pairs := make([]string, 0, 2*len(all))
	for _, v := range all {
		pairs = append(pairs, v, mask)
	}
	s.rep = strings.NewReplacer(pairs...)
	return s
}

// Credentials returns a copy of s that also masks, after the known
// values, every credential written in the text: the password of any URL
// (scheme://user:password@host) and the value of any password= or
// sslpassword= setting (libpq key=value strings, URL queries).
func (s *Scrubber) Credentials() *Scrubber {
	c := &Scrubber{creds: true}
	if s != nil {
		c.rep = s.rep
	}
	return c
}

// Scrub returns text with the secrets of s replaced.
func (s *Scrubber) Scrub(text string) string {
	if s == nil {
		return text
	}
	if s.rep != nil {
		text = s.rep.Replace(text)
	}
	if s.creds {
		text = ScrubCredentials(text)
	}
	return text
}

// Spellings returns the forms of v a DSN, URL or driver message may hold:
// v itself, URL query-escaped, path-escaped and userinfo-escaped, and
// single-quoted as in a libpq key=value string; and each of these as Go's
// %q escapes it. Empty for an empty v.
func Spellings(v string) []string {
	if v == "" {
		return nil
	}
	userinfo := strings.TrimPrefix(url.UserPassword("", v).String(), ":")
	quoted := "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
	out := []string{v}
	for _, f := range []string{url.QueryEscape(v), url.PathEscape(v), userinfo, quoted} {
		out = appendNew(out, f)
	}
	// Each of them again as Go's %q escapes it, for messages that quote
	// a DSN.
	for _, f := range out {
		q := strconv.Quote(f)
		out = appendNew(out, q[1:len(q)-1])
	}
	return out
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// Err returns err with its text passed through scrub; errors.Is and
// errors.As still see the original chain. An error whose text scrub does
// not change is returned as it is.
func Err(err error, scrub func(string) string) error {
	if err == nil || scrub == nil {
		return err
	}
	text := err.Error()
	if msg := scrub(text); msg != text {
		return &scrubbedError{msg: msg, err: err}
	}
	return err
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// RedactURL returns a URL (or a DSN in URL form) with its password and
// password query settings replaced by Mask, as url.URL.Redacted does for
// the userinfo. Text that is not such a URL passes through
// ScrubCredentials.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Opaque != "" || strings.ContainsAny(raw, " \t\r\n") {
		return ScrubCredentials(raw)
	}
	u.RawQuery = maskQuery(u.RawQuery)
	return u.Redacted()
}

// ScrubCredentials masks every credential written in text: the password
// of each URL (scheme://user:password@host, up to the last '@' on the
// line, so a password holding unescaped '@', ':', '/' or spaces is
// covered) and the value
// of each password= or sslpassword= setting, quoted or not (in a URL
// query, up to the next '&').
func ScrubCredentials(text string) string {
	return maskSettings(maskURLs(text))
}

// maskURLs masks the userinfo password of every URL in text: after
// "scheme://user:" up to the last '@' on the same line, so that a
// password holding unescaped '@', '/' or spaces is covered.
func maskURLs(text string) string {
	var b strings.Builder
	rest := text
	for {
		i := strings.Index(rest, "://")
		if i < 0 {
			break
		}
		start := i + len("://")
		line := rest[start:]
		if nl := strings.IndexByte(line, '\n'); nl >= 0 {
			line = line[:nl]
		}
		user := strings.IndexAny(line, ":/@ \t\r")
		at := strings.LastIndexByte(line, '@')
		if user < 0 || line[user] != ':' || at <= user {
			b.WriteString(rest[:start])
			rest = rest[start:]
			continue
		}
		b.WriteString(rest[:start+user+1])
		b.WriteString(Mask)
		rest = rest[start+at:]
	}
	if b.Len() == 0 {
		return text
	}
	b.WriteString(rest)
	return b.String()
}

// maskQuery masks the values of password settings in a raw URL query.
func maskQuery(q string) string {
	if q == "" {
		return q
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, _, ok := strings.Cut(p, "=")
		if key, err := url.QueryUnescape(k); ok && err == nil && isPasswordKey(key) {
			parts[i] = k + "=" + Mask
		}
	}
	return strings.Join(parts, "&")
}

func isPasswordKey(k string) bool {
	return strings.HasSuffix(strings.ToLower(strings.TrimSpace(k)), "password")
}

// maskSettings masks the value of every "...password = value" setting in
// text: a single-quoted value (with backslash escapes) whole, quotes
// included; an unquoted one up to white space, or, in a URL query (the
// key follows '?' or '&'), up to the next '&' or '#'.
func maskSettings(text string) string {
	var b strings.Builder
	from := 0 // text[:from] is written or masked
	for i := 0; ; {
		j := indexASCIIFold(text[i:], "password")
		if j < 0 {
			break
		}
		keyEnd := i + j + len("password")
		i = keyEnd
		p := skipSpace(text, keyEnd)
		if p >= len(text) || text[p] != '=' {
			continue
		}
		p = skipSpace(text, p+1)
		keyStart := strings.LastIndexAny(text[:keyEnd], " \t\r\n?&;") + 1
		inQuery := keyStart > 0 && (text[keyStart-1] == '?' || text[keyStart-1] == '&')
		end := valueEnd(text, p, inQuery)
		if end == p || text[p:end] == Mask {
			continue
		}
		b.WriteString(text[from:p])
		b.WriteString(Mask)
		from, i = end, end
	}
	if from == 0 {
		return text
	}
	b.WriteString(text[from:])
	return b.String()
}

// indexASCIIFold is strings.Index ignoring ASCII case; lower is lower
// case. (strings.ToLower could change the length of other text.)
func indexASCIIFold(s, lower string) int {
	for i := 0; i+len(lower) <= len(s); i++ {
		if s[i]|0x20 == lower[0] && strings.EqualFold(s[i:i+len(lower)], lower) {
			return i
		}
	}
	return -1
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// valueEnd returns where the setting value starting at p ends.
func valueEnd(s string, p int, inQuery bool) int {
	if p < len(s) && s[p] == '\'' {
		for i := p + 1; i < len(s); i++ {
			switch s[i] {
			case '\\':
				i++
			case '\'':
				return i + 1
			}
		}
		return len(s) // unterminated: mask the rest
	}
	stop := " \t\r\n\"`" // quotes end a DSN quoted in a message
	if inQuery {
		stop += "&#"
	}
	if i := strings.IndexAny(s[p:], stop); i >= 0 {
		return p + i
	}
	return len(s)
}
