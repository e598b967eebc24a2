package registry

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
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

var lookupEnv = os.LookupEnv

// Registry is a validated set of entries.
type Registry struct {
	byID     map[string]*Entry
	sorted   []*Entry
	order    []*Entry
	warnings []Problem
}

// Load validates sources as one registry. All problems found are returned
// together as an *Error. A source without a Name is called "<registry>" (or
// "<registry #N>" for the N-th) in positions.
func Load(sources []Source, opts Options) (*Registry, error) {
	l := newLoader(opts)
	for i, src := range sources {
		name := src.Name
		if name == "" {
			name = "<registry>"
			if i > 0 {
				name = "<registry #" + strconv.Itoa(i+1) + ">"
			}
		}
		l.loadSource(i, src, name)
	}
	l.loadPending()
	l.checkRequiredVars()
	l.checkRefs()
	l.checkCycles()
	if len(l.probs) > 0 {
		return nil, l.err()
	}
	r := &Registry{byID: l.entries, warnings: sortProblems(l.warnings)}
	for _, e := range l.entries {
		r.sorted = append(r.sorted, e)
	}
	sort.Slice(r.sorted, func(i, j int) bool { return r.sorted[i].ID < r.sorted[j].ID })
	r.order = order(l.entries)
	return r, nil
}

// ReadPaths reads registry files and directories into sources. A directory
// stands for every *.yaml / *.yml file below it, sorted by path; a file named
// directly is read whatever its extension. Dir of each source is the
// absolute folder of its file. A directory without registry files is an
// error.
func ReadPaths(paths ...string) ([]Source, error) {
	return tree{
		stat: os.Stat,
		walk: filepath.WalkDir,
		read: os.ReadFile,
		dir: func(fp string) string {
			if dir, err := filepath.Abs(filepath.Dir(fp)); err == nil {
				return dir
			}
			return filepath.Dir(fp)
		},
	}.sources(paths)
}

// ReadFS is ReadPaths over an fs.FS. Dir of each source is the file's folder
// inside fsys.
func ReadFS(fsys fs.FS, paths ...string) ([]Source, error) {
	return tree{
		stat: func(p string) (fs.FileInfo, error) { return fs.Stat(fsys, p) },
		walk: func(p string, fn fs.WalkDirFunc) error { return fs.WalkDir(fsys, p, fn) },
		read: func(p string) ([]byte, error) { return fs.ReadFile(fsys, p) },
		dir:  path.Dir,
	}.sources(paths)
}

// tree is a file system ReadPaths and ReadFS read registry files from.
type tree struct {
	stat func(string) (fs.FileInfo, error)
	walk func(string, fs.WalkDirFunc) error
	read func(string) ([]byte, error)
	dir  func(string) string
}

func (t tree) sources(paths []string) ([]Source, error) {
	var out []Source
	var errs []error
	for _, p := range paths {
		info, err := t.stat(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("read registry: %w", err))
			continue
		}
		files := []string{p}
		if info.IsDir() {
			files = nil
			err := t.walk(p, func(fp string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if !d.IsDir() && isYAMLName(fp) {
					files = append(files, fp)
				}
				return nil
			})
			if err != nil {
				errs = append(errs, fmt.Errorf("read registry dir %s: %w", p, err))
				continue
			}
			if len(files) == 0 {
				errs = append(errs, fmt.Errorf("read registry dir %s: no *.yaml or *.yml files", p))
				continue
			}
			sort.Strings(files)
		}
		for _, fp := range files {
			data, err := t.read(fp)
			if err != nil {
				errs = append(errs, fmt.Errorf("read registry: %w", err))
				continue
			}
			out = append(out, Source{Name: fp, Data: data, Dir: t.dir(fp)})
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func isYAMLName(p string) bool {
	return strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")
}

// Entries returns every entry, sorted by ID.
func (r *Registry) Entries() []*Entry {
	if r == nil {
		return nil
	}
	return append([]*Entry(nil), r.sorted...)
}

// Warnings returns what loaded but deserves a change (deprecated fields,
// values luahost adjusted), in file and position order. The host logs them.
func (r *Registry) Warnings() []Problem {
	if r == nil {
		return nil
	}
	return append([]Problem(nil), r.warnings...)
}

// Entry returns the entry with that full ID.
func (r *Registry) Entry(id string) (*Entry, bool) {
	if r == nil {
		return nil, false
	}
	e, ok := r.byID[id]
	return e, ok
}

// Order returns every entry in dependency order: each entry after all it
// depends on (ties broken by ID).
func (r *Registry) Order() []*Entry {
	if r == nil {
		return nil
	}
	return append([]*Entry(nil), r.order...)
}

// Similar returns up to three IDs close to id (for "did you mean" messages),
// closest first.
func (r *Registry) Similar(id string) []string {
	if r == nil {
		return nil
	}
	ids := make([]string, len(r.sorted))
	for i, e := range r.sorted {
		ids[i] = e.ID
	}
	return suggest(id, ids, 3)
}

// ValidID reports whether s is a well-formed full ID "namespace:name".
func ValidID(s string) bool {
	ns, name, ok := strings.Cut(s, ":")
	return ok && validNamespace(ns) && validName(name)
}

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
	file := p.File
	if file == "" {
		file = "<registry>"
	}
	if p.Line == 0 {
		return file
	}
	return file + ":" + itoa(p.Line) + ":" + itoa(p.Col)
}

func itoa(n int) string { return strconv.Itoa(n) }
