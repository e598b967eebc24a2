package sqldb

import (
	"context"
	"errors"
	"testing"

	"github.com/luahost/luahost/registry"
)

// withoutSQLite makes the test's binary one built without cgo, which has
// no SQLite driver (sqlite_nocgo.go), until the test ends.
func withoutSQLite(t *testing.T) {
	was := newSQLiteDriver
	newSQLiteDriver = nil
	t.Cleanup(func() { newSQLiteDriver = was })
}

// TestSQLiteWithoutCgo: in a binary built without cgo, a db.sql.sqlite
// entry is a load problem at its kind (so `luahost check` reports it
// with file:line:col) saying why and what to do; the other kinds load.
func TestSQLiteWithoutCgo(t *testing.T) {
	const why = "db.sql.sqlite is not available: this luahost was built without cgo (CGO_ENABLED=0), " +
		"and the SQLite driver needs it; build with CGO_ENABLED=1 and a C compiler, or use db.sql.postgres or db.sql.mysql"
	tests := []struct {
		name string
		yaml string
		want []string // every problem
	}{
		{"sqlite file", "namespace: app\nentries:\n  - name: db\n    kind: db.sql.sqlite\n    file: app.db\n",
			[]string{"a.yaml:4:11: app:db: kind: " + why}},
		{"sqlite in memory, flow style", "- {name: mem, kind: db.sql.sqlite, file: \":memory:\"}\n",
			[]string{"a.yaml:1:21: app:mem: kind: " + why}},
		{"other problems are still reported", "- {name: db, kind: db.sql.sqlite}\n",
			[]string{"a.yaml:1:3: app:db: file: file is required: a path, or \":memory:\"", "a.yaml:1:20: app:db: kind: " + why}},
		{"postgres needs no cgo", "- {name: pg, kind: db.sql.postgres, host: h}\n", nil},
	}
	withoutSQLite(t)
	if SQLiteAvailable() {
		t.Fatal("SQLiteAvailable() = true without a driver")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := registry.Load([]registry.Source{{Name: "a.yaml", Data: []byte(tt.yaml)}}, registry.Options{})
			var got []string
			var re *registry.Error
			if errors.As(err, &re) {
				for _, p := range re.Problems {
					got = append(got, p.Error())
				}
			} else if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("problems\n got %q\nwant %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("problem %d\n got %s\nwant %s", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestSQLiteWithoutCgoInGo: Go code building the component directly gets
// the same error from New, and Start of a component built earlier
// returns ErrSQLiteUnavailable as a permanent failure (no retry).
func TestSQLiteWithoutCgoInGo(t *testing.T) {
	cfg := Config{Dialect: SQLite, File: ":memory:"}
	built, err := New("app:db", cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	withoutSQLite(t)
	if _, err := New("app:db", cfg, nil); err == nil || err.Error() != "app:db: kind: "+ErrSQLiteUnavailable.Error() {
		t.Errorf("New error = %v, want app:db: kind: %v", err, ErrSQLiteUnavailable)
	}
	err = built.Start(context.Background())
	if !errors.Is(err, ErrSQLiteUnavailable) || !errors.Is(err, registry.ErrPermanent) {
		t.Errorf("Start error = %v, want one wrapping ErrSQLiteUnavailable and registry.ErrPermanent", err)
	}
	if built.DB() != nil {
		t.Error("a failed Start left a pool")
	}
}
