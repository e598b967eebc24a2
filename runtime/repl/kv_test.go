package repl_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/registry"
	"github.com/luahost/luahost/runtime"
)

// The test.kv kind is a map-backed store, so the REPL has entries to list
// and store handles to complete without a real backend. When
// REPL_TEST_STOPS names a file, Stop appends "stopped ID" to it, so a test
// can see that leaving the REPL stopped every entry.
func init() {
	runtime.RegisterTyped(registry.TypedKind[struct{}]{
		Name:   "test.kv",
		Decode: func(f *registry.Fields) struct{} { return struct{}{} },
		New: func(_ struct{}, env registry.Env) (registry.Component, error) {
			return &kvStore{id: env.Entry.ID, data: map[string][]byte{}}, nil
		},
	})
	runtime.RegisterTyped(registry.TypedKind[struct{}]{
		Name:   "test.broken",
		Decode: func(f *registry.Fields) struct{} { return struct{}{} },
		New:    func(struct{}, registry.Env) (registry.Component, error) { return broken{}, nil },
	})
	runtime.RegisterTyped(registry.TypedKind[gated]{
		Name:   "test.gated",
		Decode: func(f *registry.Fields) gated { return gated(f.String("gate", "")) },
		New:    func(cfg gated, env registry.Env) (registry.Component, error) { return cfg, nil },
	})
}

// broken is a component that never starts, with a multi-line error as
// some database drivers give.
type broken struct{}

func (broken) Start(context.Context) error {
	return fmt.Errorf("cannot connect:\n\tfirst try refused\n\tsecond try refused: %w", registry.ErrPermanent)
}

func (broken) Stop(context.Context) error { return nil }

// gated is a component whose Start waits until a writer opens and closes
// the FIFO it names, so a test decides when a start ends.
type gated string

func (g gated) Start(ctx context.Context) error {
	done := make(chan error, 1)
	go func() {
		f, err := os.Open(string(g))
		if err == nil {
			_, err = io.Copy(io.Discard, f)
			f.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g gated) Stop(context.Context) error { return nil }

// testRegistry has one store started at boot and one started on first use.
const testRegistry = `namespace: app
entries:
  - name: kv
    kind: test.kv
    lifecycle:
      auto_start: true
  - name: lazy
    kind: test.kv
`

type kvStore struct {
	id   string
	mu   sync.Mutex
	data map[string][]byte
}

func (s *kvStore) Start(context.Context) error { return nil }

func (s *kvStore) Stop(context.Context) error {
	if path := os.Getenv("REPL_TEST_STOPS"); path != "" {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = fmt.Fprintf(f, "stopped %s\n", s.id)
		return err
	}
	return nil
}

func (s *kvStore) Get(ctx context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.data[key]
	if !ok {
		return nil, fmt.Errorf("key %q: %w", key, backends.ErrNotFound)
	}
	return v, nil
}

func (s *kvStore) Set(ctx context.Context, key string, value []byte, _ time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[key] = append([]byte(nil), value...)
	return nil
}

func (s *kvStore) Delete(ctx context.Context, key string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.data[key]
	delete(s.data, key)
	return ok, nil
}

func (s *kvStore) Exists(ctx context.Context, key string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.data[key]
	return ok, nil
}

func (s *kvStore) Clear(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.data)
	return nil
}
