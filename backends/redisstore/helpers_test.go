package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/luahost/luahost/backends/redisdb"
	"github.com/luahost/luahost/internal/dbtest"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// startDB starts a db.redis component for cfg, stopped when the test ends.
func startDB(t *testing.T, cfg redisdb.Config) *redisdb.Component {
	t.Helper()
	db, err := redisdb.New("test:redis", cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Start(ctx(t)); err != nil {
		dbtest.Unavailable(t, err.Error())
	}
	t.Cleanup(func() { db.Stop(context.Background()) })
	return db
}

// sharedDB connects to the shared Redis of LUAHOST_TEST_REDIS_ADDR.
func sharedDB(t *testing.T) *redisdb.Component {
	t.Helper()
	return startDB(t, redisdb.Config{Addr: dbtest.RedisAddr(t)})
}

// newStore starts a store under a prefix of its own on db; when the test
// ends it clears the store and removes its version counter.
func newStore(t *testing.T, db redisdb.DB, opts Options) *Store {
	t.Helper()
	if opts.ID == "" {
		opts.ID = "test:store"
	}
	s, err := New(Config{Prefix: dbtest.KeyPrefix(t)}, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c := context.Background()
		if err := s.Clear(c); err != nil {
			t.Error(err)
		}
		if err := db.Client().Del(c, s.counter).Err(); err != nil {
			t.Error(err)
		}
		if err := s.Stop(c); err != nil {
			t.Error(err)
		}
	})
	return s
}
