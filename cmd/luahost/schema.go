package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/luahost/luahost/registry"
	"github.com/luahost/luahost/runtime"
)

func newSchemaCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "schema ID",
		Short: "Print the DDL an entry needs, such as a store.sql table",
		Long: `Print the statements that create what an entry expects in the system
holding its data: for a store.sql entry, the CREATE TABLE and CREATE INDEX
statements in its database's dialect and with its column names. An entry
whose kind needs no schema (store.memory, store.redis) is an error.`,
		Example: "  luahost schema app:kv",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.newRuntime(cmd.Context(), cmd.ErrOrStderr(), runtime.WithoutBoot())
			if err != nil {
				return err
			}
			defer rt.Close(cmd.Context())
			if len(args) == 0 {
				return usageError(errors.New(schemaIDsHint(rt.Registry())))
			}
			ddl, err := rt.Registry().Schema(args[0])
			if err != nil {
				return usageError(err)
			}
			fmt.Fprint(cmd.OutOrStdout(), ddl)
			return nil
		},
	}
}

// schemaIDsHint says that schema needs an entry ID, naming the entries of
// reg that have a schema.
func schemaIDsHint(reg *registry.Registry) string {
	var ids []string
	for _, e := range reg.Entries() {
		if _, err := reg.Schema(e.ID); err == nil {
			ids = append(ids, e.ID)
		}
	}
	if len(ids) == 0 {
		return "schema needs the ID of an entry with a schema, such as a store.sql entry; this registry has none"
	}
	return "schema needs an entry ID: " + strings.Join(ids, ", ")
}
