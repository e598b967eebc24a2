package sqlstore

import (
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/sqldb"
	"github.com/luahost/luahost/luamod"
)

// TestCorruptRowInListing inserts, with plain SQL, a row whose value is
// not MessagePack between two good ones: get of that key fails naming it,
// and list still returns the whole page, the bad item carrying the error.
func TestCorruptRowInListing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
		s := newStore(t, db, Config{}, nil)
		for k, v := range map[string]float64{"a": 1, "c": 3} {
			if err := s.Set(ctx(t), k, backends.EncodeNumber(v), 0); err != nil {
				t.Fatal(err)
			}
		}
		st, _ := s.running()
		k, err := s.key(st, "b")
		if err != nil {
			t.Fatal(err)
		}
		d := db.Dialect()
		insert := "INSERT INTO " + d.Quote(s.cfg.Table) + " (" + d.Quote(s.cfg.IDColumn) + ", " + d.Quote(s.cfg.PayloadColumn) + ") VALUES (" + d.Placeholder(1) + ", " + d.Placeholder(2) + ")"
		if _, err := db.DB().ExecContext(ctx(t), insert, k, []byte{0xc1, 0xff}); err != nil {
			t.Fatal(err)
		}

		L := luaWithStore(t, s)
		err = L.DoString(`
			local s = assert(store.get("app:kv"))
			local v, err = s:get("b")
			assert(v == nil and err:kind() == errors.INTERNAL, tostring(err))
			assert(err:message():find('key "b"', 1, true), err:message())
			local page = assert(s:list())
			assert(#page.items == 3, "items: " .. #page.items)
			assert(page.items[1].value == 1 and page.items[3].value == 3)
			local bad = page.items[2]
			assert(bad.key == "b" and bad.value == nil, "bad item")
			assert(bad.error:kind() == errors.INTERNAL and bad.error:message():find('key "b"', 1, true), tostring(bad.error))
			local p = assert(s:list({ after = "a", limit = 1 }))
			assert(p.cursor == "b" and p.has_more, "paging")
			p = assert(s:list({ after = p.cursor }))
			assert(#p.items == 1 and p.items[1].key == "c", "next page")
		`)
		if err != nil {
			t.Fatal(err)
		}
	})
}

// luaWithStore returns a Lua state whose global store module resolves
// app:kv to s, closed when the test ends.
func luaWithStore(t *testing.T, s *Store) *lua.LState {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	L.SetContext(ctx(t))
	m := luamod.Open(L, luamod.Options{Resolver: resolver{"app:kv": s}})
	t.Cleanup(m.Close)
	L.SetGlobal("store", m.Table())
	return L
}
