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
	_ backends.StringGetter = (*storeProxy)(nil)
	_ backends.Extended     = extendedProxy{}
)

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

// enter returns the running unit and the pass the call must leave.
func (p *storeProxy) enter(ctx context.Context) (*unit, pass, error) {
	u := p.u.Load()
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
		if g := u.calls.Load(); g != nil {
			if ps, ok := g.enter(p.shard); ok {
				return u, ps, nil
			}
		}
		// It stopped since: the next round says why, or uses its next run.
	}
}

// extended returns the running store as a backends.Extended.
func (p extendedProxy) extended(ctx context.Context, method string) (backends.Extended, pass, error) {
	u, g, err := p.enter(ctx)
	if err != nil {
		return nil, pass{}, err
	}
	x, ok := u.st.(backends.Extended)
	if !ok {
		g.leave()
		return nil, pass{}, backends.Errorf(backends.ErrInvalid, "%s is not supported by store %s since the registry was reloaded", method, p.id)
	}
	return x, g, nil
}

func (p *storeProxy) Get(ctx context.Context, key string) ([]byte, error) {
	u, g, err := p.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer g.leave()
	return u.st.Get(ctx, key)
}

// GetString is Get without a copy when the running store is a
// backends.StringGetter, and Get plus one copy when it is not.
func (p *storeProxy) GetString(ctx context.Context, key string) (string, error) {
	u, g, err := p.enter(ctx)
	if err != nil {
		return "", err
	}
	defer g.leave()
	if u.sg != nil {
		return u.sg.GetString(ctx, key)
	}
	b, err := u.st.Get(ctx, key)
	return string(b), err
}

func (p *storeProxy) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	u, g, err := p.enter(ctx)
	if err != nil {
		return err
	}
	defer g.leave()
	return u.st.Set(ctx, key, value, ttl)
}

func (p *storeProxy) Delete(ctx context.Context, key string) (bool, error) {
	u, g, err := p.enter(ctx)
	if err != nil {
		return false, err
	}
	defer g.leave()
	return u.st.Delete(ctx, key)
}

func (p *storeProxy) Exists(ctx context.Context, key string) (bool, error) {
	u, g, err := p.enter(ctx)
	if err != nil {
		return false, err
	}
	defer g.leave()
	return u.st.Exists(ctx, key)
}

func (p *storeProxy) Clear(ctx context.Context) error {
	u, g, err := p.enter(ctx)
	if err != nil {
		return err
	}
	defer g.leave()
	return u.st.Clear(ctx)
}

func (p extendedProxy) Entry(ctx context.Context, key string) (backends.Item, error) {
	x, g, err := p.extended(ctx, "entry")
	if err != nil {
		return backends.Item{}, err
	}
	defer g.leave()
	return x.Entry(ctx, key)
}

func (p extendedProxy) Put(ctx context.Context, key string, value []byte, opts backends.PutOptions) (backends.Item, error) {
	x, g, err := p.extended(ctx, "put")
	if err != nil {
		return backends.Item{}, err
	}
	defer g.leave()
	return x.Put(ctx, key, value, opts)
}

func (p extendedProxy) List(ctx context.Context, opts backends.ListOptions) (backends.Page, error) {
	x, g, err := p.extended(ctx, "list")
	if err != nil {
		return backends.Page{}, err
	}
	defer g.leave()
	return x.List(ctx, opts)
}

func (p extendedProxy) Incr(ctx context.Context, key string, delta float64, opts backends.IncrOptions) (float64, error) {
	x, g, err := p.extended(ctx, "incr")
	if err != nil {
		return 0, err
	}
	defer g.leave()
	return x.Incr(ctx, key, delta, opts)
}

func (p extendedProxy) TTL(ctx context.Context, key string) (time.Duration, bool, error) {
	x, g, err := p.extended(ctx, "ttl")
	if err != nil {
		return 0, false, err
	}
	defer g.leave()
	return x.TTL(ctx, key)
}

func (p extendedProxy) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	x, g, err := p.extended(ctx, "expire")
	if err != nil {
		return false, err
	}
	defer g.leave()
	return x.Expire(ctx, key, ttl)
}

func (p extendedProxy) Info(ctx context.Context) (backends.Info, error) {
	x, g, err := p.extended(ctx, "info")
	if err != nil {
		return backends.Info{}, err
	}
	defer g.leave()
	return x.Info(ctx)
}
