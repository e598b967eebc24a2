package runtime

import (
	"context"
	"sync"
)

// Compiled chunks are kept so that running the same code again skips the
// parser and compiler, which cost far more than running a small script.
// A Program is immutable and is shared between states.
const (
	maxCachedChunks    = 256
	maxCachedChunkSize = 64 << 10
)

// chunkCache maps source text to its compiled form, evicting the oldest
// entry when full.
type chunkCache struct {
	mu    sync.Mutex
	m     map[string]*Program
	order []string // insertion order, for eviction
}

// program returns code compiled, named "<string>" in error positions like
// LState.LoadString. A large chunk compiles on a goroutine of its own, so
// that program returns ctx's error when ctx ends first; the compile runs
// on, unused, for a time linear in the size of the source (see luastd's
// package doc). Once ctx has ended, program starts no large compile.
func (c *chunkCache) program(ctx context.Context, code string) (*Program, error) {
	c.mu.Lock()
	p, ok := c.m[code]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	if len(code) < maxCachedChunkSize {
		return c.compile(code)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type result struct {
		p   *Program
		err error
	}
	done := make(chan result, 1)
	go func() {
		p, err := c.compile(code)
		done <- result{p, err}
	}()
	select {
	case r := <-done:
		return r.p, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// compile compiles code and keeps it if it is small enough.
func (c *chunkCache) compile(code string) (*Program, error) {
	p, err := Compile("<string>", code)
	if err != nil {
		return nil, err
	}
	if len(code) <= maxCachedChunkSize {
		c.add(code, p)
	}
	return p, nil
}

func (c *chunkCache) add(code string, p *Program) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]*Program)
	}
	if _, ok := c.m[code]; ok {
		return
	}
	if len(c.order) >= maxCachedChunks {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.m[code] = p
	c.order = append(c.order, code)
}
