package redisstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/luahost/luahost/backends"
)

// noRetryCmd is a command the client must never send twice: after a
// dropped connection its outcome is unknown, and running it again could
// apply it twice.
type noRetryCmd struct{ *redis.Cmd }

// NoRetry tells go-redis not to re-send the command.
func (noRetryCmd) NoRetry() bool { return true }

// runOnce runs a script with EVALSHA, never re-sent after a failure that
// may have followed its execution. A NOSCRIPT reply (the script cache is
// empty, nothing ran) falls back to EVAL, which loads it.
func runOnce(ctx context.Context, c redis.UniversalClient, sc *script, keys []string, args ...any) *redis.Cmd {
	call := func(name, body string) *redis.Cmd {
		a := make([]any, 0, 3+len(keys)+len(args))
		a = append(a, name, body, len(keys))
		for _, k := range keys {
			a = append(a, k)
		}
		a = append(a, args...)
		cmd := noRetryCmd{redis.NewCmd(ctx, a...)}
		_ = c.Process(ctx, cmd)
		return cmd.Cmd
	}
	cmd := call("evalsha", sc.Hash())
	if err := cmd.Err(); err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
		return call("eval", sc.src)
	}
	return cmd
}

// fail wraps a Redis error from operation op. Errors that say the server
// cannot serve the call now wrap backends.ErrUnavailable. With once (a
// write that must not run twice), a failure after the command may have
// reached the server wraps backends.ErrOutcomeUnknown instead. When the
// call's context has ended the error also wraps the context's error.
func (s *Store) fail(ctx context.Context, op string, err error, once bool) error {
	var kind error
	switch {
	case notSent(err):
		kind = backends.ErrUnavailable
	case isReply(err):
		kind = replyKind(err)
	case once && (lostConn(err) || ctx.Err() != nil):
		kind = backends.ErrOutcomeUnknown
	case lostConn(err):
		kind = backends.ErrUnavailable
	}
	cerr := ctx.Err()
	if cerr != nil && errors.Is(err, cerr) {
		cerr = nil
	}
	if kind == backends.ErrOutcomeUnknown {
		// Its text says what happened, unlike a kind's.
		err, kind = fmt.Errorf("%w: %w", kind, err), nil
	}
	err = fmt.Errorf("%s: %w", op, err)
	if cerr != nil {
		err = backends.Errorf(cerr, "%w", err)
	}
	if kind != nil {
		err = backends.Errorf(kind, "%w", err)
	}
	return err
}

// errNotFound is the error of a call on a missing or expired key; the
// caller names the key.
var errNotFound = backends.Errorf(backends.ErrNotFound, "key not found")

// isReply reports whether err is an error reply from the server.
func isReply(err error) bool {
	var re redis.Error
	return errors.As(err, &re) && !lostConn(err)
}

// replyKind maps a server error reply to a store error; nil means an
// internal error. Every reply listed here means the command did not run.
func replyKind(err error) error {
	msg := err.Error()
	for _, p := range []string{"LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "BUSY", "NOREPLICAS", "OOM", "MOVED", "ASK"} {
		if strings.HasPrefix(msg, p) {
			return backends.ErrUnavailable
		}
	}
	for _, p := range []string{"NOPERM", "NOAUTH", "WRONGPASS"} {
		if strings.HasPrefix(msg, p) {
			return backends.ErrPermissionDenied
		}
	}
	if strings.Contains(msg, "invalid bulk length") || strings.Contains(msg, "too large") || strings.Contains(msg, "too big") {
		return backends.ErrInvalid
	}
	return nil
}

// notSent reports whether err shows the command never reached a server:
// no connection could be made or taken from the pool, or the client is
// closed.
func notSent(err error) bool {
	var op *net.OpError
	return errors.Is(err, redis.ErrClosed) || errors.Is(err, redis.ErrPoolTimeout) ||
		errors.Is(err, syscall.ECONNREFUSED) || (errors.As(err, &op) && op.Op == "dial") ||
		strings.Contains(err.Error(), "all sentinels are unreachable") ||
		strings.Contains(err.Error(), "no reachable master")
}

// lostConn reports whether err is a broken or timed-out connection: the
// server may or may not have run the command.
func lostConn(err error) bool {
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.As(err, &ne) || strings.Contains(err.Error(), "use of closed network connection")
}
