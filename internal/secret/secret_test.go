package secret_test

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/luahost/luahost/internal/secret"
)

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u:pw@h:5432/db?sslmode=disable", "postgres://u:xxxxx@h:5432/db?sslmode=disable"},
		{"postgres://u@h/db", "postgres://u@h/db"},
		{"postgres://u:p%40ss%3Aw%2Frd%25@h/db", "postgres://u:xxxxx@h/db"},
		{"postgres://u@h/db?sslmode=disable&password=qu3ry&x=1", "postgres://u@h/db?sslmode=disable&password=xxxxx&x=1"},
		{"postgres://u@h/db?sslpassword=k3y", "postgres://u@h/db?sslpassword=xxxxx"},
		{"redis://:r3dis@h:6379/0", "redis://:xxxxx@h:6379/0"},
		{"rediss://user:odd%3Apw@h", "rediss://user:xxxxx@h"},
		// Not parsable as a URL: the credential scan still masks.
		{"postgres://u:p@ss:w/rd@h/db", "postgres://u:xxxxx@h/db"},
		{"redis://:p#ss@h", "redis://:xxxxx@h"},
		{"postgres://u:p w@h/db", "postgres://u:xxxxx@h/db"},
		{"not a url", "not a url"},
	}
	for _, tt := range tests {
		if got := secret.RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestScrubCredentials covers text that drivers and parsers echo, with
// credentials no parser gave the scrubber.
func TestScrubCredentials(t *testing.T) {
	tests := []struct{ in, want string }{
		{`parse "postgres://u:pw@h/db": invalid port`, `parse "postgres://u:xxxxx@h/db": invalid port`},
		{"cannot parse `postgres://u:pw@h/db`: failed", "cannot parse `postgres://u:xxxxx@h/db`: failed"},
		// Two URLs on a line: masked up to the last '@', over-redacting.
		{"a postgres://u:p@ss@h/db and redis://:x2@r/0 b", "a postgres://u:xxxxx@r/0 b"},
		{"a postgres://u:p@ss@h/db\nand redis://:x2@r/0 b", "a postgres://u:xxxxx@h/db\nand redis://:xxxxx@r/0 b"},
		{"host=h user=u password=pw dbname=d", "host=h user=u password=xxxxx dbname=d"},
		{"host=h password='p w\\' x' dbname=d", "host=h password=xxxxx dbname=d"},
		{"host=h password = 'unterminated", "host=h password = xxxxx"},
		{"sslpassword=k3y sslmode=require", "sslpassword=xxxxx sslmode=require"},
		{"PASSWORD=Up", "PASSWORD=xxxxx"},
		{"İİİ password=x1 İ", "İİİ password=xxxxx İ"}, // lower case of İ is longer
		{"\u212a password=x2", "\u212a password=xxxxx"},
		{"http://h/p?password=a1&next=2#f", "http://h/p?password=xxxxx&next=2#f"},
		{"using password: YES", "using password: YES"},
		{"password=", "password="},
		{"no secrets here://", "no secrets here://"},
		// MySQL DSNs: the word before "@tcp(" holds user:password.
		{"user:pw@tcp(h)/db", "user:xxxxx@tcp(h)/db"},
		{"dial `root:p@s:s@tcp(127.0.0.1:1)/db?x=1`: refused", "dial `root:xxxxx@tcp(127.0.0.1:1)/db?x=1`: refused"},
		{"dsn=u:e@unix(/run/s)/d and v:f@tcp6([::1]:3306)/d", "dsn=u:xxxxx@unix(/run/s)/d and v:xxxxx@tcp6([::1]:3306)/d"},
		{"user@tcp(h)/db root:xxxxx@tcp(h)/db", "user@tcp(h)/db root:xxxxx@tcp(h)/db"},
		{"mysql://u:pw@tcp(h)/db", "mysql://u:xxxxx@tcp(h)/db"},
		{"a:b@example.com", "a:b@example.com"}, // not a DSN
		// Already masked: left alone.
		{"postgres://u:xxxxx@h password=xxxxx", "postgres://u:xxxxx@h password=xxxxx"},
	}
	for _, tt := range tests {
		if got := secret.ScrubCredentials(tt.in); got != tt.want {
			t.Errorf("ScrubCredentials(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestScrubberSpellings(t *testing.T) {
	const pw = "p@ss:w/rd%1 'q'"
	s := secret.New("<redacted>", pw, "", "tok3n")
	for _, form := range secret.Spellings(pw) {
		text := "before " + form + " after tok3n"
		if got, want := s.Scrub(text), "before <redacted> after <redacted>"; got != want {
			t.Errorf("Scrub(%q) = %q, want %q", text, got, want)
		}
	}
	for _, want := range []string{
		pw,
		"p%40ss%3Aw%2Frd%251+%27q%27",   // query
		"p@ss:w%2Frd%251%20%27q%27",     // path
		"p%40ss%3Aw%2Frd%251%20%27q%27", // userinfo
		`'p@ss:w/rd%1 \'q\''`,           // libpq quoted
		`'p@ss:w/rd%1 \\'q\\''`,         // libpq quoted, then %q
	} {
		if !slices.Contains(secret.Spellings(pw), want) {
			t.Errorf("Spellings(%q) = %q, missing %q", pw, secret.Spellings(pw), want)
		}
	}
	if got := secret.Spellings(""); got != nil {
		t.Errorf("Spellings(\"\") = %q, want none", got)
	}
	// Longest first: a value inside another does not break it up.
	s = secret.New("#", "abcd", "abcdef")
	if got, want := s.Scrub("abcdef abcd"), "# #"; got != want {
		t.Errorf("Scrub = %q, want %q", got, want)
	}
	// Without Credentials, text not among the values is left alone.
	if got, want := s.Scrub("postgres://u:pw@h"), "postgres://u:pw@h"; got != want {
		t.Errorf("Scrub = %q, want %q", got, want)
	}
	if got, want := s.Credentials().Scrub("abcd postgres://u:pw@h"), "# postgres://u:#@h"; got != want {
		t.Errorf("Credentials().Scrub = %q, want %q", got, want)
	}
	var none *secret.Scrubber
	if got := none.Scrub("ab"); got != "ab" {
		t.Errorf("nil Scrubber changed text: %q", got)
	}
}

// TestScrubRules covers what a Scrubber must not do to ordinary text:
// rewrite short secrets inside words (or confirm a guess of one to a
// caller who sees its own text come back), or match inside a mask.
func TestScrubRules(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		creds  bool
		in     string
		want   string
		own    []string // the reader's own text (ScrubExcept)
	}{
		{"1-byte secret leaves words alone", []string{"e"}, true,
			`NOT_FOUND: key "hello" not found`, `NOT_FOUND: key "hello" not found`, nil},
		{"1-byte secret as the caller's own text", []string{"e"}, true,
			`key "e" not found`, `key "e" not found`, nil},
		{"3-byte secret leaves digits alone", []string{"543"}, true,
			"attempt 543 of port 5432", "attempt 543 of port 5432", nil},
		{"1-byte secret in a URL", []string{"e"}, true,
			"dial postgres://u:e@h:5432/db: refused", "dial postgres://u:<redacted>@h:5432/db: refused", nil},
		{"1-byte secret in a MySQL DSN", []string{"e"}, true,
			"open root:e@tcp(h:3306)/db: refused", "open root:<redacted>@tcp(h:3306)/db: refused", nil},
		{"1-byte secret in password=", []string{"e"}, true,
			"host=h password=e user=u", "host=h password=<redacted> user=u", nil},
		{"short secret, no Credentials: nothing", []string{"e"}, false,
			"postgres://u:e@h", "postgres://u:e@h", nil},
		{"MinLen-byte secret anywhere", []string{"p4ss"}, false,
			"xp4ssx p4ss", "x<redacted>x <redacted>", nil},
		{"secret inside the mask", []string{"dact"}, false,
			"<redacted> dact", "<redacted> <redacted>", nil},
		{"secret inside Mask", []string{"xxxx"}, false,
			"xxxxx xxxx", "xxxxx <redacted>", nil},
		{"secret overlapping a mask", []string{"ted>dact"}, false,
			"<redacted>dact", "<redacted>dact", nil},
		{"secret holding the mask", []string{"a<redacted>b"}, false,
			"a<redacted>b", "<redacted>", nil},
		{"URL password already masked", []string{"s3cret"}, true,
			"redis://:<redacted>@h and redis://:xxxxx@h", "redis://:<redacted>@h and redis://:xxxxx@h", nil},
		{"the reader's own key is not an oracle", []string{"hunter2secret"}, true,
			`key "hunter2secret" not found`, `key "hunter2secret" not found`, []string{"hunter2secret"}},
		{"the reader's own key, Go-quoted", []string{`hunter"2secret`}, true,
			`key "hunter\"2secret" not found`, `key "hunter\"2secret" not found`, []string{`hunter"2secret`}},
		{"other text is still scrubbed", []string{"hunter2secret"}, true,
			`key "abc": auth hunter2secret`, `key "abc": auth <redacted>`, []string{"abc"}},
		{"credentials are masked in the reader's own text", []string{"e"}, true,
			`key "postgres://u:e@h"`, `key "postgres://u:<redacted>@h"`, []string{"postgres://u:e@h"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := secret.New("<redacted>", tt.values...)
			if tt.creds {
				s = s.Credentials()
			}
			got := s.ScrubExcept(tt.in, tt.own...)
			if got != tt.want {
				t.Errorf("ScrubExcept(%q, %q) = %q, want %q", tt.in, tt.own, got, tt.want)
			}
			if again := s.ScrubExcept(got, tt.own...); again != got {
				t.Errorf("Scrub is not idempotent: %q, then %q", got, again)
			}
			if strings.Contains(got, "<red<") || strings.Contains(got, "<<") {
				t.Errorf("nested masks in %q", got)
			}
		})
	}
}

func TestErr(t *testing.T) {
	s := secret.New(secret.Mask, "hunter2")
	base := fmt.Errorf("open db with hunter2: %w", fs.ErrPermission)
	err := secret.Err(base, s.Scrub)
	if got, want := err.Error(), "open db with xxxxx: permission denied"; got != want {
		t.Errorf("Err text = %q, want %q", got, want)
	}
	if !errors.Is(err, fs.ErrPermission) {
		t.Error("Err lost the chain")
	}
	clean := errors.New("nothing secret")
	if got := secret.Err(clean, s.Scrub); got != clean {
		t.Errorf("Err of an unchanged text = %v, want the same error", got)
	}
	if secret.Err(nil, s.Scrub) != nil {
		t.Error("Err(nil) is not nil")
	}
	if !strings.Contains(secret.Err(base, nil).Error(), "hunter2") {
		t.Error("Err without a scrub function changed the text")
	}
}

// FuzzScrubCredentials checks that any text scrubs without a panic, and
// that a password setting planted in it does not survive.
func FuzzScrubCredentials(f *testing.F) {
	for _, s := range []string{"postgres://u:p@h", "password='a\\'b'", "İ password=x", "://:@", "?password=&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := secret.ScrubCredentials(text + " password=S3cr3tXyz ")
		if strings.Contains(got, "S3cr3tXyz") {
			t.Fatalf("ScrubCredentials(%q) = %q", text, got)
		}
	})
}

// FuzzScrub checks that any text scrubs without a panic, that a secret
// planted in it does not survive, and that scrubbing again changes
// nothing.
func FuzzScrub(f *testing.F) {
	for _, s := range []string{"<redacted>", "xxxxx", "<red", "acted>", "postgres://u:", "password=", ""} {
		f.Add(s)
	}
	s := secret.New("<redacted>", "S3cr3tXyz", "dact", "e").Credentials()
	f.Fuzz(func(t *testing.T, text string) {
		got := s.Scrub(text + " S3cr3tXyz " + text)
		if strings.Contains(got, "S3cr3tXyz") {
			t.Fatalf("Scrub(%q) = %q", text, got)
		}
		if again := s.Scrub(got); again != got {
			t.Fatalf("Scrub not idempotent on %q: %q, then %q", text, got, again)
		}
	})
}
