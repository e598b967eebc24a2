package runtime

import (
	"context"
	"time"

	"github.com/luahost/luahost/backends"
)

// measuredStore is a store whose calls are counted, timed and traced (see
// WithMeterProvider, WithStoreCallSpans). Only the store ID and the
// operation are recorded, never keys or values.
type measuredStore struct {
	next backends.Store
	t    *telemetry
	m    *storeMetrics
	mask uint64 // latency sampling (see telemetry.begin)
}

// measuredExtended is a measuredStore of a store with the extended methods.
type measuredExtended struct {
	*measuredStore
	x backends.Extended
}

var (
	_ backends.Store        = (*measuredStore)(nil)
	_ backends.BufferGetter = (*measuredStore)(nil)
	_ backends.Extended     = measuredExtended{}
)

// measure returns st (the store of entry id, of kind) measured, or st
// itself when nothing is measured.
func (t *telemetry) measure(id, kind string, st backends.Store) backends.Store {
	if !t.instrumented() {
		return st
	}
	s := &measuredStore{next: st, t: t, m: t.storeMetrics(id), mask: t.sampleMaskFor(kind)}
	if x, ok := st.(backends.Extended); ok {
		return measuredExtended{s, x}
	}
	return s
}

func (s *measuredStore) Get(ctx context.Context, key string) ([]byte, error) {
	ctx, c := s.t.begin(ctx, s.m, opGet, s.mask)
	v, err := s.next.Get(ctx, key)
	c.end(ctx, err)
	return v, err
}

// GetString is Get through the store's own GetString when it has one, so
// that measuring keeps the copy-free read of strings; it counts as get.
func (s *measuredStore) GetString(ctx context.Context, key string) (string, error) {
	ctx, c := s.t.begin(ctx, s.m, opGet, s.mask)
	var v string
	var err error
	if sg, ok := s.next.(backends.StringGetter); ok {
		v, err = sg.GetString(ctx, key)
	} else {
		var b []byte
		b, err = s.next.Get(ctx, key)
		v = string(b)
	}
	c.end(ctx, err)
	return v, err
}

// GetStringBuf is GetString through the store's own GetStringBuf when it
// has one; it counts as get.
func (s *measuredStore) GetStringBuf(ctx context.Context, key string, buf []byte) (string, bool, error) {
	bg, ok := s.next.(backends.BufferGetter)
	if !ok {
		v, err := s.GetString(ctx, key)
		return v, false, err
	}
	ctx, c := s.t.begin(ctx, s.m, opGet, s.mask)
	v, copied, err := bg.GetStringBuf(ctx, key, buf)
	c.end(ctx, err)
	return v, copied, err
}

func (s *measuredStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	ctx, c := s.t.begin(ctx, s.m, opSet, s.mask)
	err := s.next.Set(ctx, key, value, ttl)
	c.end(ctx, err)
	return err
}

func (s *measuredStore) Delete(ctx context.Context, key string) (bool, error) {
	ctx, c := s.t.begin(ctx, s.m, opDelete, s.mask)
	ok, err := s.next.Delete(ctx, key)
	c.end(ctx, err)
	return ok, err
}

func (s *measuredStore) Exists(ctx context.Context, key string) (bool, error) {
	ctx, c := s.t.begin(ctx, s.m, opExists, s.mask)
	ok, err := s.next.Exists(ctx, key)
	c.end(ctx, err)
	return ok, err
}

func (s *measuredStore) Clear(ctx context.Context) error {
	ctx, c := s.t.begin(ctx, s.m, opClear, s.mask)
	err := s.next.Clear(ctx)
	c.end(ctx, err)
	return err
}

func (s measuredExtended) Entry(ctx context.Context, key string) (backends.Item, error) {
	ctx, c := s.t.begin(ctx, s.m, opEntry, s.mask)
	it, err := s.x.Entry(ctx, key)
	c.end(ctx, err)
	return it, err
}

func (s measuredExtended) Put(ctx context.Context, key string, value []byte, opts backends.PutOptions) (backends.Item, error) {
	ctx, c := s.t.begin(ctx, s.m, opPut, s.mask)
	it, err := s.x.Put(ctx, key, value, opts)
	c.end(ctx, err)
	return it, err
}

func (s measuredExtended) List(ctx context.Context, opts backends.ListOptions) (backends.Page, error) {
	ctx, c := s.t.begin(ctx, s.m, opList, s.mask)
	p, err := s.x.List(ctx, opts)
	c.end(ctx, err)
	return p, err
}

func (s measuredExtended) Incr(ctx context.Context, key string, delta float64, opts backends.IncrOptions) (float64, error) {
	ctx, c := s.t.begin(ctx, s.m, opIncr, s.mask)
	n, err := s.x.Incr(ctx, key, delta, opts)
	c.end(ctx, err)
	return n, err
}

func (s measuredExtended) TTL(ctx context.Context, key string) (time.Duration, bool, error) {
	ctx, c := s.t.begin(ctx, s.m, opTTL, s.mask)
	left, ok, err := s.x.TTL(ctx, key)
	c.end(ctx, err)
	return left, ok, err
}

func (s measuredExtended) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ctx, c := s.t.begin(ctx, s.m, opExpire, s.mask)
	ok, err := s.x.Expire(ctx, key, ttl)
	c.end(ctx, err)
	return ok, err
}

func (s measuredExtended) Info(ctx context.Context) (backends.Info, error) {
	ctx, c := s.t.begin(ctx, s.m, opInfo, s.mask)
	info, err := s.x.Info(ctx)
	c.end(ctx, err)
	return info, err
}
