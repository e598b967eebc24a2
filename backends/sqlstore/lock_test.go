package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/sqldb"
)

// lockCalls are writes of key "k" that wait for a lock on its row (or, on
// SQLite, on the database). Each must leave k's value as it was when it
// fails.
var lockCalls = []struct {
	name string
	call func(ctx context.Context, s *Store) error
}{
	{"set", func(ctx context.Context, s *Store) error { return s.Set(ctx, "k", []byte("new"), 0) }},
	{"delete", func(ctx context.Context, s *Store) error { _, err := s.Delete(ctx, "k"); return err }},
	{"incr", func(ctx context.Context, s *Store) error {
		_, err := s.Incr(ctx, "k", 1, backends.IncrOptions{})
		return err
	}},
	{"put", func(ctx context.Context, s *Store) error {
		_, err := s.Put(ctx, "k", []byte("new"), backends.PutOptions{})
		return err
	}},
	{"put only_if_absent", func(ctx context.Context, s *Store) error {
		_, err := s.Put(ctx, "k", []byte("new"), backends.PutOptions{OnlyIfAbsent: true})
		return err
	}},
	{"expire", func(ctx context.Context, s *Store) error { _, err := s.Expire(ctx, "k", time.Hour); return err }},
}

// lockKey holds a lock that blocks every write of key on s's table from a
// second connection (a second process's, on SQLite), until release.
func lockKey(t *testing.T, s *Store, key string) (release func()) {
	t.Helper()
	c := ctx(t)
	var (
		pool *sql.DB
		lock []string
		args []any
	)
	st, err := s.running()
	if err != nil {
		t.Fatal(err)
	}
	k, err := s.key(st, key)
	if err != nil {
		t.Fatal(err)
	}
	q := s.db.Dialect().Quote
	switch s.db.Dialect() {
	case sqldb.SQLite:
		var seq int
		var name, file string
		if err := s.db.ReadDB().QueryRowContext(c, "PRAGMA database_list").Scan(&seq, &name, &file); err != nil {
			t.Fatal(err)
		}
		// Another process's connection: no busy wait of its own.
		pool, err = sql.Open("sqlite3", "file:"+file+"?_busy_timeout=0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pool.Close() })
		lock = []string{"BEGIN EXCLUSIVE"}
	default:
		pool = s.db.DB().DB
		lock = []string{"BEGIN", "SELECT 1 FROM " + q(s.cfg.Table) + " WHERE " + q(s.cfg.IDColumn) + " = " + s.db.Dialect().Placeholder(1) + " FOR UPDATE"}
		args = []any{k}
	}
	conn, err := pool.Conn(c)
	if err != nil {
		t.Fatal(err)
	}
	for i, stmt := range lock {
		var a []any
		if i == len(lock)-1 {
			a = args
		}
		if _, err := conn.ExecContext(c, stmt, a...); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	released := false
	release = func() {
		if released {
			return
		}
		released = true
		if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
			t.Error(err)
		}
		conn.Close()
	}
	t.Cleanup(release)
	return release
}

// TestLockWaitEndsWithContext: a write waiting for a lock another
// connection holds returns when its context ends, with the context's
// error (TIMEOUT for scripts), long before SQLite's 5 s busy timeout or
// the servers' lock wait timeouts; and it is not applied later, once the
// lock is released (PostgreSQL cancels it on the server).
func TestLockWaitEndsWithContext(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
		s := newStore(t, db, Config{}, nil)
		for _, c := range lockCalls {
			for _, cause := range []error{context.DeadlineExceeded, context.Canceled} {
				t.Run(c.name+"/"+cause.Error(), func(t *testing.T) {
					old := backends.EncodeNumber(7)
					if err := s.Set(ctx(t), "k", old, 0); err != nil {
						t.Fatal(err)
					}
					release := lockKey(t, s, "k")
					var (
						cctx   context.Context
						cancel context.CancelFunc
					)
					const limit = 300 * time.Millisecond
					if cause == context.DeadlineExceeded {
						cctx, cancel = context.WithTimeout(context.Background(), limit)
					} else {
						cctx, cancel = context.WithCancel(context.Background())
						timer := time.AfterFunc(limit, cancel)
						defer timer.Stop()
					}
					defer cancel()
					start := time.Now()
					err := c.call(cctx, s)
					took := time.Since(start)
					if !errors.Is(err, cause) {
						t.Fatalf("error = %v, want it to wrap %v", err, cause)
					}
					// Well under the 5 s busy timeout: the wait ended with
					// the context, not on its own.
					if took > 2*time.Second {
						t.Errorf("returned after %v, want about %v", took, limit)
					}
					release()
					// The next write of k queues behind any statement
					// still pending on the server, so by the time it is
					// through, a write that was not cancelled would show.
					got, err := s.Get(ctx(t), "k")
					if err != nil {
						t.Fatal(err)
					}
					if _, err := s.Expire(ctx(t), "k", 0); err != nil {
						t.Fatal(err)
					}
					if got2, err := s.Get(ctx(t), "k"); err != nil || string(got) != string(old) || string(got2) != string(old) {
						t.Errorf("value after a failed %s = %q then %q (%v), want %q kept", c.name, got, got2, err, old)
					}
				})
			}
		}
	})
}

