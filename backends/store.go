// Package backends defines the store interface every store backend
// implements, and the errors they return. Backends know nothing of Lua:
// keys are strings and values are opaque bytes (MessagePack, encoded by the
// caller).
package backends

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Store is a key-value store. Implementations are safe for concurrent use.
//
// Keys are non-empty byte strings; a key the backend cannot hold returns an
// error wrapping ErrInvalid that names the limit (keys are never truncated).
// Expired keys are invisible to every method at once, whether or not a
// cleanup pass has removed them yet.
type Store interface {
	// Get returns the live value of key. A missing or expired key returns
	// an error wrapping ErrNotFound. The returned slice must not be
	// modified by the caller.
	Get(ctx context.Context, key string) ([]byte, error)

	// Set stores value under key. ttl 0 means no expiry, and removes any
	// expiry the key had. A new key on a store at its size limit returns
	// an error wrapping ErrFull; overwriting a live key never counts
	// toward a limit on keys, but may toward one on bytes (store.memory's
	// max_bytes) when the new value is longer.
	// Set keeps no reference to value after it returns.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error

	// Delete removes key and reports whether a live key was removed.
	Delete(ctx context.Context, key string) (bool, error)

	// Exists reports whether key is live.
	Exists(ctx context.Context, key string) (bool, error)

	// Clear removes every key of this store, and nothing else.
	Clear(ctx context.Context) error
}

// Errors returned by stores; callers test with errors.Is. Backends add
// detail with Errorf(ErrX, "incr %q: the stored value is ...", key), which
// matches ErrX without ending the message with ErrX's text: the kind is
// shown apart ("INVALID: ..."). A backend's message says what went wrong
// with the call, not which store: the caller that knows the store's ID
// names it (scripts see `store "app:cache": ...`).
var (
	// ErrNotFound is returned when a key is missing or expired.
	ErrNotFound = errors.New("not found")
	// ErrInvalid is returned for arguments a backend cannot accept: an
	// empty key, a key over the backend's limit, a bad TTL.
	ErrInvalid = errors.New("invalid argument")
	// ErrAlreadyExists is returned by a conditional write when the key is live.
	ErrAlreadyExists = errors.New("already exists")
	// ErrConflict is returned by a versioned write when the version differs.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable is returned when the store cannot serve the call now
	// (database down, store full); the call may succeed later.
	ErrUnavailable = errors.New("unavailable")
	// ErrFull is returned when a new key would exceed a store's size limit.
	// It wraps ErrUnavailable.
	ErrFull = &wrapped{msg: "store is full", base: ErrUnavailable}
	// ErrOutcomeUnknown is returned by a write that is not safe to repeat
	// (incr, put with only_if_absent or if_version) when its statement, or its commit,
	// reached the database but the answer was lost (the connection
	// failed): it may or may not have been applied, so a blind retry may
	// apply it twice. It wraps ErrUnavailable; callers must not treat it
	// as retryable.
	ErrOutcomeUnknown = &wrapped{msg: "outcome unknown", base: ErrUnavailable}

	// ErrStoreRemoved is returned by a call on a store whose entry is no
	// longer in the host's registry (a reload removed it). It wraps
	// ErrNotFound; unlike a missing key, it names the store, not a key.
	ErrStoreRemoved = &wrapped{msg: "store removed from the registry", base: ErrNotFound}
	// ErrPermissionDenied is returned when the store refuses the call.
	ErrPermissionDenied = errors.New("permission denied")
)

type wrapped struct {
	msg  string
	base error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.base }

// ValidateKey returns an error wrapping ErrInvalid for an empty key or a key
// longer than max bytes (max <= 0 means no limit).
func ValidateKey(key string, max int) error {
	if key == "" {
		return errEmptyKey
	}
	if max > 0 && len(key) > max {
		return &keyTooLongError{len: len(key), max: max}
	}
	return nil
}

// ValidateTTL returns an error wrapping ErrInvalid for a negative TTL.
func ValidateTTL(ttl time.Duration) error {
	if ttl < 0 {
		return errNegativeTTL
	}
	return nil
}

var (
	errEmptyKey    = &wrapped{msg: "key must not be empty", base: ErrInvalid}
	errNegativeTTL = &wrapped{msg: "ttl must not be negative", base: ErrInvalid}
)

type keyTooLongError struct{ len, max int }

func (e *keyTooLongError) Error() string {
	return "key is " + strconv.Itoa(e.len) + " bytes, over this store's limit of " + strconv.Itoa(e.max) + " bytes"
}
func (e *keyTooLongError) Unwrap() error { return ErrInvalid }

// Errorf returns an error with the formatted message that matches base
// with errors.Is (and any error formatted with %w), without repeating
// base's text in the message.
func Errorf(base error, format string, args ...any) error {
	return &kindError{base: base, err: fmt.Errorf(format, args...)}
}

type kindError struct {
	base error
	err  error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.base, e.err} }
