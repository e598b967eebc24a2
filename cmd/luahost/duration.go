package main

import (
	"fmt"
	"time"
)

// duration is a flag value in Go's time.ParseDuration syntax (30s, 1m30s,
// 500ms) that refuses negative values: a negative limit is a mistake, not
// "no limit", so it is a usage error (exit 2) naming the flag.
type duration time.Duration

// String is "0" for zero, which pflag's help takes as "no default".
func (d *duration) String() string {
	if *d == 0 {
		return "0"
	}
	return time.Duration(*d).String()
}

func (d *duration) Type() string { return "duration" }

func (d *duration) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration: want e.g. 30s, 1m30s or 500ms", s)
	}
	if v < 0 {
		return fmt.Errorf("%s is negative: want 0 or more (e.g. 30s)", v)
	}
	*d = duration(v)
	return nil
}
