package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

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
