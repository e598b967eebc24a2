package registry

import (
	"strings"
	"testing"
)

// TestRedact checks what Registry.Redact hides: the values of secret
// fields and credentials, never hosts, ports, users or other values (from
// the environment or the file), never short secrets inside other text,
// and never parts of a mask.
func TestRedact(t *testing.T) {
	r := mustLoad(t, map[string]string{"PW": "e", "LONG": "hunter2secret", "HOST": "127.0.0.1", "MASKY": "dacted"}, "a.yaml", `
- {name: short, kind: test.login, host: "${env:HOST}", user: app, password: "${env:PW}"}
- {name: long, kind: test.login, host: db.example, user: "${env:HOST}", password: "${env:LONG}"}
- {name: masky, kind: test.login, password: "${env:MASKY}"}
- {name: other, kind: test.db, dsn: "postgres://u@127.0.0.1:1/app"}
`)
	tests := []struct{ in, want string }{
		// A 1-byte password: ordinary text and the caller's own keys pass.
		{`NOT_FOUND: key "hello" not found`, `NOT_FOUND: key "hello" not found`},
		{`NOT_FOUND: key "e" not found`, `NOT_FOUND: key "e" not found`},
		// Hosts, ports and users, even from the environment, pass.
		{"attempt 1: dial tcp 127.0.0.1:1: connection refused", "attempt 1: dial tcp 127.0.0.1:1: connection refused"},
		{"connect to postgres://u@127.0.0.1:1/app", "connect to postgres://u@127.0.0.1:1/app"},
		// Secrets in credential positions, whatever their length.
		{"dial postgres://app:e@127.0.0.1/db", "dial postgres://app:<redacted>@127.0.0.1/db"},
		{"host=127.0.0.1 password=e", "host=127.0.0.1 password=<redacted>"},
		// A long secret anywhere, in its escaped spellings too.
		{"auth hunter2secret failed", "auth <redacted> failed"},
		{`dsn "a:'hunter2secret'"`, `dsn "a:<redacted>"`},
		// No nesting: a secret that is part of the mask.
		{"x dacted <redacted>", "x <redacted> <redacted>"},
	}
	for _, tt := range tests {
		got := r.Redact(tt.in)
		if got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := r.Redact(got); again != got {
			t.Errorf("Redact(Redact(%q)) = %q, want it unchanged", tt.in, again)
		}
	}

	var warned []string
	for _, w := range r.Warnings() {
		warned = append(warned, w.Error())
	}
	if all := strings.Join(warned, "\n"); !strings.Contains(all, "app:short: password: a secret shorter than 4 bytes") || strings.Contains(all, "app:long") {
		t.Errorf("want one warning, about app:short's password; got:\n%s", all)
	}
}
