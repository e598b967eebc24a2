package registry

import "time"

// Fields gives a kind's Decode function typed access to the entry's own
// fields (everything but name, kind, meta and lifecycle), with positions for
// error messages. Every getter records the field name as known; a field no
// getter asked for is reported as unknown, with a "did you mean" for near
// misses. Getters report wrong types through the registry's problem list and
// return the default, so one Decode call finds every problem of an entry.
//
// Error messages never include a field's value when it came from ${env:...},
// so secrets stay out of logs.
type Fields struct {
	// filled in by the loader
}

// EntryID returns the full ID of the entry being decoded.
func (f *Fields) EntryID() string { panic("registry: not implemented") }

// Namespace returns the namespace of the entry being decoded.
func (f *Fields) Namespace() string { panic("registry: not implemented") }

// Dir returns the folder of the registry file that defines the entry, or ""
// for a registry that has no folder (relative paths then stay relative to
// the working directory).
func (f *Fields) Dir() string { panic("registry: not implemented") }

// Has reports whether the field is present, and marks it known.
func (f *Fields) Has(name string) bool { panic("registry: not implemented") }

// String returns a string field, or def when absent.
func (f *Fields) String(name, def string) string { panic("registry: not implemented") }

// RequiredString returns a string field, reporting a problem when absent or empty.
func (f *Fields) RequiredString(name string) string { panic("registry: not implemented") }

// Int returns an integer field, or def when absent.
func (f *Fields) Int(name string, def int64) int64 { panic("registry: not implemented") }

// Size returns a non-negative integer field, or def when absent.
func (f *Fields) Size(name string, def int64) int64 { panic("registry: not implemented") }

// Float returns a number field, or def when absent.
func (f *Fields) Float(name string, def float64) float64 { panic("registry: not implemented") }

// Bool returns a boolean field, or def when absent.
func (f *Fields) Bool(name string, def bool) bool { panic("registry: not implemented") }

// Duration returns a non-negative Go duration string field ("500ms", "1h30m"), or def when absent.
func (f *Fields) Duration(name string, def time.Duration) time.Duration {
	panic("registry: not implemented")
}

// Path returns a file path field, or def when absent. A relative path is
// resolved against Dir; the special value ":memory:" is returned as is.
func (f *Fields) Path(name, def string) string { panic("registry: not implemented") }

// StringMap returns a mapping of scalars as strings (nil when absent).
func (f *Fields) StringMap(name string) map[string]string { panic("registry: not implemented") }

// Ref returns the full ID of a reference to another entry ("ns:name", or a
// bare name meaning the entry's own namespace) and records it as a
// dependency. The loader reports a problem when the referenced entry does
// not exist or its kind matches none of kinds (exact names, or prefixes
// ending in "." such as "db.sql."). With required, an absent field is a
// problem; otherwise it returns "".
func (f *Fields) Ref(name string, required bool, kinds ...string) string {
	panic("registry: not implemented")
}

// Sub returns the nested mapping field name (e.g. "pool") as Fields. An
// absent field gives empty Fields whose getters return their defaults.
func (f *Fields) Sub(name string) *Fields { panic("registry: not implemented") }

// Errorf reports a problem at the position of field name (at the entry when
// the field is absent).
func (f *Fields) Errorf(name, format string, args ...any) { panic("registry: not implemented") }
