// Package repl is luahost's interactive Lua shell: a read-eval-print loop
// over one Lua state of a booted runtime, with line editing, history, tab
// completion and Ctrl-C handling on a terminal, and a quiet chunk-by-chunk
// mode for piped input.
package repl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/luastd"
	"github.com/luahost/luahost/runtime"
)

// ErrFailed is wrapped by the error Run returns in quiet mode when a chunk
// failed (a syntax or runtime error); the messages were already written to
// Options.Err.
var ErrFailed = errors.New("a chunk failed")

// errExit is the .exit command.
var errExit = errors.New("exit")

// HistoryEnv names the environment variable that overrides the default
// history file.
const HistoryEnv = "LUAHOST_HISTORY"

// Options configure Run.
type Options struct {
	// In is read for input; Out gets results and the chunks' standard
	// output (print, io.write, io.stdout); Err gets error messages. Nil
	// means os.Stdin, os.Stdout, os.Stderr.
	In       io.Reader
	Out, Err io.Writer

	// Interactive turns on prompts, line editing, history, completion and
	// Ctrl-C handling; In and Out should then be the terminal (*os.File).
	// Otherwise input is run quietly chunk by chunk.
	Interactive bool

	// HistoryFile is where interactive history is kept. "" means the
	// LUAHOST_HISTORY environment variable, else
	// <user config dir>/luahost/history, else ~/.luahost_history.
	HistoryFile string
	// NoHistory keeps history in memory only.
	NoHistory bool

	// Timeout bounds each statement (0: no limit).
	Timeout time.Duration

	// StopTimeout is how long an interactive statement may keep running
	// after Ctrl-C stopped it before Abandon is called; a second Ctrl-C
	// while it still runs calls Abandon at once. 0 means 5 s.
	StopTimeout time.Duration
	// Abandon is called, from another goroutine, when a statement did not
	// stop after Ctrl-C (see StopTimeout); the luahost command exits the
	// process there with status 130. Nil means keep waiting.
	Abandon func()

	// NoColor turns off colour in interactive mode (so does a non-empty
	// NO_COLOR environment variable).
	NoColor bool

	// Limits bound printed results.
	Limits Limits
}

// Run reads, runs and prints Lua chunks in one Lua state of rt until the
// input ends, .exit, or ctx is done. The store and errors globals are
// ready. Expressions, and chunks that return values (return 5, or =5 as
// in Lua 5.1's lua command), print the values; other statements print
// nothing. The
// caller closes rt afterwards, which stops every entry.
//
// Interactive mode prompts with "> " (">> " inside an unfinished chunk).
// Ctrl-C stops a running statement (Run catches SIGINT for its duration,
// so the caller should not treat SIGINT as the end of the program), or
// drops the line being typed; Ctrl-C on an empty line or Ctrl-D ends Run
// with a nil error. Errors of a statement are printed and Run goes on.
//
// Quiet mode prints no prompts and no colour: lines are read until they
// form a complete chunk, which then runs; an error is printed to Err and
// the next chunk runs. Run then returns an error wrapping ErrFailed if any
// chunk failed, input that ends inside a chunk included.
//
// os.exit(n) in a chunk ends Run with a *runtime.ExitError; ctx's end
// ends it with ctx.Err().
func Run(ctx context.Context, rt *runtime.Runtime, opts Options) error {
	if opts.In == nil {
		opts.In = os.Stdin
	}
	if opts.Out == nil {
		opts.Out = os.Stdout
	}
	if opts.Err == nil {
		opts.Err = os.Stderr
	}
	sess, err := rt.NewSession()
	if err != nil {
		return err
	}
	defer sess.Close()
	r := &repl{
		rt:    rt,
		sess:  sess,
		opts:  opts,
		color: opts.Interactive && !opts.NoColor && os.Getenv("NO_COLOR") == "",
	}
	sess.SetStdout(opts.Out)
	if opts.Interactive {
		return r.interactive(ctx)
	}
	return r.quiet(ctx)
}

type repl struct {
	rt    *runtime.Runtime
	sess  *runtime.Session
	opts  Options
	color bool

	// mu is held while Lua runs, so completion, which reads the state
	// from the line editor's goroutine, never sees it mid-statement.
	mu      sync.Mutex
	pending []string // lines of an unfinished chunk
	chunks  int
	failed  int

	// finished counts statements that ended, so an interrupt can tell
	// whether the statement it stopped is still the one running.
	finished atomic.Uint64
}

