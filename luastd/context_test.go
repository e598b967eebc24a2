package luastd_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/luahost/luahost/luastd"
	lua "github.com/yuin/gopher-lua"
)

type ctxKey struct{}

// TestSetContext checks that the context a state gets from SetContext is
// the caller's in what Go code and scripts see: canceling it stops a
// running loop with the context's error, its values and deadline show
// through L.Context(), and a context derived from L.Context() is canceled
// with it.
func TestSetContext(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	parent, cancel := context.WithCancelCause(context.WithValue(context.Background(), ctxKey{}, "v"))
	deadline := time.Now().Add(time.Hour)
	ctx, cancelDeadline := context.WithDeadline(parent, deadline)
	defer cancelDeadline()
	luastd.SetContext(L, ctx)
	got := L.Context()
	if got.Value(ctxKey{}) != "v" {
		t.Errorf("Value: %v, want v", got.Value(ctxKey{}))
	}
	if d, ok := got.Deadline(); !ok || !d.Equal(deadline) {
		t.Errorf("Deadline: %v %v, want %v", d, ok, deadline)
	}
	if got.Err() != nil {
		t.Errorf("Err before cancel: %v", got.Err())
	}
	if got.Done() != ctx.Done() {
		t.Error("Done is not the context's channel")
	}
	child, cancelChild := context.WithCancel(got)
	defer cancelChild()
	luastd.SetContext(L, got) // setting it again keeps one layer
	if L.Context() != got {
		t.Error("SetContext wrapped its own context again")
	}
	cause := errors.New("stop now")
	time.AfterFunc(20*time.Millisecond, func() { cancel(cause) })
	err := L.DoString(`while true do end`)
	if err == nil || !errors.Is(L.Context().Err(), context.Canceled) {
		t.Fatalf("loop ended with %v, context error %v; want canceled", err, L.Context().Err())
	}
	if context.Cause(got) != cause {
		t.Errorf("Cause: %v, want %v", context.Cause(got), cause)
	}
	select {
	case <-child.Done():
	case <-time.After(time.Second):
		t.Error("a context derived from L.Context() was not canceled with it")
	}
}
