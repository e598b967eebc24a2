package repl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chzyer/readline"
)

const (
	prompt         = "> "
	continuePrompt = ">> "
	historyLimit   = 1000
	banner         = "luahost repl: Lua 5.1 with store and errors ready; .help for help, Ctrl-D to exit\n"
)

// interactive runs the loop on a terminal.
func (r *repl) interactive(ctx context.Context) error {
	cfg := &readline.Config{
		Prompt:                 prompt,
		HistoryLimit:           historyLimit,
		DisableAutoSaveHistory: true,
		AutoComplete:           completer{r},
		Stdin:                  readline.NewCancelableStdin(r.opts.In),
		Stdout:                 r.opts.Out,
		Stderr:                 r.opts.Err,
		FuncIsTerminal:         func() bool { return true },
	}
	if f, ok := r.opts.In.(*os.File); ok && readline.IsTerminal(int(f.Fd())) {
		fd := int(f.Fd())
		var (
			mu    sync.Mutex // Close may restore the terminal from another goroutine
			saved *readline.State
		)
		cfg.FuncMakeRaw = func() error {
			mu.Lock()
			defer mu.Unlock()
			st, err := readline.MakeRaw(fd)
			if err == nil && saved == nil {
				saved = st
			}
			return err
		}
		cfg.FuncExitRaw = func() error {
			mu.Lock()
			defer mu.Unlock()
			if saved == nil {
				return nil
			}
			st := saved
			saved = nil
			return readline.Restore(fd, st)
		}
	} else {
		cfg.FuncMakeRaw = func() error { return nil }
		cfg.FuncExitRaw = func() error { return nil }
	}
	if f, ok := r.opts.Out.(*os.File); ok {
		cfg.FuncGetWidth = func() int {
			if w, _, err := readline.GetSize(int(f.Fd())); err == nil && w > 0 {
				return w
			}
			return 80
		}
	} else {
		cfg.FuncGetWidth = func() int { return 80 }
	}
	if !r.opts.NoHistory {
		path, err := historyPath(r.opts.HistoryFile)
		if err == nil {
			err = prepareHistory(path)
		}
		if err != nil {
			fmt.Fprintf(r.opts.Err, "history not saved: %v\n", err)
		} else {
			cfg.HistoryFile = path
		}
	}
	rl, err := readline.NewEx(cfg)
	if err != nil {
		return err
	}
	defer rl.Close()

	// While a statement runs the terminal is not raw, so Ctrl-C sends
	// SIGINT; at the prompt it arrives as a key.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	defer close(done)
	go r.interrupts(sigs, done)
	stop := context.AfterFunc(ctx, func() { rl.Close() })
	defer stop()

	io.WriteString(r.opts.Out, banner)
	for {
		if len(r.pending) > 0 {
			rl.SetPrompt(continuePrompt)
		} else {
			rl.SetPrompt(prompt)
		}
		line, err := rl.Readline()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			if line == "" && len(r.pending) == 0 {
				return nil
			}
			r.pending = nil
			continue
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return err
		}
		if strings.TrimSpace(line) != "" {
			rl.SaveHistory(line)
		}
		if err := r.line(ctx, line); err != nil {
			if errors.Is(err, errExit) {
				return nil
			}
			return err
		}
	}
}

// interrupts stops the running statement on each SIGINT, and calls
// Options.Abandon when the statement is still running StopTimeout after
// that, or at a second SIGINT while it runs.
func (r *repl) interrupts(sigs <-chan os.Signal, done <-chan struct{}) {
	stopTimeout := r.opts.StopTimeout
	if stopTimeout <= 0 {
		stopTimeout = 5 * time.Second
	}
	stopping := uint64(0) // 1 + the statement count when an interrupt was sent
	for {
		select {
		case <-sigs:
		case <-done:
			return
		}
		if !r.sess.Interrupt() {
			continue
		}
		n := r.finished.Load()
		if stopping == n+1 {
			if r.opts.Abandon != nil {
				r.opts.Abandon()
			}
			continue
		}
		stopping = n + 1
		time.AfterFunc(stopTimeout, func() {
			if r.finished.Load() == n && r.opts.Abandon != nil {
				r.opts.Abandon()
			}
		})
	}
}

// completer adapts complete to the line editor.
type completer struct{ r *repl }

func (c completer) Do(line []rune, pos int) ([][]rune, int) {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	cands, prefix := complete(c.r.sess.L(), string(line[:pos]))
	out := make([][]rune, len(cands))
	for i, s := range cands {
		out[i] = []rune(s[len(prefix):])
	}
	return out, len([]rune(prefix))
}

// historyPath resolves the history file: the option, then
// $LUAHOST_HISTORY, then the user config folder, then the home folder.
func historyPath(opt string) (string, error) {
	if opt != "" {
		return opt, nil
	}
	if p := os.Getenv(HistoryEnv); p != "" {
		return p, nil
	}
	if dir, err := os.UserConfigDir(); err == nil {
		return filepath.Join(dir, "luahost", "history"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no config or home folder for the history file: %w", err)
	}
	return filepath.Join(home, ".luahost_history"), nil
}

// prepareHistory creates the history file's folder and the file, private
// to the user, as it may hold secrets typed at the prompt.
func prepareHistory(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// IsTerminal reports whether f is a terminal; a caller sets
// Options.Interactive to IsTerminal(os.Stdin).
func IsTerminal(f *os.File) bool { return readline.IsTerminal(int(f.Fd())) }
