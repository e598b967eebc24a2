package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/luahost/luahost/runtime"
)

func newCheckCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Validate the registry and print every problem",
		Long: `Load and validate the registry without starting anything. Every problem is
printed with file:line:col; the exit status is 2 when there are any.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.newRuntime(cmd.Context(), cmd.ErrOrStderr(), runtime.WithoutBoot())
			if err != nil {
				return err
			}
			defer rt.Close(cmd.Context())
			n := len(rt.Registry().Entries())
			fmt.Fprintf(cmd.OutOrStdout(), "registry ok: %d entries\n", n)
			return nil
		},
	}
}
