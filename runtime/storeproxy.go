package runtime

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/luahost/luahost/backends"
)

// storeProxy is the store a script's handle (and a KV) holds: each call
// goes to the running instance of its entry and is counted, so the entry
// stops only after the call ends. When the entry is restarted by a reload
// the next call uses the new instance (starting it as store.get would, or
// UNAVAILABLE, retryable, while the reload restarts it); when it is
// removed, calls get NOT_FOUND.
type storeProxy struct {
	rt *Runtime
	id string
	u  atomic.Pointer[unit] // the unit last used
	// shard is the gate counter this proxy's calls use: handles of
	// different states count apart.
	shard uint32
}

// proxyShards hands out gate shards to new proxies in turn.
var proxyShards atomic.Uint32

// extendedProxy is a storeProxy for a store with the extended methods.
type extendedProxy struct{ *storeProxy }

var (
	_ backends.Store        = (*storeProxy)(nil)
	_ backends.BufferGetter = (*storeProxy)(nil)
	_ backends.ValueLimiter = (*storeProxy)(nil)
	_ backends.Extended     = extendedProxy{}
)

// MaxValueSize returns the value size limit of the store the proxy last
// used (backends.ValueLimiter), 0 when it has none: a reload may change
// it, and the store itself still checks each value.
func (p *storeProxy) MaxValueSize() int {
	if vl, ok := p.u.Load().st.(backends.ValueLimiter); ok {
		return vl.MaxValueSize()
	}
	return 0
}

// newStoreProxy returns a proxy for the store of u, with the extended
// methods when u's store has them.
func newStoreProxy(rt *Runtime, u *unit) backends.Store {
	p := &storeProxy{rt: rt, id: u.e().ID, shard: proxyShards.Add(1)}
	p.u.Store(u)
	if _, ok := u.st.(backends.Extended); ok {
		return extendedProxy{p}
	}
	return p
}

// enter returns the running unit and the pass the call must leave. A
// unit whose store fences itself (backends.Fencer) needs no pass: its
// store refuses calls once the run ends.
func (p *storeProxy) enter(ctx context.Context) (*unit, pass, error) {
	u := p.u.Load()
	if u.fence != nil {
		return u, pass{}, nil
	}
	if g := u.calls.Load(); g != nil {
		if ps, ok := g.enter(p.shard); ok {
			return u, ps, nil
		}
	}
	return p.enterSlow(ctx)
}

// enterSlow finds the entry's current unit, waiting for its start as
// store.get does.
func (p *storeProxy) enterSlow(ctx context.Context) (*unit, pass, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, pass{}, err
		}
		u, err := p.rt.runningStore(ctx, p.id, visibleIn(ctx))
		if err != nil {
			if errors.Is(err, backends.ErrNotFound) {
				// Say why the entry the handle was for is gone.
				last := p.u.Load()
				last.mu.Lock()
				if last.retired == retiredRemoved {
					err = retiredErrLocked(last)
				}
				last.mu.Unlock()
			}
			return nil, pass{}, redactErr(p.rt.redact, err)
		}
		p.u.Store(u)
		if u.fence != nil {
			return u, pass{}, nil
		}
		if g := u.calls.Load(); g != nil {
			if ps, ok := g.enter(p.shard); ok {
				return u, ps, nil
			}
		}
		// It stopped since: the next round says why, or uses its next run.
	}
}

// proxyCall runs f on the running unit of p's entry. A call that meets the
// fence of a run that ended (backends.ErrFenced) goes round to the next
// run, as a call arriving after the stop would.
func proxyCall[T any](p *storeProxy, ctx context.Context, f func(u *unit) (T, error)) (T, error) {
	u, g, err := p.enter(ctx)
	for err == nil {
		var v T
		if v, err = admitted(g, u, f); err != backends.ErrFenced {
			return v, err
		}
		u, g, err = p.enterSlow(ctx)
	}
	var zero T
	return zero, err
}

// admitted runs f on u and leaves g, also when f panics.
func admitted[T any](g pass, u *unit, f func(u *unit) (T, error)) (T, error) {
	defer g.leave()
	return f(u)
}

// extended returns u's store as a backends.Extended.
func (p extendedProxy) extended(u *unit, method string) (backends.Extended, error) {
	x, ok := u.st.(backends.Extended)
	if !ok {
		return nil, backends.Errorf(backends.ErrInvalid, "%s is not supported by store %s since the registry was reloaded", method, p.id)
	}
	return x, nil
}

func (p *storeProxy) Get(ctx context.Context, key string) ([]byte, error) {
	return proxyCall(p, ctx, func(u *unit) ([]byte, error) { return u.st.Get(ctx, key) })
}

