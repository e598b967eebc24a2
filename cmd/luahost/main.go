// Command luahost runs Lua scripts against a registry of stores.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	ctx, sigs := watchSignals(context.Background())
	os.Exit(execute(ctx, sigs, os.Getenv, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// execute runs the command line args with the given standard streams and
// environment and returns the exit status. sigs is nil when signals are
// not handled (in-process tests).
func execute(ctx context.Context, sigs *signals, getenv func(string) string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(sigs, getenv, args)
	if len(args) > 0 && ownCommand(root, args[0]) {
		// cobra builds its completion commands on every execution; a
		// command line that names one of ours cannot reach them.
		root.CompletionOptions.DisableDefaultCmd = true
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	var sig os.Signal
	if sigs != nil {
		sig = sigs.received()
	}
	return exitCode(stderr, sig, err)
}

// ownCommand reports whether name is one of root's own sub-commands
// (not cobra's help or completion commands).
func ownCommand(root *cobra.Command, name string) bool {
	for _, c := range root.Commands() {
		if c.Name() == name {
			return true
		}
	}
	return false
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

// exitCode prints err on stderr and turns it into the process exit status.
// After a SIGINT or SIGTERM (sig) the status is always the signal's, 130
// or 143, whatever the command was doing (booting, running, shutting down).
func exitCode(stderr io.Writer, sig os.Signal, err error) int {
	if sig != nil {
		fmt.Fprintln(stderr, "luahost:", interrupted{sig})
		return signalExitCode(sig)
	}
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "luahost:", ee.err)
		}
		return ee.code
	}
	// Cobra's own errors: unknown flags, wrong argument counts.
	fmt.Fprintln(stderr, "luahost:", err)
	return 2
}
