package memory

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luahost/luahost/registry"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

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

// TestMaxBytesAtLoad: max_bytes takes bytes or a size with a unit,
// defaults to no limit, and a bad value is a problem at its position.
func TestMaxBytesAtLoad(t *testing.T) {
	env := func(string) (string, bool) { return "1.5GiB", true }
	tests := []struct {
		field string
		want  int64
	}{
		{"", 0},
		{", max_bytes: 0", 0},
		{", max_bytes: 268435456", 256 << 20},
		{", max_bytes: 256MiB", 256 << 20},
		{", max_bytes: 100MB", 100e6},
		{", max_bytes: \"${env:BYTES}\"", 3 << 29},
	}
	for _, tt := range tests {
		reg, err := registry.Load([]registry.Source{{Name: "a.yaml",
			Data: []byte("- {name: m, kind: store.memory" + tt.field + "}\n")}}, registry.Options{Getenv: env})
		if err != nil {
			t.Fatalf("%q: %v", tt.field, err)
		}
		e, _ := reg.Entry("app:m")
		if got := e.Config.(Config).MaxBytes; got != tt.want {
			t.Errorf("%q: max_bytes %d, want %d", tt.field, got, tt.want)
		}
	}

	data, err := os.ReadFile(filepath.Join("testdata", "bad_max_bytes.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "bad_max_bytes.golden")
	_, err = registry.Load([]registry.Source{{Name: "bad_max_bytes.yaml", Data: data}},
		registry.Options{Getenv: func(string) (string, bool) { return "lots", true }})
	var re *registry.Error
	if !errors.As(err, &re) {
		t.Fatalf("Load error = %v, want *registry.Error", err)
	}
	var got strings.Builder
	for _, p := range re.Problems {
		got.WriteString(p.Error() + "\n")
	}
	if *update {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Errorf("problems:\n%s\nwant (%s):\n%s", got.String(), golden, want)
	}
}
