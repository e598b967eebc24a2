package runtime

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/registry"
)

// testEnv is a ${env:...} lookup a test changes between reloads.
type testEnv struct {
	mu   sync.Mutex
	vars map[string]string
}

func (e *testEnv) lookup(name string) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	v, ok := e.vars[name]
	return v, ok
}

func (e *testEnv) set(name, value string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if value == "" {
		delete(e.vars, name)
		return
	}
	e.vars[name] = value
}

const reloadBase = `namespace: app
entries:
  - name: cache
    kind: store.memory
    max_size: 100
    lifecycle:
      auto_start: true
  - name: sessions
    kind: store.memory
    max_size: ${env:SESSIONS_MAX}
    lifecycle:
      auto_start: true
  - name: db
    kind: db.sql.sqlite
    file: a.db
  - name: db2
    kind: db.sql.sqlite
    file: b.db
  - name: kv
    kind: store.sql
    database: db
    table_name: kv_store
    create_table: true
    lifecycle:
      auto_start: true
  - name: lazy
    kind: store.memory
`

// handleValues reads key "k" through handles taken before a reload: the
// value, or the error kind (and "removed" when the entry is gone, as its
// message says).
const handleValues = `
local out = {}
for _, p in ipairs({{"cache", c}, {"sessions", s}, {"kv", k}}) do
  local v, err = p[2]:get("k")
  if v == nil then
    v = err:kind()
    if tostring(err) == 'NOT_FOUND: store "app:' .. p[1] .. '": store removed from the registry' then
      v = v .. "(removed)"
    end
  end
  out[#out+1] = p[1] .. "=" .. v
end
return table.concat(out, " ")
`

func sessionString(t *testing.T, s *Session, code string) string {
	t.Helper()
	got, err := run(t, s, code)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		return ""
	}
	return lua.LVAsString(got[0])
}

