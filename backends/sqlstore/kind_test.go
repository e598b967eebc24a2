package sqlstore

import (
	"context"
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