// quiet runs piped input chunk by chunk.
func (r *repl) quiet(ctx context.Context) error {
	br := bufio.NewReader(r.opts.In)
	for {
		line, readErr := br.ReadString('\n')
		if readErr == nil || line != "" {
			if err := r.line(ctx, strings.TrimRight(line, "\r\n")); err != nil {
				if errors.Is(err, errExit) {
					break
				}
				return err
			}
		}
		if readErr == io.EOF {
			break
		}
		if readErr != nil {
			return readErr
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if len(r.pending) > 0 {
		src := strings.Join(r.pending, "\n") + "\n"
		_, err := compileString(src)
		r.pending = nil
		r.chunks++
		r.fail(syntaxError(err))
	}
	if r.failed > 0 {
		return fmt.Errorf("%d of %d chunks failed: %w", r.failed, r.chunks, ErrFailed)
	}
	return nil
}

// line takes one line of input: a dot command, or part of a chunk that
// runs once it is complete.
func (r *repl) line(ctx context.Context, line string) error {
	if len(r.pending) == 0 {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			return nil
		}
		if isCommand(trimmed) {
			return r.command(ctx, trimmed)
		}
	}
	r.pending = append(r.pending, line)
	prog, err := compileChunk(strings.Join(r.pending, "\n") + "\n")
	if errors.Is(err, errIncomplete) {
		return nil
	}
	r.pending = nil
	r.chunks++
	if err != nil {
		r.fail(syntaxError(err))
		return nil
	}
	return r.exec(ctx, prog)
}

// exec runs a compiled chunk and prints the values it returns, as Lua
// 5.1's interactive lua does: those of an expression, and those of a
// return statement.
func (r *repl) exec(ctx context.Context, prog *runtime.Program) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.finished.Add(1)
	sctx := ctx
	if r.opts.Timeout > 0 {
		var cancel context.CancelFunc
		sctx, cancel = context.WithTimeout(ctx, r.opts.Timeout)
		defer cancel()
	}
	L := r.sess.L()
	chunk := prog.Function(L)
	keepError := L.NewFunction(func(L *lua.LState) int { return 1 })
	// The chunk runs under a Go function that keeps its error value, so a
	// table raised with error() can be printed like a result.
	var errValue lua.LValue
	run := L.NewFunction(func(L *lua.LState) int {
		L.Push(chunk)
		// A message handler spares gopher-lua building a traceback, which
		// the REPL does not print and which takes seconds after a long
		// chain of tail calls.
		if err := luastd.PCall(L, 0, lua.MultRet, keepError); err != nil {
			var ae *lua.ApiError
			if errors.As(err, &ae) && ae.Object != nil {
				errValue = ae.Object
			} else {
				errValue = lua.LString(err.Error())
			}
			L.Error(errValue, 0)
		}
		return L.GetTop()
	})
	results, err := r.sess.Call(sctx, run)
	tostring := func(v lua.LValue) string { return r.tostring(sctx, v) }
	if err != nil {
		if t, ok := errValue.(*lua.LTable); ok && L.GetMetaField(t, "__tostring") == lua.LNil {
			msg := strings.TrimSuffix(format(L, r.opts.Limits, tostring, []lua.LValue{t}), "\n")
			err = &runtime.ScriptError{Message: "error object: " + msg, Cause: errors.Unwrap(err)}
		} else if errValue == lua.LNil {
			// error() raises nil, as in Lua 5.1, whose lua prints nothing
			// for it; say what failed instead of a bare "nil".
			err = &runtime.ScriptError{Message: "error object: nil", Cause: errors.Unwrap(err)}
		}
		return r.callError(ctx, err)
	}
	if len(results) > 0 {
		io.WriteString(r.opts.Out, format(L, r.opts.Limits, tostring, results))
	}
	return nil
}

// tostring runs tostring(v) in the session, under ctx so that a
// __tostring that loops can be interrupted.
func (r *repl) tostring(ctx context.Context, v lua.LValue) string {
	L := r.sess.L()
	fn := L.NewFunction(func(L *lua.LState) int {
		L.Push(L.ToStringMeta(L.Get(1)))
		return 1
	})
	out, err := r.sess.Call(ctx, fn, v)
	if err != nil {
		var se *runtime.ScriptError
		if errors.As(err, &se) {
			err = errors.New(se.Message)
		}
		return fmt.Sprintf("<%s: __tostring failed: %v>", v.Type(), err)
	}
	return lua.LVAsString(out[0])
}

