package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/luahost/luahost/backends/sqlstore"
	"github.com/luahost/luahost/runtime"
)

func newSchemaCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "schema ID",
		Short: "Print the DDL a store.sql entry needs",
		Long: `Print the CREATE TABLE and CREATE INDEX statements a store.sql entry
expects, in its database's dialect and with its column names.`,
		Example: "  luahost schema app:kv",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.newRuntime(cmd.Context(), cmd.ErrOrStderr(), runtime.WithoutBoot())
			if err != nil {
				return err
			}
			defer rt.Close(cmd.Context())
			ddl, err := sqlstore.SchemaForEntry(rt.Registry(), args[0])
			if err != nil {
				return usageError(err)
			}
			fmt.Fprint(cmd.OutOrStdout(), ddl)
			return nil
		},
	}
}
