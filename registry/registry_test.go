package registry

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/errors")

// Fake kinds used by the tests.

type storeCfg struct {
	MaxSize int64
	Cleanup time.Duration
}

// sizedCfg has a byte size.
type sizedCfg struct{ MaxBytes int64 }

type poolCfg struct {
	MaxOpen     int64
	MaxLifetime time.Duration
}

type dbCfg struct {
	DSN     string
	Port    int64
	Ratio   float64
	Create  bool
	File    string
	Table   string
	Options map[string]string
	Pool    poolCfg
}

type loginCfg struct{ Host, User, Password string }

type tableCfg struct {
	Table   string
	Columns []string
}

type userCfg struct {
	Database string
	Fallback string
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

type nopComponent struct{}

func (nopComponent) Start(context.Context) error { return nil }
func (nopComponent) Stop(context.Context) error  { return nil }

func newNop[C any](C, Env) (Component, error) { return nopComponent{}, nil }

// Problems makes dbCfg a Validator: its problems are reported after
// Decode, at their fields.
func (c dbCfg) Problems() []FieldError {
	var ps []FieldError
	if !identRE.MatchString(c.Table) {
		ps = append(ps, FieldError{Field: "table_name", Msg: fmt.Sprintf("invalid SQL identifier %q (want [A-Za-z_][A-Za-z0-9_]*)", c.Table)})
	}
	if c.Pool.MaxOpen > 100 {
		ps = append(ps, FieldError{Field: "pool.max_open", Msg: fmt.Sprintf("%d is more than 100", c.Pool.MaxOpen)})
	}
	if c.Port > 60000 {
		ps = append(ps, FieldError{Field: "port", Msg: fmt.Sprintf("port %d is in the ephemeral range", c.Port)})
	}
	return ps
}

// Problems repeats what RequiredString reports: the loader must report
// the field once.
func (c tableCfg) Problems() []FieldError {
	if c.Table == "" {
		return []FieldError{{Field: "table_name", Msg: "is required"}}
	}
	return nil
}

// Schema: a store needs none.
func (storeCfg) Schema(*Registry) (string, error) { return "", nil }

// Schema: a table's DDL.
func (c tableCfg) Schema(*Registry) (string, error) {
	return "CREATE TABLE " + c.Table + " (" + strings.Join(c.Columns, ", ") + ");\n", nil
}

// Schema of a user cannot be had.
func (userCfg) Schema(*Registry) (string, error) {
	return "", errors.New("the database has no dialect")
}

func init() {
	RegisterTyped(TypedKind[storeCfg]{
		Name: "test.store",
		Decode: func(f *Fields) storeCfg {
			return storeCfg{
				MaxSize: f.Size("max_size", 10000),
				Cleanup: f.Duration("cleanup_interval", 5*time.Minute),
			}
		},
		New: newNop[storeCfg],
	})
	RegisterTyped(TypedKind[sizedCfg]{
		Name:   "test.sized",
		Decode: func(f *Fields) sizedCfg { return sizedCfg{MaxBytes: f.ByteSize("max_bytes", 0)} },
		New:    newNop[sizedCfg],
	})
	RegisterTyped(TypedKind[dbCfg]{
		Name: "test.db",
		Decode: func(f *Fields) dbCfg {
			c := dbCfg{
				DSN:     f.String("dsn", ""),
				Port:    f.Int("port", 5432),
				Ratio:   f.Float("ratio", 0.5),
				Create:  f.Bool("create", false),
				File:    f.Path("file", ":memory:"),
				Table:   f.String("table_name", "kv"),
				Options: f.StringMap("options"),
			}
			if c.Ratio > 1 {
				// Names another field's value, to prove the credential in
				// it is redacted.
				f.Errorf("ratio", "ratio %v is too large for dsn %q", c.Ratio, c.DSN)
			}
			// Sub twice on purpose: each call must see the same fields.
			c.Pool.MaxOpen = f.Sub("pool").Size("max_open", 4)
			c.Pool.MaxLifetime = f.Sub("pool").Duration("max_lifetime", time.Hour)
			return c
		},
		New: newNop[dbCfg],
	})
	RegisterTyped(TypedKind[tableCfg]{
		Name: "test.table",
		Decode: func(f *Fields) tableCfg {
			return tableCfg{Table: f.RequiredString("table_name"), Columns: f.Strings("columns")}
		},
		New: newNop[tableCfg],
	})
	// A kind with a secret field; its problem names every field's value,
	// to prove only the secret is redacted.
	RegisterTyped(TypedKind[loginCfg]{
		Name: "test.login",
		Decode: func(f *Fields) loginCfg {
			c := loginCfg{Host: f.String("host", ""), User: f.String("user", ""), Password: f.Secret("password", "")}
			if f.Bool("complain", false) {
				f.Errorf("complain", "cannot log in to %s as %s with password %s, password=%s", c.Host, c.User, c.Password, c.Password)
			}
			return c
		},
		New: newNop[loginCfg],
	})
	// An untyped kind, registered as kinds written before TypedKind are.
	RegisterKind(Kind{
		Name: "test.panic",
		Decode: func(f *Fields) any {
			if f.Has("boom") {
				panic("decoder bug for " + f.String("boom", ""))
			}
			return nil
		},
		New: newNop[any],
	})
	RegisterTyped(TypedKind[userCfg]{
		Name: "test.user",
		Decode: func(f *Fields) userCfg {
			return userCfg{
				Database: f.Ref("database", true, "test.db"),
				Fallback: f.Ref("fallback", false, "test.store", "test.d."),
			}
		},
		New: newNop[userCfg],
	})
}

// noEnv is a Getenv with an empty environment.
func noEnv(string) (string, bool) { return "", false }

func envFrom(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// TestLoadErrors loads each broken registry in testdata/errors and compares
// the full error text with the archive's "expected" file. Inputs are the
// archive's *.yaml/*.yml files, in archive order; an optional "env" file
// holds NAME=VALUE lines, whose values must never appear in the error.
func TestLoadErrors(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "errors", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no golden files")
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			srcs, env, expected := goldenInputs(t, ar)
			reg, err := Load(srcs, Options{Getenv: envFrom(env)})
			if reg != nil {
				t.Fatalf("Load returned a registry despite errors")
			}
			var lerr *Error
			if !errors.As(err, &lerr) {
				t.Fatalf("Load error = %v (%T), want *Error", err, err)
			}
			for _, p := range lerr.Problems {
				if p.Pos.File == "" || p.Pos.Line < 1 || p.Pos.Col < 1 {
					t.Errorf("problem without position: %+v", p)
				}
			}
			got := err.Error() + "\n"
			// Variables named *PASSWORD* feed secrets of at least MinLen bytes
			// (password fields, DSN passwords); other values may be shown.
			for name, v := range env {
				if strings.Contains(name, "PASSWORD") && strings.Contains(got, v) {
					t.Errorf("error shows the value of %s:\n%s", name, got)
				}
			}
			if *update {
				found := false
				for i := range ar.Files {
					if ar.Files[i].Name == "expected" {
						ar.Files[i].Data = []byte(got)
						found = true
					}
				}
				if !found {
					ar.Files = append(ar.Files, txtar.File{Name: "expected", Data: []byte(got)})
				}
				if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if expected == nil {
				t.Fatalf("no expected section; run with -update. Got:\n%s", got)
			}
			if got != string(expected) {
				t.Errorf("error mismatch\ngot:\n%s\nwant:\n%s", got, expected)
			}
		})
	}
}

