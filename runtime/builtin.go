package runtime

// The built-in entry kinds register themselves from init.
import (
	_ "github.com/luahost/luahost/backends/memory"
	_ "github.com/luahost/luahost/backends/redisdb"
	_ "github.com/luahost/luahost/backends/redisstore"
	_ "github.com/luahost/luahost/backends/sqldb"
	_ "github.com/luahost/luahost/backends/sqlstore"
)
