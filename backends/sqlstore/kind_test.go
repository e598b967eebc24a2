package sqlstore

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luahost/luahost/registry"
)

type notADB struct{}

func (notADB) Start(context.Context) error { return nil }
func (notADB) Stop(context.Context) error  { return nil }

func TestKindNew(t *testing.T) {
	k, ok := registry.LookupKind(Kind)
	if !ok {
		t.Fatalf("kind %s is not registered", Kind)
	}
	db := backendList[0].open(t)
	tests := []struct {
		name    string
		dep     registry.Component
		wantErr string
	}{
		{"sql database", db, ""},
		{"not a database", notADB{}, "not a SQL database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := registry.Env{
				Entry: &registry.Entry{ID: "app:cache"},
				Dep:   func(string) registry.Component { return tt.dep },
			}
			comp, err := k.New(Config{Database: "app:db", Table: "kv"}, env)
			if tt.wantErr == "" {
				if _, ok := comp.(*Store); err != nil || !ok {
					t.Fatalf("New = %T, %v; want *Store", comp, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "app:cache") {
				t.Fatalf("New error = %v, want one naming the entry and %q", err, tt.wantErr)
			}
		})
	}
}

// TestSchemaOfEntry: luahost schema asks the entry's config, which prints
// its table's DDL in the dialect of the database it refers to.
func TestSchemaOfEntry(t *testing.T) {
	tests := []struct {
		db, golden string
	}{
		{"{name: db, kind: db.sql.sqlite, file: ':memory:'}", "sqlite_default.sql"},
		{"{name: db, kind: db.sql.postgres, host: h}", "postgres_default.sql"},
		{"{name: db, kind: db.sql.mysql, dsn: 'root@tcp(h:3306)/x'}", "mysql_default.sql"},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			reg, err := registry.Load([]registry.Source{{Name: "a.yaml", Data: []byte(
				"- " + tt.db + "\n- {name: kv, kind: store.sql, database: db, table_name: kv_store}\n")}}, registry.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := reg.Schema("app:kv")
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join("testdata", "schema", tt.golden))
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("Schema(app:kv) =\n%s\nwant (%s):\n%s", got, tt.golden, want)
			}
		})
	}
}
