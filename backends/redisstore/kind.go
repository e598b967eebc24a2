package redisstore

import (
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
	db, err := registry.DepAs[redisdb.DB](env, "database", c.Database, "a Redis database")
	if err != nil {
		return nil, err
	}
	return New(c, db, Options{ID: env.Entry.ID, Logger: env.Logger})
}
