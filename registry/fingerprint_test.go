package registry

import "testing"

// TestSameDefinition: an entry is the same when what its kind reads is
// the same after ${env:...} expansion; meta, lifecycle, layout and
// comments do not count.
func TestSameDefinition(t *testing.T) {
	const base = `namespace: app
entries:
  - name: db
    kind: test.db
    dsn: ${env:DSN}
    port: 5432
    options: {a: "1", b: "2"}
    pool: {max_open: 4}
  - name: kv
    kind: test.store
    max_size: 10
`
	env := map[string]string{"DSN": "postgres://a"}
	tests := []struct {
		name string
		text string
		env  map[string]string
		dir  string
		// same lists the IDs expected to be the same as in base.
		wantSame map[string]bool
	}{
		{"identical", base, env, "", map[string]bool{"app:db": true, "app:kv": true}},
		{"comments, key order and flow style", `namespace: app
entries:
  # the database
  - name: db
    pool:
      max_open: 4
    options: {b: "2", a: "1"}
    port: 5432
    kind: test.db
    dsn: ${env:DSN}
  - {name: kv, kind: test.store, max_size: 10}
`, env, "", map[string]bool{"app:db": true, "app:kv": true}},
		{"meta and lifecycle", base + "    meta: {owner: ops}\n    lifecycle: {auto_start: true, stop_timeout: 3s}\n", env, "",
			map[string]bool{"app:db": true, "app:kv": true}},
		{"a field", base[:len(base)-3] + "11\n", env, "", map[string]bool{"app:db": true, "app:kv": false}},
		{"a nested field", replaceOnce(base, "max_open: 4", "max_open: 5"), env, "", map[string]bool{"app:db": false, "app:kv": true}},
		{"an env value", base, map[string]string{"DSN": "postgres://b"}, "", map[string]bool{"app:db": false, "app:kv": true}},
		{"the same value written out", replaceOnce(base, "${env:DSN}", "postgres://a"), env, "", map[string]bool{"app:db": false, "app:kv": true}},
		{"the folder relative paths resolve against", base, env, "/elsewhere", map[string]bool{"app:db": false, "app:kv": false}},
	}
	load := func(text string, env map[string]string, dir string) *Registry {
		t.Helper()
		r, err := Load([]Source{{Name: "reg.yaml", Data: []byte(text), Dir: dir}}, Options{Getenv: envFrom(env)})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	before := load(base, env, "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			after := load(tt.text, tt.env, tt.dir)
			for id, want := range tt.wantSame {
				a, _ := before.Entry(id)
				b, _ := after.Entry(id)
				if got := a.SameDefinition(b); got != want {
					t.Errorf("%s: SameDefinition = %v, want %v", id, got, want)
				}
			}
		})
	}
}

func replaceOnce(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	panic("no " + old)
}
