package redisstore

import (
	"fmt"

	"github.com/luahost/luahost/backends/redisdb"
	"github.com/luahost/luahost/registry"
)

func init() {
	registry.RegisterKind(registry.Kind{Name: Kind, Decode: decode, New: newComponent})
}

func decode(f *registry.Fields) any {
	cfg := Config{
		Database:        f.Ref("database", true, redisdb.Kind),
		Prefix:          f.String("prefix", ""),
		CleanupInterval: f.Duration("cleanup_interval", DefaultCleanupInterval),
	}
	for _, p := range cfg.Problems() {
		f.Errorf(p.Field, "%s", p.Msg)
	}
	return cfg
}

func newComponent(cfg any, env registry.Env) (registry.Component, error) {
	c := cfg.(Config)
	dep := env.Dep(c.Database)
	db, ok := dep.(redisdb.DB)
	if !ok {
		return nil, fmt.Errorf("%s: database %s is a %T, not a Redis database", env.Entry.ID, c.Database, dep)
	}
	return New(c, db, Options{ID: env.Entry.ID, Logger: env.Logger})
}
