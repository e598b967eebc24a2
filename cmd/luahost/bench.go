package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/luahost/luahost/runtime"
	"github.com/luahost/luahost/runtime/repl"
	"github.com/luahost/luahost/runtime/storebench"
)

type benchFlags struct {
	ops       string
	mix       string
	keys      int
	valueSize byteSize
	clients   int
	duration  time.Duration
	requests  int64
	prefix    string
	listLimit int
	lua       bool
	luaBatch  int
	keep      bool
	asJSON    bool
	progress  string
}

func newBenchCmd(g *globals) *cobra.Command {
	f := &benchFlags{valueSize: byteSize{n: 100, set: true}}
	cmd := &cobra.Command{
		Use:   "bench [flags] STORE_ID",
		Short: "Measure a store: ops/s and latency percentiles per operation",
		Long: `Run a standard workload against a store entry of the registry and print,
per operation, the calls made, ops/s, errors and the latency mean, p50,
p99, p99.9 and max, like redis-benchmark or pgbench.

Each operation of --op runs as a phase of its own, one after the other;
--mix runs one phase choosing each call at random by weight instead (e.g.
get=90,set=10). Operations: set; get; incr (on counter keys of its own);
put-if-version (entry, then put with if_version; a CONFLICT counts as a
conflict, not an error); list (one page of --list-limit entries from a
random key). Keys are chosen uniformly among --keys keys; get, list and
put-if-version find every key written before the clock starts. Values are
strings of --value-size bytes.

By default the clients are Go code calling the store as the host gives it
to Go programs (Runtime.Store), each call timed. With --lua each client is
a Lua state running the calls in a loop through the store module, as a
script does; calls are timed in batches of --lua-batch and each call
counts at its batch's mean, so Lua percentiles are of batch means.

Data safety: every key written starts with --prefix ("bench:k:<n>" and
"bench:n:<n>" by default). The store is never cleared; at the end the
benchmark deletes every key it may have written, unless --keep, and also
when interrupted. A store that already holds keys under --prefix is
refused (when it can list them).

A progress line is written to stderr while a phase runs when stderr is a
terminal (--progress always|never to choose). --json prints one JSON
document on stdout: {store, kind, backend, level ("go"|"lua"), keys,
value_size, clients, duration_s, requests, prefix, list_limit, lua_batch,
phases: [{name, elapsed_s, op, ops, ops_per_sec, errors, conflicts,
first_error, latency_us: {mean, p50, p99, p999, max}, by_op: [...]}]},
latencies in microseconds; a mix has op "mix" and one entry per operation
in by_op (at the Lua level their latency_us is null).

Exit status: 0 when every call succeeded, 1 when some failed (the figures
are printed, then the first error), 2 for bad usage, an unknown store or
an operation the store does not support.`,
		Example: `  luahost bench app:cache
  luahost bench app:cache --op set,get --keys 10000 --value-size 5 --lua --lua-batch 1000
  luahost bench app:cache --mix get=90,set=10 --keys 100000 --clients 2 --duration 10s
  luahost bench -r registry.yaml app:kv --op set,get,incr,put-if-version,list --clients 8 --json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError(fmt.Errorf("bench needs one store ID, got %d arguments", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBench(cmd, g, f, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.ops, "op", "set,get", "operations to run, one phase each: set, get, incr, put-if-version, list")
	fl.StringVar(&f.mix, "mix", "", "run one mixed phase instead, e.g. get=90,set=10 (weights)")
	fl.IntVar(&f.keys, "keys", 10000, "number of distinct keys, chosen uniformly")
	fl.Var(&f.valueSize, "value-size", "bytes per value (e.g. 100, 4KiB)")
	fl.IntVarP(&f.clients, "clients", "c", 1, "clients calling the store at once")
	f.duration = 5 * time.Second
	fl.VarP((*duration)(&f.duration), "duration", "t", "how long each phase runs (0 with --requests: no limit)")
	fl.Int64VarP(&f.requests, "requests", "n", 0, "end each phase after this many calls in all (then --duration defaults to no limit)")
	fl.StringVar(&f.prefix, "prefix", "bench:", "prefix of every key the benchmark writes")
	fl.IntVar(&f.listLimit, "list-limit", 100, "entries per page for list (1 to 1000)")
	fl.BoolVar(&f.lua, "lua", false, "run each client as a Lua state calling the store module")
	fl.IntVar(&f.luaBatch, "lua-batch", 100, "with --lua, calls per timed batch")
	fl.BoolVar(&f.keep, "keep", false, "leave the benchmark's keys in the store")
	fl.BoolVar(&f.asJSON, "json", false, "print one JSON document on stdout")
	fl.StringVar(&f.progress, "progress", "auto", "progress line on stderr: auto (when stderr is a terminal), always or never")
	return cmd
}

// config turns the flags into a benchmark, or a usage error.
func (f *benchFlags) config(cmd *cobra.Command, id string) (storebench.Config, error) {
	// Checked here, before the conversion to int, so the message shows
	// the size as given.
	if f.valueSize.n > storebench.MaxValue {
		return storebench.Config{}, usageError(fmt.Errorf("--value-size %d: want at most %d bytes (64 MiB)", f.valueSize.n, storebench.MaxValue))
	}
	cfg := storebench.Config{
		Store: id, Keys: f.keys, ValueSize: int(f.valueSize.n),
		Clients: f.clients, Duration: f.duration, Requests: f.requests,
		Prefix: f.prefix, ListLimit: f.listLimit, Lua: f.lua, LuaBatch: f.luaBatch, Keep: f.keep,
	}
	var err error
	if cmd.Flags().Changed("mix") {
		if cmd.Flags().Changed("op") {
			return cfg, usageError(errors.New("--op and --mix: give one of them"))
		}
		if cfg.Mix, err = storebench.ParseMix(f.mix); err != nil {
			return cfg, usageError(fmt.Errorf("--mix: %w", err))
		}
	} else if cfg.Ops, err = storebench.ParseOps(f.ops); err != nil {
		return cfg, usageError(fmt.Errorf("--op: %w", err))
	}
	if f.requests > 0 && !cmd.Flags().Changed("duration") {
		cfg.Duration = 0
	}
	if err := cfg.Validate(); err != nil {
		return cfg, usageError(fmt.Errorf("bad flags:\n%s", indent(err.Error())))
	}
	return cfg, nil
}

func runBench(cmd *cobra.Command, g *globals, f *benchFlags, id string) error {
	cfg, err := f.config(cmd, id)
	if err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	switch f.progress {
	case "auto":
		if file, ok := stderr.(*os.File); ok && repl.IsTerminal(file) {
			cfg.Progress = progressLine(stderr)
		}
	case "always":
		cfg.Progress = progressLine(stderr)
	case "never":
	default:
		return usageError(fmt.Errorf("--progress %q: want auto, always or never", f.progress))
	}
	ctx := cmd.Context()
	// Only the store under test (and what it needs) starts.
	rt, err := g.newRuntime(ctx, stderr, runtime.WithoutBoot())
	if err != nil {
		return err
	}
	defer rt.Close(context.WithoutCancel(ctx))
	res, err := storebench.Run(ctx, rt, cfg)
	if err != nil {
		var ue *storebench.UsageError
		if errors.As(err, &ue) {
			return usageError(err)
		}
		return &exitError{code: 1, err: err}
	}
	out := cmd.OutOrStdout()
	if f.asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		err = enc.Encode(res)
	} else {
		err = res.WriteText(out)
	}
	if err != nil {
		return err
	}
	if n := res.Failed(); n > 0 {
		return &exitError{code: 1, err: fmt.Errorf("bench: %d calls failed", n)}
	}
	return nil
}

// progressLine rewrites one line of w with a phase's progress, and clears
// it when the phase ends.
func progressLine(w io.Writer) func(storebench.Progress) {
	return func(p storebench.Progress) {
		if p.Done {
			fmt.Fprint(w, "\r\x1b[K")
			return
		}
		rate := 0.0
		if p.Elapsed > 0 {
			rate = float64(p.Ops) / p.Elapsed.Seconds()
		}
		fmt.Fprintf(w, "\r%s: %.1fs, %d calls, %.0f ops/s, %d errors\x1b[K", p.Phase, p.Elapsed.Seconds(), p.Ops, rate, p.Errors)
	}
}
