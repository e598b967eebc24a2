package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/luahost/luahost/runtime"
)

type runFlags struct {
	code      string
	timeout   time.Duration
	sandbox   bool
	maxMemory byteSize
	sec       securityFlags
}

func newRunCmd(g *globals) *cobra.Command {
	f := &runFlags{}
	cmd := &cobra.Command{
		Use:   "run [flags] (SCRIPT.lua | - | -e CODE) [args...]",
		Short: "Boot the registry, run a Lua script, shut down",
		Long: `Boot the registry, run a Lua script, and shut every entry down again.

The script's arguments are in the global table arg and in the chunk's
varargs (...), as the lua command gives them: arg[0] is the script name
("-" for stdin), arg[1..n] its arguments, and arg[-1], arg[-2], ... the
command line before the script, down to the program's name. "-" reads the
script from stdin.

Exit status: 0 on success, 1 when the script raises an error, 2 for bad
usage or an invalid registry, n after os.exit(n), 130 on SIGINT and 143 on
SIGTERM. The first SIGINT or SIGTERM stops the script and shuts down; a
second one, or a script still running --stop-timeout after the first, ends
the process at once.`,
		Example: `  luahost run scripts/quickstart.lua
  luahost run -e 'print(store.get("app:cache"))'
  echo 'print(1 + 1)' | luahost run -
  luahost run --timeout 5s --sandbox job.lua arg1 arg2
  luahost run --scope app.security:tenant --actor acme --actor-meta prefix=acme/ job.lua`,
		Args: func(cmd *cobra.Command, args []string) error {
			if f.code == "" && len(args) == 0 {
				return usageError(errors.New("run needs a script file, - for stdin, or -e CODE"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScript(cmd, g, f, args)
		},
	}
	cmd.Flags().SetInterspersed(false) // flags after the script belong to it
	cmd.Flags().StringVarP(&f.code, "execute", "e", "", "run CODE instead of a script file")
	cmd.Flags().Var((*duration)(&f.timeout), "timeout", "limit on the whole script (e.g. 30s); 0 means none")
	cmd.Flags().BoolVar(&f.sandbox, "sandbox", false, "no io, no os beyond time/clock/date, no loading code from disk; implies --max-memory 1GiB")
	cmd.Flags().Var(&f.maxMemory, "max-memory", "cap on what the script may allocate (e.g. 256MiB, 1GiB, or bytes); 0 means none")
	f.sec.add(cmd)
	return cmd
}

func runScript(cmd *cobra.Command, g *globals, f *runFlags, args []string) error {
	ctx := cmd.Context()
	script := runtime.Script{Name: "(command line)", Source: strings.NewReader(f.code), Args: args, Stdout: cmd.OutOrStdout(),
		Interpreter: interpreter(g.cmdline, args)}
	if f.code == "" {
		name := args[0]
		script.Args = args[1:]
		if name == "-" {
			// As lua does: chunk name "stdin", arg[0] "-".
			script.Name, script.Arg0, script.Source = "stdin", "-", cmd.InOrStdin()
		} else {
			file, err := os.Open(name)
			if err != nil {
				return usageError(err)
			}
			defer file.Close()
			script.Name, script.Source = name, file
		}
	}
	var extra []runtime.Option
	if f.sandbox {
		extra = append(extra, runtime.WithSandbox())
	}
	if limit := memoryLimit(f.maxMemory, f.sandbox); limit > 0 {
		extra = append(extra, runtime.WithMemoryLimit(limit))
		setProcessMemoryLimit(limit)
	}
	secOpt, err := f.sec.option()
	if err != nil {
		return err
	}
	if secOpt != nil {
		extra = append(extra, secOpt)
	}
	rt, err := g.newRuntime(ctx, cmd.ErrOrStderr(), extra...)
	if err != nil {
		return err
	}
	runCtx := ctx
	if f.timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	_, runErr := rt.Run(runCtx, script)
	// Shut down even when interrupted: entries get their stop timeouts.
	closeErr := rt.Close(context.WithoutCancel(ctx))
	if closeErr != nil {
		fmt.Fprintln(cmd.ErrOrStderr(), "luahost: shutdown:", closeErr)
	}
	err = scriptExit(ctx, runErr, f.timeout, closeErr)
	var ee *exitError
	if errors.As(err, &ee) {
		// An entry's failure the log printed is not printed again.
		ee.err = g.text.once(ee.err)
	}
	return err
}

// interpreter returns what the lua command puts at arg's negative indices:
// the program's name and the command line before the script (or, with -e,
// before the code's arguments). rest is the end of cmdline that belongs to
// the script; when it is not (a command line cobra rewrote), only the
// program's name is returned.
func interpreter(cmdline, rest []string) []string {
	out := []string{os.Args[0]}
	n := len(cmdline) - len(rest)
	if n < 0 || !slices.Equal(cmdline[n:], rest) {
		return out
	}
	return append(out, cmdline[:n]...)
}

// scriptExit maps the result of a script to the command's exit status.
func scriptExit(ctx context.Context, err error, timeout time.Duration, closeErr error) error {
	var exit *runtime.ExitError
	switch {
	case err == nil && closeErr != nil:
		return &exitError{code: 1}
	case err == nil:
		return nil
	case errors.As(err, &exit):
		return &exitError{code: exit.Code}
	case ctx.Err() != nil: // a signal; main exits with its status
		return &exitError{code: 1, err: context.Cause(ctx)}
	case errors.Is(err, context.DeadlineExceeded):
		return &exitError{code: 1, err: fmt.Errorf("script timed out after %s\n%s", timeout, err)}
	}
	return &exitError{code: 1, err: err}
}
