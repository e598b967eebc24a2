package sqlstore

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/sqldb"
	"github.com/luahost/luahost/internal/dbtest"
)

// storeCalls are one call of each Store method, for outage tests.
var storeCalls = []struct {
	name string
	call func(ctx context.Context, s *Store) error
}{
	{"get", func(ctx context.Context, s *Store) error { _, err := s.Get(ctx, "k"); return err }},
	{"set", func(ctx context.Context, s *Store) error { return s.Set(ctx, "k", []byte("v2"), time.Hour) }},
	{"exists", func(ctx context.Context, s *Store) error { _, err := s.Exists(ctx, "k"); return err }},
	{"delete", func(ctx context.Context, s *Store) error { _, err := s.Delete(ctx, "other"); return err }},
	{"clear", func(ctx context.Context, s *Store) error { return s.Clear(ctx) }},
}

// TestPostgresOutage stops a private PostgreSQL server under a running
// store: every call fails with ErrUnavailable within its deadline, both
// when connections are refused and when the server accepts but never
// answers, and calls succeed again once the server is back.
func TestPostgresOutage(t *testing.T) {
	srv := dbtest.StartPostgres(t)
	db := openDB(t, sqldb.Config{Dialect: sqldb.Postgres, DSN: srv.DSN()})
	s := newStore(t, db, Config{}, nil)
	if err := s.Set(ctx(t), "k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}

	const deadline = 2 * time.Second
	expectDown := func(t *testing.T, wantDeadline bool) {
		for _, c := range storeCalls {
			cctx, cancel := context.WithTimeout(context.Background(), deadline)
			start := time.Now()
			err := c.call(cctx, s)
			took := time.Since(start)
			cancel()
			if !errors.Is(err, backends.ErrUnavailable) {
				t.Errorf("%s: error = %v, want ErrUnavailable", c.name, err)
			}
			if wantDeadline && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%s: error = %v, want it to wrap context.DeadlineExceeded too", c.name, err)
			}
			if took > deadline+time.Second {
				t.Errorf("%s: took %v, over its %v deadline", c.name, took, deadline)
			}
		}
	}

	srv.Stop(t)
	t.Run("refused", func(t *testing.T) { expectDown(t, false) })

	t.Run("silent", func(t *testing.T) {
		// Something holds the port and never answers: connects hang
		// until the call's deadline.
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(srv.Port())))
		if err != nil {
			dbtest.Unavailable(t, "cannot take over the server's port: "+err.Error())
		}
		var held []net.Conn
		accepted := make(chan struct{})
		go func() {
			defer close(accepted)
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				held = append(held, c)
			}
		}()
		defer func() {
			l.Close()
			<-accepted
			for _, c := range held {
				c.Close()
			}
		}()
		expectDown(t, true)
	})

	srv.Start(t)
	for _, c := range storeCalls {
		if err := c.call(ctx(t), s); err != nil {
			t.Errorf("%s after restart: %v", c.name, err)
		}
	}
}
