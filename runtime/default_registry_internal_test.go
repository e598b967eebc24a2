package runtime

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/registry"
)

// TestDefaultRegistryWithoutSQLite: the built-in registry of a binary
// without SQLite is the full one less exactly the entries that need
// SQLite, each kept entry defined as in the full one.
func TestDefaultRegistryWithoutSQLite(t *testing.T) {
	load := func(data []byte) *registry.Registry {
		t.Helper()
		reg, err := registry.Load([]registry.Source{{Name: defaultRegistryName, Data: data}}, registry.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return reg
	}
	full, noSQLite := load(defaultRegistry), load(defaultRegistryNoSQLite)
	var wantIDs []string
	for _, e := range full.Entries() {
		if !slices.Contains(sqliteDefaultIDs, e.ID) {
			wantIDs = append(wantIDs, e.ID)
		}
		if slices.Contains(sqliteDefaultIDs, e.ID) && e.ID != "app:kv" && e.Kind != "db.sql.sqlite" {
			t.Errorf("%s is a %s, which does not need SQLite", e.ID, e.Kind)
		}
	}
	var gotIDs []string
	for _, e := range noSQLite.Entries() {
		gotIDs = append(gotIDs, e.ID)
		f, ok := full.Entry(e.ID)
		if !ok {
			continue
		}
		if !e.SameDefinition(f) || !reflect.DeepEqual(e.Lifecycle, f.Lifecycle) {
			t.Errorf("%s differs from the full built-in registry's", e.ID)
		}
	}
	if !slices.Equal(gotIDs, wantIDs) {
		t.Errorf("entries without SQLite = %v, want %v", gotIDs, wantIDs)
	}
}

// TestDefaultRunsWithoutSQLite runs a host on the built-in registry as a
// binary built without cgo does: app:cache works, and app:kv is not found
// with the reason; a registry of the user's own gets the usual message.
func TestDefaultRunsWithoutSQLite(t *testing.T) {
	was := sqliteAvailable
	sqliteAvailable = func() bool { return false }
	t.Cleanup(func() { sqliteAvailable = was })
	ctx := context.Background()

	rt, err := New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	kv, err := rt.Store(ctx, "app:cache")
	if err != nil {
		t.Fatal(err)
	}
	if err := kv.Set(ctx, "k", "v", time.Minute); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := kv.Get(ctx, "k", &got); err != nil || got != "v" {
		t.Fatalf("Get = %q, %v; want v", got, err)
	}
	for _, id := range sqliteDefaultIDs {
		_, err := rt.Store(ctx, id)
		want := `no entry "` + id + `" in the registry: the built-in registry has ` + id +
			" only when luahost is built with cgo, which SQLite needs; this binary was built without (CGO_ENABLED=0)"
		if err == nil || err.Error() != want || !errors.Is(err, backends.ErrNotFound) {
			t.Errorf("Store(%s) error\n got %v\nwant %s (NOT_FOUND)", id, err, want)
		}
	}

	own, err := New(ctx, WithRegistryString("own.yaml", "- {name: cache, kind: store.memory}\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close(ctx)
	if _, err := own.Store(ctx, "app:kv"); err == nil || err.Error() != `no entry "app:kv" in the registry` {
		t.Errorf(`Store(app:kv) on a registry of one's own: %v, want no entry "app:kv" in the registry`, err)
	}
}
