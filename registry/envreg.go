package registry

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// Kinds of the env registry, as Wippy names them. Their entries hold values
// for ${env:ns:name} references, which the loader resolves; at run time
// they do nothing.
const (
	kindVariable      = "env.variable"
	kindStorageOS     = "env.storage.os"
	kindStorageMemory = "env.storage.memory"
	kindStorageFile   = "env.storage.file"
	kindStorageStatic = "env.storage.static"
	kindStorageRouter = "env.storage.router"
)

// EnvVariable is the config of an env.variable entry: a named value
// ${env:ns:name} references read at load.
type EnvVariable struct {
	// Variable is the name the value is looked up by in its storage (and
	// Wippy's public name); "" means the entry's name.
	Variable string
	// Storage is the env.storage.* entry holding the value, as a full ID;
	// "" means the OS environment.
	Storage string
	// Default is used when the storage has no value.
	Default    string
	HasDefault bool
	// Required makes a missing value with no default a load error for
	// every reference (a reference is an error then anyway; Required also
	// fails an unreferenced variable).
	Required bool
	// ReadOnly is accepted for Wippy registries; luahost never writes env
	// values.
	ReadOnly bool
}

// EnvStorage is the config of an env.storage.* entry.
type EnvStorage struct {
	Kind string
	// Values are the values of env.storage.static, and those read from
	// the file of env.storage.file at load.
	Values map[string]string
	// File, AutoCreate, FileMode and DirMode are env.storage.file's
	// fields. luahost reads the file at load and never writes it; a
	// missing file with auto_create holds no values.
	File       string
	AutoCreate bool
	FileMode   int64
	DirMode    int64
	// Storages are env.storage.router's storages, in lookup order.
	Storages []string
}

// envComponent is what env entries build: nothing to start or stop.
type envComponent struct{}

func (envComponent) Start(context.Context) error { return nil }
func (envComponent) Stop(context.Context) error  { return nil }

func newEnvComponent[C any](C, Env) (Component, error) { return envComponent{}, nil }

func init() {
	RegisterTyped(TypedKind[EnvVariable]{Name: kindVariable, Decode: decodeVariable, New: newEnvComponent[EnvVariable]})
	for _, k := range []string{kindStorageOS, kindStorageMemory, kindStorageFile, kindStorageStatic, kindStorageRouter} {
		RegisterTyped(TypedKind[EnvStorage]{Name: k, Decode: decodeStorage(k), New: newEnvComponent[EnvStorage]})
	}
}

func decodeVariable(f *Fields) EnvVariable {
	v := EnvVariable{
		Variable: f.String("variable", ""),
		Storage:  f.Ref("storage", false, "env.storage."),
		Required: f.Bool("required", false),
		ReadOnly: f.Bool("readonly", false),
	}
	v.HasDefault = f.Has("default")
	v.Default = f.String("default", "")
	if v.Variable != "" && !validEnvName(v.Variable) {
		f.Errorf("variable", "bad variable name %q (want letters, digits and _)", v.Variable)
	}
	return v
}

func decodeStorage(kind string) func(*Fields) EnvStorage {
	return func(f *Fields) EnvStorage {
		st := EnvStorage{Kind: kind}
		switch kind {
		case kindStorageStatic:
			st.Values = f.StringMap("values")
		case kindStorageRouter:
			for _, it := range f.stringItems("storages") {
				id, ok := f.resolveRef(it.s, it.pos, "storages")
				if !ok {
					continue
				}
				f.addRef(it.pos, "storages", id, it.s, []string{"env.storage."})
				st.Storages = append(st.Storages, id)
			}
			if len(st.Storages) == 0 {
				f.Errorf("storages", "want a non-empty list of env.storage.* entries")
			}
		case kindStorageFile:
			st.File = f.Path("file_path", "")
			st.AutoCreate = f.Bool("auto_create", false)
			st.FileMode = f.Size("file_mode", 0o644)
			st.DirMode = f.Size("dir_mode", 0o755)
			if st.File == "" {
				f.Errorf("file_path", "file_path is required")
				break
			}
			vals, err := readDotenv(st.File)
			switch {
			case errors.Is(err, fs.ErrNotExist) && st.AutoCreate:
			case err != nil:
				f.Errorf("file_path", "%v", err)
			default:
				st.Values = vals
			}
		}
		return st
	}
}

// readDotenv reads KEY=VALUE lines as Wippy's env.storage.file does: blank
// lines and lines starting with # are skipped, text after # is a comment,
// quotes are kept as written.
func readDotenv(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	vals := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || !validEnvName(k) {
			return nil, errors.New(path + ":" + strconv.Itoa(n) + ": want KEY=VALUE")
		}
		vals[k] = strings.TrimSpace(v)
	}
	return vals, sc.Err()
}

// envRegistry holds the env entries loaded so far.
type envRegistry struct {
	vars     map[string]EnvVariable
	storages map[string]EnvStorage
	at       map[string]envPos
}

type envPos struct {
	src int
	pos Pos
}

func (r *envRegistry) init() {
	r.vars = map[string]EnvVariable{}
	r.storages = map[string]EnvStorage{}
	r.at = map[string]envPos{}
}

func (r *envRegistry) add(id, kind string, cfg any, src int, at Pos) {
	r.at[id] = envPos{src, at}
	switch c := cfg.(type) {
	case EnvVariable:
		r.vars[id] = c
	case EnvStorage:
		r.storages[id] = c
	}
}

// lookupVar resolves the env.variable entry id. ok is false with a message
// when the value cannot be had.
func (l *loader) lookupVar(id string) (value string, ok bool, msg string) {
	v, exists := l.env.vars[id]
	if !exists {
		if e, isEntry := l.entries[id]; isEntry {
			return "", false, "entry " + id + " is a " + e.Kind + ", want " + kindVariable
		}
		return "", false, "no " + kindVariable + " entry " + id + " (a reference with a colon names an env.variable entry; ${env:NAME} reads the OS environment)"
	}
	key := v.Variable
	if key == "" {
		_, key, _ = strings.Cut(id, ":")
	}
	if val, found := l.storageValue(v.Storage, key, 0); found {
		return val, true, ""
	}
	if v.HasDefault {
		return v.Default, true, ""
	}
	where := "the OS environment"
	if v.Storage != "" {
		where = v.Storage
	}
	return "", false, "env.variable " + id + " has no value: " + key + " is not set in " + where + " and the variable has no default"
}

// storageValue looks key up in the storage id ("" is the OS environment).
func (l *loader) storageValue(id, key string, depth int) (string, bool) {
	if id == "" {
		return l.getenv(key)
	}
	st, ok := l.env.storages[id]
	if !ok || depth > 16 { // a missing storage is reported as a bad ref
		return "", false
	}
	switch st.Kind {
	case kindStorageOS:
		return l.getenv(key)
	case kindStorageRouter:
		for _, s := range st.Storages {
			if v, ok := l.storageValue(s, key, depth+1); ok {
				return v, true
			}
		}
		return "", false
	}
	v, ok := st.Values[key]
	return v, ok
}

// checkRequiredVars reports required env.variable entries without a value.
func (l *loader) checkRequiredVars() {
	for id, v := range l.env.vars {
		if !v.Required {
			continue
		}
		if _, ok, msg := l.lookupVar(id); !ok {
			at := l.env.at[id]
			l.problem(at.src, at.pos, id, msg)
		}
	}
}
