package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/internal/testclock"
	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/registry"
)

// fakeClock is the shared test clock with helpers that fail the test.
type fakeClock struct{ *testclock.Clock }

func newFakeClock() *fakeClock { return &fakeClock{testclock.New()} }

// waitTimers blocks until n timers have been created since the last call.
func (c *fakeClock) waitTimers(t *testing.T, n int) {
	t.Helper()
	if !c.WaitTimers(n, 5*time.Second) {
		t.Fatalf("timed out waiting for %d timers", n)
	}
}

// waitDue blocks until a timer is pending that fires exactly d from now.
func (c *fakeClock) waitDue(t *testing.T, d time.Duration) {
	t.Helper()
	if !c.WaitDue(d, 5*time.Second) {
		t.Fatalf("no timer due in %s", d)
	}
}

// events records what fake components did, in order.
type events struct {
	mu  sync.Mutex
	log []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = append(e.log, s)
}

func (e *events) get() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.log)
}

// fakeComp is a component whose Start fails with the queued errors first.
type fakeComp struct {
	id       string
	ev       *events
	mu       sync.Mutex
	failures []error
	hang     bool // Start and Stop wait for their context
	hangStop bool
	// gate, when set, holds Start until it is closed (or ctx ends).
	gate chan struct{}
	// stuckStop, when set, holds Stop until it is closed, ignoring ctx.
	stuckStop chan struct{}
	// entered receives "start" or "stop" when Start or Stop is called.
	entered chan string
}

func (f *fakeComp) Start(ctx context.Context) error {
	f.ev.add("start " + f.id)
	f.enter("start")
	if f.hang {
		<-ctx.Done()
		return ctx.Err()
	}
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.failures) > 0 {
		err := f.failures[0]
		f.failures = f.failures[1:]
		return err
	}
	f.ev.add("running " + f.id)
	return nil
}

func (f *fakeComp) enter(what string) {
	select {
	case f.entered <- what:
	default:
	}
}

func (f *fakeComp) Stop(ctx context.Context) error {
	f.ev.add("stop " + f.id)
	f.enter("stop")
	if f.hangStop {
		<-ctx.Done()
		return ctx.Err()
	}
	if f.stuckStop != nil {
		<-f.stuckStop
	}
	return nil
}

type fixture struct {
	sup   *supervisor
	clock *fakeClock
	ev    *events
	comps map[string]*fakeComp
	order []*registry.Entry
	// changed receives after a start attempt ends.
	changed chan struct{}
}

// spec is "id[:auto] dep dep ...", e.g. "app:b:auto app:a".
func newFixture(t *testing.T, restart registry.Restart, specs ...string) *fixture {
	t.Helper()
	fx := &fixture{clock: newFakeClock(), ev: &events{}, comps: map[string]*fakeComp{}}
	units := map[string]*unit{}
	for _, s := range specs {
		fields := strings.Fields(s)
		id, auto := strings.CutSuffix(fields[0], ":auto")
		e := &registry.Entry{ID: id, Kind: "test.fake", Deps: fields[1:], Lifecycle: registry.Lifecycle{
			AutoStart: auto, StartTimeout: 10 * time.Second, StopTimeout: 5 * time.Second, Restart: restart,
		}}
		c := &fakeComp{id: id, ev: fx.ev, entered: make(chan string, 16)}
		fx.comps[id] = c
		units[id] = newUnit(e, c)
		fx.order = append(fx.order, e)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	fx.sup = newSupervisor(units, fx.clock, func() float64 { return 0.5 }, logger)
	fx.changed = make(chan struct{}, 1)
	fx.sup.onChange = func() {
		select {
		case fx.changed <- struct{}{}:
		default:
		}
	}
	t.Cleanup(func() { _ = fx.sup.shutdown(context.Background()) })
	return fx
}

func (fx *fixture) phase(id string) Phase {
	st, _ := fx.sup.state(id)
	return st.Phase
}

var noRetry = registry.Restart{InitialDelay: time.Second, MaxDelay: 90 * time.Second, BackoffFactor: 2, MaxAttempts: 1}

func TestBootStartsInDependencyOrderAndStopsInReverse(t *testing.T) {
	fx := newFixture(t, noRetry,
		"app:db:auto", "app:store:auto app:db", "app:api:auto app:store app:db", "app:lazy app:db")
	if err := fx.sup.boot(context.Background(), fx.order); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]Phase{"app:db": Running, "app:store": Running, "app:api": Running, "app:lazy": Stopped} {
		if got := fx.phase(id); got != want {
			t.Errorf("%s: phase %s, want %s", id, got, want)
		}
	}
	if err := fx.sup.shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"start app:db", "running app:db", "start app:store", "running app:store", "start app:api", "running app:api",
		"stop app:api", "stop app:store", "stop app:db",
	}
	if got := fx.ev.get(); !slices.Equal(got, want) {
		t.Errorf("events:\n got %q\nwant %q", got, want)
	}
	if got := fx.phase("app:db"); got != Stopped {
		t.Errorf("after shutdown app:db is %s", got)
	}
}

