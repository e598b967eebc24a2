package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sort"
	"strings"
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
	// Attempts counts failed starts and ended runs since the entry last
	// ran for its stable_threshold (Wippy's retry counter); it drives the
	// backoff and max_attempts.
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
// error, except that a context error inside the start error is not
// exposed: the entry is unavailable to every caller, which is not a
// timeout or cancellation of the caller's own call.
type UnavailableError struct {
	ID    string
	State State
	Err   error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("entry %s is unavailable (%s)", e.ID, e.State)
}

// Unwrap returns backends.ErrUnavailable and the cause (unless the cause
// is a context error; see UnavailableError).
func (e *UnavailableError) Unwrap() []error {
	if e.Err == nil || errors.Is(e.Err, context.DeadlineExceeded) || errors.Is(e.Err, context.Canceled) {
		return []error{backends.ErrUnavailable}
	}
	return []error{backends.ErrUnavailable, e.Err}
}

type unit struct {
	// def is the entry; a reload that changes only its lifecycle, meta or
	// position swaps it, since the component stays the same.
	def  atomic.Pointer[registry.Entry]
	comp registry.Component
	// st is comp as a store (nil when it is not one), and sg and bg are
	// st as a StringGetter and a BufferGetter (nil when it is not one): a
	// get asks once, not per call.
	st backends.Store
	sg backends.StringGetter
	bg backends.BufferGetter
	// fence is st when it guards its own calls against a stop
	// (backends.Fencer): calls then pass no gate, and the store is fenced
	// whenever the unit is not running.
	fence backends.Fencer
	// deps are the units of def's dependencies, in def.Deps order.
	deps []*unit
	// calls counts the store calls in flight on the current run; nil
	// when not running.
	calls atomic.Pointer[gate]

	mu    sync.Mutex // guards state, done and retired
	state State
	// done is closed when the attempt in flight ends (Starting only).
	done chan struct{}
	// runStart is when the current run began (Running only); run counts
	// runs, so a watcher of an earlier run cannot end a later one.
	runStart time.Time
	run      int
	// retired is set by a reload that replaces (retiredRestart) or
	// removes (retiredRemoved) the entry: the unit never starts again.
	retired retirement
}

type retirement int

const (
	live retirement = iota
	retiredRestart
	retiredRemoved
)

// newUnit returns a unit for entry e built as comp.
func newUnit(e *registry.Entry, comp registry.Component) *unit {
	u := &unit{comp: comp}
	u.def.Store(e)
	u.st, _ = comp.(backends.Store)
	u.sg, _ = comp.(backends.StringGetter)
	u.bg, _ = comp.(backends.BufferGetter)
	if u.fence, _ = comp.(backends.Fencer); u.fence != nil {
		u.fence.Fence()
	}
	return u
}

// e returns the unit's entry.
func (u *unit) e() *registry.Entry { return u.def.Load() }

// openGateLocked opens a fresh call gate for a run that begins. The
// caller holds u.mu.
func (u *unit) openGateLocked() {
	u.calls.Store(&gate{idle: make(chan struct{}, 1)})
	if u.fence != nil {
		u.fence.Unfence()
	}
}

// closeGateLocked stops new calls on the run that ends and returns its
// gate (nil if none), whose calls in flight the caller may wait for. The
// caller holds u.mu.
func (u *unit) closeGateLocked() *gate {
	g := u.calls.Swap(nil)
	if g != nil {
		g.close()
	}
	if u.fence != nil {
		u.fence.Fence() // waits for the store's calls in flight
	}
	return g
}

// stableLocked resets the retry counter once the current run has lasted
// the entry's stable_threshold. The caller holds u.mu.
func (u *unit) stableLocked(now time.Time) {
	if u.state.Phase == Running && now.Sub(u.runStart) >= u.e().Lifecycle.StableThreshold {
		u.state.Attempts = 0
	}
}

