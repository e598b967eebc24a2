package runtime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/luahost/luahost/registry"
)

// Report says what Reload did. Every entry of the registry before and
// after the reload is in exactly one list; each list is sorted by ID.
type Report struct {
	// Kept are entries whose kind, fields (after ${env:...} expansion) and
	// dependencies did not change: they were left as they were, running
	// or not (a memory store keeps its contents). A change to only their
	// lifecycle block, meta or position applies without a restart.
	Kept []string
	// Restarted are entries that changed, or depend on one that did, and
	// were running, starting, retrying or failed before, or are
	// auto_start: the old instance stopped after its calls in flight
	// ended, and the new one is running.
	Restarted []string
	// Replaced are entries that changed (or depend on one that did) but
	// were stopped and are not auto_start: the new definition starts on
	// first use.
	Replaced []string
	// Stopped are entries no longer in the registry: they were stopped,
	// after what depended on them.
	Stopped []string
	// Started are new auto_start entries, and kept entries that became
	// auto_start while stopped, now running.
	Started []string
	// Added are new entries without auto_start: they start on first use.
	Added []string
	// Failed are entries whose stop or start failed. A failure does not
	// undo the rest of the reload; a failed start goes on retrying as its
	// lifecycle.restart says.
	Failed []ReloadFailure
}

// ReloadFailure is an entry Reload could not bring to the new registry.
type ReloadFailure struct {
	ID string
	// Op is "stop" (a removed or replaced entry did not stop cleanly),
	// "start" (a new, changed or kept entry did not start) or both joined
	// by "+".
	Op  string
	Err error
}

func (f ReloadFailure) Error() string { return fmt.Sprintf("%s: %s: %v", f.ID, f.Op, f.Err) }

// Unwrap returns the cause.
func (f ReloadFailure) Unwrap() error { return f.Err }

// Err returns the failures joined, or nil when every entry made it.
func (r *Report) Err() error {
	errs := make([]error, len(r.Failed))
	for i, f := range r.Failed {
		errs[i] = f
	}
	return errors.Join(errs...)
}

// String sums the report up in one line, e.g. "kept 998, restarted 1
// (app:db), failed 1 (app:kv)".
func (r *Report) String() string {
	var parts []string
	add := func(name string, ids []string, list bool) {
		if len(ids) == 0 {
			return
		}
		p := fmt.Sprintf("%s %d", name, len(ids))
		if list {
			p += " (" + strings.Join(ids, ", ") + ")"
		}
		parts = append(parts, p)
	}
	add("kept", r.Kept, false)
	add("restarted", r.Restarted, true)
	add("replaced", r.Replaced, true)
	add("stopped", r.Stopped, true)
	add("started", r.Started, true)
	add("added", r.Added, true)
	failed := make([]string, len(r.Failed))
	for i, f := range r.Failed {
		failed[i] = f.ID
	}
	add("failed", failed, true)
	if len(parts) == 0 {
		return "no entries"
	}
	return strings.Join(parts, ", ")
}

