package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/registry"
)

// fakeClock is a Clock whose time moves only when a test advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
	added  chan struct{}
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Unix(1_700_000_000, 0), added: make(chan struct{}, 1000)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.timers = append(c.timers, fakeTimer{at: c.now.Add(d), ch: ch})
	c.added <- struct{}{}
	return ch
}

// waitTimers blocks until n timers have been created since the last call.
func (c *fakeClock) waitTimers(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-c.added:
		case <-time.After(5 * time.Second):
			t.Fatalf("timed out waiting for a timer")
		}
	}
}

// waitDue blocks until a timer is pending that fires exactly d from now.
func (c *fakeClock) waitDue(t *testing.T, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		for _, tm := range c.timers {
			if tm.at.Equal(c.now.Add(d)) {
				c.mu.Unlock()
				return
			}
		}
		c.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("no timer due in %s", d)
		}
		time.Sleep(time.Millisecond)
	}
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, tm := range c.timers {
		if !tm.at.After(c.now) {
			tm.ch <- c.now
		} else {
			kept = append(kept, tm)
		}
	}
	c.timers = kept
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
}

func (f *fakeComp) Start(ctx context.Context) error {
	f.ev.add("start " + f.id)
	if f.hang {
		<-ctx.Done()
		return ctx.Err()
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

func (f *fakeComp) Stop(ctx context.Context) error {
	f.ev.add("stop " + f.id)
	if f.hangStop {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

type fixture struct {
	sup   *supervisor
	clock *fakeClock
	ev    *events
	comps map[string]*fakeComp
	order []*registry.Entry
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
		c := &fakeComp{id: id, ev: fx.ev}
		fx.comps[id] = c
		units[id] = &unit{entry: e, comp: c}
		fx.order = append(fx.order, e)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	fx.sup = newSupervisor(units, fx.clock, func() float64 { return 0.5 }, logger)
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
	deadline := time.Now().Add(5 * time.Second)
	for fx.phase(id) != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s: phase %s, want %s", id, fx.phase(id), want)
		}
		time.Sleep(time.Millisecond)
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
		fx.clock.Advance(time.Second)
		time.Sleep(20 * time.Millisecond)
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
