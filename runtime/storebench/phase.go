package storebench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/runtime"
)

// Histogram range: 1 ns to 1 minute, 3 significant digits.
const (
	histMin    = 1
	histMax    = int64(time.Minute)
	histDigits = 3
)

// opStats accumulates one operation's figures in one client.
type opStats struct {
	hist      *hdrhistogram.Histogram // nil when not timed per operation
	ops       int64
	errors    int64
	conflicts int64
	first     error
}

func newOpStats(timed bool) *opStats {
	s := &opStats{}
	if timed {
		s.hist = hdrhistogram.New(histMin, histMax, histDigits)
	}
	return s
}

// record adds n calls of latency d each.
func (s *opStats) record(d time.Duration, n int64) {
	v := min(max(int64(d), histMin), histMax)
	_ = s.hist.RecordValues(v, n) // v is in range: cannot fail
}

// fail counts a failed Go-level call on the store id. The first error is
// kept as a script would print it, `KIND: store "ID": message`, as the Lua
// level keeps it.
func (s *opStats) fail(id string, err error) {
	s.errors++
	if s.first == nil {
		var le *luamod.Error
		if errors.As(err, &le) {
			s.first = err
		} else {
			kind := luamod.KindOf(err)
			s.first = fmt.Errorf("%s: store %q: %s", luamod.KindName(kind), id, luamod.Message(err, kind))
		}
	}
}

func (s *opStats) merge(o *opStats) {
	s.ops += o.ops
	s.errors += o.errors
	s.conflicts += o.conflicts
	if s.first == nil {
		s.first = o.first
	}
	if s.hist != nil && o.hist != nil {
		s.hist.Merge(o.hist)
	}
}

func (s *opStats) result(op string, elapsed time.Duration) Stats {
	out := Stats{Op: op, Ops: s.ops, Errors: s.errors, Conflicts: s.conflicts}
	if elapsed > 0 {
		out.OpsPerSec = float64(s.ops) / elapsed.Seconds()
	}
	if s.first != nil {
		out.FirstError = s.first.Error()
	}
	if s.hist != nil && s.hist.TotalCount() > 0 {
		us := func(ns int64) float64 { return float64(ns) / 1e3 }
		out.Latency = &Latency{
			Mean: s.hist.Mean() / 1e3,
			P50:  us(s.hist.ValueAtQuantile(50)),
			P99:  us(s.hist.ValueAtQuantile(99)),
			P999: us(s.hist.ValueAtQuantile(99.9)),
			Max:  us(s.hist.Max()),
		}
	}
	return out
}

// client is one client's share of a phase.
type client struct {
	n     int        // index
	quota int64      // calls to make; 0: until the deadline
	stats []*opStats // per operation of the phase's mix
	total *opStats   // the Lua level's batch timings of a mix
	// ops and errors are published for the progress line.
	pub struct {
		ops, errors atomic.Int64
		_           [48]byte // keep clients' counters off one cache line
	}
}

// phaseRun is a phase in progress.
type phaseRun struct {
	spec     phaseSpec
	start    time.Time
	deadline time.Time // zero: none
	clients  []*client
}

// runPhase runs one phase with every client and collects its figures.
func (t *target) runPhase(ctx context.Context, rt *runtime.Runtime, spec phaseSpec) (*Phase, error) {
	cfg := t.cfg
	ph := &phaseRun{spec: spec}
	perOp := !cfg.Lua || !spec.mixed
	for c := range cfg.Clients {
		cl := &client{n: c}
		if cfg.Requests > 0 {
			cl.quota = cfg.Requests / int64(cfg.Clients)
			if int64(c) < cfg.Requests%int64(cfg.Clients) {
				cl.quota++
			}
		}
		for range spec.mix {
			cl.stats = append(cl.stats, newOpStats(perOp))
		}
		if !perOp {
			cl.total = newOpStats(true)
		}
		ph.clients = append(ph.clients, cl)
	}

	// Lua clients get their states ready before the clock starts.
	ready := make(chan struct{})
	var (
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	setErr := func(err error) {
		errMu.Lock()
		defer errMu.Unlock()
		if firstErr == nil {
			firstErr = err
			cancel()
		}
	}
	var prepared sync.WaitGroup
	for _, cl := range ph.clients {
		prepared.Add(1)
		wg.Go(func() {
			var err error
			if cfg.Lua {
				err = t.luaClient(ctx, rt, ph, cl, prepared.Done, ready)
			} else {
				prepared.Done()
				<-ready
				t.goClient(ctx, ph, cl)
			}
			// A client stopped by the end of ctx fails with it; the
			// phase reports ctx's error instead.
			if err != nil && ctx.Err() == nil {
				setErr(err)
			}
		})
	}
	prepared.Wait()
	ph.start = time.Now()
	if cfg.Duration > 0 {
		ph.deadline = ph.start.Add(cfg.Duration)
	}
	close(ready)

	stopProgress := t.progress(spec.name, ph.start, func() (ops, errs int64) {
		for _, cl := range ph.clients {
			ops += cl.pub.ops.Load()
			errs += cl.pub.errors.Load()
		}
		return ops, errs
	})
	wg.Wait()
	elapsed := time.Since(ph.start)
	stopProgress(elapsed)
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	out := &Phase{Name: spec.name, Elapsed: elapsed.Seconds()}
	total := newOpStats(!perOp || !spec.mixed)
	for i, w := range spec.mix {
		s := newOpStats(perOp)
		for _, cl := range ph.clients {
			s.merge(cl.stats[i])
		}
		if spec.mixed {
			out.ByOp = append(out.ByOp, s.result(string(w.Op), elapsed))
		}
		total.merge(s)
	}
	if !perOp {
		h := newOpStats(true)
		for _, cl := range ph.clients {
			h.merge(cl.total)
		}
		total.hist = h.hist
	} else if spec.mixed {
		// The whole mix's latencies: every operation's together.
		total.hist = hdrhistogram.New(histMin, histMax, histDigits)
		for _, cl := range ph.clients {
			for _, s := range cl.stats {
				total.hist.Merge(s.hist)
			}
		}
	}
	name := string(spec.mix[0].Op)
	if spec.mixed {
		name = "mix"
	}
	out.Stats = total.result(name, elapsed)
	return out, nil
}

// progress reports, about every ProgressEvery, what count says of the
// work named name begun at start, until the returned function is called
// with the work's elapsed time.
func (t *target) progress(name string, start time.Time, count func() (ops, errors int64)) func(time.Duration) {
	report := t.cfg.Progress
	if report == nil {
		return func(time.Duration) {}
	}
	sum := func(elapsed time.Duration, done bool) Progress {
		p := Progress{Phase: name, Elapsed: elapsed, Done: done}
		p.Ops, p.Errors = count()
		return p
	}
	every := t.cfg.ProgressEvery
	if every <= 0 {
		every = 200 * time.Millisecond
	}
	stop := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				// A tick that came while this goroutine waited to run
				// (a busy machine) still reports: work longer than every
				// shows progress at least once.
				select {
				case <-tick.C:
					report(sum(time.Since(start), false))
				default:
				}
				return
			case <-tick.C:
				report(sum(time.Since(start), false))
			}
		}
	}()
	return func(elapsed time.Duration) {
		close(stop)
		<-stopped
		report(sum(elapsed, true))
	}
}

