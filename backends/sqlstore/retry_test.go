//go:build cgo

// The SQLITE_BUSY cases need the SQLite driver's error type.

package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/luahost/luahost/backends/sqldb"
	"github.com/luahost/luahost/internal/testclock"
	"github.com/mattn/go-sqlite3"
)

var (
	errDeadlockPG    = &pgconn.PgError{Code: "40P01"}
	errSerialization = &pgconn.PgError{Code: "40001"}
	errDeadlockMy    = &mysql.MySQLError{Number: 1213}
	errDuplicatePG   = &pgconn.PgError{Code: "23505"}
	errDuplicateMy   = &mysql.MySQLError{Number: 1062}
	errBusy          = sqlite3.Error{Code: sqlite3.ErrBusy}
	errSyntax        = &pgconn.PgError{Code: "42601"}
)

// halfJitter stands in for the random jitter: half the range, so the
// pauses are exact.
func halfJitter(upTo time.Duration) time.Duration { return upTo / 2 }

// TestRetry runs the retry helper on a clock moved by hand and checks
// each attempt's error class against how many attempts run and the exact
// pause before each. Each attempt of fn fails with err and, like SQLite's
// busy wait, takes work of the clock's time.
func TestRetry(t *testing.T) {
	step := sqldb.SQLiteBusyStep
	tests := []struct {
		name   string
		policy retryPolicy
		err    error
		work   time.Duration // clock time each attempt takes
		want   int           // attempts
		pauses func(n int) time.Duration
	}{
		{"statement: PostgreSQL deadlock runs 3 times", statementRetry, errDeadlockPG, 0, 3, nil},
		{"statement: serialization failure runs 3 times", statementRetry, errSerialization, 0, 3, nil},
		{"statement: MySQL deadlock runs 3 times", statementRetry, errDeadlockMy, 0, 3, nil},
		{"statement: wrapped deadlock runs 3 times", statementRetry, fmt.Errorf("exec: %w", errDeadlockMy), 0, 3, nil},
		{"statement: duplicate key is not retried", statementRetry, errDuplicatePG, 0, 1, nil},
		{"statement: other errors are not retried", statementRetry, errSyntax, 0, 1, nil},
		{"statement: SQLITE_BUSY at once pauses a step, for 5s in all",
			statementRetry, errBusy, 0, int(sqldb.SQLiteBusyTimeout/step) + 1, func(int) time.Duration { return step }},
		{"statement: SQLITE_BUSY after a wait inside SQLite runs again without pause",
			statementRetry, errBusy, step, int(sqldb.SQLiteBusyTimeout / step), nil},
		{"statement: SQLITE_BUSY after waiting half a step or more runs again without pause",
			statementRetry, errBusy, step * 3 / 4, 334, nil}, // 15 ms × 334 ≥ 5 s
		{"statement: SQLITE_BUSY after a short wait pauses",
			// After attempt n, 9n ms of attempts and 20(n-1) ms of
			// pauses have passed: 5s is reached at n = 174.
			statementRetry, errBusy, step/2 - time.Millisecond, 174, func(int) time.Duration { return step }},
		{"transaction: concurrent insert runs 10 times", transactionRetry(halfJitter), errRace, 0, maxAttempts,
			func(n int) time.Duration { return time.Duration(n) * time.Millisecond / 2 }},
		{"transaction: wrapped concurrent insert", transactionRetry(halfJitter), fmt.Errorf("insert: %w", errRace), 0, maxAttempts,
			func(n int) time.Duration { return time.Duration(n) * time.Millisecond / 2 }},
		{"transaction: PostgreSQL duplicate key", transactionRetry(halfJitter), errDuplicatePG, 0, maxAttempts,
			func(n int) time.Duration { return time.Duration(n) * time.Millisecond / 2 }},
		{"transaction: MySQL duplicate key", transactionRetry(halfJitter), errDuplicateMy, 0, maxAttempts,
			func(n int) time.Duration { return time.Duration(n) * time.Millisecond / 2 }},
		{"transaction: deadlock", transactionRetry(halfJitter), errDeadlockMy, 0, maxAttempts,
			func(n int) time.Duration { return time.Duration(n) * time.Millisecond / 2 }},
		{"transaction: serialization failure", transactionRetry(halfJitter), errSerialization, 0, maxAttempts,
			func(n int) time.Duration { return time.Duration(n) * time.Millisecond / 2 }},
		{"transaction: SQLITE_BUSY is not retried", transactionRetry(halfJitter), errBusy, 0, 1, nil},
		{"transaction: other errors are not retried", transactionRetry(halfJitter), errSyntax, 0, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := testclock.New()
			attempts := 0
			done := make(chan error, 1)
			go func() {
				done <- retrier{clk}.do(context.Background(), tt.policy, func() error {
					attempts++
					clk.Advance(tt.work)
					return tt.err
				})
			}()
			// Wait for each expected pause to be pending, exactly that
			// long, and move the clock by it.
			pauses := 0
			var err error
			deadline := time.Now().Add(20 * time.Second)
		wait:
			for {
				select {
				case err = <-done:
					break wait
				default:
				}
				if tt.pauses != nil && clk.WaitDue(tt.pauses(pauses+1), 10*time.Millisecond) {
					pauses++
					clk.Advance(tt.pauses(pauses))
					continue
				}
				if tt.pauses == nil {
					time.Sleep(time.Millisecond)
				}
				if time.Now().After(deadline) {
					if tt.pauses == nil {
						t.Fatal("do() has not returned: it is pausing where no pause is due")
					}
					t.Fatalf("after %d pauses: no pause of %v pending, and do() has not returned", pauses, tt.pauses(pauses+1))
				}
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("do() = %v, want the last attempt's error %v", err, tt.err)
			}
			if attempts != tt.want {
				t.Errorf("%d attempts, want %d", attempts, tt.want)
			}
			if tt.pauses != nil && pauses != tt.want-1 {
				t.Errorf("%d pauses, want %d (one after every attempt but the last)", pauses, tt.want-1)
			}
		})
	}
}

