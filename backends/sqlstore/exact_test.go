package sqlstore

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends/sqldb"
)

// TestRowsReadExactlyOrNotAtAll inserts, with plain SQL, rows another
// program might write that Lua cannot hold as they are, in both value
// formats, and reads them from a script with get, entry, list and incr:
// each is INVALID naming the key, the value path and the exact number,
// never a changed value; rows it can hold read back exactly.
func TestRowsReadExactlyOrNotAtAll(t *testing.T) {
	type row struct {
		key  string
		val  any    // []byte for msgpack, string for json
		want string // a Lua expression, or "" when get must fail
		err  string // what the error message holds
	}
	formats := []struct {
		format string
		rows   []row
	}{
		{ValueMsgpack, []row{
			{"big", []byte{0xd3, 0x10, 0, 0, 0, 0, 0, 0, 1}, "", "value: integer 1152921504606846977 is beyond 2^53"},
			{"bigu", []byte{0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "", "value: integer 18446744073709551615 is beyond 2^53"},
			{"deep", []byte{0x81, 0xa1, 'a', 0x92, 0x01, 0xd3, 0x10, 0, 0, 0, 0, 0, 0, 1}, "", "value.a[2]: integer 1152921504606846977"},
			{"exact", []byte{0xd3, 0x10, 0, 0, 0, 0, 0, 0, 0}, "2^60", ""},
		}},
		{ValueJSON, []row{
			{"big", `1152921504606846977`, "", "value: integer 1152921504606846977 is beyond 2^53"},
			{"deep", `{"a": [1, 1152921504606846977]}`, "", "value.a[2]: integer 1152921504606846977"},
			// Nulls inside a table read as nil, as Lua reads JSON.
			{"hole", `[1, null, 3]`, "{[1] = 1, [3] = 3}", ""},
			{"nullkey", `{"a": null, "b": 1}`, "{b = 1}", ""},
			// PostgreSQL's jsonb gives it back as 401 digits: the
			// message abbreviates it (every message here is short).
			{"huge", `1e400`, "", "value: "},
			{"negzero", `-0.0`, "-0.0", ""},
			{"exact", `[1, 2.5, "x"]`, `{1, 2.5, "x"}`, ""},
		}},
	}
	for _, f := range formats {
		t.Run(f.format, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
				s := newStore(t, db, Config{ValueFormat: f.format}, nil)
				st, _ := s.running()
				d := db.Dialect()
				insert := "INSERT INTO " + d.Quote(s.cfg.Table) + " (" + d.Quote(s.cfg.IDColumn) + ", " + d.Quote(s.cfg.PayloadColumn) + ") VALUES (" + d.Placeholder(1) + ", " + d.Placeholder(2) + ")"
				for _, r := range f.rows {
					k, err := s.key(st, r.key)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := db.DB().ExecContext(ctx(t), insert, k, r.val); err != nil {
						t.Fatalf("insert %s: %v", r.key, err)
					}
				}
				L := luaWithStore(t, s)
				if err := L.DoString(`
					s = assert(store.get("app:kv"))
					page = assert(s:list())
					items = {}
					for _, it in ipairs(page.items) do items[it.key] = it end
					function same(a, b)
						if type(a) ~= "table" or type(b) ~= "table" then
							return a == b and (a ~= 0 or 1/a == 1/b)
						end
						for k, v in pairs(a) do if not same(v, b[k]) then return false end end
						for k in pairs(b) do if a[k] == nil then return false end end
						return true
					end
				`); err != nil {
					t.Fatal(err)
				}
				call := func(src string, args ...string) error {
					fn, err := L.LoadString(src)
					if err != nil {
						return err
					}
					L.Push(fn)
					for _, a := range args {
						L.Push(lua.LString(a))
					}
					return L.PCall(len(args), 0, nil)
				}
				for _, r := range f.rows {
					t.Run(r.key, func(t *testing.T) {
						if r.want != "" {
							want := r.want
							if r.key == "negzero" && d == sqldb.Postgres {
								want = "0" // jsonb keeps no -0: the row holds 0.0
							}
							if err := call(`
								local key, want = ...
								want = assert(loadstring("return " .. want))()
								assert(same(assert(s:get(key)), want), "get")
								assert(same(assert(s:entry(key)).value, want), "entry")
								assert(same(items[key].value, want), "list")
							`, r.key, want); err != nil {
								t.Fatal(err)
							}
							return
						}
						if err := call(`
							local key, want = ...
							local function check(what, v, err)
								assert(v == nil and err and err:kind() == errors.INVALID, what .. ": " .. tostring(v) .. " " .. tostring(err))
								assert(err:message():find('key "' .. key .. '"', 1, true), what .. ": " .. err:message())
								assert(err:message():find(want, 1, true), what .. ": " .. err:message())
								assert(#err:message() < 250, what .. ": message of " .. #err:message() .. " bytes")
							end
							check("get", s:get(key))
							check("entry", s:entry(key))
							check("list", items[key].value, items[key].error)
						`, r.key, r.err); err != nil {
							t.Fatal(err)
						}
						if strings.HasPrefix(r.key, "big") {
							// incr refuses the same row: its result would
							// not be exact either.
							if err := call(`
								local key = ...
								local v, err = s:incr(key, 1)
								assert(v == nil and err:kind() == errors.INVALID, "incr: " .. tostring(err))
								assert(err:message():find("2^53", 1, true) or err:message():find("int64", 1, true), err:message())
							`, r.key); err != nil {
								t.Fatal(err)
							}
						}
					})
				}
			})
		})
	}
}
