package luastd

import (
	"context"
	"testing"
)

func TestMemoryLimit(t *testing.T) {
	tests := []struct {
		name string
		ctx  context.Context
		want int64
	}{
		{"nil context", nil, 0},
		{"no limit", context.Background(), 0},
		{"limit", WithMemoryLimit(context.Background(), 1<<20), 1 << 20},
		{"negative is none", WithMemoryLimit(context.Background(), -1), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MemoryLimit(tt.ctx); got != tt.want {
				t.Fatalf("MemoryLimit = %d, want %d", got, tt.want)
			}
		})
	}
}
