package redisstore

import (
	"fmt"

	"github.com/luahost/luahost/backends/redisdb"
	"github.com/luahost/luahost/registry"
)

func init() {
	registry.RegisterTyped(registry.TypedKind[Config]{Name: Kind, Decode: decode, New: newComponent})
}

func decode(f *registry.Fields) Config {
	return Config{
		Database:        f.Ref("database", true, redisdb.Kind),
		Prefix:          f.String("prefix", ""),
		CleanupInterval: f.Duration("cleanup_interval", DefaultCleanupInterval),
	}
}

func newComponent(c Config, env registry.Env) (registry.Component, error) {
	dep := env.Dep(c.Database)
	db, ok := dep.(redisdb.DB)
	if !ok {
		return nil, fmt.Errorf("%s: database %s is a %T, not a Redis database", env.Entry.ID, c.Database, dep)
	}
	return New(c, db, Options{ID: env.Entry.ID, Logger: env.Logger})
}
