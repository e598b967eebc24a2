package registry

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestTypedKindNew(t *testing.T) {
	k, ok := LookupKind("test.store")
	if !ok {
		t.Fatal("test.store is not registered")
	}
	if _, err := k.New(storeCfg{MaxSize: 1}, Env{}); err != nil {
		t.Fatalf("New(storeCfg) = %v", err)
	}
	_, err := k.New("not a config", Env{})
	if got, want := err.Error(), "test.store: config is a string, want a registry.storeCfg"; err == nil || got != want {
		t.Fatalf("New(string) = %v, want %q", err, want)
	}
}

func TestRegisterPanics(t *testing.T) {
	nop := func(f *Fields) storeCfg { return storeCfg{} }
	tests := []struct {
		name string
		reg  func()
	}{
		{"typed nil decode", func() { RegisterTyped(TypedKind[storeCfg]{Name: "test.x", New: newNop[storeCfg]}) }},
		{"typed nil new", func() { RegisterTyped(TypedKind[storeCfg]{Name: "test.x", Decode: nop}) }},
		{"typed empty name", func() { RegisterTyped(TypedKind[storeCfg]{Decode: nop, New: newNop[storeCfg]}) }},
		{"typed duplicate", func() { RegisterTyped(TypedKind[storeCfg]{Name: "test.store", Decode: nop, New: newNop[storeCfg]}) }},
		{"untyped duplicate", func() {
			RegisterKind(Kind{Name: "test.db", Decode: func(*Fields) any { return nil }, New: newNop[any]})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tt.reg()
		})
	}
	if _, ok := LookupKind("test.x"); ok {
		t.Error("a failed registration left test.x in the kind table")
	}
}

func TestCheckConfig(t *testing.T) {
	if err := CheckConfig("app:db", dbCfg{Table: "kv"}); err != nil {
		t.Fatalf("CheckConfig(valid) = %v", err)
	}
	err := CheckConfig("app:db", dbCfg{Table: "bad name", Pool: poolCfg{MaxOpen: 200}})
	want := "app:db: table_name: invalid SQL identifier \"bad name\" (want [A-Za-z_][A-Za-z0-9_]*)\n" +
		"pool.max_open: 200 is more than 100"
	if err == nil || err.Error() != want {
		t.Fatalf("CheckConfig = %v, want\n%s", err, want)
	}
	var fe FieldError
	if !errors.As(err, &fe) || fe.Field != "table_name" {
		t.Errorf("errors.As finds %+v, want the table_name FieldError", fe)
	}
}

func TestSchema(t *testing.T) {
	reg, err := Load([]Source{{Name: "a.yaml", Data: []byte(`
- {name: cache, kind: test.store}
- {name: db, kind: test.db, dsn: x}
- {name: t, kind: test.table, table_name: kv, columns: [k, v]}
- {name: u, kind: test.user, database: db}
`)}}, Options{Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id, want, wantErr string
		noSchema          bool
	}{
		{id: "app:t", want: "CREATE TABLE kv (k, v);\n"},
		{id: "app:cache", wantErr: "app:cache: no schema: a test.store needs none", noSchema: true},
		{id: "app:db", wantErr: "app:db: no schema: a test.db does not describe one", noSchema: true},
		{id: "app:u", wantErr: "app:u: the database has no dialect"},
		{id: "app:tt", wantErr: `no entry "app:tt" in the registry (did you mean app:t?)`},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			got, err := reg.Schema(tt.id)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("Schema = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Schema error = %v, want %q", err, tt.wantErr)
			}
			if errors.Is(err, ErrNoSchema) != tt.noSchema {
				t.Errorf("errors.Is(err, ErrNoSchema) = %v, want %v", !tt.noSchema, tt.noSchema)
			}
			if got != "" || strings.Contains(err.Error(), "%!") {
				t.Errorf("Schema = %q with error %v", got, err)
			}
		})
	}
}

// starter is an interface a dependency may or may not have.
type starter interface{ Started() bool }

type startedNop struct{ nopComponent }

func (startedNop) Started() bool { return true }

func TestDepAs(t *testing.T) {
	deps := map[string]Component{"app:a": startedNop{}, "app:b": nopComponent{}}
	env := Env{Entry: &Entry{ID: "app:user"}, Dep: func(id string) Component { return deps[id] }}
	if s, err := DepAs[starter](env, "database", "app:a", "a starter"); err != nil || !s.Started() {
		t.Fatalf("DepAs(app:a) = %v, %v", s, err)
	}
	_, err := DepAs[starter](env, "database", "app:b", "a starter")
	if got, want := fmt.Sprint(err), "app:user: database app:b is a registry.nopComponent, not a starter"; got != want {
		t.Fatalf("DepAs(app:b) error = %s, want %s", got, want)
	}
}
