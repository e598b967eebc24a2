package sqlstore

import (
	"github.com/luahost/luahost/backends/sqldb"
	"github.com/luahost/luahost/registry"
)

func init() {
	registry.RegisterTyped(registry.TypedKind[Config]{Name: Kind, Decode: decode, New: newComponent})
}

func decode(f *registry.Fields) Config {
	return Config{
		Database:        f.Ref("database", true, "db.sql."),
		Table:           f.RequiredString("table_name"),
		IDColumn:        f.String("id_column_name", DefaultIDColumn),
		PayloadColumn:   f.String("payload_column_name", DefaultPayloadColumn),
		ExpireColumn:    f.String("expire_column_name", DefaultExpireColumn),
		VersionColumn:   f.String("version_column_name", ""),
		CleanupInterval: f.DurationAtLeast("cleanup_interval", 0, registry.MinCleanupInterval, true),
		CreateTable:     f.Bool("create_table", false),
		ValueFormat:     f.String("value_format", ValueMsgpack),
	}
}

func newComponent(c Config, env registry.Env) (registry.Component, error) {
	db, err := registry.DepAs[sqldb.DB](env, "database", c.Database, "a SQL database")
	if err != nil {
		return nil, err
	}
	opts := Options{ID: env.Entry.ID, Logger: env.Logger}
	if cl := env.CustomClock(); cl != nil {
		opts.Now = cl.Now
	}
	return New(c, db, opts)
}
