package sqlstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/luahost/luahost/backends/sqldb"
)

// BenchmarkSetGet compares the store with a plain loop running the
// equivalent prepared statements on the same database and table, so the
// ratio store/direct is the store's own overhead.
func BenchmarkSetGet(b *testing.B) {
	const nkeys = 1000
	keys := make([]string, nkeys)
	for i := range keys {
		keys[i] = fmt.Sprintf("bench:key:%06d", i)
	}
	value := make([]byte, 100)
	for _, be := range backendList[:2] { // SQLite (file, WAL) and PostgreSQL
		b.Run(be.name, func(b *testing.B) {
			db := be.open(b)
			s := newStore(b, db, Config{}, nil)
			c := context.Background() // no deadline: b.Loop may run long
			for _, k := range keys {
				if err := s.Set(c, k, value, 0); err != nil {
					b.Fatal(err)
				}
			}
			d := db.Dialect()
			q := d.Quote
			t := q(s.cfg.Table)
			var set, get string
			if d == sqldb.Postgres {
				set = `INSERT INTO ` + t + ` ("key", "value", "expires_at") VALUES ($1, $2, $3) ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value", "expires_at" = EXCLUDED."expires_at"`
				get = `SELECT "value" FROM ` + t + ` WHERE "key" = $1 AND ("expires_at" IS NULL OR "expires_at" > $2)`
			} else {
				set = `INSERT INTO ` + t + ` ("key", "value", "expires_at") VALUES (?, ?, ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "expires_at" = excluded."expires_at"`
				get = `SELECT "value" FROM ` + t + ` WHERE "key" = ? AND ("expires_at" IS NULL OR "expires_at" > ?)`
			}
			setStmt, err := db.DB().Prepare(set)
			if err != nil {
				b.Fatal(err)
			}
			defer setStmt.Close()
			getStmt, err := db.ReadDB().Prepare(get)
			if err != nil {
				b.Fatal(err)
			}
			defer getStmt.Close()
			// The key as the column wants it: bytes for BYTEA.
			arg := func(k string) any {
				if d == sqldb.Postgres {
					return []byte(k)
				}
				return k
			}

			b.Run("Set/store", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					if err := s.Set(c, keys[i%nkeys], value, 0); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Set/direct", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					if _, err := setStmt.ExecContext(c, arg(keys[i%nkeys]), value, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Get/store", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					if _, err := s.Get(c, keys[i%nkeys]); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Get/direct", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					var v []byte
					if err := getStmt.QueryRowContext(c, arg(keys[i%nkeys]), s.nowMS()).Scan(&v); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
