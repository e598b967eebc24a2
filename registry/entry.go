package registry

import "time"

// Entry is one validated registry entry.
type Entry struct {
	// ID is "namespace:name".
	ID        string
	Namespace string
	Name      string
	Kind      string
	Meta      map[string]any
	Lifecycle Lifecycle
	// Config is what the kind's Decode returned.
	Config any
	// Deps are the full IDs this entry depends on (references in its
	// fields and lifecycle.requires), sorted, without duplicates.
	Deps []string
	// Pos is where the entry is defined.
	Pos Pos

	// fingerprint identifies the expanded fields (see SameDefinition).
	fingerprint [32]byte
}

// Pos is a place in a registry file. Line and Col count from 1.
type Pos struct {
	File string
	Line int
	Col  int
}

// String returns "file:line:col".
func (p Pos) String() string { return posString(p) }

// Lifecycle is an entry's lifecycle block, with defaults filled in.
type Lifecycle struct {
	// AutoStart starts the entry at boot; otherwise on first use.
	AutoStart    bool          // default false
	StartTimeout time.Duration // default 10s
	StopTimeout  time.Duration // default 10s
	// Requires are extra dependencies, as full IDs: lifecycle.requires
	// and Wippy's older alias lifecycle.depends_on, merged.
	Requires []string
	Restart  Restart
	// StableThreshold is how long a run must stay up before the host
	// forgets earlier failed starts (resets the retry counter), as in
	// Wippy. Default 5s.
	StableThreshold time.Duration
	// Startup is StartupRequired (default: a failed start fails the boot)
	// or StartupOptional (a failed start is logged and retried, and never
	// fails the boot).
	Startup string
	// Security is the identity the entry's code runs as (Wippy's
	// lifecycle.security); nil when absent. luahost runs no code as an
	// entry; a host that does gets the context from
	// runtime.Runtime.EntrySecurity.
	Security *Security
}

// Startup values of Lifecycle.Startup.
const (
	StartupRequired = "required"
	StartupOptional = "optional"
)

// Security is an entry's security context, as Wippy's lifecycle.security
// block gives it.
type Security struct {
	// ActorID identifies the entry's code (actor.id); required.
	ActorID string
	// ActorMeta is actor.meta, any key-value data.
	ActorMeta map[string]any
	// Groups and Policies are the policy groups and policies that apply,
	// as full IDs (a bare name means the entry's namespace). The host
	// checks that each names a policy entry, or a group holding at least
	// one, when it builds the registry.
	Groups   []string
	Policies []string
}

// Restart is the retry policy of a failed start.
type Restart struct {
	InitialDelay  time.Duration // default 1s
	MaxDelay      time.Duration // default 90s
	BackoffFactor float64       // default 2.0
	Jitter        float64       // default 0.1 (fraction of the delay)
	MaxAttempts   int           // default 0: retry forever
}

// Lifecycle defaults.
const (
	DefaultStartTimeout  = 10 * time.Second
	DefaultStopTimeout   = 10 * time.Second
	DefaultInitialDelay  = time.Second
	DefaultMaxDelay      = 90 * time.Second
	DefaultBackoffFactor = 2.0
	DefaultJitter        = 0.1
	// DefaultStableThreshold is Wippy's default.
	DefaultStableThreshold = 5 * time.Second
)

// Smallest durations the registry accepts, so that a typo cannot turn a
// timer into a busy loop. A load error names the field and its position.
const (
	// MinRestartDelay bounds restart.initial_delay and restart.max_delay.
	MinRestartDelay = 10 * time.Millisecond
	// MinTimeout bounds start_timeout and stop_timeout (0 means no limit).
	MinTimeout = 10 * time.Millisecond
	// MinCleanupInterval bounds a store's cleanup_interval (0 means no
	// background cleanup).
	MinCleanupInterval = 100 * time.Millisecond
	// MinPoolLifetime bounds pool.max_lifetime (0 means connections live
	// for ever).
	MinPoolLifetime = time.Second
)
