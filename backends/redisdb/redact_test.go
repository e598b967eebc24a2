package redisdb

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/luahost/luahost/internal/secret"
)

// TestNoSecretSurvives runs redis URLs and passwords, odd ones included,
// through what can print them: RedactURL, url.Parse's errors, New, and
// Start against the real server (which refuses the password) and a closed
// port. No spelling of a secret may survive.
func TestNoSecretSurvives(t *testing.T) {
	addr := os.Getenv("LUAHOST_TEST_REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:1"
	}
	closed := "127.0.0.1:1"
	tests := []struct {
		name    string
		cfg     Config
		secrets []string
	}{
		{"url", Config{URL: "redis://:r3dis@" + addr + "/0"}, []string{"r3dis"}},
		{"url user", Config{URL: "redis://app:us3rpw@" + addr + "/1"}, []string{"us3rpw"}},
		{"url escaped @:/%", Config{URL: "redis://app:p%40ss%3Aw%2Frd%25z@" + addr}, []string{"p@ss:w/rd%z", "p%40ss%3Aw%2Frd%25z"}},
		{"url unescaped @:/", Config{URL: "redis://app:p@ss:w/rd@" + addr}, []string{"p@ss:w/rd", "ss:w/rd"}},
		{"url bad escape", Config{URL: "redis://app:bad%zzpw@" + addr}, []string{"bad%zzpw"}},
		{"url with #", Config{URL: "redis://:h#sh@" + addr}, []string{"h#sh"}},
		{"closed port", Config{URL: "redis://:cl0sed@" + closed + "/0", DialTimeout: time.Second, MaxRetries: -1}, []string{"cl0sed"}},
		{"password field", Config{Addr: addr, Password: "f1eld:p@ss w"}, []string{"f1eld:p@ss w"}},
		{"not redis", Config{URL: "http://u:hunter2@b"}, []string{"hunter2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scrubberOf(tt.cfg)
			texts := []string{"RedactURL: " + RedactURL(tt.cfg.URL), "quoted: " + s.Scrub(fmt.Sprintf("url %q", tt.cfg.URL))}
			if _, err := url.Parse(tt.cfg.URL); err != nil {
				texts = append(texts, "url.Parse: "+s.Scrub(err.Error()))
			}
			var logs bytes.Buffer
			c, err := New("app:redis", tt.cfg, slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				texts = append(texts, "New: "+err.Error())
			} else {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				if err := c.Start(ctx); err != nil {
					texts = append(texts, "Start: "+err.Error())
				}
				cancel()
				_ = c.Stop(context.Background())
			}
			texts = append(texts, "logs: "+logs.String())
			for _, text := range texts {
				for _, sec := range tt.secrets {
					for _, form := range secret.Spellings(sec) {
						if strings.Contains(text, form) {
							t.Errorf("%q survives in %s", form, text)
						}
					}
				}
			}
			if t.Failed() {
				t.Log(strings.Join(texts, "\n"))
			}
		})
	}
}
