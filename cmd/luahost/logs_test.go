package main

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"testing"

	"github.com/luahost/luahost/runtime"
)

// TestTextLogShowsAFailureOnce: the CLI's text log prints a multi-line
// error as written, a dependent's failure and a repeated retry error in
// one line, and a script's error does not repeat what the log printed.
func TestTextLogShowsAFailureOnce(t *testing.T) {
	pgErr := errors.New("app:pg: connect to h:5432/test as u: failed to connect:\n\th:5432 (h): server error: FATAL: \"x\"")
	kvErr := fmt.Errorf("dependency app:pg: %w", &runtime.UnavailableError{ID: "app:pg",
		State: runtime.State{Phase: runtime.Failed, Attempts: 1, LastError: pgErr}, Err: pgErr})
	type rec struct {
		level slog.Level
		msg   string
		args  []any
	}
	tests := []struct {
		name   string
		recs   []rec
		want   string
		script string // a script's error, after the records
		wantEr string // as printed
	}{
		{"multi-line error after the line",
			[]rec{{slog.LevelError, "entry failed, not retrying", []any{"entry", "app:pg", "error", pgErr}}},
			`level=ERROR msg="entry failed, not retrying" entry=app:pg` + "\n" +
				`  app:pg: connect to h:5432/test as u: failed to connect:` + "\n" +
				`  h:5432 (h): server error: FATAL: "x"` + "\n",
			"UNAVAILABLE: entry app:pg is unavailable (failed (attempt 1): " + pgErr.Error() + ")",
			"UNAVAILABLE: entry app:pg is unavailable (failed (attempt 1): the error logged above)"},
		{"a dependent names its dependency",
			[]rec{{slog.LevelError, "entry failed, not retrying", []any{"entry", "app:kv", "error", kvErr}}},
			`level=ERROR msg="entry failed, not retrying" entry=app:kv error="dependency app:pg: failed (attempt 1)"` + "\n",
			"UNAVAILABLE: entry app:kv is unavailable (failed (attempt 1): " + kvErr.Error() + ")",
			"UNAVAILABLE: entry app:kv is unavailable (failed (attempt 1): the error logged above)"},
		{"a retry with the same error",
			[]rec{
				{slog.LevelWarn, "entry start failed, retrying", []any{"entry", "app:r", "attempt", 1, "error", errors.New("refused")}},
				{slog.LevelWarn, "entry start failed, retrying", []any{"entry", "app:r", "attempt", 2, "error", errors.New("refused")}},
				{slog.LevelWarn, "entry start failed, retrying", []any{"entry", "app:r", "attempt", 3, "error", errors.New("timeout")}},
			},
			`level=WARN msg="entry start failed, retrying" entry=app:r attempt=1 error=refused` + "\n" +
				`level=WARN msg="entry start failed, retrying" entry=app:r attempt=2 error="as in the attempt before"` + "\n" +
				`level=WARN msg="entry start failed, retrying" entry=app:r attempt=3 error=timeout` + "\n",
			"a script error mentioning refused", "a script error mentioning refused"},
		{"an entry's own state after its start error",
			[]rec{
				{slog.LevelWarn, "entry start failed, retrying", []any{"entry", "app:pg", "attempt", 1, "error", pgErr}},
				{slog.LevelWarn, "optional entry did not start, boot goes on", []any{"entry", "app:pg", "error", &runtime.UnavailableError{ID: "app:pg",
					State: runtime.State{Phase: runtime.Retrying, Attempts: 1, LastError: pgErr}, Err: pgErr}}},
				{slog.LevelWarn, "entry start failed, retrying", []any{"entry", "app:pg", "attempt", 2, "error", pgErr}},
			},
			`level=WARN msg="entry start failed, retrying" entry=app:pg attempt=1` + "\n" +
				`  app:pg: connect to h:5432/test as u: failed to connect:` + "\n" +
				`  h:5432 (h): server error: FATAL: "x"` + "\n" +
				`level=WARN msg="optional entry did not start, boot goes on" entry=app:pg error="entry app:pg is retrying (attempt 1), with the error logged above"` + "\n" +
				`level=WARN msg="entry start failed, retrying" entry=app:pg attempt=2 error="as in the attempt before"` + "\n",
			"boom", "boom"},
		{"other records unchanged",
			[]rec{{slog.LevelWarn, "slow", []any{"ms", 5}}},
			`level=WARN msg=slow ms=5` + "\n", "boom", "boom"},
	}
	noTime := regexp.MustCompile(`(?m)^time=\S+ `)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			h := newTextHandler(&buf, nil)
			l := slog.New(h)
			for _, r := range tt.recs {
				l.Log(t.Context(), r.level, r.msg, r.args...)
			}
			if got := noTime.ReplaceAllString(buf.String(), ""); got != tt.want {
				t.Errorf("log\n%s\nwant\n%s", got, tt.want)
			}
			if got := h.once(errors.New(tt.script)).Error(); got != tt.wantEr {
				t.Errorf("script error\n%s\nwant\n%s", got, tt.wantEr)
			}
		})
	}
}