// Reload brings the running host to a new registry with the least
// disruption, as Wippy applies registry changes to a running system.
//
// sources are registry options (WithRegistry, WithRegistryFS,
// WithRegistryString, and WithGetenv for the ${env:...} lookup); they
// replace what New (or the last Reload) was given. Without any, the same
// sources are read again, so changed files and environment values apply.
// Any other option is an error.
//
// The new registry is loaded, validated and built whole first: when it has
// a problem, nothing changes (the running entries, their contents and the
// sources to read next time stay) and the error is a *RegistryError, which
// wraps the *registry.Error with every problem's file:line:col. Then:
//
//   - Entries whose kind, fields (compared after ${env:...} expansion)
//     and dependencies are unchanged keep running (see
//     registry.Entry.SameDefinition); a memory store keeps its contents.
//   - Changed entries and everything that depends on them, and removed
//     entries, stop in reverse dependency order, each after the store
//     calls in flight on it end (bounded by its stop_timeout). Meanwhile a
//     call on a changed entry is UNAVAILABLE (retryable; it matches
//     ErrReloading) and on a removed one NOT_FOUND.
//   - The new registry takes effect: handles obtained earlier use the new
//     instance of their entry. Changed entries that were in use (or are
//     auto_start) and new auto_start entries start, dependencies first;
//     Reload waits for those starts, bounded by ctx (a start goes on after
//     ctx ends, as in Start).
//
// The Report says what happened to every entry, and is logged. A failed
// stop or start is in Report.Failed and does not undo the rest; the error
// is nil once the new registry took effect. One Reload runs at a time;
// Reload after Close returns ErrShuttingDown.
func (rt *Runtime) Reload(ctx context.Context, sources ...Option) (*Report, error) {
	var c config
	for _, o := range sources {
		o(&c)
	}
	if c.logger != nil || c.clock != nil || c.sandbox || c.noBoot || c.preloads != nil || c.memoryLimit != 0 ||
		c.meterProvider != nil || c.tracerProvider != nil || c.storeSpans || c.latencySampling != 0 {
		return nil, errors.New("reload: only registry options (WithRegistry, WithRegistryFS, WithRegistryString, WithGetenv) apply to Reload")
	}
	var rs reloadSources
	select {
	case rs = <-rt.reloading:
	case <-ctx.Done():
		return nil, fmt.Errorf("reload: waiting for another reload: %w", ctx.Err())
	}
	defer func() { rt.reloading <- rs }()
	if rt.sup.closing.Load() {
		return nil, ErrShuttingDown
	}
	next := rs
	if len(c.sources) > 0 {
		next.sources = c.sources
	}
	if c.getenv != nil {
		next.getenv = c.getenv
	}
	reg, err := loadRegistry(next.sources, next.getenv)
	if err != nil {
		return nil, &RegistryError{Err: err}
	}
	old := rt.sup.view.Load()
	p := planReload(old, reg)
	units, err := rt.buildUnits(reg, rs.clock, func(e *registry.Entry) *unit {
		if p.kept[e.ID] {
			return old.units[e.ID]
		}
		return nil
	})
	if err != nil {
		return nil, &RegistryError{Err: err}
	}
	st, err := rt.newSecState(reg)
	if err != nil {
		return nil, err
	}
	// From here on the reload applies: the new sources are the ones to
	// read next time.
	rs = next
	rt.logWarnings(reg)
	// The new policies decide from now on, also for calls on kept entries.
	rt.sec.Store(st)
	rep := rt.applyReload(ctx, old, reg, units, p)
	rt.logReport(rep)
	return rep, nil
}

// reloadPlan sorts entries by what a reload does to them.
type reloadPlan struct {
	kept    map[string]bool // same unit before and after
	replace map[string]bool // in both registries, new unit
	removed map[string]bool
	added   map[string]bool
}

// planReload compares the running view with the new registry. An entry
// is replaced when its definition changed or when it depends on an entry
// that is replaced or removed (dependents hold their dependencies'
// components, so they are rebuilt too).
func planReload(old *view, reg *registry.Registry) reloadPlan {
	p := reloadPlan{kept: map[string]bool{}, replace: map[string]bool{}, removed: map[string]bool{}, added: map[string]bool{}}
	for id, u := range old.units {
		if e, ok := reg.Entry(id); !ok {
			p.removed[id] = true
		} else if !u.e().SameDefinition(e) {
			p.replace[id] = true
		}
	}
	// Dependencies come first in Order, so one pass carries replacement
	// to every dependent.
	for _, e := range reg.Order() {
		if _, ok := old.units[e.ID]; !ok {
			p.added[e.ID] = true
			continue
		}
		for _, d := range e.Deps {
			if p.replace[d] || p.removed[d] || p.added[d] {
				p.replace[e.ID] = true
			}
		}
		if !p.replace[e.ID] {
			p.kept[e.ID] = true
		}
	}
	return p
}

