package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// TestCleanRunLeavesOneDatabaseFile: after a run that wrote to app:kv
// (SQLite, ./luahost.db), the WAL has been checkpointed into the database
// file and removed, so a copy of luahost.db alone holds every row.
func TestCleanRunLeavesOneDatabaseFile(t *testing.T) {
	dir := t.TempDir()
	r := luahost(t, dir, "", "run", "-e", `
		local kv = assert(store.get("app:kv"))
		for i = 1, 50 do assert(kv:set("k" .. i, i)) end
		print(kv:get("k50"))`)
	if r.code != 0 || r.stdout != "50\n" {
		t.Fatalf("run: exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(filepath.Join(dir, "luahost.db"+suffix)); !os.IsNotExist(err) {
			t.Errorf("luahost.db%s is left after a clean run (stat: %v)", suffix, err)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "luahost.db"))
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(cp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+cp+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM kv_store").Scan(&n); err != nil {
		t.Fatalf("copy of luahost.db: %v", err)
	}
	if n != 50 {
		t.Errorf("copy of luahost.db holds %d rows, want 50", n)
	}
}

// TestTimeoutWhileSQLiteIsLocked: --timeout ends a set that waits for a
// lock another process holds on the SQLite file (BEGIN EXCLUSIVE) at the
// limit, not after SQLite's 5 s busy timeout.
func TestTimeoutWhileSQLiteIsLocked(t *testing.T) {
	dir := t.TempDir()
	if r := luahost(t, dir, "", "run", "-e", `assert(assert(store.get("app:kv")):set("k", 1))`); r.code != 0 {
		t.Fatalf("first run: exit %d: %s", r.code, r.stderr)
	}
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "luahost.db")+"?_busy_timeout=0")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(t.Context(), "ROLLBACK")
	start := time.Now()
	r := luahost(t, dir, "", "run", "--timeout", "1s", "-e", `
		local kv = assert(store.get("app:kv"))
		local ok, err = kv:set("k", 2)
		print(ok, err)`)
	took := time.Since(start)
	if r.code != 1 || !strings.Contains(r.stderr, "timed out after 1s") {
		t.Errorf("exit %d, stderr %q; want 1 and a timeout", r.code, r.stderr)
	}
	// SQLite's busy timeout is 5 s: well under it, the wait ended with
	// the limit.
	if took > 3*time.Second {
		t.Errorf("took %v under --timeout 1s", took)
	}
}

// TestAddVersionColumnToExistingTable: a store.sql entry given
// version_column_name on a table made without it fails to start; a script
// sees UNAVAILABLE (store-api.md's kind for a store that cannot start) with
// the ALTER TABLE that fixes the table. Running that statement keeps the rows, which then
// read with version 0 and count up from there.
func TestAddVersionColumnToExistingTable(t *testing.T) {
	dir := t.TempDir()
	if r := luahost(t, dir, "", "run", "-e", `assert(assert(store.get("app:kv")):set("old", "row"))`); r.code != 0 {
		t.Fatalf("first run: exit %d: %s", r.code, r.stderr)
	}
	reg := filepath.Join(dir, "mc.yaml")
	if err := os.WriteFile(reg, []byte(`namespace: app
entries:
  - {name: db, kind: db.sql.sqlite, file: luahost.db}
  - {name: kv, kind: store.sql, database: app:db, table_name: kv_store, version_column_name: ver}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	script := `local kv, err = store.get("app:kv")
		if not kv then print(err:kind(), err:retryable()) io.stderr:write(err:message()) return end
		local e = assert(kv:entry("old"))
		assert(kv:set("old", "new"))
		print(e.value, e.version, kv:entry("old").version)`
	r := luahost(t, dir, "", "-r", reg, "run", "-e", script)
	const alter = `ALTER TABLE "kv_store" ADD COLUMN "ver" BIGINT NOT NULL DEFAULT 0;`
	if r.stdout != "Unavailable\ttrue\n" || !strings.Contains(r.stderr, "lacks column(s) ver") || !strings.Contains(r.stderr, alter) {
		t.Fatalf("run on the table without ver: stdout %q, want \"Unavailable\\ttrue\\n\"; stderr (want %s):\n%s", r.stdout, alter, r.stderr)
	}
	db, err := sql.Open("sqlite3", filepath.Join(dir, "luahost.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(alter); err != nil {
		t.Fatalf("the suggested fix: %v", err)
	}
	db.Close()
	r = luahost(t, dir, "", "-r", reg, "run", "-e", script)
	if r.code != 0 || r.stdout != "row\t0\t1\n" {
		t.Fatalf("run after the fix: exit %d, stdout %q, want \"row\\t0\\t1\\n\"; stderr %s", r.code, r.stdout, r.stderr)
	}
}
