package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/luahost/luahost/runtime"
	"github.com/luahost/luahost/runtime/repl"
)

func newReplCmd(g *globals) *cobra.Command {
	var (
		timeout   time.Duration
		sandbox   bool
		maxMemory byteSize
		sec       securityFlags
	)
	cmd := &cobra.Command{
		Use:   "repl",
		Short: "Interactive Lua with the registry booted",
		Long: `Interactive Lua with the registry booted and the globals store and errors
ready. Expressions print their values, as do return statements (return 5,
or =5 as in Lua 5.1's lua); tables are pretty-printed. .help lists
the dot commands (.entries, .exit). Ctrl-C interrupts a running statement;
Ctrl-C on an empty line or Ctrl-D exits, stopping every entry.

When stdin is not a terminal, input runs chunk by chunk with no prompts, and
the exit status is 1 if any chunk failed.`,
		Example: `  luahost repl
  echo 'print(store.get("app:cache"):set("k", 1))' | luahost repl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			in, out, errOut := cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
			stdin, isFile := in.(*os.File)
			interactive := isFile && repl.IsTerminal(stdin)
			ctx := cmd.Context()
			var extra []runtime.Option
			if sandbox {
				extra = append(extra, runtime.WithSandbox())
			}
			if limit := memoryLimit(maxMemory, sandbox); limit > 0 {
				extra = append(extra, runtime.WithMemoryLimit(limit))
				setProcessMemoryLimit(limit)
			}
			secOpt, err := sec.option()
			if err != nil {
				return err
			}
			if secOpt != nil {
				extra = append(extra, secOpt)
			}
			rt, err := g.newRuntime(ctx, errOut, extra...)
			if err != nil {
				return err
			}
			if interactive && g.sigs != nil {
				// Ctrl-C now stops the running statement, and the REPL stays.
				g.sigs.passInterrupt.Store(true)
			}
			opts := repl.Options{In: in, Out: out, Err: errOut, Interactive: interactive, Timeout: timeout, StopTimeout: g.stopTimeout}
			if g.sigs != nil {
				opts.Abandon = func() {
					fmt.Fprintf(errOut, "\nluahost: statement still running after Ctrl-C; exiting now\n")
					g.sigs.exit(signalExitCode(os.Interrupt))
				}
			}
			runErr := repl.Run(ctx, rt, opts)
			closeErr := rt.Close(context.WithoutCancel(ctx))
			if closeErr != nil {
				fmt.Fprintln(errOut, "luahost: shutdown:", closeErr)
			}
			var exit *runtime.ExitError
			switch {
			case runErr == nil && closeErr != nil:
				return &exitError{code: 1}
			case runErr == nil:
				return nil
			case errors.As(runErr, &exit):
				return &exitError{code: exit.Code}
			case errors.Is(runErr, repl.ErrFailed):
				return &exitError{code: 1} // already reported
			case ctx.Err() != nil: // a signal; main exits with its status
				return &exitError{code: 1, err: context.Cause(ctx)}
			}
			return &exitError{code: 1, err: runErr}
		},
	}
	cmd.Flags().Var((*duration)(&timeout), "timeout", "limit on each statement (e.g. 30s); 0 means none")
	cmd.Flags().BoolVar(&sandbox, "sandbox", false, "no io, no os beyond time/clock/date, no loading code from disk; implies --max-memory 1GiB")
	cmd.Flags().Var(&maxMemory, "max-memory", "cap on what each statement may allocate (e.g. 256MiB, 1GiB, or bytes); 0 means none")
	sec.add(cmd)
	return cmd
}
