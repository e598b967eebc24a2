package registry

import (
	"strconv"
	"strings"

	"github.com/luahost/luahost/internal/secret"
)

// scalar is a scalar value after ${env:...} expansion.
type scalar struct {
	text string // expanded
	raw  string // as written
	// env are the values substituted from the environment (they make
	// the entry's fingerprint, and parts of a secret field are secrets).
	env []string
	bad bool // expansion failed (already reported)
}

// fromEnv reports whether any part of the value came from the environment.
func (s *scalar) fromEnv() bool { return s != nil && len(s.env) > 0 }

// show quotes the value for a message, or gives the text as written when
// part of it came from the environment.
func (s *scalar) show() string {
	if s.fromEnv() {
		return strconv.Quote(s.raw)
	}
	return strconv.Quote(s.text)
}

// redact replaces in msg every value in secrets, in every spelling of
// secret.Spellings, and every credential written in it, by "<redacted>",
// as Registry.Redact does.
func redact(msg string, secrets []string) string {
	return secret.New(Redacted, secrets...).Credentials().Scrub(msg)
}

const envOpen = "${env:"

// expandEnv replaces ${env:NAME} and ${env:NAME:-default} in raw; NAME is
// an OS variable, or an env.variable entry's ID ("ns:name"), looked up with
// lookup (which returns a message when the value cannot be had for a
// reason other than being unset). It returns the problems as messages
// (unset variables, malformed references).
func expandEnv(raw string, lookup func(string) (string, bool, string)) (text string, subs []string, problems []string) {
	if !strings.Contains(raw, envOpen) {
		return raw, nil, nil
	}
	var b strings.Builder
	rest := raw
	for {
		i := strings.Index(rest, envOpen)
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		rest = rest[i+len(envOpen):]
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			problems = append(problems, "unterminated ${env:...} (want ${env:NAME} or ${env:NAME:-default})")
			break
		}
		body := rest[:end]
		rest = rest[end+1:]
		name, def, hasDef := strings.Cut(body, ":-")
		if !validEnvName(name) && !ValidID(name) {
			problems = append(problems, "bad ${env:...} reference "+strconv.Quote(envOpen+body+"}")+
				" (want ${env:NAME} or ${env:NAME:-default}, NAME matching [A-Za-z_][A-Za-z0-9_]*, or ${env:ns:name} for an env.variable entry)")
			continue
		}
		v, ok, msg := lookup(name)
		switch {
		case ok:
			b.WriteString(v)
			subs = append(subs, v)
		case hasDef:
			b.WriteString(def)
		case msg != "":
			problems = append(problems, msg)
		default:
			problems = append(problems, "environment variable "+name+" is not set (write ${env:"+name+":-default} to give a default)")
		}
	}
	return b.String(), subs, problems
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '_':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
