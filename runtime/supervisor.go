package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/registry"
)

// Phase is where an entry is in its lifecycle.
type Phase string

// Lifecycle phases of an entry.
const (
	Stopped  Phase = "stopped"
	Starting Phase = "starting"
	Running  Phase = "running"
	Retrying Phase = "retrying"
	Stopping Phase = "stopping"
	Failed   Phase = "failed"
)

// State is the visible lifecycle state of one entry.
type State struct {
	Phase Phase
	// Attempts counts failed start attempts since the entry last ran.
	Attempts int
	// LastError is the error of the last failed start (or stop).
	LastError error
	// NextRetry is when the next start attempt is due (Retrying only).
	NextRetry time.Time
}

// String returns e.g. "running" or "retrying (attempt 3): dial tcp: refused".
func (s State) String() string {
	out := string(s.Phase)
	if s.Phase == Retrying || s.Phase == Failed {
		out += fmt.Sprintf(" (attempt %d)", s.Attempts)
	}
	if s.LastError != nil && s.Phase != Running && s.Phase != Stopped {
		out += ": " + s.LastError.Error()
	}
	return out
}

// ErrShuttingDown is returned when an entry is asked to start while the
// host is shutting down.
var ErrShuttingDown = errors.New("host is shutting down")

// UnavailableError is returned when an entry cannot be used because it is
// not running. It matches backends.ErrUnavailable and unwraps to the start
// error.
type UnavailableError struct {
	ID    string
	State State
	Err   error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("entry %s is unavailable (%s)", e.ID, e.State)
}

// Unwrap returns backends.ErrUnavailable and the cause.
func (e *UnavailableError) Unwrap() []error {
	if e.Err == nil {
		return []error{backends.ErrUnavailable}
	}
	return []error{backends.ErrUnavailable, e.Err}
}

type unit struct {
	entry *registry.Entry
	comp  registry.Component

	mu    sync.Mutex // guards state and done
	state State
	// done is closed when the attempt in flight ends (Starting only).
	done chan struct{}
}

// supervisor starts entries in dependency order, retries failed starts with
// backoff and stops everything in reverse order.
type supervisor struct {
	units  map[string]*unit
	clock  Clock
	rand   func() float64
	logger *slog.Logger

	ctx    context.Context // ends retries at shutdown
	cancel context.CancelFunc
	wg     sync.WaitGroup

	closing atomic.Bool
	mu      sync.Mutex // guards running; taken before any unit's mu
	running []*unit    // in the order they reached Running
}

func newSupervisor(units map[string]*unit, clock Clock, rnd func() float64, logger *slog.Logger) *supervisor {
	for _, u := range units {
		u.state.Phase = Stopped
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &supervisor{units: units, clock: clock, rand: rnd, logger: logger, ctx: ctx, cancel: cancel}
}

// state returns the state of entry id.
func (s *supervisor) state(id string) (State, bool) {
	u, ok := s.units[id]
	if !ok {
		return State{}, false
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.state, true
}

// ensure returns once entry id is running, starting it and its dependencies
// when they are stopped. An entry that is retrying or failed returns an
// *UnavailableError at once.
func (s *supervisor) ensure(ctx context.Context, id string) error {
	u := s.units[id]
	for {
		u.mu.Lock()
		switch u.state.Phase {
		case Running:
			u.mu.Unlock()
			return nil
		case Retrying, Failed:
			err := &UnavailableError{ID: id, State: u.state, Err: u.state.LastError}
			u.mu.Unlock()
			return err
		case Starting:
			done := u.done
			u.mu.Unlock()
			select {
			case <-done:
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		case Stopping:
			u.mu.Unlock()
			return &UnavailableError{ID: id, State: State{Phase: Stopping}, Err: ErrShuttingDown}
		case Stopped:
			if s.closing.Load() {
				u.mu.Unlock()
				return &UnavailableError{ID: id, State: u.state, Err: ErrShuttingDown}
			}
			u.state.Phase = Starting
			u.done = make(chan struct{})
			u.mu.Unlock()
			return s.attempt(ctx, u)
		}
	}
}

// attempt runs one start of u, which the caller has put in Starting.
func (s *supervisor) attempt(ctx context.Context, u *unit) error {
	err := s.startDeps(ctx, u)
	if err == nil {
		err = s.callStart(ctx, u)
	}
	if err == nil {
		err = s.markRunning(u)
	}
	if err != nil {
		s.markFailed(u, err)
		return &UnavailableError{ID: u.entry.ID, State: u.stateNow(), Err: err}
	}
	return nil
}

func (u *unit) stateNow() State {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.state
}

func (s *supervisor) startDeps(ctx context.Context, u *unit) error {
	for _, dep := range u.entry.Deps {
		if err := s.ensure(ctx, dep); err != nil {
			return fmt.Errorf("dependency %s: %w", dep, err)
		}
	}
	return nil
}

// callStart calls Start bounded by the entry's start timeout on the
// supervisor's clock. A Start that returns after its timeout is stopped
// again in the background.
func (s *supervisor) callStart(ctx context.Context, u *unit) error {
	timeout := u.entry.Lifecycle.StartTimeout
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- u.comp.Start(actx) }()
	var timer <-chan time.Time
	if timeout > 0 {
		timer = s.clock.After(timeout)
	}
	var err error
	select {
	case err := <-done:
		return err
	case <-timer:
		err = fmt.Errorf("start timed out after %s", timeout)
	case <-ctx.Done():
		err = fmt.Errorf("start interrupted: %w", ctx.Err())
	}
	cancel()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if <-done == nil {
			_ = s.callStop(u)
		}
	}()
	return err
}

func (s *supervisor) markRunning(u *unit) error {
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		_ = s.callStop(u)
		return ErrShuttingDown
	}
	s.running = append(s.running, u)
	u.mu.Lock()
	u.state = State{Phase: Running}
	close(u.done)
	u.done = nil
	u.mu.Unlock()
	s.mu.Unlock()
	s.logger.Info("entry running", "id", u.entry.ID)
	return nil
}

