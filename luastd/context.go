package luastd

import (
	"context"

	lua "github.com/yuin/gopher-lua"
)

// SetContext is L.SetContext(ctx) with ctx's Done channel looked up once.
// gopher-lua asks a state's context for its Done channel before every
// instruction, and a context made by context.WithCancel finds it through
// an atomic load and a type assertion each time; the context L gets here
// returns it from a field. It is ctx in every other way: values,
// deadline, error and cause come from ctx, and contexts derived from it
// are canceled with it.
func SetContext(L *lua.LState, ctx context.Context) {
	if _, ok := ctx.(*runContext); !ok {
		ctx = &runContext{Context: ctx, done: ctx.Done()}
	}
	L.SetContext(ctx)
}

// runContext is a context whose Done channel is a field.
type runContext struct {
	context.Context
	done <-chan struct{}
}

func (c *runContext) Done() <-chan struct{} { return c.done }
