package main

import "testing"

func TestByteSizeFlag(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"268435456", 256 << 20, false},
		{"256MiB", 256 << 20, false},
		{"1GiB", 1 << 30, false},
		{"1.5GiB", 3 << 29, false},
		{"512KiB", 512 << 10, false},
		{"100MB", 100e6, false},
		{"1GB", 1e9, false},
		{"64B", 64, false},
		{"0", 0, false},
		{"", 0, true},
		{"lots", 0, true},
		{"-1MiB", 0, true},
		{"256mb", 0, true},
		{"1e30GiB", 0, true},
		{"NaN", 0, true},
		{"NaNMiB", 0, true},
		{"-0.5KiB", 0, true},
	}
	for _, tt := range tests {
		var b byteSize
		err := b.Set(tt.in)
		if (err != nil) != tt.wantErr || b.n != tt.want || b.set == tt.wantErr {
			t.Errorf("Set(%q) = %d (set %v), %v; want %d, error %v", tt.in, b.n, b.set, err, tt.want, tt.wantErr)
		}
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
