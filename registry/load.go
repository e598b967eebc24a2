package registry

import (
	"io/fs"
	"strconv"
	"strings"
)

// Source is one registry file's content.
type Source struct {
	// Name is the file name used in positions.
	Name string
	// Data is the YAML text.
	Data []byte
	// Dir is the folder relative paths in the file are resolved against
	// ("" for none).
	Dir string
}

// Options tune loading. The zero value is ready to use.
type Options struct {
	// Getenv looks up ${env:NAME}; nil means os.LookupEnv.
	Getenv func(name string) (string, bool)
}

// Registry is a validated set of entries.
type Registry struct {
	// filled in by the loader
}

// Load validates sources as one registry. All problems found are returned
// together as an *Error.
func Load(sources []Source, opts Options) (*Registry, error) { panic("registry: not implemented") }

// ReadPaths reads registry files and directories (every *.yaml / *.yml file
// below a directory, in lexical path order) into sources.
func ReadPaths(paths ...string) ([]Source, error) { panic("registry: not implemented") }

// ReadFS is ReadPaths over an fs.FS.
func ReadFS(fsys fs.FS, paths ...string) ([]Source, error) { panic("registry: not implemented") }

// Entries returns every entry, sorted by ID.
func (r *Registry) Entries() []*Entry { panic("registry: not implemented") }

// Entry returns the entry with that full ID.
func (r *Registry) Entry(id string) (*Entry, bool) { panic("registry: not implemented") }

// Order returns every entry in dependency order: each entry after all it
// depends on (ties broken by ID).
func (r *Registry) Order() []*Entry { panic("registry: not implemented") }

// Similar returns up to three IDs close to id (for "did you mean" messages).
func (r *Registry) Similar(id string) []string { panic("registry: not implemented") }

// ValidID reports whether s is a well-formed full ID "namespace:name".
func ValidID(s string) bool { panic("registry: not implemented") }

// Problem is one thing wrong with a registry.
type Problem struct {
	Pos Pos
	// EntryID is the entry the problem belongs to ("" for file-level problems).
	EntryID string
	Msg     string
}

// Error returns "file:line:col: [entry ID: ]message".
func (p Problem) Error() string {
	s := p.Pos.String() + ": "
	if p.EntryID != "" {
		s += p.EntryID + ": "
	}
	return s + p.Msg
}

// Error is every problem found in a registry, in file and position order.
type Error struct {
	Problems []Problem
}

// Error lists the problems, one per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns each problem, so errors.As finds a Problem.
func (e *Error) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

func posString(p Pos) string {
	if p.File == "" {
		return "<registry>"
	}
	return p.File + ":" + itoa(p.Line) + ":" + itoa(p.Col)
}

func itoa(n int) string { return strconv.Itoa(n) }
