package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// defaultStopTimeout is how long, after a first SIGINT or SIGTERM, the
// script and the shutdown may take before the process exits anyway.
const defaultStopTimeout = 5 * time.Second

// signalExitCode is the shell convention for a process ended by sig: 128
// plus the signal number (130 for SIGINT, 143 for SIGTERM).
func signalExitCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 1
}

// interrupted is the cause of a context ended by a signal.
type interrupted struct{ sig os.Signal }

func (e interrupted) Error() string {
	if e.sig == syscall.SIGTERM {
		return "terminated"
	}
	return "interrupted"
}

// signals turns SIGINT and SIGTERM into the command's cancellation: the
// first cancels the context (the script stops, entries shut down), and a
// second one, or the first left unanswered for the stop timeout, ends the
// process at once with the first signal's exit code.
type signals struct {
	ch     chan os.Signal
	cancel context.CancelCauseFunc
	exit   func(code int) // os.Exit

	stopTimeout atomic.Int64 // time.Duration
	// passInterrupt leaves SIGINT to an interactive REPL, which stops the
	// running statement on it and stays.
	passInterrupt atomic.Bool

	mu    sync.Mutex
	first os.Signal
}

// watchSignals starts handling SIGINT and SIGTERM for the life of the
// process and returns the context they cancel.
func watchSignals(parent context.Context) (context.Context, *signals) {
	ctx, cancel := context.WithCancelCause(parent)
	s := &signals{ch: make(chan os.Signal, 2), cancel: cancel, exit: os.Exit}
	s.stopTimeout.Store(int64(defaultStopTimeout))
	signal.Notify(s.ch, os.Interrupt, syscall.SIGTERM)
	go s.loop()
	return ctx, s
}

func (s *signals) loop() {
	for sig := range s.ch {
		if sig == os.Interrupt && s.passInterrupt.Load() {
			continue
		}
		s.mu.Lock()
		first := s.first
		if first == nil {
			s.first = sig
		}
		s.mu.Unlock()
		if first != nil {
			fmt.Fprintf(os.Stderr, "luahost: %s again; exiting now\n", interrupted{sig})
			s.exit(signalExitCode(first))
			return
		}
		s.cancel(interrupted{sig})
		timeout := time.Duration(s.stopTimeout.Load())
		time.AfterFunc(timeout, func() {
			fmt.Fprintf(os.Stderr, "luahost: still running %s after being %s; exiting now\n", timeout, interrupted{sig})
			s.exit(signalExitCode(sig))
		})
	}
}

// received returns the first signal, or nil.
func (s *signals) received() os.Signal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first
}