// TestOutcomeUnknownWhenConnectionDies kills the store's PostgreSQL
// connection (pg_terminate_backend from a second connection) while its
// write waits at commit, held there by a deferred trigger that takes an
// advisory lock the test holds. incr and put only_if_absent cannot know
// whether they were applied: they must wrap ErrOutcomeUnknown, not plain
// ErrUnavailable that invites a retry. set is safe to repeat and says
// nothing about outcomes.
func TestOutcomeUnknownWhenConnectionDies(t *testing.T) {
	db := backendList[1].open(t)
	s := newStore(t, db, Config{}, nil)
	c := ctx(t)
	var lockID int64
	if err := db.DB().QueryRowContext(c, "SELECT (random() * 1e15)::bigint").Scan(&lockID); err != nil {
		t.Fatal(err)
	}
	fn := s.db.Dialect().Quote(s.cfg.Table + "_wait")
	for _, stmt := range []string{
		fmt.Sprintf("CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock(%d); RETURN NULL; END $$", fn, lockID),
		fmt.Sprintf("CREATE CONSTRAINT TRIGGER wait_at_commit AFTER INSERT OR UPDATE ON %s DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION %s()", s.db.Dialect().Quote(s.cfg.Table), fn),
	} {
		if _, err := db.DB().ExecContext(c, stmt); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { db.DB().Exec("DROP FUNCTION IF EXISTS " + fn + " CASCADE") })

	calls := []struct {
		name        string
		call        func(ctx context.Context) error
		wantUnknown bool
		wantPrefix  string // of the message
	}{
		{"incr", func(ctx context.Context) error { _, err := s.Incr(ctx, "n", 1, backends.IncrOptions{}); return err }, true,
			`incr "n": outcome unknown: the connection failed after the write was sent, so it may or may not have been applied; read the key before repeating it: `},
		{"put only_if_absent", func(ctx context.Context) error {
			_, err := s.Put(ctx, "p", []byte("v"), backends.PutOptions{OnlyIfAbsent: true})
			return err
		}, true, `put "p": outcome unknown: the connection failed after the write was sent`},
		{"set", func(ctx context.Context) error { return s.Set(ctx, "s", []byte("v"), 0) }, false, "set: "},
	}
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			holder, err := db.DB().Conn(c)
			if err != nil {
				t.Fatal(err)
			}
			defer holder.Close()
			if _, err := holder.ExecContext(c, "SELECT pg_advisory_lock($1)", lockID); err != nil {
				t.Fatal(err)
			}
			defer holder.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", lockID)
			done := make(chan error, 1)
			go func() { done <- tc.call(c) }()
			// Find the store's backend waiting for the advisory lock,
			// and end it.
			var pid int
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			for pid == 0 {
				err := holder.QueryRowContext(c, "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND ((classid::bigint << 32) | objid::bigint) = $1", lockID).Scan(&pid)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					t.Fatal(err)
				}
				select {
				case <-tick.C:
				case err := <-done:
					t.Fatalf("%s returned %v before it waited at commit", tc.name, err)
				}
			}
			if _, err := holder.ExecContext(c, "SELECT pg_terminate_backend($1)", pid); err != nil {
				t.Fatal(err)
			}
			err = <-done
			if !errors.Is(err, backends.ErrUnavailable) {
				t.Fatalf("error = %v, want ErrUnavailable", err)
			}
			if got := errors.Is(err, backends.ErrOutcomeUnknown); got != tc.wantUnknown {
				t.Fatalf("error = %v; wraps ErrOutcomeUnknown = %v, want %v", err, got, tc.wantUnknown)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, tc.wantPrefix) || strings.Contains(msg, ": unavailable") {
				t.Errorf("message %q, want it to start %q and not repeat the kind", msg, tc.wantPrefix)
			}
		})
	}
}