func goldenInputs(t *testing.T, ar *txtar.Archive) (srcs []Source, env map[string]string, expected []byte) {
	t.Helper()
	env = map[string]string{}
	for _, f := range ar.Files {
		switch {
		case f.Name == "expected":
			expected = f.Data
		case f.Name == "env":
			for line := range strings.Lines(string(f.Data)) {
				line = strings.TrimSpace(line)
				if line == "" {
					continue
				}
				k, v, ok := strings.Cut(line, "=")
				if !ok {
					t.Fatalf("bad env line %q", line)
				}
				env[k] = v
			}
		case isYAMLName(f.Name):
			srcs = append(srcs, Source{Name: f.Name, Data: f.Data})
		default:
			t.Fatalf("unexpected archive file %q", f.Name)
		}
	}
	if len(srcs) == 0 {
		t.Fatal("archive has no input")
	}
	return srcs, env, expected
}

func mustLoad(t *testing.T, env map[string]string, files ...string) *Registry {
	t.Helper()
	var srcs []Source
	for i := 0; i+1 < len(files); i += 2 {
		srcs = append(srcs, Source{Name: files[i], Data: []byte(files[i+1])})
	}
	r, err := Load(srcs, Options{Getenv: envFrom(env)})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return r
}

func ids(es []*Entry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func TestLoadForms(t *testing.T) {
	tests := []struct {
		name    string
		files   []string
		wantIDs []string
	}{
		{
			name:    "mapping form",
			files:   []string{"a.yaml", "version: \"1.0\"\nnamespace: svc.cache\nentries:\n  - name: s\n    kind: test.store\n"},
			wantIDs: []string{"svc.cache:s"},
		},
		{
			name:    "bare sequence means app",
			files:   []string{"a.yaml", "- name: s\n  kind: test.store\n- name: t.2-x\n  kind: test.store\n"},
			wantIDs: []string{"app:s", "app:t.2-x"},
		},
		{
			name: "files share a namespace",
			files: []string{
				"a.yaml", "namespace: app\nentries:\n  - {name: b, kind: test.store}\n",
				"b.yaml", "- {name: a, kind: test.store}\n",
			},
			wantIDs: []string{"app:a", "app:b"},
		},
		{
			name:    "empty file and empty entries",
			files:   []string{"a.yaml", "", "b.yaml", "# nothing\n", "c.yaml", "namespace: x\n"},
			wantIDs: []string{},
		},
		{
			name:    "merge keys",
			files:   []string{"a.yaml", "- &base {name: a, kind: test.store, max_size: 3}\n- <<: *base\n  name: b\n"},
			wantIDs: []string{"app:a", "app:b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustLoad(t, nil, tt.files...)
			if got := ids(r.Entries()); !reflect.DeepEqual(got, tt.wantIDs) {
				t.Fatalf("IDs = %v, want %v", got, tt.wantIDs)
			}
		})
	}
}

func TestDecodeValues(t *testing.T) {
	r := mustLoad(t, map[string]string{"PORT": "6543", "DSN": "postgres://u:pw@h/db"},
		"a.yaml", `
- name: store
  kind: test.store
  max_size: 0
  cleanup_interval: 1h30m
  meta: {owner: team, tags: [a, "${env:MISSING:-b}"], n: 3}
- name: db
  kind: test.db
  dsn: ${env:DSN}
  port: ${env:PORT}
  ratio: 1
  create: true
  file: data/x.db
  table_name: ${env:TABLE:-kv_store}
  options: {journal_mode: wal, busy_timeout: 5000}
  pool:
    max_open: 8
    max_lifetime: 0
- name: user
  kind: test.user
  database: db
  fallback: app:store
`)
	st, _ := r.Entry("app:store")
	if got, want := st.Config, (storeCfg{MaxSize: 0, Cleanup: 90 * time.Minute}); got != want {
		t.Errorf("store config = %+v, want %+v", got, want)
	}
	wantMeta := map[string]any{"owner": "team", "tags": []any{"a", "b"}, "n": int64(3)}
	if !reflect.DeepEqual(st.Meta, wantMeta) {
		t.Errorf("meta = %#v, want %#v", st.Meta, wantMeta)
	}
	db, _ := r.Entry("app:db")
	wantDB := dbCfg{
		DSN: "postgres://u:pw@h/db", Port: 6543, Ratio: 1, Create: true, File: "data/x.db", Table: "kv_store",
		Options: map[string]string{"journal_mode": "wal", "busy_timeout": "5000"},
		Pool:    poolCfg{MaxOpen: 8, MaxLifetime: 0},
	}
	if !reflect.DeepEqual(db.Config, wantDB) {
		t.Errorf("db config = %+v, want %+v", db.Config, wantDB)
	}
	u, _ := r.Entry("app:user")
	if got, want := u.Config, (userCfg{Database: "app:db", Fallback: "app:store"}); got != want {
		t.Errorf("user config = %+v, want %+v", got, want)
	}
	if got, want := u.Deps, []string{"app:db", "app:store"}; !reflect.DeepEqual(got, want) {
		t.Errorf("user deps = %v, want %v", got, want)
	}
}

func TestMetaIntegers(t *testing.T) {
	r := mustLoad(t, nil, "a.yaml", "- {name: s, kind: test.store, meta: {a: -3, b: 3, c: 18446744073709551615}}\n")
	e, _ := r.Entry("app:s")
	want := map[string]any{"a": int64(-3), "b": int64(3), "c": uint64(18446744073709551615)}
	if !reflect.DeepEqual(e.Meta, want) {
		t.Errorf("meta = %#v, want %#v", e.Meta, want)
	}
}

func TestPathRelativeToDir(t *testing.T) {
	tests := []struct{ dir, file, want string }{
		{"/etc/luahost", "data/x.db", "/etc/luahost/data/x.db"},
		{"/etc/luahost", "/var/x.db", "/var/x.db"},
		{"/etc/luahost", ":memory:", ":memory:"},
		{"", "data/x.db", "data/x.db"},
	}
	for _, tt := range tests {
		src := Source{Name: "a.yaml", Dir: tt.dir, Data: []byte("- {name: db, kind: test.db, file: \"" + tt.file + "\"}\n")}
		r, err := Load([]Source{src}, Options{Getenv: noEnv})
		if err != nil {
			t.Fatal(err)
		}
		e, _ := r.Entry("app:db")
		if got := e.Config.(dbCfg).File; got != tt.want {
			t.Errorf("dir %q file %q: path = %q, want %q", tt.dir, tt.file, got, tt.want)
		}
	}
}

func TestLifecycle(t *testing.T) {
	r := mustLoad(t, nil, "a.yaml", `
- {name: plain, kind: test.store}
- name: tuned
  kind: test.store
  lifecycle:
    auto_start: true
    start_timeout: 3s
    stop_timeout: 0
    requires: [plain, app:plain, other:x]
    depends_on: [other:y, plain]
    restart: {initial_delay: 100ms, max_delay: 1m, backoff_factor: 1.5, jitter: 0, max_attempts: 7}
    stable_threshold: 30s
    startup: optional
    security:
      actor: {id: "service:worker", meta: {role: admin, level: 2}}
      groups: [admins, other:ops]
      policies: [app:read_all]
`, "b.yaml", "namespace: other\nentries: [{name: x, kind: test.store}, {name: y, kind: test.store}]\n")
	plain, _ := r.Entry("app:plain")
	want := Lifecycle{
		StartTimeout: DefaultStartTimeout, StopTimeout: DefaultStopTimeout,
		Restart:         Restart{InitialDelay: DefaultInitialDelay, MaxDelay: DefaultMaxDelay, BackoffFactor: DefaultBackoffFactor, Jitter: DefaultJitter},
		StableThreshold: DefaultStableThreshold, Startup: StartupRequired,
	}
	if !reflect.DeepEqual(plain.Lifecycle, want) {
		t.Errorf("defaults = %+v, want %+v", plain.Lifecycle, want)
	}
	tuned, _ := r.Entry("app:tuned")
	want = Lifecycle{
		AutoStart: true, StartTimeout: 3 * time.Second, StopTimeout: 0,
		Requires:        []string{"app:plain", "other:x", "other:y"},
		Restart:         Restart{InitialDelay: 100 * time.Millisecond, MaxDelay: time.Minute, BackoffFactor: 1.5, Jitter: 0, MaxAttempts: 7},
		StableThreshold: 30 * time.Second, Startup: StartupOptional,
		Security: &Security{
			ActorID: "service:worker", ActorMeta: map[string]any{"role": "admin", "level": int64(2)},
			Groups: []string{"app:admins", "other:ops"}, Policies: []string{"app:read_all"},
		},
	}
	if !reflect.DeepEqual(tuned.Lifecycle, want) {
		t.Errorf("tuned = %+v, want %+v", tuned.Lifecycle, want)
	}
	if got, want := tuned.Deps, []string{"app:plain", "other:x", "other:y"}; !reflect.DeepEqual(got, want) {
		t.Errorf("deps = %v, want %v", got, want)
	}
	// initial_delay above the default max_delay, max_delay not given:
	// the delay is what was asked for.
	r = mustLoad(t, nil, "c.yaml", "- {name: slow, kind: test.store, lifecycle: {restart: {initial_delay: 1h}}}\n")
	slow, _ := r.Entry("app:slow")
	if got := slow.Lifecycle.Restart; got.InitialDelay != time.Hour || got.MaxDelay != time.Hour {
		t.Errorf("slow restart = %+v, want 1h delays", got)
	}
}

func TestOrder(t *testing.T) {
	r := mustLoad(t, nil, "a.yaml", `
- {name: u2, kind: test.user, database: db2}
- {name: u1, kind: test.user, database: db1, fallback: s}
- {name: db2, kind: test.db}
- {name: db1, kind: test.db, lifecycle: {requires: [s]}}
- {name: s, kind: test.store}
- {name: a, kind: test.store}
`)
	if got, want := ids(r.Order()), []string{"app:a", "app:db2", "app:s", "app:db1", "app:u1", "app:u2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Order = %v, want %v", got, want)
	}
	if got, want := ids(r.Entries()), []string{"app:a", "app:db1", "app:db2", "app:s", "app:u1", "app:u2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Entries = %v, want %v", got, want)
	}
	if got, want := r.Similar("app:db"), []string{"app:db1", "app:db2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Similar = %v, want %v", got, want)
	}
	if _, ok := r.Entry("app:nope"); ok {
		t.Error("Entry found a missing ID")
	}
}

