// Package secret removes secrets from text before it reaches an error
// message or a log: the passwords of connection settings (DSNs, URLs) and
// other values the registry marks secret, in every spelling a driver or
// parser may echo them.
//
// # Basics
//
// A Scrubber replaces known values. The connection kinds learn the values
// from the drivers' own parsers (pgx.ParseConfig, mysql.ParseDSN,
// url.Parse) and build their Scrubber with Credentials, which also masks
// passwords written in any URL, MySQL DSN or key=value connection string
// in the text, the final pass for text a driver echoes in a spelling no
// parser gave.
//
// # Rules
//
//   - A value of at least MinLen bytes is replaced wherever it appears.
//     A shorter one is not matched as a substring at all (a password "e"
//     would otherwise rewrite every "e", and tell a script that echoes
//     its own input which letter the password is): Credentials covers
//     it where it is a credential, as the password of a URL or MySQL DSN
//     or the value of a password= setting, whatever its value.
//   - Masks are never matched: text already scrubbed (with Mask or this
//     Scrubber's mask, by any Scrubber) scrubs to itself, so a secret
//     that is part of a mask ("dact", "xxxx") cannot nest masks.
//   - ScrubExcept leaves the reader's own text (a key a script asked
//     for) as it is, so seeing it come back masked cannot confirm a
//     guess of a secret.
//
// # Caveats
//
//   - A URL password in text is masked up to the last '@' on its line,
//     so that one holding unescaped '@', '/' or spaces is covered; this
//     may hide more of the line than the password.
//   - Credentials masks every credential-shaped setting in the text, the
//     caller's own text included ("password=abc" reads "password=xxxxx").
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

// MinLen is the length in bytes below which a value is not replaced
// wherever it appears, only where it is a credential (see Credentials).
const MinLen = 4

// Scrubber replaces secrets in text. The zero value and a nil *Scrubber
// replace nothing.
type Scrubber struct {
	forms []string // the spellings to replace, longest first
	first [256]bool
	mask  string
	creds bool
}

// New returns a Scrubber that replaces each value of at least MinLen
// bytes with mask, in every spelling of Spellings, longer spellings first
// (so a value inside another is not replaced first). Shorter values are
// ignored: only Credentials hides them, in credential positions.
func New(mask string, values ...string) *Scrubber {
	seen := map[string]bool{}
	s := &Scrubber{mask: mask}
	for _, v := range values {
		if len(v) < MinLen {
			continue
		}
		for _, form := range Spellings(v) {
			if !seen[form] {
				seen[form] = true
				s.forms = append(s.forms, form)
				s.first[form[0]] = true
			}
		}
	}
	sort.Slice(s.forms, func(i, j int) bool {
		if len(s.forms[i]) != len(s.forms[j]) {
			return len(s.forms[i]) > len(s.forms[j])
		}
		return s.forms[i] < s.forms[j]
	})
	return s
}

// Credentials returns a copy of s that also masks, after the known
// values, every credential written in the text (see ScrubCredentials),
// with the mask of s.
func (s *Scrubber) Credentials() *Scrubber {
	c := &Scrubber{creds: true, mask: Mask}
	if s != nil {
		c.forms, c.first, c.creds = s.forms, s.first, true
		if s.mask != "" {
			c.mask = s.mask
		}
	}
	return c
}

// Scrub returns text with the secrets of s replaced. Masks already in the
// text are left as they are, so scrubbing twice changes nothing more.
func (s *Scrubber) Scrub(text string) string { return s.ScrubExcept(text) }

// ScrubExcept is Scrub leaving alone every occurrence in text of the
// strings own (and of their Go-quoted spellings): text the reader itself
// supplied, such as the key a script asked for, so that seeing it come
// back masked cannot tell the reader that it guessed a secret. Credential
// masking, which does not depend on the value, still applies.
func (s *Scrubber) ScrubExcept(text string, own ...string) string {
	if s == nil {
		return text
	}
	text = s.replace(text, ownSpans(text, own))
	if s.creds {
		text = scrubCredentials(text, s.mask)
	}
	return text
}

// ownSpans returns, for each byte of text inside an occurrence of one of
// own (raw or as %q quotes it), where the furthest such occurrence ends;
// nil when there is none.
func ownSpans(text string, own []string) []int {
	var ends []int
	for _, o := range own {
		if o == "" {
			continue
		}
		q := strconv.Quote(o)
		for _, form := range []string{o, q[1 : len(q)-1]} {
			for at := 0; at < len(text); {
				j := strings.Index(text[at:], form)
				if j < 0 {
					break
				}
				if ends == nil {
					ends = make([]int, len(text))
				}
				start, end := at+j, at+j+len(form)
				for k := start; k < end; k++ {
					ends[k] = max(ends[k], end)
				}
				at = start + 1
			}
		}
	}
	return ends
}

