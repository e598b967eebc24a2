package main

import (
	"strconv"
	"strings"
	"testing"
)

// TestByteSizeFlag: --max-memory takes what bytesize.Parse takes (its own
// tests cover the forms); a bad value is a usage error naming the flag and
// the forms, and a good one is what the run gets.
func TestByteSizeFlag(t *testing.T) {
	tests := []struct {
		value     string
		wantCode  int
		wantLimit string // memoryLimit under --sandbox, for a good value
		stderrHas []string
	}{
		{"1.5GiB", 0, "1610612736", nil},
		{"268435456", 0, "268435456", nil},
		{"256mb", 2, "", []string{`--max-memory`, `"256mb"`, "KiB, MiB"}},
		{"-1MiB", 2, "", []string{`--max-memory`, `"-1MiB"`}},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			var b byteSize
			err := b.Set(tt.value)
			if (err == nil) != (tt.wantCode == 0) || b.set != (err == nil) {
				t.Fatalf("Set(%q): set %v, error %v", tt.value, b.set, err)
			}
			if err == nil && strconv.FormatInt(memoryLimit(b, true), 10) != tt.wantLimit {
				t.Errorf("memoryLimit = %d, want %s", memoryLimit(b, true), tt.wantLimit)
			}
			r := inProcess(t, "", "run", "--max-memory", tt.value, "-e", "print('ran')")
			if r.code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr %s", r.code, tt.wantCode, r.stderr)
			}
			for _, want := range tt.stderrHas {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr %q does not contain %q", r.stderr, want)
				}
			}
		})
	}
}

func TestMemoryLimitFromFlags(t *testing.T) {
	tests := []struct {
		name    string
		flag    byteSize
		sandbox bool
		want    int64
	}{
		{"none", byteSize{}, false, 0},
		{"sandbox default", byteSize{}, true, 1 << 30},
		{"flag", byteSize{n: 256 << 20, set: true}, false, 256 << 20},
		{"flag over the sandbox default", byteSize{n: 2 << 30, set: true}, true, 2 << 30},
		{"zero lifts the sandbox default", byteSize{n: 0, set: true}, true, 0},
	}
	for _, tt := range tests {
		if got := memoryLimit(tt.flag, tt.sandbox); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}