// markFailed records a failed attempt and schedules the next one.
func (s *supervisor) markFailed(u *unit, err error) {
	r := u.entry.Lifecycle.Restart
	u.mu.Lock()
	defer u.mu.Unlock()
	u.state.Attempts++
	u.state.LastError = err
	close(u.done)
	u.done = nil
	switch {
	case s.closing.Load():
		u.state.Phase = Stopped
		return
	case r.MaxAttempts > 0 && u.state.Attempts >= r.MaxAttempts:
		u.state.Phase = Failed
		s.logger.Error("entry failed", "id", u.entry.ID, "attempts", u.state.Attempts, "error", err)
		return
	}
	delay := backoff(r, u.state.Attempts, s.rand())
	u.state.Phase = Retrying
	u.state.NextRetry = s.clock.Now().Add(delay)
	s.logger.Warn("entry start failed, retrying", "id", u.entry.ID, "attempt", u.state.Attempts, "retry_in", delay, "error", err)
	s.wg.Add(1)
	go s.retryAfter(u, delay)
}

func (s *supervisor) retryAfter(u *unit, delay time.Duration) {
	defer s.wg.Done()
	select {
	case <-s.clock.After(delay):
	case <-s.ctx.Done():
		return
	}
	u.mu.Lock()
	if u.state.Phase != Retrying {
		u.mu.Unlock()
		return
	}
	u.state.Phase = Starting
	u.done = make(chan struct{})
	u.mu.Unlock()
	_ = s.attempt(s.ctx, u)
}

// backoff returns the delay before retry n (n >= 1): InitialDelay times
// BackoffFactor^(n-1), capped at MaxDelay, then spread by ±Jitter using r in [0,1).
func backoff(r registry.Restart, n int, rnd float64) time.Duration {
	d := float64(r.InitialDelay) * math.Pow(r.BackoffFactor, float64(n-1))
	if max := float64(r.MaxDelay); r.MaxDelay > 0 && d > max {
		d = max
	}
	d *= 1 + r.Jitter*(2*rnd-1)
	if d < 0 {
		d = 0
	}
	return time.Duration(d)
}

func (s *supervisor) callStop(u *unit) error {
	timeout := u.entry.Lifecycle.StopTimeout
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- u.comp.Stop(ctx) }()
	var timer <-chan time.Time
	if timeout > 0 {
		timer = s.clock.After(timeout)
	}
	select {
	case err := <-done:
		return err
	case <-timer:
		cancel()
		return fmt.Errorf("stop timed out after %s", timeout)
	}
}

// shutdown stops every running entry in reverse start order, ends retries
// and waits for the supervisor's goroutines. It is called once.
func (s *supervisor) shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing.Store(true)
	running := s.running
	s.running = nil
	s.mu.Unlock()
	s.cancel()

	var errs []error
	for i := len(running) - 1; i >= 0; i-- {
		u := running[i]
		u.mu.Lock()
		u.state.Phase = Stopping
		u.mu.Unlock()
		err := s.callStop(u)
		u.mu.Lock()
		u.state = State{Phase: Stopped, LastError: err}
		u.mu.Unlock()
		if err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", u.entry.ID, err))
			s.logger.Error("entry stop failed", "id", u.entry.ID, "error", err)
		} else {
			s.logger.Debug("entry stopped", "id", u.entry.ID)
		}
	}
	// Entries left retrying go back to stopped: nothing of theirs runs.
	for _, u := range s.units {
		u.mu.Lock()
		if u.state.Phase == Retrying {
			u.state.Phase = Stopped
		}
		u.mu.Unlock()
	}

	waited := make(chan struct{})
	go func() { s.wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("wait for entries to finish: %w", ctx.Err()))
	}
	return errors.Join(errs...)
}

// boot starts every auto_start entry, dependencies first. An entry left
// retrying does not fail the boot; one that failed for good (max_attempts
// reached) or a boot context that ends does: everything started is then
// stopped again, in reverse order.
func (s *supervisor) boot(ctx context.Context, order []*registry.Entry) error {
	for _, e := range order {
		if !e.Lifecycle.AutoStart {
			continue
		}
		err := s.ensure(ctx, e.ID)
		if err == nil {
			continue
		}
		st, _ := s.state(e.ID)
		if st.Phase == Failed || ctx.Err() != nil {
			stopErr := s.shutdown(context.WithoutCancel(ctx))
			return errors.Join(fmt.Errorf("boot: %w", err), stopErr)
		}
	}
	return nil
}