// supervisor starts entries in dependency order, retries failed starts with
// backoff and stops everything in reverse order. Every start runs in a
// goroutine of its own under the supervisor's context, never under a
// caller's: callers only wait for it.
type supervisor struct {
	// view is the registry and its units; a reload replaces it whole.
	view   atomic.Pointer[view]
	clock  Clock
	rand   func() float64
	logger *slog.Logger

	ctx    context.Context // ends starts and retries at shutdown
	cancel context.CancelFunc
	tasks  tasks

	// onChange, when set (tests), is called after an attempt ends.
	onChange func()
	// redact removes values from the environment from the start and stop
	// errors kept in states and returned (nil: none).
	redact func(string) string

	// tel records state changes (nil: none).
	tel *telemetry

	closing atomic.Bool
	mu      sync.Mutex // guards running; taken before any unit's mu
	running []*unit    // in the order they reached Running
}

// view is one registry with the units built from it. Units of entries a
// reload kept are shared by the views before and after it.
type view struct {
	reg   *registry.Registry // nil in supervisor tests
	units map[string]*unit
	// prevRedact is the Redact of the registry before the last reload, so
	// that its values stay out of what its stopped entries said.
	prevRedact func(s string, own ...string) string
}

func newSupervisor(units map[string]*unit, clock Clock, rnd func() float64, logger *slog.Logger) *supervisor {
	linkUnits(units)
	for _, u := range units {
		u.state.Phase = Stopped
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &supervisor{clock: clock, rand: rnd, logger: logger, ctx: ctx, cancel: cancel,
		tasks: tasks{open: map[string]int{}}}
	s.view.Store(&view{units: units})
	return s
}

// linkUnits sets the deps of every unit in units that has none yet.
func linkUnits(units map[string]*unit) {
	for _, u := range units {
		if u.deps != nil || len(u.e().Deps) == 0 {
			continue
		}
		u.deps = make([]*unit, 0, len(u.e().Deps))
		for _, id := range u.e().Deps {
			if d, ok := units[id]; ok {
				u.deps = append(u.deps, d)
			}
		}
	}
}

// setPhaseLocked moves u to phase p, recording the change. The caller
// holds u.mu.
func (s *supervisor) setPhaseLocked(u *unit, p Phase) {
	if from := u.state.Phase; from != p {
		u.state.Phase = p
		s.tel.transition(u.e(), from, p)
	}
}

// unit returns the unit of entry id in the current view, or nil.
func (s *supervisor) unit(id string) *unit { return s.view.Load().units[id] }

// tasks tracks the supervisor's goroutines (starts, late stops, retry
// timers, stops) per entry, so shutdown can wait for them and name the
// entries whose work did not end.
type tasks struct {
	mu     sync.Mutex
	n      int
	idle   chan struct{} // closed when n drops to 0
	open   map[string]int
	sealed bool
}

// spawn runs f in a goroutine on behalf of entry id. Once sealed, only a
// goroutine that is itself a task (n > 0) may spawn more, so that no work
// starts after shutdown's wait has seen none left.
func (t *tasks) spawn(id string, f func()) bool {
	t.mu.Lock()
	if t.sealed && t.n == 0 {
		t.mu.Unlock()
		return false
	}
	if t.n == 0 {
		t.idle = make(chan struct{})
	}
	t.n++
	t.open[id]++
	t.mu.Unlock()
	go func() {
		defer t.finish(id)
		f()
	}()
	return true
}

func (t *tasks) finish(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n--
	if t.open[id]--; t.open[id] == 0 {
		delete(t.open, id)
	}
	if t.n == 0 {
		close(t.idle)
	}
}

func (t *tasks) seal() {
	t.mu.Lock()
	t.sealed = true
	t.mu.Unlock()
}

// wait returns nil once no task runs, or an error naming the entries
// whose tasks still run when ctx ends.
func (t *tasks) wait(ctx context.Context) error {
	t.mu.Lock()
	if t.n == 0 {
		t.mu.Unlock()
		return nil
	}
	idle := t.idle
	t.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == 0 {
		return nil
	}
	ids := make([]string, 0, len(t.open))
	for id := range t.open {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return fmt.Errorf("entries still starting or stopping: %s: %w", strings.Join(ids, ", "), ctx.Err())
}

// state returns the state of entry id.
func (s *supervisor) state(id string) (State, bool) {
	u := s.unit(id)
	if u == nil {
		return State{}, false
	}
	return s.unitState(u), true
}

// unitState returns the state of u.
func (s *supervisor) unitState(u *unit) State {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.stableLocked(s.clock.Now())
	return u.state
}

// ensure returns once entry id is running, starting it and its dependencies
// when they are stopped. An entry that is retrying or failed returns an
// *UnavailableError at once. The start itself runs under the supervisor's
// context, bounded by start_timeout, and is shared by every caller; when
// ctx ends first, ensure returns an error wrapping ctx.Err() and the start
// goes on for the next caller.
func (s *supervisor) ensure(ctx context.Context, id string) error {
	u := s.unit(id)
	if u == nil {
		return backends.Errorf(backends.ErrNotFound, "no entry %q in the registry", id)
	}
	return s.ensureUnit(ctx, u)
}

// ErrReloading is the cause in the UNAVAILABLE error of an entry that a
// registry reload is restarting; a retry soon uses the new instance.
var ErrReloading = errors.New("restarting for a registry reload")

// retiredErrLocked is the error of a call on a unit a reload retired.
// The caller holds u.mu.
func retiredErrLocked(u *unit) error {
	if u.retired == retiredRemoved {
		// The caller names the store, as for a backend's errors.
		return backends.ErrStoreRemoved
	}
	return &UnavailableError{ID: u.e().ID, State: State{Phase: Stopping, LastError: ErrReloading}, Err: ErrReloading}
}

// ensureUnit is ensure for a unit.
func (s *supervisor) ensureUnit(ctx context.Context, u *unit) error {
	id := u.e().ID
	for {
		u.mu.Lock()
		var done chan struct{}
		if u.retired != live {
			err := retiredErrLocked(u)
			u.mu.Unlock()
			return err
		}
		switch u.state.Phase {
		case Running:
			u.mu.Unlock()
			return nil
		case Retrying, Failed:
			err := &UnavailableError{ID: id, State: u.state, Err: u.state.LastError}
			u.mu.Unlock()
			return err
		case Stopping:
			u.mu.Unlock()
			return &UnavailableError{ID: id, State: State{Phase: Stopping}, Err: ErrShuttingDown}
		case Starting:
			done = u.done
		case Stopped:
			if s.closing.Load() {
				u.mu.Unlock()
				return &UnavailableError{ID: id, State: u.state, Err: ErrShuttingDown}
			}
			s.setPhaseLocked(u, Starting)
			u.done = make(chan struct{})
			if !s.tasks.spawn(id, func() { s.attempt(u) }) {
				s.setPhaseLocked(u, Stopped)
				close(u.done)
				u.done = nil
				u.mu.Unlock()
				return &UnavailableError{ID: id, State: State{Phase: Stopped}, Err: ErrShuttingDown}
			}
			done = u.done
		}
		u.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
			return fmt.Errorf("entry %s is still starting: %w", id, ctx.Err())
		}
	}
}

// attempt runs one start of u, which the caller has put in Starting, and
// records the outcome.
func (s *supervisor) attempt(u *unit) {
	err := s.startDeps(u)
	if err == nil {
		err = s.callStart(u)
	}
	if err == nil {
		err = s.markRunning(u)
	}
	if err != nil {
		s.markFailed(u, err)
	}
	if s.onChange != nil {
		s.onChange()
	}
}

func (s *supervisor) startDeps(u *unit) error {
	for _, dep := range u.deps {
		if err := s.ensureUnit(s.ctx, dep); err != nil {
			return fmt.Errorf("dependency %s: %w", dep.e().ID, err)
		}
	}
	return nil
}

// callStart calls Start bounded by the entry's start timeout on the
// supervisor's clock and by shutdown. A Start that returns after its
// timeout is stopped again in the background.
func (s *supervisor) callStart(u *unit) error {
	timeout := u.e().Lifecycle.StartTimeout
	actx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	done := make(chan error, 1)
	// The caller is a task, so spawn cannot be refused.
	s.tasks.spawn(u.e().ID, func() { done <- u.comp.Start(actx) })
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
	case <-s.ctx.Done():
		err = fmt.Errorf("start interrupted: %w", ErrShuttingDown)
	}
	cancel()
	s.tasks.spawn(u.e().ID, func() {
		if <-done == nil {
			_ = s.callStop(context.Background(), u)
		}
	})
	return err
}

