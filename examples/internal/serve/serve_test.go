package serve

import (
	"strings"
	"testing"
)

func TestResponse(t *testing.T) {
	tests := []struct {
		name    string
		results []any
		status  int
		body    string
		err     string
	}{
		{"ok", []any{int64(200), "hi"}, 200, "hi", ""},
		{"lowest status", []any{int64(100), ""}, 100, "", ""},
		{"one value", []any{int64(200)}, 0, "", "returned 1 values"},
		{"status too low", []any{int64(99), "x"}, 0, "", "status 99"},
		{"status too high", []any{int64(1000), "x"}, 0, "", "status 1000"},
		{"status not an integer", []any{"200", "x"}, 0, "", "status 200"},
		{"body not a string", []any{int64(200), int64(1)}, 0, "", "of type int64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, err := Response(tt.results)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Response(%v) error = %v, want one containing %q", tt.results, err, tt.err)
				}
				return
			}
			if err != nil || status != tt.status || body != tt.body {
				t.Fatalf("Response(%v) = %d, %q, %v; want %d, %q", tt.results, status, body, err, tt.status, tt.body)
			}
		})
	}
}
