package memory

import (
	"time"

	"github.com/luahost/luahost/registry"
)

// Kind is the registry kind name of in-memory stores.
const Kind = "store.memory"

// Defaults of the store.memory fields. max_bytes defaults to 0, no limit,
// so that registries written before it existed load as they did.
const (
	DefaultMaxSize         = 10000
	DefaultMaxBytes        = 0
	DefaultCleanupInterval = 5 * time.Minute
)

// Config is the decoded configuration of a store.memory entry.
type Config struct {
	MaxSize         int64         // max_size
	MaxBytes        int64         // max_bytes
	CleanupInterval time.Duration // cleanup_interval
}

// Schema returns "": a store in memory needs no schema (registry.Schemer).
func (Config) Schema(*registry.Registry) (string, error) { return "", nil }

func init() {
	registry.RegisterTyped(registry.TypedKind[Config]{Name: Kind, Decode: decode, New: build})
}

func decode(f *registry.Fields) Config {
	return Config{
		MaxSize:         f.Size("max_size", DefaultMaxSize),
		MaxBytes:        f.ByteSize("max_bytes", DefaultMaxBytes),
		CleanupInterval: f.DurationAtLeast("cleanup_interval", DefaultCleanupInterval, registry.MinCleanupInterval, true),
	}
}

func build(c Config, env registry.Env) (registry.Component, error) {
	opts := Options{MaxSize: c.MaxSize, MaxBytes: c.MaxBytes, CleanupInterval: c.CleanupInterval}
	if cl := env.CustomClock(); cl != nil {
		opts.Now = cl.Now
	}
	return New(opts)
}