func TestStartOnFirstUseStartsDependencies(t *testing.T) {
	fx := newFixture(t, noRetry, "app:db", "app:store app:db")
	if got := fx.phase("app:store"); got != Stopped {
		t.Fatalf("before use: %s", got)
	}
	if err := fx.sup.ensure(context.Background(), "app:store"); err != nil {
		t.Fatal(err)
	}
	want := []string{"start app:db", "running app:db", "start app:store", "running app:store"}
	if got := fx.ev.get(); !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
}

func TestStartTimeout(t *testing.T) {
	fx := newFixture(t, noRetry, "app:slow")
	fx.comps["app:slow"].hang = true
	errc := make(chan error, 1)
	go func() { errc <- fx.sup.ensure(context.Background(), "app:slow") }()
	fx.clock.waitDue(t, 10*time.Second)
	fx.clock.Advance(10 * time.Second)
	err := <-errc
	if err == nil || !strings.Contains(err.Error(), "start timed out after 10s") {
		t.Fatalf("err = %v, want a start timeout", err)
	}
	if !errors.Is(err, backends.ErrUnavailable) {
		t.Errorf("err does not match ErrUnavailable: %v", err)
	}
	if got := fx.phase("app:slow"); got != Failed {
		t.Errorf("phase %s, want failed (max_attempts 1)", got)
	}
}

func TestRetryWithBackoff(t *testing.T) {
	restart := registry.Restart{InitialDelay: time.Second, MaxDelay: 3 * time.Second, BackoffFactor: 2}
	fx := newFixture(t, restart, "app:db:auto")
	boom := errors.New("connection refused")
	fx.comps["app:db"].failures = []error{boom, boom, boom}
	if err := fx.sup.boot(context.Background(), fx.order); err != nil {
		t.Fatalf("boot must not fail while an entry retries: %v", err)
	}
	start := fx.clock.Now()
	for i, wantDelay := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second} {
		fx.clock.waitTimers(t, 2) // the attempt's start timeout and the retry delay
		st, _ := fx.sup.state("app:db")
		if st.Phase != Retrying || st.Attempts != i+1 || !errors.Is(st.LastError, boom) {
			t.Fatalf("retry %d: state %+v", i+1, st)
		}
		if got := st.NextRetry.Sub(fx.clock.Now()); got != wantDelay {
			t.Errorf("retry %d: delay %s, want %s", i+1, got, wantDelay)
		}
		// Meanwhile users get UNAVAILABLE carrying the last error.
		err := fx.sup.ensure(context.Background(), "app:db")
		if !errors.Is(err, backends.ErrUnavailable) || !errors.Is(err, boom) {
			t.Errorf("retry %d: ensure = %v", i+1, err)
		}
		fx.clock.Advance(wantDelay)
	}
	waitPhase(t, fx, "app:db", Running)
	if got := fx.clock.Now().Sub(start); got != 6*time.Second {
		t.Errorf("running after %s, want 6s", got)
	}
}

func waitPhase(t *testing.T, fx *fixture, id string, want Phase) {
	t.Helper()
	fx.waitFor(t, func() bool { return fx.phase(id) == want }, fmt.Sprintf("%s %s", id, want))
}

