package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/luahost/luahost/runtime"
)

func newEntriesCmd(g *globals) *cobra.Command {
	var asJSON, start bool
	cmd := &cobra.Command{
		Use:   "entries",
		Short: "List registry entries: ID, kind, lifecycle state, where defined",
		Long: `List the registry's entries with their kind, lifecycle state and where they
are defined. Nothing is started unless --start is given, which boots the
auto_start entries first and so shows whether they can start.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var extra []runtime.Option
			if !start {
				extra = append(extra, runtime.WithoutBoot())
			}
			rt, err := g.newRuntime(cmd.Context(), cmd.ErrOrStderr(), extra...)
			if err != nil {
				return err
			}
			defer rt.Close(context.WithoutCancel(cmd.Context()))
			states := rt.States()
			if asJSON {
				return writeEntriesJSON(cmd, states)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tKIND\tSTATE\tDEFINED AT")
			for _, s := range states {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Entry.ID, s.Entry.Kind, s.State, s.Entry.Pos)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&start, "start", false, "boot auto_start entries before listing")
	return cmd
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
