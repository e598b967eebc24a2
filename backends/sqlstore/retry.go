package sqlstore

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/luahost/luahost/backends/sqldb"
	"github.com/luahost/luahost/registry"
)

// retrier runs a database call again when it failed in a way that a
// repeat may fix, pausing on its clock between attempts. A policy decides
// which errors those are, how many attempts and how long the pauses.
type retrier struct {
	clock registry.Clock
}

// attempt describes a failed attempt to a retryPolicy.
type attempt struct {
	n       int           // 1 for the first attempt
	err     error         // its error
	took    time.Duration // how long it ran
	elapsed time.Duration // since the first attempt began
}

// retryPolicy returns whether to make another attempt after a, and the
// pause before it.
type retryPolicy func(a attempt) (pause time.Duration, again bool)

// do runs fn until it succeeds or policy gives up, and returns the last
// error. It stops early, with the last error, when ctx ends: it checks
// after each attempt and during pauses.
func (r retrier) do(ctx context.Context, policy retryPolicy, fn func() error) error {
	var start time.Time
	for n := 1; ; n++ {
		t0 := r.clock.Now()
		if n == 1 {
			start = t0
		}
		err := fn()
		if err == nil || ctx.Err() != nil {
			return err
		}
		now := r.clock.Now()
		pause, again := policy(attempt{n: n, err: err, took: now.Sub(t0), elapsed: now.Sub(start)})
		if !again {
			return err
		}
		if pause > 0 {
			select {
			case <-r.clock.After(pause):
			case <-ctx.Done():
				return err
			}
		}
	}
}

// statementRetry is the policy of single statements (and of BEGIN): a
// statement the database refused without effect runs again, up to 3
// attempts in all when it was rolled back as a deadlock victim or
// serialization failure (InnoDB can pick an upsert as a victim when
// several run on one key); and on SQLite while another process holds the
// lock (SQLITE_BUSY), until sqldb.SQLiteBusyTimeout has passed since the
// first attempt. Each SQLite attempt waits up to sqldb.SQLiteBusyStep
// inside SQLite, where no context is checked; one that came back sooner
// (SQLite does where waiting could deadlock) is followed by a pause of
// that step, so a call whose context ends stops within about a step.
func statementRetry(a attempt) (time.Duration, bool) {
	switch {
	case rolledBack(a.err):
		return 0, a.n < 3
	case busy(a.err):
		if a.elapsed >= sqldb.SQLiteBusyTimeout {
			return 0, false
		}
		if a.took < sqldb.SQLiteBusyStep/2 {
			return sqldb.SQLiteBusyStep, true
		}
		return 0, true
	}
	return 0, false
}

// maxAttempts bounds how often a read-modify-write transaction starts
// over after a deadlock or a concurrent insert.
const maxAttempts = 10

// transactionRetry returns the policy of read-modify-write transactions:
// one that lost a race for its row (a concurrent insert of the key, a
// deadlock, a serialization failure) starts over, up to maxAttempts in
// all, after a pause of jitter(n ms) following attempt n, so writers that
// keep colliding drift apart.
func transactionRetry(jitter func(upTo time.Duration) time.Duration) retryPolicy {
	return func(a attempt) (time.Duration, bool) {
		if a.n >= maxAttempts || !(errors.Is(a.err, errRace) || rolledBack(a.err) || duplicateKey(a.err)) {
			return 0, false
		}
		return jitter(time.Duration(a.n) * time.Millisecond), true
	}
}

// randomJitter returns a random duration in [0, upTo).
func randomJitter(upTo time.Duration) time.Duration { return time.Duration(rand.Int64N(int64(upTo))) }

// txRetry is the policy modify runs under.
var txRetry = transactionRetry(randomJitter)