func (s *supervisor) markRunning(u *unit) error {
	// Ask for the run's end before anyone can see it running.
	var exited <-chan error
	if x, ok := u.comp.(registry.Exiter); ok {
		exited = x.Exited()
	}
	s.mu.Lock()
	u.mu.Lock()
	retired := u.retired != live
	u.mu.Unlock()
	if s.closing.Load() || retired {
		s.mu.Unlock()
		// Shutdown has begun and did not see this entry, or a reload
		// replaced it: stop it here, within its stop_timeout (shutdown's
		// context may be gone).
		_ = s.callStop(context.Background(), u)
		if retired {
			return ErrReloading
		}
		return ErrShuttingDown
	}
	s.running = append(s.running, u)
	u.mu.Lock()
	// The retry counter survives until the run proves stable.
	s.setPhaseLocked(u, Running)
	u.state = State{Phase: Running, Attempts: u.state.Attempts}
	u.openGateLocked()
	u.runStart = s.clock.Now()
	u.run++
	run := u.run
	close(u.done)
	u.done = nil
	u.mu.Unlock()
	s.mu.Unlock()
	s.logger.Info("entry running", "entry", u.e().ID)
	if exited != nil {
		// The caller is a task, so spawn cannot be refused.
		s.tasks.spawn(u.e().ID, func() { s.watch(u, run, exited) })
	}
	return nil
}

