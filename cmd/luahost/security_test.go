package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSecurityFlags runs the tenant example's registry with the actor and
// scope flags of run and repl.
func TestSecurityFlags(t *testing.T) {
	reg, err := filepath.Abs("../../scripts/tenants")
	if err != nil {
		t.Fatal(err)
	}
	tenant := []string{"--scope", "app.security:tenant", "--actor", "acme", "--actor-meta", "prefix=acme/"}
	probe := `local s = assert(store.get("app:shared"))
print(s:set("acme/k", 1), (select(2, s:set("globex/k", 2))))
local a = require("security").actor()
print(a and a:id(), a and a:meta().prefix, require("security").scope() ~= nil)`
	tests := []struct {
		name       string
		args       []string
		stdin      string
		code       int
		stdout     string
		stderrPart string
	}{
		{"run as tenant", append(append([]string{"run"}, tenant...), "-e", probe), "", 0,
			"true\tPERMISSION_DENIED: store.key.set on \"app:shared\" for key \"globex/k\" is not allowed\nacme\tacme/\ttrue\n", ""},
		{"run trusted", []string{"run", "-e", probe}, "", 0, "true\tnil\nnil\tnil\tfalse\n", ""},
		{"repl as tenant", append([]string{"repl"}, tenant...), strings.ReplaceAll(probe, "\n", " ") + "\n", 0,
			"true\tPERMISSION_DENIED: store.key.set on \"app:shared\" for key \"globex/k\" is not allowed\nacme\tacme/\ttrue\n", ""},
		{"two scopes add up", []string{"run", "--scope", "app.security:shared_open", "--scope", "app.security:support_read",
			"-e", `print(store.get("app:shared"):info().id)`}, "", 0, "app:shared\n", ""},
		{"unknown scope", []string{"run", "--scope", "app.security:tenants", "-e", "print(1)"}, "", 2, "",
			`--scope: scope "app.security:tenants" names no policy or policy group`},
		{"meta without actor", []string{"run", "--actor-meta", "a=b", "-e", "print(1)"}, "", 2, "", "--actor-meta needs --actor"},
		{"bad meta", []string{"run", "--actor", "x", "--actor-meta", "ab", "-e", "print(1)"}, "", 2, "", `--actor-meta "ab": want KEY=VALUE`},
		{"example script", append(append([]string{"run"}, tenant...), filepath.Join(reg, "tenant.lua")), "", 0,
			"own key:\tpro\nother tenant's key:\tPERMISSION_DENIED: store.key.get on \"app:shared\" for key \"globex/plan\" is not allowed\nlisted:\tacme/plan\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := luahost(t, t.TempDir(), tt.stdin, append([]string{"-r", reg}, tt.args...)...)
			if r.code != tt.code || r.stdout != tt.stdout || !strings.Contains(r.stderr, tt.stderrPart) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr containing %q",
					r.code, r.stdout, r.stderr, tt.code, tt.stdout, tt.stderrPart)
			}
		})
	}
}
