package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/luahost/luahost/registry"
	"github.com/luahost/luahost/runtime"
)

// globals are the flags every command takes.
type globals struct {
	registries  []string
	logLevel    string
	logFormat   string
	stopTimeout time.Duration
	sigs        *signals // nil when signals are not handled (tests)
	getenv      func(string) string
	cmdline     []string     // the arguments after the program's name
	text        *textHandler // the log handler, with --log-format text
}

func newRootCmd(sigs *signals, getenv func(string) string, cmdline []string) *cobra.Command {
	g := &globals{sigs: sigs, getenv: getenv, cmdline: cmdline}
	root := &cobra.Command{
		Use:   "luahost",
		Short: "Run Lua scripts against a registry of stores",
		Long: `luahost runs Lua scripts against a registry of typed entries (stores and
databases) defined in YAML. Without --registry it uses a built-in registry
holding app:cache (in memory) and app:kv (SQLite file luahost.db; only in
builds with cgo, which SQLite needs).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if g.stopTimeout <= 0 {
				return usageError(fmt.Errorf("--stop-timeout %s: want a positive duration", g.stopTimeout))
			}
			if g.sigs != nil {
				g.sigs.stopTimeout.Store(int64(g.stopTimeout))
			}
			return nil
		},
	}
	pf := root.PersistentFlags()
	pf.StringArrayVarP(&g.registries, "registry", "r", nil,
		"registry file or directory (repeatable; default $LUAHOST_REGISTRY, ':'-separated, else the built-in registry)")
	pf.StringVar(&g.logLevel, "log-level", "warn", "log level: debug, info, warn or error")
	pf.StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	g.stopTimeout = defaultStopTimeout
	pf.Var((*duration)(&g.stopTimeout), "stop-timeout",
		"after a first SIGINT or SIGTERM, how long stopping may take before the process exits anyway (130 or 143)")
	root.AddCommand(newRunCmd(g), newCheckCmd(g), newEntriesCmd(g), newSchemaCmd(g), newReplCmd(g), newBenchCmd(g), newTypesCmd(), newInitCmd())
	return root
}

// paths returns the registry paths from the flags or the environment.
func (g *globals) paths() []string {
	if len(g.registries) > 0 {
		return g.registries
	}
	if env := g.getenv("LUAHOST_REGISTRY"); env != "" {
		var out []string
		for _, p := range filepath.SplitList(env) {
			if p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	return nil
}

func (g *globals) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
		return nil, usageError(fmt.Errorf("--log-level %q: want debug, info, warn or error", g.logLevel))
	}
	opts := &slog.HandlerOptions{Level: level}
	switch g.logFormat {
	case "text":
		g.text = newTextHandler(w, opts)
		return slog.New(g.text), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageError(fmt.Errorf("--log-format %q: want text or json", g.logFormat))
}

// options returns the runtime options the global flags ask for.
func (g *globals) options(stderr io.Writer) ([]runtime.Option, error) {
	logger, err := g.logger(stderr)
	if err != nil {
		return nil, err
	}
	opts := []runtime.Option{runtime.WithLogger(logger)}
	if paths := g.paths(); len(paths) > 0 {
		opts = append(opts, runtime.WithRegistry(paths...))
	} else if fi, err := os.Stat(localRegistry); err == nil && fi.Mode().IsRegular() {
		// Most likely a project folder (luahost init) and a forgotten -r.
		fmt.Fprintf(stderr, "luahost: using the built-in registry; pass -r %s to use ./%s\n", localRegistry, localRegistry)
	}
	return opts, nil
}

// localRegistry is the registry file luahost init writes. Found in the
// working directory when no registry is given, it earns a hint on stderr;
// it is never loaded without -r or LUAHOST_REGISTRY.
const localRegistry = "registry.yaml"

// newRuntime builds a runtime; a registry problem exits 2.
func (g *globals) newRuntime(ctx context.Context, stderr io.Writer, extra ...runtime.Option) (*runtime.Runtime, error) {
	opts, err := g.options(stderr)
	if err != nil {
		return nil, err
	}
	rt, err := runtime.New(ctx, append(opts, extra...)...)
	if err != nil {
		err = registryError(err)
		var ee *exitError
		if errors.As(err, &ee) && ee.code == 1 {
			// A boot failure the log printed is not printed again.
			ee.err = g.text.once(ee.err)
		}
		return nil, err
	}
	return rt, nil
}

func usageError(err error) error { return &exitError{code: 2, err: err} }

// registryError exits 2 for a registry that cannot be loaded (cli.md:
// "an invalid registry"), listing every problem, and 1 for anything else
// that stops a boot, such as a required entry that cannot start.
func registryError(err error) error {
	var le *runtime.RegistryError
	if errors.As(err, &le) {
		return &exitError{code: 2, err: registryMessage{le}}
	}
	var re *registry.Error
	if errors.As(err, &re) {
		return &exitError{code: 2, err: registryMessage{&runtime.RegistryError{Err: re}}}
	}
	var se *runtime.ScopeError
	if errors.As(err, &se) { // --scope naming nothing
		return usageError(fmt.Errorf("--scope: %w", se))
	}
	return &exitError{code: 1, err: err}
}

// registryMessage is a registry error as luahost prints it (Message).
type registryMessage struct{ *runtime.RegistryError }

func (m registryMessage) Error() string { return m.Message() }

func (m registryMessage) Unwrap() error { return m.RegistryError }

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
