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
func TestScopedREPLNamesOnlyAllowedStores(t *testing.T) {
	const reg = `namespace: t
entries:
  - {name: acme_cache, kind: test.kv}
  - {name: globex_cache, kind: test.kv}
  - {name: globex_secret_payroll, kind: test.kv}
  - name: policy_acme
    kind: security.policy
    policy: {actions: "*", resources: "t:acme_*", effect: allow}
    groups: [acme]
`
	rt, err := runtime.New(context.Background(), runtime.WithRegistryString("test.yaml", reg),
		runtime.WithRunDefaults(runtime.WithActor("acme", nil), runtime.WithScope("t:acme")))
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
	want := "ID            KIND     STATE    DEFINED AT\n" +
		"t:acme_cache  test.kv  stopped  test.yaml:3:5\n" +
		"NOT_FOUND: no entry \"t:acme_secret_payroll\" in the registry\n"
	if got := stdout.String(); got != want {
		t.Errorf("stdout:\n%s\nwant\n%s", got, want)
	}
	if got, want := stderr.String(), "reload: not allowed under a security scope\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	if out := stdout.String() + stderr.String(); strings.Contains(out, "globex") {
		t.Errorf("output names another tenant's store:\n%s", out)
	}
}
