package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/luahost/luahost/registry"
	"github.com/luahost/luahost/runtime"
	"github.com/luahost/luahost/runtime/repl"
)

func newEntriesCmd(g *globals) *cobra.Command {
	var asJSON, start bool
	cmd := &cobra.Command{
		Use:   "entries",
		Short: "List registry entries: ID, kind, lifecycle state, where defined",
		Long: `List the registry's entries with their kind, lifecycle state and where they
are defined. Nothing is started unless --start is given, which starts the
auto_start entries first and so shows whether they can start: the error of
each entry that failed or is retrying follows the table.

Exit status: 0 when listed; 2 for bad usage or an invalid registry; with
--start, 1 when a required auto_start entry failed for good (the case in
which run and repl refuse to boot), after printing the list.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			// Entries are started here rather than by the runtime's boot,
			// which stops everything at the first failure and lists nothing.
			rt, err := g.newRuntime(ctx, cmd.ErrOrStderr(), runtime.WithoutBoot())
			if err != nil {
				return err
			}
			defer rt.Close(context.WithoutCancel(ctx))
			var failed []string
			if start && !asJSON && g.text != nil {
				g.text.tableEntryErrors()
			}
			if start {
				failed = startAuto(ctx, rt)
				if ctx.Err() != nil {
					return &exitError{code: 1, err: context.Cause(ctx)}
				}
			}
			states := rt.States()
			if asJSON {
				err = writeEntriesJSON(cmd, states)
			} else {
				err = writeEntriesTable(cmd, states)
			}
			if err != nil {
				return err
			}
			if len(failed) > 0 {
				return &exitError{code: 1, err: fmt.Errorf("cannot boot: required %s failed to start: %s",
					plural(len(failed), "entry", "entries"), strings.Join(failed, ", "))}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&start, "start", false, "start auto_start entries before listing")
	return cmd
}

// startAuto starts every auto_start entry in dependency order, going on
// after failures so that every entry gets its state, and returns the IDs
// of required ones that failed for good (the runtime's boot would fail).
func startAuto(ctx context.Context, rt *runtime.Runtime) []string {
	var failed []string
	for _, e := range rt.Registry().Order() {
		if !e.Lifecycle.AutoStart {
			continue
		}
		if err := rt.Start(ctx, e.ID); err == nil || ctx.Err() != nil {
			continue
		}
		if e.Lifecycle.Startup != registry.StartupOptional && rt.State(e.ID).Phase == runtime.Failed {
			failed = append(failed, e.ID)
		}
	}
	return failed
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// writeEntriesTable prints the table the REPL's .entries prints.
func writeEntriesTable(cmd *cobra.Command, states []runtime.EntryState) error {
	return repl.WriteEntries(cmd.OutOrStdout(), states)
}

type entryJSON struct {
	ID        string   `json:"id"`
	Kind      string   `json:"kind"`
	State     string   `json:"state"`
	Attempts  int      `json:"attempts,omitempty"`
	LastError string   `json:"last_error,omitempty"`
	AutoStart bool     `json:"auto_start"`
	Deps      []string `json:"depends_on,omitempty"`
	File      string   `json:"file"`
	Line      int      `json:"line"`
	Column    int      `json:"column"`
}

func writeEntriesJSON(cmd *cobra.Command, states []runtime.EntryState) error {
	out := make([]entryJSON, 0, len(states))
	for _, s := range states {
		j := entryJSON{
			ID: s.Entry.ID, Kind: s.Entry.Kind, State: string(s.State.Phase), Attempts: s.State.Attempts,
			AutoStart: s.Entry.Lifecycle.AutoStart, Deps: s.Entry.Deps,
			File: s.Entry.Pos.File, Line: s.Entry.Pos.Line, Column: s.Entry.Pos.Col,
		}
		if s.State.LastError != nil {
			j.LastError = s.State.LastError.Error()
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
