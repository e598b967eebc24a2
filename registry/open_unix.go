//go:build unix

package registry

import (
	"os"
	"syscall"
)

// openNoBlock opens name for reading without waiting for a writer when it
// is a FIFO.
func openNoBlock(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
