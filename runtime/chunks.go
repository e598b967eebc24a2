package runtime

import "sync"

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
// LState.LoadString.
func (c *chunkCache) program(code string) (*Program, error) {
	c.mu.Lock()
	p, ok := c.m[code]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
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