// waitFor blocks until cond holds, checking after every start attempt.
func (fx *fixture) waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	limit := time.NewTimer(5 * time.Second)
	defer limit.Stop()
	for !cond() {
		select {
		case <-fx.changed:
		case <-limit.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestBackoff(t *testing.T) {
	r := registry.Restart{InitialDelay: time.Second, MaxDelay: 90 * time.Second, BackoffFactor: 2, Jitter: 0.1}
	tests := []struct {
		n    int
		rnd  float64
		want time.Duration
	}{
		{1, 0.5, time.Second},
		{2, 0.5, 2 * time.Second},
		{7, 0.5, 64 * time.Second},
		{8, 0.5, 90 * time.Second}, // capped
		{1, 0, 900 * time.Millisecond},
		{1, 1, 1100 * time.Millisecond},
		{8, 0, 81 * time.Second},
	}
	for _, tt := range tests {
		if got := backoff(r, tt.n, tt.rnd); got != tt.want {
			t.Errorf("backoff(n=%d, rnd=%v) = %s, want %s", tt.n, tt.rnd, got, tt.want)
		}
	}
}

func TestFailedBootRollsBack(t *testing.T) {
	fx := newFixture(t, noRetry, "app:a:auto", "app:b:auto", "app:c:auto app:a", "app:d:auto")
	fx.comps["app:c"].failures = []error{errors.New("bad config")}
	err := fx.sup.boot(context.Background(), fx.order)
	if err == nil || !strings.Contains(err.Error(), "bad config") {
		t.Fatalf("boot err = %v", err)
	}
	want := []string{
		"start app:a", "running app:a", "start app:b", "running app:b", "start app:c",
		"stop app:b", "stop app:a",
	}
	if got := fx.ev.get(); !slices.Equal(got, want) {
		t.Errorf("events:\n got %q\nwant %q", got, want)
	}
	for _, id := range []string{"app:a", "app:b", "app:d"} {
		if got := fx.phase(id); got != Stopped {
			t.Errorf("%s: %s after rollback", id, got)
		}
	}
}

func TestDependencyRetryingMakesDependentUnavailable(t *testing.T) {
	restart := registry.Restart{InitialDelay: time.Second, MaxDelay: time.Second, BackoffFactor: 2}
	fx := newFixture(t, restart, "app:db", "app:store app:db")
	fx.comps["app:db"].failures = []error{errors.New("db down")}
	err := fx.sup.ensure(context.Background(), "app:store")
	if !errors.Is(err, backends.ErrUnavailable) || !strings.Contains(err.Error(), "db down") {
		t.Fatalf("ensure = %v", err)
	}
	// db: start timeout + retry; store: retry (it never got to Start).
	fx.clock.waitTimers(t, 3)
	if st, _ := fx.sup.state("app:store"); st.Phase != Retrying {
		t.Fatalf("app:store: %s, want retrying", st)
	}
	// The store's retry may run before or after the database's; within a
	// few retry periods both are running.
	for i := 0; i < 5 && fx.phase("app:store") != Running; i++ {
		before, _ := fx.sup.state("app:store")
		fx.clock.Advance(time.Second)
		fx.waitFor(t, func() bool {
			st, _ := fx.sup.state("app:store")
			return st.Phase == Running || (st.Phase == Retrying && st.Attempts > before.Attempts)
		}, "app:store to run or fail again")
	}
	waitPhase(t, fx, "app:db", Running)
	waitPhase(t, fx, "app:store", Running)
}

func TestStopTimeout(t *testing.T) {
	fx := newFixture(t, noRetry, "app:a:auto", "app:b:auto")
	fx.comps["app:b"].hangStop = true
	if err := fx.sup.boot(context.Background(), fx.order); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- fx.sup.shutdown(context.Background()) }()
	fx.clock.waitDue(t, 5*time.Second)
	fx.clock.Advance(5 * time.Second)
	err := <-errc
	if err == nil || !strings.Contains(err.Error(), "stop app:b: stop timed out after 5s") {
		t.Fatalf("shutdown = %v", err)
	}
	if got := fx.ev.get(); !slices.Contains(got, "stop app:a") {
		t.Errorf("app:a not stopped after app:b timed out: %q", got)
	}
}

func TestNoStartDuringShutdown(t *testing.T) {
	fx := newFixture(t, noRetry, "app:a")
	if err := fx.sup.shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	err := fx.sup.ensure(context.Background(), "app:a")
	if !errors.Is(err, ErrShuttingDown) {
		t.Fatalf("ensure after shutdown = %v", err)
	}
	if got := fx.ev.get(); len(got) != 0 {
		t.Errorf("events %q", got)
	}
}

func TestConcurrentEnsureStartsOnce(t *testing.T) {
	fx := newFixture(t, noRetry, "app:db", "app:s1 app:db", "app:s2 app:db")
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- fx.sup.ensure(context.Background(), fmt.Sprintf("app:s%d", i%2+1))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for _, e := range fx.ev.get() {
		if e == "start app:db" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("app:db started %d times", n)
	}
}

// TestCallerContextDoesNotOwnTheStart: a caller whose context ends while
// an entry starts gets TIMEOUT or CANCELED for itself; the start goes on
// under the supervisor, nothing is marked failed, and the next caller gets
// the running entry.
func TestCallerContextDoesNotOwnTheStart(t *testing.T) {
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
		kind string
	}{
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		}, context.DeadlineExceeded, luamod.KindTimeout},
		{"cancel", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, context.Canceled, luamod.KindCanceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, noRetry, "app:db", "app:kv app:db")
			gate := make(chan struct{})
			fx.comps["app:db"].gate = gate
			ctx, cancel := tt.ctx()
			defer cancel()
			err := fx.sup.ensure(ctx, "app:kv")
			if !errors.Is(err, tt.want) {
				t.Fatalf("ensure = %v, want %v", err, tt.want)
			}
			waitEntered(t, fx.comps["app:db"], "start")
			if got := luamod.KindOf(err); got != tt.kind {
				t.Errorf("kind %s, want %s", got, tt.kind)
			}
			for _, id := range []string{"app:db", "app:kv"} {
				if st, _ := fx.sup.state(id); st.Phase != Starting || st.Attempts != 0 {
					t.Errorf("%s after the caller left: %s, want starting with no failed attempt", id, st)
				}
			}
			// Concurrent callers share the one start.
			errs := make(chan error, 3)
			for range 3 {
				go func() { errs <- fx.sup.ensure(context.Background(), "app:kv") }()
			}
			close(gate)
			for range 3 {
				if err := <-errs; err != nil {
					t.Fatalf("a later caller: %v", err)
				}
			}
			want := []string{"start app:db", "running app:db", "start app:kv", "running app:kv"}
			if got := fx.ev.get(); !slices.Equal(got, want) {
				t.Errorf("events %q, want %q", got, want)
			}
		})
	}
}

