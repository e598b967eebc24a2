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
		{"user:pw@tcp(h)/db", "user:pw@tcp(h)/db"}, // a MySQL DSN has no marker; the parsed password covers it
	}
	for _, tt := range tests {
		if got := secret.ScrubCredentials(tt.in); got != tt.want {
			t.Errorf("ScrubCredentials(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestScrubberSpellings(t *testing.T) {
	const pw = "p@ss:w/rd%1 'q'"
	s := secret.New("<redacted>", pw, "", "tok")
	for _, form := range secret.Spellings(pw) {
		text := "before " + form + " after tok"
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
	s = secret.New("#", "ab", "abcd")
	if got, want := s.Scrub("abcd ab"), "# #"; got != want {
		t.Errorf("Scrub = %q, want %q", got, want)
	}
	// Without Credentials, text not among the values is left alone.
	if got, want := s.Scrub("postgres://u:pw@h"), "postgres://u:pw@h"; got != want {
		t.Errorf("Scrub = %q, want %q", got, want)
	}
	if got, want := s.Credentials().Scrub("ab postgres://u:pw@h"), "# postgres://u:xxxxx@h"; got != want {
		t.Errorf("Credentials().Scrub = %q, want %q", got, want)
	}
	var none *secret.Scrubber
	if got := none.Scrub("ab"); got != "ab" {
		t.Errorf("nil Scrubber changed text: %q", got)
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