func TestValidID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"app:x", true},
		{"a.b_c.d-e:n.a-m_e", true},
		{"app:_x", true},
		{"app:0", true},
		{"app:x.", true},
		{"app", false},
		{":x", false},
		{"app:", false},
		{"App:x", false},
		{"app:X", false},
		{"a..b:x", false},
		{".a:x", false},
		{"a.:x", false},
		{"app:.x", false},
		{"app:-x", false},
		{"app:x:y", false},
		{"app:x y", false},
	}
	for _, tt := range tests {
		if got := ValidID(tt.id); got != tt.want {
			t.Errorf("ValidID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestReadPaths(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, data string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("reg/b.yml", "- {name: b, kind: test.store}\n")
	write("reg/a/z.yaml", "- {name: z, kind: test.store}\n")
	write("reg/a.yaml", "- {name: a, kind: test.store}\n")
	write("reg/notes.txt", "not yaml")
	write("single.conf", "- {name: s, kind: test.store}\n")
	// Other tools' YAML in dot-folders and dot-files is not read.
	write("reg/.github/workflows/ci.yml", "on: push\n")
	write("reg/.backup.yaml", "- {name: old, kind: test.store}\n")

	srcs, err := ReadPaths(filepath.Join(dir, "reg"), filepath.Join(dir, "single.conf"))
	if err != nil {
		t.Fatal(err)
	}
	var names, dirs []string
	for _, s := range srcs {
		rel, _ := filepath.Rel(dir, s.Name)
		names = append(names, filepath.ToSlash(rel))
		rd, _ := filepath.Rel(dir, s.Dir)
		dirs = append(dirs, filepath.ToSlash(rd))
	}
	if want := []string{"reg/a.yaml", "reg/a/z.yaml", "reg/b.yml", "single.conf"}; !reflect.DeepEqual(names, want) {
		t.Errorf("names = %v, want %v", names, want)
	}
	if want := []string{"reg", "reg/a", "reg", "."}; !reflect.DeepEqual(dirs, want) {
		t.Errorf("dirs = %v, want %v", dirs, want)
	}
	if _, err := ReadPaths(filepath.Join(dir, "missing")); err == nil {
		t.Error("ReadPaths of a missing path: no error")
	}
	// A dot-folder asked for is read.
	write(".conf/r.yaml", "- {name: r, kind: test.store}\n")
	if srcs, err := ReadPaths(filepath.Join(dir, ".conf")); err != nil || len(srcs) != 1 {
		t.Errorf("ReadPaths of a dot-folder = %d sources, %v; want 1", len(srcs), err)
	}
	write("empty/x.txt", "")
	if _, err := ReadPaths(filepath.Join(dir, "empty")); err == nil {
		t.Error("ReadPaths of a folder without YAML: no error")
	}
}

func TestReadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"conf/b.yaml":   {Data: []byte("- {name: b, kind: test.store}\n")},
		"conf/a/c.yaml": {Data: []byte("- {name: c, kind: test.store}\n")},
		"conf/x.json":   {Data: []byte("{}")},
	}
	srcs, err := ReadFS(fsys, "conf")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range srcs {
		got = append(got, s.Name+"@"+s.Dir)
	}
	if want := []string{"conf/a/c.yaml@conf/a", "conf/b.yaml@conf"}; !reflect.DeepEqual(got, want) {
		t.Errorf("sources = %v, want %v", got, want)
	}
	if _, err := Load(srcs, Options{}); err != nil {
		t.Errorf("Load: %v", err)
	}
}

