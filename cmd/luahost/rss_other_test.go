//go:build !unix

package main

import "os"

// peakRSSOf reports false: only unix systems report a peak RSS (ru_maxrss).
func peakRSSOf(*os.ProcessState) (int64, bool) { return 0, false }