// TestRetryStopsWhenContextEnds: a call whose context ends stops at once,
// during a pause or after an attempt, with the last attempt's error.
func TestRetryStopsWhenContextEnds(t *testing.T) {
	t.Run("during a pause", func(t *testing.T) {
		clk := testclock.New()
		ctx, cancel := context.WithCancel(context.Background())
		attempts := 0
		done := make(chan error, 1)
		go func() {
			done <- retrier{clk}.do(ctx, statementRetry, func() error { attempts++; return errBusy })
		}()
		if !clk.WaitDue(sqldb.SQLiteBusyStep, 5*time.Second) {
			t.Fatal("no pause of SQLiteBusyStep after SQLITE_BUSY")
		}
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, errBusy) || attempts != 1 {
				t.Errorf("do() = %v after %d attempts, want SQLITE_BUSY after 1", err, attempts)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("do() still pausing after its context ended")
		}
	})
	t.Run("after an attempt", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		attempts := 0
		err := retrier{testclock.New()}.do(ctx, transactionRetry(halfJitter), func() error {
			attempts++
			cancel()
			return errRace
		})
		if !errors.Is(err, errRace) || attempts != 1 {
			t.Errorf("do() = %v after %d attempts, want the race error after 1", err, attempts)
		}
	})
	t.Run("success ends it", func(t *testing.T) {
		attempts := 0
		err := retrier{testclock.New()}.do(context.Background(), statementRetry, func() error {
			if attempts++; attempts < 3 {
				return errDeadlockPG
			}
			return nil
		})
		if err != nil || attempts != 3 {
			t.Errorf("do() = %v after %d attempts, want nil after 3", err, attempts)
		}
	})
}
