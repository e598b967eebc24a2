// Command luahost runs Lua scripts against a registry of stores.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
)

func main() {
	ctx, sigs := watchSignals(context.Background())
	err := newRootCmd(sigs).ExecuteContext(ctx)
	os.Exit(exitCode(sigs.received(), err))
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

// exitCode prints err and turns it into the process exit status. After a
// SIGINT or SIGTERM (sig) the status is always the signal's, 130 or 143,
// whatever the command was doing (booting, running, shutting down).
func exitCode(sig os.Signal, err error) int {
	if sig != nil {
		fmt.Fprintln(os.Stderr, "luahost:", interrupted{sig})
		return signalExitCode(sig)
	}
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
	// Cobra's own errors: unknown flags, wrong argument counts.
	fmt.Fprintln(os.Stderr, "luahost:", err)
	return 2
}