// publishEvery is how many calls a Go client makes between updates of its
// progress counters.
const publishEvery = 64

// goClient calls the store from Go, timing each call, until the deadline,
// its quota or ctx ends.
func (t *target) goClient(ctx context.Context, ph *phaseRun, cl *client) {
	mix := ph.spec.mix
	var totalWeight int
	for _, w := range mix {
		totalWeight += w.Weight
	}
	rng := rand.New(rand.NewPCG(uint64(cl.n)+1, 0x6c7561686f7374)) // per client, repeatable
	nkeys := uint64(t.cfg.Keys)
	names := newKeyNamer(t.cfg.Prefix, t.cfg.Keys)
	done := ctx.Done()
	var made, failed int64
	for {
		if cl.quota > 0 && made >= cl.quota {
			break
		}
		if made%publishEvery == 0 {
			cl.pub.ops.Store(made)
			cl.pub.errors.Store(failed)
			select {
			case <-done:
				return
			default:
			}
		}
		i := 0
		if len(mix) > 1 {
			r := rng.IntN(totalWeight)
			for r >= mix[i].Weight {
				r -= mix[i].Weight
				i++
			}
		}
		k := rng.Uint64N(nkeys)
		s := cl.stats[i]
		start := time.Now()
		err := t.call(ctx, names, mix[i].Op, k)
		end := time.Now()
		t.called(mix[i].Op, k)
		s.record(end.Sub(start), 1)
		s.ops++
		made++
		if err != nil {
			if mix[i].Op == OpPutIfVersion && errors.Is(err, backends.ErrConflict) {
				s.conflicts++
			} else {
				failed++
				s.fail(t.id, err)
			}
		}
		if !ph.deadline.IsZero() && !end.Before(ph.deadline) {
			break
		}
	}
	cl.pub.ops.Store(made)
	cl.pub.errors.Store(failed)
}

// call makes one call of op on key number k, named by names.
func (t *target) call(ctx context.Context, names *keyNamer, op Op, k uint64) error {
	switch op {
	case OpSet:
		return t.st.Set(ctx, names.name(dataKind, k), t.value, 0)
	case OpGet:
		_, err := t.st.Get(ctx, names.name(dataKind, k))
		return err
	case OpIncr:
		_, err := t.ext.Incr(ctx, names.name(counterKind, k), 1, backends.IncrOptions{})
		return err
	case OpPutIfVersion:
		key := names.name(dataKind, k)
		it, err := t.ext.Entry(ctx, key)
		if err != nil {
			return err
		}
		_, err = t.ext.Put(ctx, key, t.value, backends.PutOptions{IfVersion: it.Version, HasIfVersion: true})
		return err
	case OpList:
		_, err := t.ext.List(ctx, backends.ListOptions{Prefix: t.listFrom, After: names.name(dataKind, k), Limit: t.cfg.ListLimit})
		return err
	}
	panic("storebench: unknown operation " + string(op)) // ParseOps admits no other
}

// called records that a call of op on key number k may have written the
// key, failed or not, so that cleanup deletes it.
func (t *target) called(op Op, k uint64) {
	switch op {
	case OpSet, OpPutIfVersion:
		t.wrote(t.data, k)
	case OpIncr:
		t.wrote(t.ctrs, k)
	}
}