// applyReload retires the units that go, stops them in reverse
// dependency order, publishes the new view and starts what should run.
func (rt *Runtime) applyReload(ctx context.Context, old *view, reg *registry.Registry, units map[string]*unit, p reloadPlan) *Report {
	s := rt.sup
	rep := &Report{}
	failed := map[string][]ReloadFailure{}
	fail := func(id, op string, err error) {
		failed[id] = append(failed[id], ReloadFailure{ID: id, Op: op, Err: redactErr(rt.redact, err)})
	}

	// Retire first, so that no new start or call begins on what goes.
	wasActive := map[string]bool{}
	for id := range old.units {
		if p.kept[id] {
			continue
		}
		u := old.units[id]
		u.mu.Lock()
		u.retired = retiredRestart
		if p.removed[id] {
			u.retired = retiredRemoved
		}
		wasActive[id] = u.state.Phase != Stopped
		u.mu.Unlock()
	}
	oldOrder := old.reg.Order()
	for i := len(oldOrder) - 1; i >= 0; i-- {
		id := oldOrder[i].ID
		if p.kept[id] {
			continue
		}
		if err := s.stopRetired(ctx, old.units[id]); err != nil {
			fail(id, "stop", err)
		}
	}
	// Kept entries take the new entry (lifecycle, meta, position).
	for id := range p.kept {
		e, _ := reg.Entry(id)
		units[id].def.Store(e)
	}
	s.view.Store(&view{reg: reg, units: units, prevRedact: old.reg.RedactExcept})

	// Start, concurrently where independent: each start waits for its
	// dependencies' (shared) starts.
	var toStart []string
	for _, e := range reg.Order() {
		id := e.ID
		switch {
		case p.replace[id] && (wasActive[id] || e.Lifecycle.AutoStart),
			p.added[id] && e.Lifecycle.AutoStart:
			toStart = append(toStart, id)
		case p.kept[id] && e.Lifecycle.AutoStart && s.unitState(units[id]).Phase == Stopped:
			toStart = append(toStart, id)
		}
	}
	startErrs := make([]error, len(toStart))
	var wg sync.WaitGroup
	for i, id := range toStart {
		wg.Add(1)
		go func() {
			defer wg.Done()
			startErrs[i] = s.ensureUnit(ctx, units[id])
		}()
	}
	wg.Wait()
	started := map[string]bool{}
	for i, id := range toStart {
		if startErrs[i] != nil {
			fail(id, "start", startErrs[i])
		} else {
			started[id] = true
		}
	}

	for _, e := range reg.Entries() {
		id := e.ID
		switch {
		case len(failed[id]) > 0:
		case p.kept[id] && started[id]:
			rep.Started = append(rep.Started, id)
		case p.kept[id]:
			rep.Kept = append(rep.Kept, id)
		case p.replace[id] && started[id]:
			rep.Restarted = append(rep.Restarted, id)
		case p.replace[id]:
			rep.Replaced = append(rep.Replaced, id)
		case p.added[id] && started[id]:
			rep.Started = append(rep.Started, id)
		case p.added[id]:
			rep.Added = append(rep.Added, id)
		}
	}
	for id := range p.removed {
		if len(failed[id]) == 0 {
			rep.Stopped = append(rep.Stopped, id)
		}
	}
	sort.Strings(rep.Stopped)
	for id, fs := range failed {
		f := fs[0]
		if len(fs) > 1 {
			f = ReloadFailure{ID: id, Op: fs[0].Op + "+" + fs[1].Op, Err: errors.Join(fs[0].Err, fs[1].Err)}
		}
		rep.Failed = append(rep.Failed, f)
	}
	slices.SortFunc(rep.Failed, func(a, b ReloadFailure) int { return strings.Compare(a.ID, b.ID) })
	return rep
}

// stopRetired stops a unit a reload retired once no start of it is in
// flight: a running unit after its calls in flight end, each wait bounded
// by ctx and its stop_timeout; a retrying one just stops retrying.
func (s *supervisor) stopRetired(ctx context.Context, u *unit) error {
	for {
		s.mu.Lock()
		u.mu.Lock()
		switch u.state.Phase {
		case Starting:
			done := u.done
			u.mu.Unlock()
			s.mu.Unlock()
			select {
			case <-done:
			case <-ctx.Done():
				// markRunning stops it when the start succeeds.
				return fmt.Errorf("still starting: %w", ctx.Err())
			}
			continue
		case Running:
			if !slices.Contains(s.running, u) {
				// Shutdown claimed it.
				u.mu.Unlock()
				s.mu.Unlock()
				return nil
			}
			s.running = slices.DeleteFunc(s.running, func(r *unit) bool { return r == u })
			err := s.stopHeld(ctx, u, s.mu.Unlock)
			if err == nil {
				s.logger.Info("entry stopped for reload", "entry", u.e().ID)
			}
			return err
		case Retrying:
			s.setPhaseLocked(u, Stopped)
		}
		u.mu.Unlock()
		s.mu.Unlock()
		return nil
	}
}

// logReport logs what a reload did: one line, and one error per failure.
func (rt *Runtime) logReport(r *Report) {
	for _, f := range r.Failed {
		rt.logger.Error("reload: entry failed", "entry", f.ID, "op", f.Op, "error", f.Err)
	}
	attrs := []any{"kept", len(r.Kept)}
	for _, l := range []struct {
		name string
		ids  []string
	}{{"restarted", r.Restarted}, {"replaced", r.Replaced}, {"stopped", r.Stopped}, {"started", r.Started}, {"added", r.Added}} {
		if len(l.ids) > 0 {
			attrs = append(attrs, l.name, l.ids)
		}
	}
	if len(r.Failed) > 0 {
		ids := make([]string, len(r.Failed))
		for i, f := range r.Failed {
			ids[i] = f.ID
		}
		attrs = append(attrs, "failed", ids)
		rt.logger.Warn("registry reloaded with failures", attrs...)
		return
	}
	rt.logger.Info("registry reloaded", attrs...)
}