// replace replaces every known spelling in text, leftmost and longest
// first, skipping masks and the spans own marks (see ownSpans).
func (s *Scrubber) replace(text string, own []int) string {
	if len(s.forms) == 0 {
		return text
	}
	var b strings.Builder
	from := 0 // text[:from] is written
	for i := 0; i < len(text); {
		if own != nil && own[i] > i {
			i = own[i]
			continue
		}
		n, m := 0, maskAt(text, i, s.mask)
		if s.first[text[i]] {
			n = s.matchAt(text, i)
		}
		switch {
		case n > m: // a secret here, longer than any mask here
			b.WriteString(text[from:i])
			b.WriteString(s.mask)
			i += n
			from = i
		case m > 0:
			i += m
		default:
			i++
		}
	}
	if from == 0 {
		return text
	}
	b.WriteString(text[from:])
	return b.String()
}

// matchAt returns the length of the longest spelling at text[i:], or 0.
func (s *Scrubber) matchAt(text string, i int) int {
	for _, f := range s.forms {
		if strings.HasPrefix(text[i:], f) {
			return len(f)
		}
	}
	return 0
}

// maskAt returns the length of the mask (Mask, or mask) at text[i:], or 0.
func maskAt(text string, i int, mask string) int {
	switch {
	case mask != "" && strings.HasPrefix(text[i:], mask):
		return len(mask)
	case strings.HasPrefix(text[i:], Mask):
		return len(Mask)
	}
	return 0
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

// ScrubCredentials masks with Mask every credential written in text,
// whatever its value: the password of each URL (scheme://user:password@host,
// up to the last '@' on the line, so a password holding unescaped '@',
// ':', '/' or spaces is covered), of each MySQL DSN
// (user:password@tcp(...), @tcp6(, @unix(), and the value of each
// password= or sslpassword= setting, quoted or not (in a URL query, up to
// the next '&'). A credential that is already a mask is left alone.
func ScrubCredentials(text string) string { return scrubCredentials(text, Mask) }

func scrubCredentials(text, mask string) string {
	return maskSettings(maskMySQL(maskURLs(text, mask), mask), mask)
}

// isMask reports whether v is Mask or mask.
func isMask(v, mask string) bool { return v == Mask || v == mask }

// maskURLs masks the userinfo password of every URL in text: after
// "scheme://user:" up to the last '@' on the same line, so that a
// password holding unescaped '@', '/' or spaces is covered.
func maskURLs(text, mask string) string {
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
		if user >= 0 && line[user] == ':' {
			// Already masked: the password ends at the mask's '@'.
			if pw := line[user+1:]; strings.HasPrefix(pw, Mask+"@") || strings.HasPrefix(pw, mask+"@") {
				at = -1
			}
		}
		if user < 0 || line[user] != ':' || at <= user {
			b.WriteString(rest[:start])
			rest = rest[start:]
			continue
		}
		b.WriteString(rest[:start+user+1])
		b.WriteString(mask)
		rest = rest[start+at:]
	}
	if b.Len() == 0 {
		return text
	}
	b.WriteString(rest)
	return b.String()
}

// mysqlNets are how the address part of a MySQL DSN starts, after the
// user:password@ (go-sql-driver/mysql's network names).
var mysqlNets = []string{"@tcp(", "@tcp6(", "@unix("}

// maskMySQL masks the password of every MySQL DSN in text: in
// "user:password@tcp(", what follows the first ':' of the word before the
// '@' (a word ends at white space, quotes, '(' or '='). URLs are left to
// maskURLs.
func maskMySQL(text, mask string) string {
	var b strings.Builder
	from := 0 // text[:from] is written or masked
	for i := 0; i < len(text); i++ {
		if text[i] != '@' || !hasAnyPrefix(text[i:], mysqlNets) {
			continue
		}
		start := strings.LastIndexAny(text[from:i], " \t\r\n\"'`(=") + 1 + from
		word := text[start:i]
		colon := strings.IndexByte(word, ':')
		if colon < 0 || strings.Contains(word, "://") || colon+1 == len(word) || isMask(word[colon+1:], mask) {
			continue
		}
		b.WriteString(text[from : start+colon+1])
		b.WriteString(mask)
		from = i
	}
	if from == 0 {
		return text
	}
	b.WriteString(text[from:])
	return b.String()
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
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
func maskSettings(text, mask string) string {
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
		if end == p || isMask(text[p:end], mask) {
			continue
		}
		b.WriteString(text[from:p])
		b.WriteString(mask)
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