// callError reports a failed statement. It returns the errors that end
// the session: os.exit, and the end of ctx.
func (r *repl) callError(ctx context.Context, err error) error {
	var exit *runtime.ExitError
	if errors.As(err, &exit) {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var se *runtime.ScriptError
	switch {
	case errors.Is(err, context.Canceled):
		if r.opts.Interactive {
			// The terminal echoed ^C where the cursor was.
			io.WriteString(r.opts.Err, "\n")
		}
		r.fail("interrupted")
	case errors.Is(err, context.DeadlineExceeded):
		r.fail(fmt.Sprintf("statement timed out after %s", r.opts.Timeout))
	case errors.As(err, &se):
		r.fail(se.Message)
	default:
		r.fail(err.Error())
	}
	return nil
}

// fail prints an error message and counts the failure.
func (r *repl) fail(msg string) {
	r.failed++
	if r.color {
		msg = "\x1b[31m" + msg + "\x1b[0m"
	}
	io.WriteString(r.opts.Err, msg+"\n")
}

// isCommand reports whether line is a dot command (a dot then a letter, so
// that ".5" stays a number).
func isCommand(line string) bool {
	return len(line) > 1 && line[0] == '.' && (line[1] >= 'a' && line[1] <= 'z' || line[1] >= 'A' && line[1] <= 'Z')
}

const helpText = `Type Lua statements or expressions; an expression prints its values,
as does return (return 5, or =5).
A chunk that is not finished continues on the next line (prompt ">> ").
The globals store and errors are ready: s = store.get("app:cache").

Commands:
  .help      this text
  .entries   registry entries, their kind and lifecycle state (under
             --scope, only those the scope may open with store.get, without
             start errors or where they are defined)
  .reload    read the registry again and apply what changed; unchanged
             entries keep running (and their contents), handles follow
             (not under --scope)
  .exit      leave (as do Ctrl-D and Ctrl-C on an empty line)

Keys: Tab completes globals, table fields (string.fo) and methods (s:ge);
Up/Down and Ctrl-R search history; Ctrl-C stops a running statement or
drops the line or unfinished chunk being typed.
`

// command runs a dot command.
func (r *repl) command(ctx context.Context, line string) error {
	name, _, _ := strings.Cut(line, " ")
	switch name {
	case ".help":
		io.WriteString(r.opts.Out, helpText)
	case ".exit":
		return errExit
	case ".entries":
		r.entries()
	case ".reload":
		r.reload(ctx)
	default:
		r.chunks++
		r.fail(fmt.Sprintf("unknown command %s (try .help)", name))
	}
	return nil
}

// reload reads the registry again and applies it (runtime.Reload), then
// prints what it did; an invalid registry changes nothing and its problems
// are printed. Options.Timeout bounds it, as it bounds a statement.
func (r *repl) reload(ctx context.Context) {
	if r.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.opts.Timeout)
		defer cancel()
	}
	if r.sess.Security().Checked() {
		// A reload acts for every user of the runtime, and its report
		// and problems name every entry.
		r.fail("reload: not allowed under a security scope")
		return
	}
	rep, err := r.rt.Reload(ctx)
	if err != nil {
		msg := err.Error()
		var le *runtime.RegistryError
		if errors.As(err, &le) { // as luahost prints it at start-up
			msg = le.Message()
		}
		// Reload changed nothing: the entries keep running as before.
		r.fail("reload: " + msg + "\nreload: nothing changed; the registry in use stays")
		return
	}
	fmt.Fprintf(r.opts.Out, "reloaded: %s\n", rep)
	for _, f := range rep.Failed {
		r.fail(f.Error())
	}
}

// entries prints the registry entries with kind, state and position.
// Under a scope it lists only the entries the scope may open with
// store.get, and only what the scope may learn of them: the state's phase
// (not the start error, which names the host's infrastructure), the kind
// where store.info (which reports it) is allowed, and not where the entry
// is defined, a path on the host.
func (r *repl) entries() {
	states := r.rt.States()
	sec := r.sess.Security()
	if sec.Checked() {
		states = slices.DeleteFunc(states, func(es runtime.EntryState) bool {
			return !sec.Can(luamod.ActionStoreGet, es.Entry.ID, nil)
		})
	}
	if len(states) == 0 {
		io.WriteString(r.opts.Out, "no entries\n")
		return
	}
	tw := tabwriter.NewWriter(r.opts.Out, 0, 8, 2, ' ', 0)
	if sec.Checked() {
		fmt.Fprintln(tw, "ID\tKIND\tSTATE")
		for _, es := range states {
			kind := "-"
			if sec.Can(luamod.ActionStoreInfo, es.Entry.ID, nil) {
				kind = es.Entry.Kind
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", es.Entry.ID, kind, es.State.Phase)
		}
		tw.Flush()
		return
	}
	WriteEntries(r.opts.Out, states)
}