// watch waits for run number run of u to end on its own, then stops what
// is left of it and retries the entry with backoff. A run shorter than
// stable_threshold counts as one more failed attempt.
func (s *supervisor) watch(u *unit, run int, exited <-chan error) {
	var err error
	select {
	case err = <-exited:
	case <-s.ctx.Done():
		return
	}
	if err == nil {
		err = errors.New("run ended")
	}
	s.mu.Lock()
	u.mu.Lock()
	if s.closing.Load() || u.run != run || u.state.Phase != Running {
		u.mu.Unlock()
		s.mu.Unlock()
		return
	}
	u.stableLocked(s.clock.Now())
	s.setPhaseLocked(u, Starting) // nobody uses it while it restarts
	u.done = make(chan struct{})
	// The run is over: calls in flight fail on their own.
	u.closeGateLocked()
	u.mu.Unlock()
	s.running = slices.DeleteFunc(s.running, func(r *unit) bool { return r == u })
	s.mu.Unlock()
	s.logger.Warn("entry run ended", "entry", u.e().ID, "error", err)
	if stopErr := s.callStop(s.ctx, u); stopErr != nil {
		s.logger.Error("entry stop after its run ended failed", "entry", u.e().ID, "error", stopErr)
	}
	s.markFailed(u, fmt.Errorf("run ended: %w", err))
	if s.onChange != nil {
		s.onChange()
	}
}

// markFailed records a failed attempt. A permanent error (one wrapping
// registry.ErrPermanent) or the last of max_attempts marks the entry
// failed; anything else schedules the next attempt with backoff.
func (s *supervisor) markFailed(u *unit, err error) {
	err = redactErr(s.redact, err)
	r := u.e().Lifecycle.Restart
	u.mu.Lock()
	defer u.mu.Unlock()
	u.state.Attempts++
	u.state.LastError = err
	close(u.done)
	u.done = nil
	switch {
	case s.closing.Load() || u.retired != live:
		s.setPhaseLocked(u, Stopped)
		return
	case errors.Is(err, registry.ErrPermanent):
		s.setPhaseLocked(u, Failed)
		s.logger.Error("entry failed, not retrying", "entry", u.e().ID, "error", err)
		return
	case r.MaxAttempts > 0 && u.state.Attempts >= r.MaxAttempts:
		s.setPhaseLocked(u, Failed)
		s.logger.Error("entry failed", "entry", u.e().ID, "attempts", u.state.Attempts, "error", err)
		return
	}
	delay := backoff(r, u.state.Attempts, s.rand())
	s.setPhaseLocked(u, Retrying)
	u.state.NextRetry = s.clock.Now().Add(delay)
	s.logger.Warn("entry start failed, retrying", "entry", u.e().ID, "attempt", u.state.Attempts, "retry_in", delay, "error", err)
	// The timer starts now, not when the goroutine first runs, so the
	// retry is due exactly at NextRetry.
	due := s.clock.After(delay)
	if !s.tasks.spawn(u.e().ID, func() { s.retryAfter(u, due) }) {
		s.setPhaseLocked(u, Stopped)
	}
}

