package runtime

import "github.com/luahost/luahost/registry"

// Clock is the runtime's time source: the supervisor's start and stop
// timeouts and retry backoff, and the expiry of the stores whose expiry
// no server's clock decides, follow it.
// Tests inject one they move by hand (WithClock) so timeouts, backoff and
// TTLs are exact rather than slept.
type Clock = registry.Clock
