//go:build !unix

package registry

import (
	"fmt"
	"os"
)

// openNoBlock opens name for reading after checking that it is a regular
// file (where there are no FIFOs to block on open).
func openNoBlock(name string) (*os.File, error) {
	info, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	return os.Open(name)
}
