package backends

// Fencer is implemented by stores that guard their own calls against a
// stop: a host that stops such a store fences it first, instead of
// counting the calls it lets in. Fencing costs the store nothing per call
// when each call already takes a lock the fence can take too.
type Fencer interface {
	// Fence makes every call that starts after it return ErrFenced,
	// and returns once the calls in flight have ended.
	Fence()
	// Unfence lets calls in again.
	Unfence()
}

// ErrFenced is returned, unwrapped, by calls to a fenced store (see
// Fencer). It wraps ErrUnavailable: the call can be retried once the
// store runs again.
var ErrFenced = Errorf(ErrUnavailable, "the store is stopping")
