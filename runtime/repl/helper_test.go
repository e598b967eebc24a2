package repl_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/runtime"
	"github.com/luahost/luahost/runtime/repl"
)

// helperEnv, when set, makes the test binary act as `luahost repl` on its
// standard streams (see helperMain), so the terminal tests can run it under
// a pseudo-terminal.
const helperEnv = "REPL_TEST_HELPER"

// helperMain boots the test registry, runs an interactive REPL and closes
// the runtime, as the luahost command does, and returns the exit status.
func helperMain() int {
	ctx := context.Background()
	reg := testRegistry
	if r := os.Getenv("REPL_TEST_REGISTRY"); r != "" {
		reg = r
	}
	rt, err := runtime.New(ctx, runtime.WithRegistryString("test.yaml", reg))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	// require("block")() runs Go code that never returns and ignores its
	// context, a statement Ctrl-C cannot stop. It prints "blocking" itself,
	// so a Ctrl-C sent once that is seen lands while it blocks (not before
	// the call, where the VM would stop the statement).
	rt.Preload("block", func(L *lua.LState) int {
		L.Push(L.NewFunction(func(L *lua.LState) int {
			fmt.Fprintln(os.Stdout, "blocking")
			select {}
		}))
		return 1
	})
	opts := repl.Options{Interactive: true, NoColor: true}
	if d, err := time.ParseDuration(os.Getenv("REPL_TEST_STOP_TIMEOUT")); err == nil {
		opts.StopTimeout = d
		opts.Abandon = func() {
			fmt.Fprintln(os.Stderr, "abandoned")
			os.Exit(130)
		}
	}
	err = repl.Run(ctx, rt, opts)
	if cerr := rt.Close(ctx); cerr != nil {
		fmt.Fprintln(os.Stderr, cerr)
		return 1
	}
	var exit *runtime.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.Code
	}
	fmt.Fprintln(os.Stderr, err)
	return 1
}