func TestEnvDefaultAndOSLookup(t *testing.T) {
	t.Setenv("LUAHOST_TEST_SIZE", "42")
	src := Source{Name: "a.yaml", Data: []byte("- {name: s, kind: test.store, max_size: \"${env:LUAHOST_TEST_SIZE}\", cleanup_interval: \"${env:LUAHOST_TEST_UNSET:-2m}\"}\n")}
	r, err := Load([]Source{src}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := r.Entry("app:s")
	if got, want := e.Config, (storeCfg{MaxSize: 42, Cleanup: 2 * time.Minute}); got != want {
		t.Errorf("config = %+v, want %+v", got, want)
	}
}

func TestErrorUnwrapsToProblems(t *testing.T) {
	_, err := Load([]Source{{Name: "a.yaml", Data: []byte("- {name: a, kind: test.store, max_size: -1}\n")}}, Options{})
	var p Problem
	if !errors.As(err, &p) {
		t.Fatalf("errors.As(%v, *Problem) = false", err)
	}
	want := Problem{Pos: Pos{File: "a.yaml", Line: 1, Col: 41}, EntryID: "app:a", Msg: "max_size: must not be negative, got -1"}
	if p != want {
		t.Errorf("problem = %+v, want %+v", p, want)
	}
}

func TestUnnamedSources(t *testing.T) {
	_, err := Load([]Source{{Data: []byte("- {name: a, kind: test.store}\n")}, {Data: []byte("- {name: a, kind: test.store}\n")}}, Options{})
	if got, want := fmt.Sprint(err), "<registry #2>:1:3: app:a: duplicate ID, first defined at <registry>:1:3"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

func TestStrings(t *testing.T) {
	tests := []struct {
		yaml string
		want []string
	}{
		{"{name: t, kind: test.table, table_name: x}", nil},
		{"{name: t, kind: test.table, table_name: x, columns: []}", []string{}},
		{"{name: t, kind: test.table, table_name: x, columns: [a, 2, \"${env:COL:-c}\"]}", []string{"a", "2", "c"}},
	}
	for _, tt := range tests {
		r := mustLoad(t, nil, "a.yaml", "- "+tt.yaml+"\n")
		e, _ := r.Entry("app:t")
		if got := e.Config.(tableCfg).Columns; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: columns = %#v, want %#v", tt.yaml, got, tt.want)
		}
	}
}

func TestZeroFields(t *testing.T) {
	var f Fields
	if f.String("x", "d") != "d" || f.Int("x", 3) != 3 || f.Has("x") || f.Sub("p").Size("y", 2) != 2 || f.ByteSize("b", 5) != 5 || f.Ref("r", true) != "" {
		t.Error("zero Fields does not return defaults")
	}
	f.Errorf("x", "ignored")
}

// FuzzLoad feeds arbitrary YAML to Load: it must never panic, and must
// return either a registry or an *Error whose problems all have a position.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("- {name: a, kind: test.store}\n"))
	env := envFrom(map[string]string{"SET": "value", "NUM": "12"})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Load([]Source{{Name: "f.yaml", Data: data}}, Options{Getenv: env})
		if err == nil {
			if r == nil {
				t.Fatal("nil registry and nil error")
			}
			if got := len(r.Order()); got != len(r.Entries()) {
				t.Fatalf("Order has %d entries, Entries %d", got, len(r.Entries()))
			}
			return
		}
		if r != nil {
			t.Fatal("registry returned with an error")
		}
		var lerr *Error
		if !errors.As(err, &lerr) || len(lerr.Problems) == 0 {
			t.Fatalf("error %v (%T) is not a non-empty *Error", err, err)
		}
		for _, p := range lerr.Problems {
			if p.Pos.File != "f.yaml" || p.Pos.Line < 1 || p.Pos.Col < 1 {
				t.Fatalf("problem without position: %+v", p)
			}
		}
	})
}

