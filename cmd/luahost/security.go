package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/luahost/luahost/runtime"
)

// securityFlags are the actor and scope flags of run and repl.
type securityFlags struct {
	scopes    []string
	actor     string
	actorMeta []string
}

func (f *securityFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.scopes, "scope", nil,
		"check every store call against this policy group (namespace:group) or policy ID; repeatable")
	cmd.Flags().StringVar(&f.actor, "actor", "", "run as this actor ID (actor.id in policies)")
	cmd.Flags().StringArrayVar(&f.actorMeta, "actor-meta", nil, "an actor attribute KEY=VALUE (actor.meta.KEY, a string); repeatable")
}

// option returns the runtime option the flags ask for, or nil for none.
func (f *securityFlags) option() (runtime.Option, error) {
	var opts []runtime.RunOption
	if f.actor == "" && len(f.actorMeta) > 0 {
		return nil, usageError(errors.New("--actor-meta needs --actor"))
	}
	if f.actor != "" {
		meta := map[string]any{}
		for _, kv := range f.actorMeta {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return nil, usageError(fmt.Errorf("--actor-meta %q: want KEY=VALUE", kv))
			}
			meta[k] = v
		}
		opts = append(opts, runtime.WithActor(f.actor, meta))
	}
	if len(f.scopes) > 0 {
		for _, s := range f.scopes {
			if s == "" {
				return nil, usageError(errors.New("--scope must not be empty"))
			}
		}
		opts = append(opts, runtime.WithScope(f.scopes...))
	}
	if len(opts) == 0 {
		return nil, nil
	}
	return runtime.WithRunDefaults(opts...), nil
}
