package luamod

import (
	"context"
	"errors"
	"testing"
)

// TestKindFromContext checks the kind of a store call cut short by its
// context: the context's own error, or the kind of an *Error that is its
// cause (the host's memory limit).
func TestKindFromContext(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	limited, stop := context.WithCancelCause(context.Background())
	stop(&Error{Kind: KindInvalid, Message: "memory limit of 1 MiB exceeded", Err: errors.New("limit")})
	deadline, cancelDeadline := context.WithTimeout(context.Background(), 0)
	defer cancelDeadline()
	<-deadline.Done()
	tests := []struct {
		name string
		ctx  context.Context
		kind string
		want string
	}{
		{"live context keeps the kind", context.Background(), KindInternal, KindInternal},
		{"canceled", canceled, KindInternal, KindCanceled},
		{"deadline", deadline, KindUnavailable, KindTimeout},
		{"memory limit over canceled", limited, KindCanceled, KindInvalid},
		{"memory limit over internal", limited, KindInternal, KindInvalid},
		{"a definite kind stays", limited, KindNotFound, KindNotFound},
	}
	for _, tt := range tests {
		if got := kindFromContext(tt.ctx, tt.kind); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}
