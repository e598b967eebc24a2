package memory

import (
	"fmt"
	"time"

	"github.com/luahost/luahost/registry"
)

// KindName is the registry kind of an in-memory store.
const KindName = "store.memory"

// Defaults of the store.memory fields.
const (
	DefaultMaxSize         = 10000
	DefaultCleanupInterval = 5 * time.Minute
)

// Config is the decoded configuration of a store.memory entry.
type Config struct {
	MaxSize         int64         // max_size
	CleanupInterval time.Duration // cleanup_interval
}

func init() {
	registry.RegisterKind(registry.Kind{Name: KindName, Decode: decode, New: build})
}

func decode(f *registry.Fields) any {
	return Config{
		MaxSize:         f.Size("max_size", DefaultMaxSize),
		CleanupInterval: f.DurationAtLeast("cleanup_interval", DefaultCleanupInterval, registry.MinCleanupInterval, true),
	}
}

func build(cfg any, env registry.Env) (registry.Component, error) {
	c, ok := cfg.(Config)
	if !ok {
		return nil, fmt.Errorf("%s: config is %T, want memory.Config", KindName, cfg)
	}
	opts := Options{MaxSize: c.MaxSize, CleanupInterval: c.CleanupInterval}
	if cl := env.CustomClock(); cl != nil {
		opts.Now = cl.Now
	}
	return New(opts)
}