func (s *supervisor) retryAfter(u *unit, due <-chan time.Time) {
	select {
	case <-due:
	case <-s.ctx.Done():
		return
	}
	u.mu.Lock()
	if u.state.Phase != Retrying || u.retired != live {
		u.mu.Unlock()
		return
	}
	s.setPhaseLocked(u, Starting)
	u.done = make(chan struct{})
	u.mu.Unlock()
	s.attempt(u)
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

// callStop calls Stop bounded by ctx and by the entry's stop timeout on
// the supervisor's clock. A Stop that ignores its context is left running
// as a task, so shutdown names the entry.
func (s *supervisor) callStop(ctx context.Context, u *unit) error {
	timeout := u.e().Lifecycle.StopTimeout
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	if !s.tasks.spawn(u.e().ID, func() { done <- u.comp.Stop(sctx) }) {
		// Only after shutdown's wait: stop inline.
		done <- u.comp.Stop(sctx)
	}
	var timer <-chan time.Time
	if timeout > 0 {
		timer = s.clock.After(timeout)
	}
	defer cancel()
	select {
	case err := <-done:
		return err
	case <-timer:
		return fmt.Errorf("stop timed out after %s", timeout)
	case <-ctx.Done():
		return fmt.Errorf("stop interrupted: %w", ctx.Err())
	}
}

// stopHeld stops u, whose mu the caller holds: it moves u to Stopping and
// closes its gate, releases u.mu and then calls release (if not nil) to
// drop the caller's other locks, drains the calls in flight, stops the
// instance and records Stopped with the stop's error, which it returns.
func (s *supervisor) stopHeld(ctx context.Context, u *unit, release func()) error {
	s.setPhaseLocked(u, Stopping)
	calls := u.closeGateLocked()
	u.mu.Unlock()
	if release != nil {
		release()
	}
	err := s.drainAndStop(ctx, u, calls)
	u.mu.Lock()
	s.setPhaseLocked(u, Stopped)
	u.state = State{Phase: Stopped, LastError: err}
	u.mu.Unlock()
	return err
}

// drainAndStop waits for the store calls in flight on u's run that ended
// (calls, possibly nil) and then stops u, each wait bounded by ctx and the
// entry's stop_timeout. A drain that times out does not keep the entry
// from stopping; its error is joined to the stop's. The error is redacted.
func (s *supervisor) drainAndStop(ctx context.Context, u *unit, calls *gate) error {
	drainErr := calls.drain(ctx, s.clock, u.e().Lifecycle.StopTimeout)
	return redactErr(s.redact, errors.Join(drainErr, s.callStop(ctx, u)))
}

// shutdown stops every running entry in reverse start order, each bounded
// by ctx and its stop_timeout, ends starts and retries, and waits (bounded
// by ctx) for every goroutine the supervisor started. It is called once;
// the error joins one error per entry that did not stop.
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
		err := s.stopHeld(ctx, u, nil)
		if err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", u.e().ID, err))
			s.logger.Error("entry stop failed", "entry", u.e().ID, "error", err)
		} else {
			s.logger.Info("entry stopped", "entry", u.e().ID)
		}
	}
	// Entries left retrying go back to stopped: nothing of theirs runs.
	for _, u := range s.view.Load().units {
		u.mu.Lock()
		if u.state.Phase == Retrying {
			s.setPhaseLocked(u, Stopped)
		}
		u.mu.Unlock()
	}
	// From here on nothing new starts: a start that slipped in before
	// closing was set is a task already and is waited for.
	s.tasks.seal()
	if err := s.tasks.wait(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// boot starts every auto_start entry, dependencies first. An entry left
// retrying does not fail the boot; one that failed for good (max_attempts
// reached, a permanent error) or a boot context that ends does:
// everything started is then stopped again, in reverse order. An entry
// with startup: optional (Wippy) never fails the boot: it is logged and
// left retrying or failed.
func (s *supervisor) boot(ctx context.Context, order []*registry.Entry) error {
	for _, e := range order {
		if !e.Lifecycle.AutoStart {
			continue
		}
		err := s.ensure(ctx, e.ID)
		if err == nil {
			continue
		}
		if ctx.Err() == nil && e.Lifecycle.Startup == registry.StartupOptional {
			s.logger.Warn("optional entry did not start, boot goes on", "entry", e.ID, "error", err)
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