func TestByteSize(t *testing.T) {
	env := map[string]string{"LUAHOST_TEST_BYTES": "64MiB"}
	tests := []struct {
		field string // "" for none
		want  int64
	}{
		{"", 0},
		{"max_bytes: 268435456", 256 << 20},
		{"max_bytes: 0", 0},
		{"max_bytes: 256MiB", 256 << 20},
		{"max_bytes: \"1GiB\"", 1 << 30},
		{"max_bytes: 1.5GiB", 3 << 29},
		{"max_bytes: 512KiB", 512 << 10},
		{"max_bytes: 100MB", 100e6},
		{"max_bytes: 1GB", 1e9},
		{"max_bytes: 64B", 64},
		{"max_bytes: 0x100", 256},
		{"max_bytes: 1048576.0", 1 << 20},
		{"max_bytes: \"${env:LUAHOST_TEST_BYTES}\"", 64 << 20},
		{"max_bytes: \"${env:LUAHOST_TEST_UNSET:-2KB}\"", 2000},
		{"max_bytes: 9223372036854775807", 1<<63 - 1},
	}
	for _, tt := range tests {
		r := mustLoad(t, env, "a.yaml", "- name: s\n  kind: test.sized\n  "+tt.field+"\n")
		e, _ := r.Entry("app:s")
		if got := e.Config.(sizedCfg).MaxBytes; got != tt.want {
			t.Errorf("%s: max_bytes = %d, want %d", tt.field, got, tt.want)
		}
	}
}
