package repl_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/luahost/luahost/runtime"
	"github.com/luahost/luahost/runtime/repl"
)

// A REPL confined to one tenant's stores learns of no other entry: not
// from .entries, not from a store.get "did you mean", not from .reload.
// Of the entries it may open, .entries shows no host path (where the entry
// is defined) and no start error, and the kind only where store.info, which
// reports it, is allowed.
func TestScopedREPLNamesOnlyAllowedStores(t *testing.T) {
	const reg = `namespace: t
entries:
  - {name: acme_cache, kind: test.kv}
  - name: acme_db
    kind: test.broken
    lifecycle: {auto_start: true, startup: optional}
  - {name: globex_cache, kind: test.kv}
  - {name: globex_secret_payroll, kind: test.kv}
  - name: policy_acme
    kind: security.policy
    policy: {actions: "*", resources: "t:acme_*", effect: allow}
    groups: [acme]
  - name: policy_acme_open
    kind: security.policy
    policy: {actions: store.get, resources: "t:acme_*", effect: allow}
    groups: [acme_open]
`
	tests := []struct {
		scope, want string
	}{
		{"t:acme", "ID            KIND         STATE\n" +
			"t:acme_cache  test.kv      stopped\n" +
			"t:acme_db     test.broken  failed\n"},
		{"t:acme_open", "ID            KIND  STATE\n" +
			"t:acme_cache  -     stopped\n" +
			"t:acme_db     -     failed\n"},
	}
	for _, tt := range tests {
		t.Run(tt.scope, func(t *testing.T) {
			rt, err := runtime.New(context.Background(), runtime.WithRegistryString("/srv/secret/test.yaml", reg),
				runtime.WithRunDefaults(runtime.WithActor("acme", nil), runtime.WithScope(tt.scope)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { rt.Close(context.Background()) })
			var stdout, stderr bytes.Buffer
			err = repl.Run(context.Background(), rt, repl.Options{
				In:  strings.NewReader(".entries\nprint(select(2, store.get(\"t:acme_secret_payroll\")))\n.reload\n"),
				Out: &stdout,
				Err: &stderr,
			})
			if err == nil {
				t.Error("Run: nil error, want the refused .reload to count as a failure")
			}
			want := tt.want + "NOT_FOUND: no entry \"t:acme_secret_payroll\" in the registry\n"
			if got := stdout.String(); got != want {
				t.Errorf("stdout:\n%s\nwant\n%s", got, want)
			}
			if got, want := stderr.String(), "reload: not allowed under a security scope\n"; got != want {
				t.Errorf("stderr %q, want %q", got, want)
			}
			out := stdout.String() + stderr.String()
			for _, leak := range []string{"globex", "secret/", "test.yaml", "refused", "policy_"} {
				if strings.Contains(out, leak) {
					t.Errorf("output holds %q:\n%s", leak, out)
				}
			}
		})
	}
}