// TestReload applies one registry change per case to a running host and
// checks the report, what handles taken before the reload read, and the
// entries' states.
func TestReload(t *testing.T) {
	all := []string{"app:cache", "app:db", "app:db2", "app:kv", "app:lazy", "app:sessions"}
	without := func(ids ...string) []string {
		var out []string
		for _, id := range all {
			if !contains(ids, id) {
				out = append(out, id)
			}
		}
		return out
	}
	tests := []struct {
		name string
		edit func(string) string
		env  map[string]string
		// want is the report; wantErr, when set, the start of the error
		// of a reload that must change nothing.
		want    Report
		wantErr string
		// values is what the old handles read afterwards.
		values string
		states map[string]Phase
	}{
		{
			name:   "unchanged",
			want:   Report{Kept: all},
			values: "cache=c sessions=s kv=kv",
		},
		{
			name: "add",
			edit: func(r string) string {
				return r + "  - name: extra\n    kind: store.memory\n    lifecycle:\n      auto_start: true\n" +
					"  - name: extra2\n    kind: store.memory\n"
			},
			want:   Report{Kept: all, Started: []string{"app:extra"}, Added: []string{"app:extra2"}},
			values: "cache=c sessions=s kv=kv",
			states: map[string]Phase{"app:extra": Running, "app:extra2": Stopped},
		},
		{
			name: "remove",
			edit: func(r string) string {
				return strings.Replace(r, "  - name: sessions\n    kind: store.memory\n    max_size: ${env:SESSIONS_MAX}\n    lifecycle:\n      auto_start: true\n", "", 1)
			},
			want:   Report{Kept: without("app:sessions"), Stopped: []string{"app:sessions"}},
			values: "cache=c sessions=NotFound(removed) kv=kv",
		},
		{
			name:   "change a field",
			edit:   func(r string) string { return strings.Replace(r, "max_size: 100", "max_size: 200", 1) },
			want:   Report{Kept: without("app:cache"), Restarted: []string{"app:cache"}},
			values: "cache=NotFound sessions=s kv=kv",
			states: map[string]Phase{"app:cache": Running},
		},
		{
			name:   "change an env value",
			env:    map[string]string{"SESSIONS_MAX": "60"},
			want:   Report{Kept: without("app:sessions"), Restarted: []string{"app:sessions"}},
			values: "cache=c sessions=NotFound kv=kv",
		},
		{
			name:   "same env value",
			env:    map[string]string{"SESSIONS_MAX": "50"},
			want:   Report{Kept: all},
			values: "cache=c sessions=s kv=kv",
		},
		{
			name:   "change a dependency",
			edit:   func(r string) string { return strings.Replace(r, "database: db\n", "database: db2\n", 1) },
			want:   Report{Kept: without("app:kv"), Restarted: []string{"app:kv"}},
			values: "cache=c sessions=s kv=NotFound",
			states: map[string]Phase{"app:db": Running, "app:db2": Running, "app:kv": Running},
		},
		{
			name:   "change a dependency's field",
			edit:   func(r string) string { return strings.Replace(r, "file: a.db", "file: c.db", 1) },
			want:   Report{Kept: without("app:db", "app:kv"), Restarted: []string{"app:db", "app:kv"}},
			values: "cache=c sessions=s kv=NotFound",
		},
		{
			name: "lifecycle and meta only",
			edit: func(r string) string {
				return strings.Replace(r, "max_size: 100\n    lifecycle:\n", "max_size: 100\n    meta:\n      owner: ops\n    lifecycle:\n      stop_timeout: 3s\n", 1)
			},
			want:   Report{Kept: all},
			values: "cache=c sessions=s kv=kv",
		},
		{
			name: "change a stopped entry",
			edit: func(r string) string {
				return replaceLast(r, "kind: store.memory\n", "kind: store.memory\n    max_size: 5\n")
			},
			want:   Report{Kept: without("app:lazy"), Replaced: []string{"app:lazy"}},
			values: "cache=c sessions=s kv=kv",
			states: map[string]Phase{"app:lazy": Stopped},
		},
		{
			name: "a failed restart does not undo the others",
			edit: func(r string) string {
				r = strings.Replace(r, "max_size: 100", "max_size: 200", 1)
				return strings.Replace(r, "table_name: kv_store\n    create_table: true\n", "table_name: missing_table\n", 1)
			},
			want: Report{Kept: without("app:cache", "app:kv"), Restarted: []string{"app:cache"},
				Failed: []ReloadFailure{{ID: "app:kv", Op: "start"}}},
			values: "cache=NotFound sessions=s kv=Unavailable",
			states: map[string]Phase{"app:kv": Failed, "app:cache": Running},
		},
		{
			name:    "break a file",
			edit:    func(r string) string { return strings.Replace(r, "max_size: 100", "max_sise: 100", 1) },
			wantErr: `registry.yaml:5:5: app:cache: unknown field "max_sise" (did you mean "max_size"?)`,
			values:  "cache=c sessions=s kv=kv",
		},
		{
			name:    "unset an env value",
			env:     map[string]string{"SESSIONS_MAX": ""},
			wantErr: `registry.yaml:10:15: app:sessions: max_size: environment variable SESSIONS_MAX is not set`,
			values:  "cache=c sessions=s kv=kv",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "registry.yaml")
			if err := os.WriteFile(file, []byte(reloadBase), 0o644); err != nil {
				t.Fatal(err)
			}
			env := &testEnv{vars: map[string]string{"SESSIONS_MAX": "50"}}
			ctx := context.Background()
			rt, err := New(ctx, WithRegistry(file), WithGetenv(env.lookup))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := rt.Close(ctx); err != nil {
					t.Error(err)
				}
			})
			s, err := rt.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			sessionString(t, s, `c = store.get("app:cache"); s = store.get("app:sessions"); k = store.get("app:kv")
				assert(c:set("k", "c")); assert(s:set("k", "s")); assert(k:set("k", "kv"))`)
			oldReg := rt.Registry()

			if tt.edit != nil {
				if err := os.WriteFile(file, []byte(tt.edit(reloadBase)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for k, v := range tt.env {
				env.set(k, v)
			}
			rep, err := rt.Reload(ctx)
			if tt.wantErr != "" {
				var le *RegistryError
				var re *registry.Error
				if !errors.As(err, &le) || !errors.As(err, &re) || !strings.HasPrefix(re.Error(), filepath.Join(dir, tt.wantErr)) {
					t.Fatalf("Reload error %v, want a *RegistryError with a *registry.Error starting %q", err, tt.wantErr)
				}
				if rep != nil {
					t.Errorf("report %v with an error", rep)
				}
				if rt.Registry() != oldReg {
					t.Error("a failed reload replaced the registry")
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				// Failure causes are checked for presence; the rest exactly.
				got := *rep
				got.Failed = nil
				for _, f := range rep.Failed {
					if f.Err == nil {
						t.Errorf("failure %s without an error", f.ID)
					}
					got.Failed = append(got.Failed, ReloadFailure{ID: f.ID, Op: f.Op})
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("report\n got %+v\nwant %+v", got, tt.want)
				}
			}
			if got := sessionString(t, s, handleValues); got != tt.values {
				t.Errorf("old handles read %q, want %q", got, tt.values)
			}
			for id, want := range tt.states {
				if got := rt.State(id).Phase; got != want {
					t.Errorf("%s is %s, want %s", id, got, want)
				}
			}
		})
	}
}

func replaceLast(s, old, new string) string {
	i := strings.LastIndex(s, old)
	return s[:i] + new + s[i+len(old):]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
