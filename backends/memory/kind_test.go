package memory

import (
	"errors"
	"testing"
	"time"

	"github.com/luahost/luahost/registry"
)

// TestCleanupIntervalAtLoad: a cleanup_interval that would spin is a load
// problem with its position; 0 turns background cleanup off.
func TestCleanupIntervalAtLoad(t *testing.T) {
	tests := []struct {
		value string
		want  string // the problem, or "" for none
		got   time.Duration
	}{
		{"1ns", "a.yaml:1:51: app:m: cleanup_interval: must be 0 or at least 100ms, got 1ns", 0},
		{"99ms", "a.yaml:1:51: app:m: cleanup_interval: must be 0 or at least 100ms, got 99ms", 0},
		{"0s", "", 0},
		{"100ms", "", 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			reg, err := registry.Load([]registry.Source{{Name: "a.yaml",
				Data: []byte("- {name: m, kind: store.memory, cleanup_interval: " + tt.value + "}\n")}}, registry.Options{})
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				e, _ := reg.Entry("app:m")
				if got := e.Config.(Config).CleanupInterval; got != tt.got {
					t.Errorf("cleanup_interval %s, want %s", got, tt.got)
				}
				return
			}
			var re *registry.Error
			if !errors.As(err, &re) || len(re.Problems) != 1 || re.Problems[0].Error() != tt.want {
				t.Fatalf("Load error = %v, want %q", err, tt.want)
			}
		})
	}
}
