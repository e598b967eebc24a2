package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luahost/luahost/runtime"
)

// registryLines are the log messages about the whole registry, which
// carry lists of entries rather than one.
var registryLines = map[string]bool{"registry reloaded": true, "registry reloaded with failures": true}

// TestLogsNameTheEntry captures the JSON logs of a boot, failed starts, a
// reload and a shutdown, and checks slog conventions: every record about
// an entry has its ID under "entry", errors are under "error", and
// messages are constant text (no entry ID inside).
func TestLogsNameTheEntry(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	db := filepath.Join(t.TempDir(), "kv.db")
	reg := fmt.Sprintf(`
- {name: db, kind: db.sql.sqlite, file: %q, lifecycle: {auto_start: true}}
- {name: kv, kind: store.sql, database: db, table_name: kv, create_table: true, lifecycle: {auto_start: true}}
- {name: cache, kind: store.memory, lifecycle: {auto_start: true}}
- {name: optional, kind: test.failing, error: try again, lifecycle: {auto_start: true, startup: optional, restart: {initial_delay: 1h}}}
- {name: broken, kind: test.failing, error: schema mismatch, permanent: true}
`, db)
	rt, err := runtime.New(ctx, runtime.WithLogger(logger), runtime.WithRegistryString("logs.yaml", reg))
	if err != nil {
		t.Fatal(err)
	}
	rt.Start(ctx, "app:broken")
	// The reload restarts cache and adds an entry that fails to start.
	if _, err := rt.Reload(ctx, runtime.WithRegistryString("logs.yaml", reg+`
- {name: late, kind: test.failing, error: no, permanent: true, lifecycle: {auto_start: true}}
`)); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Reload(ctx, runtime.WithRegistryString("logs.yaml", strings.Replace(reg, "kind: store.memory", "kind: store.memory, max_size: 5", 1))); err != nil {
		t.Fatal(err)
	}
	if err := rt.Close(ctx); err != nil {
		t.Fatal(err)
	}

	seen := map[string]bool{}
	for line := range strings.Lines(buf.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		msg, _ := rec["msg"].(string)
		entry, _ := rec["entry"].(string)
		seen[msg+" "+entry] = true
		for _, k := range []string{"id", "err", "store", "entry_id"} {
			if _, ok := rec[k]; ok {
				t.Errorf("%q has key %q: want entry IDs under \"entry\" and errors under \"error\"", line, k)
			}
		}
		if strings.Contains(msg, "app:") {
			t.Errorf("%q: the message holds an entry ID; it belongs in an attribute", line)
		}
		if registryLines[msg] {
			continue
		}
		if entry == "" {
			t.Errorf("%q has no entry attribute", line)
		}
		if lvl := rec["level"]; (lvl == "ERROR" || lvl == "WARN") && rec["error"] == nil && msg != "registry warning" {
			t.Errorf("%q: a %s record has no error attribute", line, lvl)
		}
	}
	for _, want := range []string{
		"database open app:db",                      // from the backend, through the entry's logger
		"entry running app:kv",                      // boot
		"entry start failed, retrying app:optional", // failure, retried
		"optional entry did not start, boot goes on app:optional",
		"entry failed, not retrying app:broken", // failure, permanent
		"entry failed, not retrying app:late",   // reload: a new entry fails
		"reload: entry failed app:late",
		"entry stopped for reload app:cache", // reload: a changed entry restarts
		"registry reloaded with failures ",
		"registry reloaded ",
		"entry stopped app:kv", // shutdown
	} {
		if !seen[want] {
			t.Errorf("no %q record", want)
		}
	}
	if t.Failed() {
		t.Log(buf.String())
	}
}
