package bytesize

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr error
	}{
		{"268435456", 256 << 20, nil},
		{"256MiB", 256 << 20, nil},
		{"256 MiB", 256 << 20, nil},
		{" 1GiB ", 1 << 30, nil},
		{"1.5GiB", 3 << 29, nil},
		{"512KiB", 512 << 10, nil},
		{"2TiB", 2 << 40, nil},
		{"100MB", 100e6, nil},
		{"1.1MB", 1100000, nil},
		{"1GB", 1e9, nil},
		{"3TB", 3e12, nil},
		{"7KB", 7000, nil},
		{"64B", 64, nil},
		{"0", 0, nil},
		{"0MiB", 0, nil},
		{"007", 7, nil},
		{"9223372036854775807", 1<<63 - 1, nil},
		// Exact beyond 2^53, where a float64 would round.
		{"9007199254740993", 1<<53 + 1, nil},

		{"", 0, ErrSyntax},
		{"MiB", 0, ErrSyntax},
		{"lots", 0, ErrSyntax},
		{"256mb", 0, ErrSyntax},
		{"256 M", 0, ErrSyntax},
		{"1e3", 0, ErrSyntax},
		{"0x10", 0, ErrSyntax},
		{".5GiB", 0, ErrSyntax},
		{"1.GiB", 0, ErrSyntax},
		{"+1", 0, ErrSyntax},
		{"1_000", 0, ErrSyntax},
		{"1/2", 0, ErrSyntax},
		{"NaN", 0, ErrSyntax},
		{"NaNMiB", 0, ErrSyntax},
		{"Inf", 0, ErrSyntax},
		{"-", 0, ErrSyntax},
		{"-1MiB", 0, ErrNegative},
		{"-1", 0, ErrNegative},
		{"-0.5KiB", 0, ErrNegative},
		{"9223372036854775808", 0, ErrRange},
		{"8388608TiB", 0, ErrRange},
		{"1000000000000000000000000000000GiB", 0, ErrRange},
		{"0.5", 0, ErrFraction},
		{"0.3KiB", 0, ErrFraction},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if got != tt.want || !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
			t.Errorf("Parse(%q) = %d, %v; want %d, %v", tt.in, got, err, tt.want, tt.wantErr)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), `"`+tt.in+`"`) {
			t.Errorf("Parse(%q): message %q does not quote the input", tt.in, err)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{256 << 20, "256 MiB"}, {1 << 30, "1 GiB"}, {1536 << 20, "1536 MiB"}, {3 << 40, "3 TiB"},
		{1000, "1000 bytes"}, {4 << 10, "4 KiB"}, {0, "0 bytes"}, {1<<20 + 1, "1048577 bytes"},
	}
	for _, tt := range tests {
		if got := Format(tt.n); got != tt.want {
			t.Errorf("Format(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
