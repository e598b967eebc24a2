package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/luahost/luahost/runtime"
	"github.com/luahost/luahost/runtime/repl"
)

// textHandler is the CLI's text log format: slog's, except for a
// record's error. An error of several lines (a driver's list of
// attempts, the DDL a table needs) follows the record's line, indented,
// as written rather than quoted with \n and \". An entry's start failure
// caused by a dependency names the dependency instead of repeating its
// error, which the dependency's own line shows; an entry retrying with
// the error of its last attempt says so instead of repeating it. The
// errors of entries that failed are remembered (see logged), so that a
// script's error including one does not print it again.
type textHandler struct {
	slog.Handler
	w     io.Writer
	state *textState
}

type textState struct {
	mu sync.Mutex
	// tabled: entries' start errors are not logged, as a table of the
	// entries shows them (entries --start).
	tabled bool
	last   map[string]string // entry -> its last start error
	failed []string          // errors of failed entries, as printed
}

func newTextHandler(w io.Writer, opts *slog.HandlerOptions) *textHandler {
	return &textHandler{Handler: slog.NewTextHandler(w, opts), w: w, state: &textState{last: map[string]string{}}}
}

// Handle writes r, with its "error" attribute laid out as the type says.
func (h *textHandler) Handle(ctx context.Context, r slog.Record) error {
	var errVal any
	var entry string
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		switch {
		case a.Key == "error":
			errVal = a.Value.Any()
			return true
		case a.Key == "entry":
			entry = a.Value.String()
		}
		out.AddAttrs(a)
		return true
	})
	h.state.mu.Lock()
	defer h.state.mu.Unlock()
	if errVal == nil {
		return h.Handler.Handle(ctx, r)
	}
	if entry != "" && h.state.tabled {
		return nil
	}
	text := errText(errVal)
	shown := text
	var ue *runtime.UnavailableError
	err, isErr := errVal.(error)
	switch {
	case entry == "":
	case isErr && errors.As(err, &ue) && ue.ID != entry:
		shown = "dependency " + ue.ID + ": " + repl.PhaseText(ue.State)
	case isErr && errors.As(err, &ue):
		// The entry's own state, whose error its start record showed.
		if ue.State.LastError != nil && h.state.last[entry] == ue.State.LastError.Error() {
			shown = "entry " + entry + " is " + repl.PhaseText(ue.State) + ", with the error logged above"
		}
	default:
		if h.state.last[entry] == text && r.Level < slog.LevelError {
			shown = "as in the attempt before"
		}
		h.state.last[entry] = text
	}
	if entry != "" && r.Level >= slog.LevelError {
		h.state.failed = append(h.state.failed, text)
	}
	if !strings.Contains(shown, "\n") && len(shown) <= 120 {
		out.AddAttrs(slog.String("error", shown))
		return h.Handler.Handle(ctx, out)
	}
	if err := h.Handler.Handle(ctx, out); err != nil {
		return err
	}
	shown = strings.ReplaceAll(strings.ReplaceAll(shown, "\n\t", "\n"), "\n", "\n  ")
	_, werr := io.WriteString(h.w, "  "+shown+"\n")
	return werr
}

func (h *textHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &textHandler{Handler: h.Handler.WithAttrs(as), w: h.w, state: h.state}
}

func (h *textHandler) WithGroup(name string) slog.Handler {
	return &textHandler{Handler: h.Handler.WithGroup(name), w: h.w, state: h.state}
}

func errText(v any) string {
	if err, ok := v.(error); ok {
		return err.Error()
	}
	return slog.AnyValue(v).String()
}

// tableEntryErrors stops logging entries' start errors, which a table of
// the entries shows instead.
func (h *textHandler) tableEntryErrors() {
	h.state.mu.Lock()
	h.state.tabled = true
	h.state.mu.Unlock()
}

// once returns err, or when it repeats an error of a failed entry that the
// log printed, err with that error replaced by a pointer to it.
func (h *textHandler) once(err error) error {
	if h == nil || err == nil {
		return err
	}
	if msg := h.logged(err.Error()); msg != err.Error() {
		return errors.New(msg)
	}
	return err
}

// logged returns msg with each error of a failed entry that the log
// printed replaced by a pointer to it, longest first (an entry's error
// holds its dependency's).
func (h *textHandler) logged(msg string) string {
	h.state.mu.Lock()
	failed := append([]string(nil), h.state.failed...)
	h.state.mu.Unlock()
	sort.Slice(failed, func(i, j int) bool { return len(failed[i]) > len(failed[j]) })
	for _, f := range failed {
		if len(f) > 40 {
			msg = strings.ReplaceAll(msg, f, "the error logged above")
		}
	}
	return msg
}
