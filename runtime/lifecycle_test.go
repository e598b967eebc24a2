package runtime_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/luahost/luahost/internal/dbtest"
	"github.com/luahost/luahost/runtime"
)

// TestShortDeadlineOnFirstUseDoesNotPoisonTheEntry is the embedding
// scenario: the first request to touch a store that is not running yet has
// a 2 ms deadline (or is cancelled). That request gets TIMEOUT or CANCELED;
// the start goes on under the runtime, and the next request with a healthy
// context gets the store.
func TestShortDeadlineOnFirstUseDoesNotPoisonTheEntry(t *testing.T) {
	dsn := dbtest.PostgresDSN(t)
	tests := []struct {
		name  string
		short func() (context.Context, context.CancelFunc)
		// first makes the first request; it returns the error kind the
		// request saw ("" when the start won the race).
		first func(ctx context.Context, rt *runtime.Runtime) string
		kind  string
	}{
		{"lua deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 2*time.Millisecond)
		}, firstFromLua, "TIMEOUT"},
		{"lua cancel", cancelSoon, firstFromLua, "CANCELED"},
		{"go deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 2*time.Millisecond)
		}, firstFromGo, "TIMEOUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table := dbtest.TableName(t)
			db, err := sql.Open("pgx", dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			dbtest.DropOnCleanup(t, db, `"`+table+`"`)
			ctx := context.Background()
			rt, err := runtime.New(ctx, runtime.WithRegistryString("reg.yaml", fmt.Sprintf(`
- {name: db, kind: db.sql.postgres, dsn: %q}
- {name: kv, kind: store.sql, database: db, table_name: %s, create_table: true}
`, dsn, table)))
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := rt.Close(ctx); err != nil {
					t.Error(err)
				}
			}()
			short, cancel := tt.short()
			kind := tt.first(short, rt)
			cancel()
			if kind != "" && kind != tt.kind {
				t.Errorf("first request: %s, want %s (or success)", kind, tt.kind)
			}
			got, err := rt.RunString(ctx, `
				local s, e = store.get("app:kv")
				if not s then return tostring(e) end
				assert(s:set("k", "v"))
				return s:get("k")`)
			if err != nil || fmt.Sprint(got) != "[v]" {
				t.Fatalf("second request: %v, %v", got, err)
			}
			for _, id := range []string{"app:db", "app:kv"} {
				if st := rt.State(id); st.Phase != runtime.Running || st.Attempts != 0 {
					t.Errorf("%s: %s, want running with no failed attempt", id, st)
				}
			}
		})
	}
}

// cancelSoon returns a context cancelled 2 ms from now.
func cancelSoon() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	stop := time.AfterFunc(2*time.Millisecond, cancel)
	return ctx, func() { stop.Stop(); cancel() }
}

func firstFromLua(ctx context.Context, rt *runtime.Runtime) string {
	got, err := rt.RunString(ctx, `local s, e = store.get("app:kv"); return e and e:kind() or ""`)
	if err != nil {
		// The deadline may end the script before store.get returns.
		if ctx.Err() == context.DeadlineExceeded {
			return "TIMEOUT"
		}
		return "CANCELED"
	}
	return fmt.Sprint(got[0])
}

func firstFromGo(ctx context.Context, rt *runtime.Runtime) string {
	_, err := rt.Store(ctx, "app:kv")
	switch {
	case err == nil:
		return ""
	case ctx.Err() == context.DeadlineExceeded:
		return "TIMEOUT"
	}
	return "error: " + err.Error()
}