// GetString is Get without a copy when the running store is a
// backends.StringGetter, and Get plus one copy when it is not.
func (p *storeProxy) GetString(ctx context.Context, key string) (string, error) {
	return proxyCall(p, ctx, func(u *unit) (string, error) {
		if u.sg != nil {
			return u.sg.GetString(ctx, key)
		}
		b, err := u.st.Get(ctx, key)
		return string(b), err
	})
}

// stringCopy is a result of GetStringBuf.
type stringCopy struct {
	v      string
	copied bool
}

// GetStringBuf is GetString copying short values into buf when the
// running store is a backends.BufferGetter (see there).
func (p *storeProxy) GetStringBuf(ctx context.Context, key string, buf []byte) (string, bool, error) {
	// The common case first: a running store that fences itself.
	if u := p.u.Load(); u.fence != nil && u.bg != nil {
		if v, copied, err := u.bg.GetStringBuf(ctx, key, buf); err != backends.ErrFenced {
			return v, copied, err
		}
	}
	r, err := proxyCall(p, ctx, func(u *unit) (stringCopy, error) {
		var r stringCopy
		var err error
		switch {
		case u.bg != nil:
			r.v, r.copied, err = u.bg.GetStringBuf(ctx, key, buf)
		case u.sg != nil:
			r.v, err = u.sg.GetString(ctx, key)
		default:
			var b []byte
			b, err = u.st.Get(ctx, key)
			r.v = string(b)
		}
		return r, err
	})
	return r.v, r.copied, err
}

func (p *storeProxy) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if u := p.u.Load(); u.fence != nil {
		if err := u.st.Set(ctx, key, value, ttl); err != backends.ErrFenced {
			return err
		}
	}
	_, err := proxyCall(p, ctx, func(u *unit) (struct{}, error) { return struct{}{}, u.st.Set(ctx, key, value, ttl) })
	return err
}

func (p *storeProxy) Delete(ctx context.Context, key string) (bool, error) {
	return proxyCall(p, ctx, func(u *unit) (bool, error) { return u.st.Delete(ctx, key) })
}

func (p *storeProxy) Exists(ctx context.Context, key string) (bool, error) {
	return proxyCall(p, ctx, func(u *unit) (bool, error) { return u.st.Exists(ctx, key) })
}

func (p *storeProxy) Clear(ctx context.Context) error {
	_, err := proxyCall(p, ctx, func(u *unit) (struct{}, error) { return struct{}{}, u.st.Clear(ctx) })
	return err
}

func (p extendedProxy) Entry(ctx context.Context, key string) (backends.Item, error) {
	return proxyCall(p.storeProxy, ctx, func(u *unit) (backends.Item, error) {
		x, err := p.extended(u, "entry")
		if err != nil {
			return backends.Item{}, err
		}
		return x.Entry(ctx, key)
	})
}

func (p extendedProxy) Put(ctx context.Context, key string, value []byte, opts backends.PutOptions) (backends.Item, error) {
	return proxyCall(p.storeProxy, ctx, func(u *unit) (backends.Item, error) {
		x, err := p.extended(u, "put")
		if err != nil {
			return backends.Item{}, err
		}
		return x.Put(ctx, key, value, opts)
	})
}

func (p extendedProxy) List(ctx context.Context, opts backends.ListOptions) (backends.Page, error) {
	return proxyCall(p.storeProxy, ctx, func(u *unit) (backends.Page, error) {
		x, err := p.extended(u, "list")
		if err != nil {
			return backends.Page{}, err
		}
		return x.List(ctx, opts)
	})
}

func (p extendedProxy) Incr(ctx context.Context, key string, delta float64, opts backends.IncrOptions) (float64, error) {
	return proxyCall(p.storeProxy, ctx, func(u *unit) (float64, error) {
		x, err := p.extended(u, "incr")
		if err != nil {
			return 0, err
		}
		return x.Incr(ctx, key, delta, opts)
	})
}

// ttlResult is a result of TTL.
type ttlResult struct {
	ttl time.Duration
	has bool
}

func (p extendedProxy) TTL(ctx context.Context, key string) (time.Duration, bool, error) {
	r, err := proxyCall(p.storeProxy, ctx, func(u *unit) (ttlResult, error) {
		x, err := p.extended(u, "ttl")
		if err != nil {
			return ttlResult{}, err
		}
		ttl, has, err := x.TTL(ctx, key)
		return ttlResult{ttl, has}, err
	})
	return r.ttl, r.has, err
}

func (p extendedProxy) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return proxyCall(p.storeProxy, ctx, func(u *unit) (bool, error) {
		x, err := p.extended(u, "expire")
		if err != nil {
			return false, err
		}
		return x.Expire(ctx, key, ttl)
	})
}

func (p extendedProxy) Info(ctx context.Context) (backends.Info, error) {
	return proxyCall(p.storeProxy, ctx, func(u *unit) (backends.Info, error) {
		x, err := p.extended(u, "info")
		if err != nil {
			return backends.Info{}, err
		}
		return x.Info(ctx)
	})
}
