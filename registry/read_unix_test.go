//go:build unix

package registry

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadOnlyRegularFiles: a FIFO, a device or an oversize file among the
// registry files is an error naming it, returned at once; a symbolic link
// to a regular file is read.
func TestReadOnlyRegularFiles(t *testing.T) {
	const entry = "- {name: a, kind: test.store}\n"
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) // makes dir/x.yaml
		want  string                         // "" for success
	}{
		{"fifo", func(t *testing.T, dir string) {
			if err := syscall.Mkfifo(filepath.Join(dir, "x.yaml"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "x.yaml: a named pipe (FIFO), not a regular file"},
		{"link to /dev/zero", func(t *testing.T, dir string) {
			if err := os.Symlink("/dev/zero", filepath.Join(dir, "x.yaml")); err != nil {
				t.Fatal(err)
			}
		}, "x.yaml: a device, not a regular file"},
		{"oversize", func(t *testing.T, dir string) {
			f, err := os.Create(filepath.Join(dir, "x.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Truncate(MaxFileSize + 1); err != nil { // sparse: no disk used
				t.Fatal(err)
			}
		}, "x.yaml: 16777217 bytes, larger than the 16 MiB limit for a registry file"},
		{"at the limit", func(t *testing.T, dir string) {
			name := filepath.Join(dir, "x.yaml")
			if err := os.WriteFile(name, []byte(entry), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(name, MaxFileSize); err != nil { // sparse
				t.Fatal(err)
			}
		}, ""},
		{"link to a regular file", func(t *testing.T, dir string) {
			real := filepath.Join(t.TempDir(), "real.yaml")
			if err := os.WriteFile(real, []byte(entry), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(real, filepath.Join(dir, "x.yaml")); err != nil {
				t.Fatal(err)
			}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(t, dir)
			// Named directly and found in a directory walk.
			for _, path := range []string{filepath.Join(dir, "x.yaml"), dir} {
				done := make(chan error, 1)
				var srcs []Source
				go func() {
					var err error
					srcs, err = ReadPaths(path)
					done <- err
				}()
				var err error
				select {
				case err = <-done:
				case <-time.After(60 * time.Second):
					t.Fatalf("ReadPaths(%s) hangs", path)
				}
				if tt.want == "" {
					if err != nil || len(srcs) != 1 || !strings.HasPrefix(string(srcs[0].Data), entry) {
						t.Fatalf("ReadPaths(%s) = %d sources, %v", path, len(srcs), err)
					}
					continue
				}
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("ReadPaths(%s) error = %v, want %q", path, err, tt.want)
				}
			}
			if tt.want == "" {
				return
			}
			if _, err := ReadFS(os.DirFS(dir), "x.yaml"); err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(tt.want, "x.yaml")) {
				t.Errorf("ReadFS error = %v, want %q", err, tt.want)
			}
		})
	}
}
