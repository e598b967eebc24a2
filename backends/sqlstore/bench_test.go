package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/sqldb"
)

// BenchmarkSetGet compares the store with a plain loop running the
// equivalent prepared statements on the same database, so the ratio
// store/direct is the store's own overhead. Every sub-benchmark gets a
// fresh, pre-filled table, so earlier runs' bloat (WAL growth, dead
// tuples) does not favour whichever runs first.
func BenchmarkSetGet(b *testing.B) {
	const nkeys = 1000
	keys := make([]string, nkeys)
	for i := range keys {
		keys[i] = fmt.Sprintf("bench:key:%06d", i)
	}
	value := make([]byte, 100)
	c := context.Background() // no deadline: b.Loop may run long

	for _, be := range backendList[:2] { // SQLite (file, WAL) and PostgreSQL
		b.Run(be.name, func(b *testing.B) {
			db := be.open(b)
			d := db.Dialect()
			// fresh returns a started store on a new table holding every key.
			fresh := func(b *testing.B) *Store {
				s := newStore(b, db, Config{}, nil)
				for _, k := range keys {
					if err := s.Set(c, k, value, 0); err != nil {
						b.Fatal(err)
					}
				}
				return s
			}
			// prepare prepares query for the store's table on pool.
			prepare := func(b *testing.B, pool *sql.DB, s *Store, query string) *sql.Stmt {
				st, err := pool.Prepare(fmt.Sprintf(query, d.Quote(s.cfg.Table)))
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { st.Close() })
				return st
			}
			var setSQL, getSQL string
			if d == sqldb.Postgres {
				// The database's clock decides expiry, as in the store.
				now := dialectStatements[d].now
				setSQL = `INSERT INTO %s ("key", "value", "expires_at") VALUES ($1, $2, ` + now + ` + $3) ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value", "expires_at" = EXCLUDED."expires_at"`
				getSQL = `SELECT "value" FROM %s WHERE "key" = $1 AND ("expires_at" IS NULL OR "expires_at" > ` + now + `)`
			} else {
				setSQL = `INSERT INTO %s ("key", "value", "expires_at") VALUES (?, ?, ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "expires_at" = excluded."expires_at"`
				getSQL = `SELECT "value" FROM %s WHERE "key" = ? AND ("expires_at" IS NULL OR "expires_at" > ?)`
			}
			// The key as the column wants it: bytes for BYTEA.
			arg := func(k string) any {
				if d == sqldb.Postgres {
					return []byte(k)
				}
				return k
			}

			b.Run("Set/store", func(b *testing.B) {
				s := fresh(b)
				for i := 0; b.Loop(); i++ {
					if err := s.Set(c, keys[i%nkeys], value, 0); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Set/direct", func(b *testing.B) {
				s := fresh(b)
				st := prepare(b, db.DB().DB, s, setSQL)
				for i := 0; b.Loop(); i++ {
					if _, err := st.ExecContext(c, arg(keys[i%nkeys]), value, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Get/store", func(b *testing.B) {
				s := fresh(b)
				for i := 0; b.Loop(); i++ {
					if _, err := s.Get(c, keys[i%nkeys]); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Get/direct", func(b *testing.B) {
				s := fresh(b)
				st := prepare(b, db.ReadDB().DB, s, getSQL)
				for i := 0; b.Loop(); i++ {
					var v []byte
					if err := st.QueryRowContext(c, s.at(arg(keys[i%nkeys]))...).Scan(&v); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkIncr measures Incr (a locking read-modify-write transaction) on
// one key, beside Set (one upsert) of the same number on the same
// database, so the ratio is the price of the transaction.
func BenchmarkIncr(b *testing.B) {
	c := context.Background()
	for _, be := range backendList { // SQLite (file, WAL), PostgreSQL, MySQL/MariaDB
		b.Run(be.name, func(b *testing.B) {
			db := be.open(b)
			b.Run("Incr", func(b *testing.B) {
				s := newStore(b, db, Config{}, nil)
				for b.Loop() {
					if _, err := s.Incr(c, "counter", 1, backends.IncrOptions{}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Set", func(b *testing.B) {
				s := newStore(b, db, Config{}, nil)
				for i := 0; b.Loop(); i++ {
					if err := s.Set(c, "counter", backends.EncodeNumber(float64(i)), 0); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkSetMySQL prices MySQL's Set, which runs its upsert in a
// transaction of its own (so a write whose context ended is never
// committed later), against the same upsert in autocommit mode.
func BenchmarkSetMySQL(b *testing.B) {
	db := backendList[2].open(b)
	s := newStore(b, db, Config{}, nil)
	c := context.Background()
	value := make([]byte, 100)
	b.Run("store", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if err := s.Set(c, fmt.Sprint("k", i%1000), value, 0); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("autocommit", func(b *testing.B) {
		st, err := db.DB().Prepare(fmt.Sprintf("INSERT INTO `%s` (`key`, `value`, `expires_at`) VALUES (?, ?, %s + ?) ON DUPLICATE KEY UPDATE `value` = VALUES(`value`), `expires_at` = VALUES(`expires_at`)", s.cfg.Table, dialectStatements[sqldb.MySQL].now))
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		i := 0
		for b.Loop() {
			if _, err := st.ExecContext(c, []byte(fmt.Sprint("k", i%1000)), value, nil); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