// TestStartErrorKindIsUnavailable: an entry whose start failed with a
// context error (a driver's own connect timeout) is UNAVAILABLE to every
// caller, not TIMEOUT.
func TestStartErrorKindIsUnavailable(t *testing.T) {
	fx := newFixture(t, noRetry, "app:db", "app:kv app:db")
	fx.comps["app:db"].failures = []error{fmt.Errorf("dial: %w", context.DeadlineExceeded)}
	for range 2 {
		err := fx.sup.ensure(context.Background(), "app:kv")
		if got := luamod.KindOf(err); got != luamod.KindUnavailable {
			t.Fatalf("kind %s (%v), want UNAVAILABLE", got, err)
		}
		if !strings.Contains(err.Error(), "dial: context deadline exceeded") {
			t.Errorf("error %q does not carry the start error", err)
		}
	}
}

// TestPermanentFailureFailsFast: a start error wrapping
// registry.ErrPermanent marks the entry failed at once, with no retry
// scheduled, while a transient error keeps the backoff.
func TestPermanentFailureFailsFast(t *testing.T) {
	forever := registry.Restart{InitialDelay: time.Second, MaxDelay: time.Minute, BackoffFactor: 2}
	tests := []struct {
		name   string
		err    error
		want   Phase
		timers int // start timeout, plus the retry delay when retrying
	}{
		{"permanent", fmt.Errorf("table missing: %w", registry.ErrPermanent), Failed, 1},
		{"permanent inside dependency", fmt.Errorf("x: %w", &UnavailableError{ID: "app:y", Err: registry.ErrPermanent}), Failed, 1},
		{"transient", errors.New("connection refused"), Retrying, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, forever, "app:x")
			fx.comps["app:x"].failures = []error{tt.err}
			err := fx.sup.ensure(context.Background(), "app:x")
			if !errors.Is(err, backends.ErrUnavailable) {
				t.Fatalf("ensure = %v", err)
			}
			st, _ := fx.sup.state("app:x")
			if st.Phase != tt.want || st.Attempts != 1 || st.LastError == nil || !strings.Contains(err.Error(), st.LastError.Error()) {
				t.Fatalf("state %s, want %s after one attempt", st, tt.want)
			}
			fx.clock.waitTimers(t, tt.timers)
			if fx.clock.WaitTimers(1, 50*time.Millisecond) {
				t.Fatalf("an unexpected timer was set (%s)", st)
			}
			// Time passing changes nothing for a failed entry.
			fx.clock.Advance(time.Hour)
			if tt.want == Failed {
				if st, _ := fx.sup.state("app:x"); st.Phase != Failed || st.Attempts != 1 {
					t.Errorf("after an hour: %s", st)
				}
				if got := fx.ev.get(); !slices.Equal(got, []string{"start app:x"}) {
					t.Errorf("events %q", got)
				}
			} else {
				waitPhase(t, fx, "app:x", Running)
			}
		})
	}
}

