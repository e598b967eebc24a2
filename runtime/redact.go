package runtime

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/luahost/luahost/internal/secret"
)

// The registry's Redact removes values taken from the environment. The
// runtime passes through it every start and stop error it keeps, every
// error a script or a KV caller sees, and every log record of the runtime
// and of its entries.

// redactErr returns err with its text passed through redact; errors.Is
// and errors.As still see the original chain.
func redactErr(redact func(string) string, err error) error { return secret.Err(err, redact) }

// redactHandler is a slog.Handler that redacts the message and every
// attribute value (strings, errors, Stringers and anything else printed)
// before the next handler sees them.
type redactHandler struct {
	next   slog.Handler
	redact func(string) string
}

func newRedactLogger(l *slog.Logger, redact func(string) string) *slog.Logger {
	return slog.New(&redactHandler{next: l.Handler(), redact: redact})
}

func (h *redactHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h *redactHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.redact(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = h.attr(a)
	}
	return &redactHandler{next: h.next.WithAttrs(red), redact: h.redact}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{next: h.next.WithGroup(name), redact: h.redact}
}

func (h *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.redact(v.String()))
	case slog.KindGroup:
		group := v.Group()
		red := make([]any, len(group))
		for i, g := range group {
			red[i] = h.attr(g)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		var text string
		switch x := v.Any().(type) {
		case error:
			text = x.Error()
		case fmt.Stringer:
			text = x.String()
		default:
			text = fmt.Sprint(x)
		}
		if red := h.redact(text); red != text {
			return slog.String(a.Key, red)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
