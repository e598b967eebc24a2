// Command luahost runs Lua scripts against a registry of stores.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// SIGINT is left to each command: run stops the script on it, while an
	// interactive REPL interrupts the running statement and stays.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	code := exitCode(ctx, err)
	stop()
	os.Exit(code)
}

// exitError carries a process exit status out of a command.
type exitError struct {
	code int
	err  error // printed on stderr unless nil
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// exitCode prints err and turns it into the process exit status.
func exitCode(ctx context.Context, err error) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(os.Stderr, "luahost:", ee.err)
		}
		return ee.code
	}
	if ctx.Err() != nil {
		return 130
	}
	// Cobra's own errors: unknown flags, wrong argument counts.
	fmt.Fprintln(os.Stderr, "luahost:", err)
	return 2
}