// TestCloseReportsWhatDidNotStop: Close is bounded by its context; a Stop
// that ignores its context is reported by entry, and the other entries
// still stop.
func TestCloseReportsWhatDidNotStop(t *testing.T) {
	fx := newFixture(t, noRetry, "app:a:auto", "app:b:auto", "app:c:auto")
	stuck := make(chan struct{})
	defer close(stuck)
	fx.comps["app:b"].stuckStop = stuck
	if err := fx.sup.boot(context.Background(), fx.order); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- fx.sup.shutdown(ctx) }()
	waitEntered(t, fx.comps["app:b"], "stop")
	cancel()
	err := <-errc
	// app:a's stop comes after ctx ended, so it may be named too.
	if err == nil || !strings.Contains(err.Error(), "stop app:b: stop interrupted: context canceled") ||
		!regexp.MustCompile(`entries still starting or stopping: (app:a, )?app:b: context canceled`).MatchString(err.Error()) {
		t.Fatalf("shutdown = %v", err)
	}
	if strings.Contains(err.Error(), "app:c") {
		t.Errorf("app:c stopped before ctx ended but is named: %v", err)
	}
	// app:a's Stop is still called, with the ended context.
	waitEntered(t, fx.comps["app:a"], "stop")
}

func waitEntered(t *testing.T, c *fakeComp, what string) {
	t.Helper()
	limit := time.After(5 * time.Second)
	for {
		select {
		case got := <-c.entered:
			if got == what {
				return
			}
		case <-limit:
			t.Fatalf("%s: %s never called", c.id, what)
		}
	}
}

// exitComp is a fakeComp whose runs end when the test says so.
type exitComp struct {
	*fakeComp
	mu   sync.Mutex
	exit chan error // of the current run
}

func (c *exitComp) Exited() <-chan error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.exit = make(chan error, 1)
	return c.exit
}

// end ends the current run with err.
func (c *exitComp) end(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.exit <- err
}

// TestStableThresholdResetsRetryCounter: a run that ends before
// stable_threshold counts as a failed attempt, so the backoff grows and
// max_attempts applies; a run that lasted stable_threshold starts the
// count again (Wippy's supervision).
func TestStableThresholdResetsRetryCounter(t *testing.T) {
	restart := registry.Restart{InitialDelay: time.Second, MaxDelay: time.Minute, BackoffFactor: 2}
	type run struct {
		lasts        time.Duration // how long the run stays up before it ends
		wantAttempts int           // after it ended
		wantDelay    time.Duration // before the next start
	}
	tests := []struct {
		name        string
		maxAttempts int
		runs        []run
		wantFailed  bool
	}{
		{"short runs back off", 0, []run{{time.Second, 1, time.Second}, {0, 2, 2 * time.Second}, {9 * time.Second, 3, 4 * time.Second}}, false},
		{"a stable run resets", 0, []run{{0, 1, time.Second}, {0, 2, 2 * time.Second}, {10 * time.Second, 1, time.Second}, {time.Minute, 1, time.Second}}, false},
		{"crash loop reaches max_attempts", 2, []run{{0, 1, time.Second}, {time.Second, 2, 0}}, true},
		{"stable runs never reach max_attempts", 2, []run{{10 * time.Second, 1, time.Second}, {10 * time.Second, 1, time.Second}, {10 * time.Second, 1, time.Second}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := restart
			r.MaxAttempts = tt.maxAttempts
			fx := newFixture(t, r, "app:w:auto")
			fx.order[0].Lifecycle.StableThreshold = 10 * time.Second
			c := &exitComp{fakeComp: fx.comps["app:w"]}
			fx.sup.unit("app:w").comp = c
			if err := fx.sup.boot(context.Background(), fx.order); err != nil {
				t.Fatal(err)
			}
			for i, rn := range tt.runs {
				waitPhase(t, fx, "app:w", Running)
				fx.clock.Advance(rn.lasts)
				c.end(fmt.Errorf("worker %d died", i))
				if tt.wantFailed && i == len(tt.runs)-1 {
					waitPhase(t, fx, "app:w", Failed)
				} else {
					waitPhase(t, fx, "app:w", Retrying)
				}
				st, _ := fx.sup.state("app:w")
				if st.Attempts != rn.wantAttempts || st.LastError == nil || !strings.Contains(st.LastError.Error(), fmt.Sprintf("worker %d died", i)) {
					t.Fatalf("run %d: state %s, want attempt %d", i, st, rn.wantAttempts)
				}
				if tt.wantFailed && i == len(tt.runs)-1 {
					break
				}
				if got := st.NextRetry.Sub(fx.clock.Now()); got != rn.wantDelay {
					t.Fatalf("run %d: retry in %s, want %s", i, got, rn.wantDelay)
				}
				fx.clock.waitDue(t, rn.wantDelay)
				fx.clock.Advance(rn.wantDelay)
			}
			// Every ended run was stopped before the next start.
			var stops int
			for _, e := range fx.ev.get() {
				stops += strings.Count(e, "stop app:w")
			}
			if stops != len(tt.runs) {
				t.Errorf("%d stops for %d ended runs", stops, len(tt.runs))
			}
		})
	}
}

