package registry

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/luahost/luahost/internal/secret"
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
	// redactor replaces the secrets kinds marked, and credentials.
	redactor *secret.Scrubber
}

// Redacted is what Redact puts in place of a secret.
const Redacted = "<redacted>"

// Redact returns s with the registry's secrets replaced by "<redacted>":
// the values kinds marked secret (Fields.Secret, Fields.AddSecret: the
// passwords of connection settings, however written), in the escaped and
// quoted forms of secret.Spellings, and any credential written in s (a
// URL's or MySQL DSN's password, a password= setting). Secrets shorter
// than secret.MinLen bytes are hidden only in those credential positions,
// never as substrings of other text, and masks already in s are never
// matched (see package internal/secret). Other values, those from the
// environment included (hosts, ports, user and database names), pass
// unchanged. The host passes every error message and log line through it.
func (r *Registry) Redact(s string) string { return r.RedactExcept(s) }

// RedactExcept is Redact leaving alone every occurrence in s of the
// strings own (raw or Go-quoted): text the reader supplied, such as the
// key a script asked for, so that it cannot confirm a guess of a secret
// by seeing its own text come back redacted.
func (r *Registry) RedactExcept(s string, own ...string) string {
	if r == nil {
		return s
	}
	return r.redactor.ScrubExcept(s, own...)
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
	r := &Registry{byID: l.entries, warnings: sortProblems(l.warnings), redactor: secret.New(Redacted, l.secrets...).Credentials()}
	for _, e := range l.entries {
		r.sorted = append(r.sorted, e)
	}
	sort.Slice(r.sorted, func(i, j int) bool { return r.sorted[i].ID < r.sorted[j].ID })
	r.order = order(l.entries)
	return r, nil
}

// MaxFileSize is the largest registry file ReadPaths and ReadFS read.
const MaxFileSize = 16 << 20

// ReadPaths reads registry files and directories into sources. A directory
// stands for every *.yaml / *.yml file below it, sorted by path, except in
// dot-folders and dot-files (.github, .hidden.yaml); a file named
// directly is read whatever its extension. Only regular files (or symbolic
// links to them) of at most MaxFileSize bytes are read: a named pipe, a
// device or a larger file is an error naming it, so a stray FIFO or a link
// to /dev/zero cannot hang a load or exhaust memory. Dir of each source is the
// absolute folder of its file. A directory without registry files is an
// error.
func ReadPaths(paths ...string) ([]Source, error) {
	return tree{
		stat: os.Stat,
		walk: filepath.WalkDir,
		read: readRegularFile,
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
		read: func(p string) ([]byte, error) { return readRegularFS(fsys, p) },
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
				// Dot-folders and dot-files (.github/workflows/*.yml, an
				// editor's backup) hold other tools' YAML, never a
				// registry's: skip them, but not the folder asked for.
				if fp != p && strings.HasPrefix(d.Name(), ".") {
					if d.IsDir() {
						return fs.SkipDir
					}
					return nil
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

// SimilarWhere is Similar over only the IDs for which keep returns true, for
// a message to someone who may learn of those IDs alone (a script confined
// to some stores).
func (r *Registry) SimilarWhere(id string, keep func(id string) bool) []string {
	if r == nil {
		return nil
	}
	var ids []string
	for _, e := range r.sorted {
		if keep(e.ID) {
			ids = append(ids, e.ID)
		}
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

// readRegularFile reads a regular file of at most MaxFileSize bytes. It
// opens without blocking (a FIFO would wait for a writer) and checks the
// opened file, not the name, so a swap between check and read is caught.
func readRegularFile(name string) ([]byte, error) {
	f, err := openNoBlock(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := checkRegular(name, info); err != nil {
		return nil, err
	}
	return readLimited(name, f, info.Size())
}

// readRegularFS is readRegularFile for a file in an fs.FS.
func readRegularFS(fsys fs.FS, name string) ([]byte, error) {
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(name, info); err != nil {
		return nil, err
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(name, f, info.Size())
}

func checkRegular(name string, info fs.FileInfo) error {
	if info.Mode().IsRegular() {
		if info.Size() > MaxFileSize {
			return fmt.Errorf("%s: %d bytes, larger than the %d MiB limit for a registry file", name, info.Size(), MaxFileSize>>20)
		}
		return nil
	}
	what := "not a regular file"
	switch t := info.Mode().Type(); {
	case t&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO), not a regular file"
	case t&fs.ModeDevice != 0, t&fs.ModeCharDevice != 0:
		what = "a device, not a regular file"
	case t&fs.ModeSocket != 0:
		what = "a socket, not a regular file"
	case t&fs.ModeDir != 0:
		what = "a directory, not a regular file"
	}
	return fmt.Errorf("%s: %s", name, what)
}

// readLimited reads r, whose size was size, to its end, failing once it
// passes MaxFileSize (the file may grow after its size was checked).
func readLimited(name string, r io.Reader, size int64) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(int(min(size, MaxFileSize)) + 1)
	if _, err := buf.ReadFrom(io.LimitReader(r, MaxFileSize+1)); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: larger than the %d MiB limit for a registry file", name, MaxFileSize>>20)
	}
	return data, nil
}