// TestStableRunShowsNoAttempts: State reports the retry counter until the
// run has lasted stable_threshold, then zero.
func TestStableRunShowsNoAttempts(t *testing.T) {
	fx := newFixture(t, registry.Restart{InitialDelay: time.Second, MaxDelay: time.Minute, BackoffFactor: 2}, "app:x")
	fx.order[0].Lifecycle.StableThreshold = 5 * time.Second
	fx.comps["app:x"].failures = []error{errors.New("refused")}
	_ = fx.sup.ensure(context.Background(), "app:x")
	fx.clock.waitDue(t, time.Second)
	fx.clock.Advance(time.Second)
	waitPhase(t, fx, "app:x", Running)
	if st, _ := fx.sup.state("app:x"); st.Attempts != 1 {
		t.Fatalf("just started: %+v, want the attempt kept", st)
	}
	fx.clock.Advance(4 * time.Second)
	if st, _ := fx.sup.state("app:x"); st.Attempts != 1 {
		t.Fatalf("after 4s: %+v", st)
	}
	fx.clock.Advance(time.Second)
	if st, _ := fx.sup.state("app:x"); st.Attempts != 0 {
		t.Fatalf("after stable_threshold: %+v", st)
	}
}

// TestOptionalStartupNeverFailsBoot: an auto_start entry with startup:
// optional that fails (for good or retrying) leaves the boot going; the
// same failure of a required entry fails the boot.
func TestOptionalStartupNeverFailsBoot(t *testing.T) {
	forever := registry.Restart{InitialDelay: time.Second, MaxDelay: time.Minute, BackoffFactor: 2}
	tests := []struct {
		name     string
		startup  string
		restart  registry.Restart
		err      error
		wantBoot bool // boot succeeds
		want     Phase
	}{
		{"optional, max_attempts reached", registry.StartupOptional, noRetry, errors.New("refused"), true, Failed},
		{"optional, permanent", registry.StartupOptional, forever, fmt.Errorf("no table: %w", registry.ErrPermanent), true, Failed},
		{"optional, retrying", registry.StartupOptional, forever, errors.New("refused"), true, Retrying},
		{"required, max_attempts reached", registry.StartupRequired, noRetry, errors.New("refused"), false, Failed},
		{"required, permanent", registry.StartupRequired, forever, fmt.Errorf("no table: %w", registry.ErrPermanent), false, Failed},
		{"required, retrying", registry.StartupRequired, forever, errors.New("refused"), true, Retrying},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, tt.restart, "app:a:auto", "app:opt:auto", "app:b:auto app:a")
			fx.order[1].Lifecycle.Startup = tt.startup
			fx.comps["app:opt"].failures = []error{tt.err}
			err := fx.sup.boot(context.Background(), fx.order)
			if (err == nil) != tt.wantBoot {
				t.Fatalf("boot = %v, want success %v", err, tt.wantBoot)
			}
			if got := fx.phase("app:opt"); got != tt.want {
				t.Errorf("app:opt %s, want %s", got, tt.want)
			}
			wantOthers := Running
			if !tt.wantBoot {
				wantOthers = Stopped
			}
			for _, id := range []string{"app:a", "app:b"} {
				if got := fx.phase(id); got != wantOthers {
					t.Errorf("%s %s, want %s", id, got, wantOthers)
				}
			}
		})
	}
}
