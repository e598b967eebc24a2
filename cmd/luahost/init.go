package main

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/luahost/luahost/backends/sqldb"
	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/luamod/luals"
)

// project holds the files init writes besides the editor definitions;
// "gitignore" is written as .gitignore.
//
//go:embed project/registry.yaml project/main.lua project/README.md project/gitignore
var project embed.FS

func newInitCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "init [DIR]",
		Short: "Start a project: a registry, a script, editor definitions and a README",
		Long: `Write a ready project in DIR (default: the current folder, created if
missing):

  registry.yaml    an in-memory store app:cache, and app:kv, a table in
                   the SQLite file app.db (in a luahost built without
                   cgo, which SQLite needs, app:kv is in memory too)
  main.lua         a script using both, with error handling
  README.md        the next steps
  .luarc.json      Lua Language Server settings (see luahost types)
  ` + typesDir + `  definitions of store, errors and security
  .gitignore       leaves out app.db, and luahost.db (the built-in
                   registry's file, made by a run without -r)

Run the script at once with: luahost run -r registry.yaml main.lua

init never overwrites: if any of these files exists, it writes nothing and
lists them. If writing fails midway, it removes the files and folders it
created, leaving the folder as it was.`,
		Example: `  luahost init myapp && cd myapp && luahost run -r registry.yaml main.lua`,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			return initProject(cmd.OutOrStdout(), dir)
		},
	}
}

// sqliteAvailable reports whether this binary has SQLite (built with cgo);
// a test sets it to write the project of a binary built without.
var sqliteAvailable = sqldb.SQLiteAvailable

// projectFiles returns the files of a new project by path relative to
// its folder, in the order they are written. With sqlite false (a binary
// built without cgo) app:kv is a memory store, and the files say so.
func projectFiles(sqlite bool) ([]luals.File, error) {
	var files []luals.File
	for _, name := range []string{"registry.yaml", "main.lua", "README.md", "gitignore"} {
		tmpl, err := template.ParseFS(project, "project/"+name)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		if err := tmpl.Execute(&b, struct{ SQLite bool }{sqlite}); err != nil {
			return nil, err
		}
		if name == "gitignore" {
			name = ".gitignore"
		}
		files = append(files, luals.File{Name: name, Data: b.Bytes()})
	}
	mods := luamod.Docs()
	defs, err := luals.Definitions(mods)
	if err != nil {
		return nil, err
	}
	for _, d := range defs {
		files = append(files, luals.File{Name: typesDir + "/" + d.Name, Data: d.Data})
	}
	return append(files, luals.File{Name: ".luarc.json", Data: luals.LuaRC(typesDir, mods)}), nil
}

// initProject writes the project files in dir. When any exists it writes
// nothing; when writing fails midway it removes what it wrote.
func initProject(w io.Writer, dir string) error {
	sqlite := sqliteAvailable()
	files, err := projectFiles(sqlite)
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return &exitError{code: 1, err: fmt.Errorf("init %s: %s is a file, not a folder (nothing written)", dir, dir)}
	}
	var exist []string
	for _, f := range files {
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(f.Name))); err == nil {
			exist = append(exist, f.Name)
		} else if errors.Is(err, syscall.ENOTDIR) {
			exist = append(exist, notFolder(dir, f.Name)+" (a file where init needs a folder)")
		} else if !errors.Is(err, fs.ErrNotExist) {
			return &exitError{code: 1, err: err}
		}
	}
	exist = slices.Compact(exist)
	if len(exist) > 0 {
		return &exitError{code: 1, err: fmt.Errorf("init %s: these files exist, and init does not overwrite (nothing written): %s", dir, strings.Join(exist, ", "))}
	}
	written, err := writeFiles(dir, files)
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("init %s: %w", dir, err)}
	}
	for _, p := range written {
		fmt.Fprintln(w, "wrote", p)
	}
	next := "luahost run -r registry.yaml main.lua"
	if filepath.Clean(dir) != "." {
		next = "cd " + dir + " && " + next
	}
	if !sqlite {
		fmt.Fprintln(w, "note: this luahost was built without cgo, which SQLite needs, so app:kv is a memory store:",
			"its data is gone when the process ends (registry.yaml shows how to keep it in PostgreSQL or MySQL)")
	}
	fmt.Fprintln(w, "next:", next)
	return nil
}

// writeFiles writes files in dir, creating dir and the folders they go
// in, and returns the paths it wrote. It overwrites nothing: a file that
// exists is an error. On an error it removes what it wrote, files and
// then the folders it created, innermost first, so that the file system
// is as it found it; the error says so ("nothing written"), or names
// what it could not remove.
func writeFiles(dir string, files []luals.File) (written []string, err error) {
	var made []string // folders created, outermost first
	defer func() {
		if err == nil {
			return
		}
		var left []error
		for i := len(written) - 1; i >= 0; i-- {
			if rerr := os.Remove(written[i]); rerr != nil {
				left = append(left, rerr)
			}
		}
		// os.Remove leaves a folder that is not empty: one where
		// something else put a file meanwhile stays, with its file.
		for i := len(made) - 1; i >= 0; i-- {
			if rerr := os.Remove(made[i]); rerr != nil {
				left = append(left, rerr)
			}
		}
		if len(left) > 0 {
			err = fmt.Errorf("%w; removing what was written failed: %w", err, errors.Join(left...))
		} else {
			err = fmt.Errorf("%w (nothing written)", err)
		}
		written = nil
	}()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := mkdirs(filepath.Dir(p), &made); err != nil {
			return written, err
		}
		// O_EXCL: a file that appeared since the check is not overwritten.
		fh, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return written, err
		}
		written = append(written, p)
		_, err = fh.Write(f.Data)
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return written, err
		}
	}
	return written, nil
}

// mkdirs creates folder p and the missing folders above it, as
// os.MkdirAll does, appending each one it created to made, outermost
// first.
func mkdirs(p string, made *[]string) error {
	var missing []string
	for q := p; ; {
		fi, err := os.Stat(q)
		if err == nil {
			if !fi.IsDir() {
				return &fs.PathError{Op: "mkdir", Path: q, Err: syscall.ENOTDIR}
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, q)
		up := filepath.Dir(q)
		if up == q {
			break
		}
		q = up
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o755); err != nil {
			// Made by someone else meanwhile: not ours to remove.
			if fi, serr := os.Stat(missing[i]); serr == nil && fi.IsDir() {
				continue
			}
			return err
		}
		*made = append(*made, missing[i])
	}
	return nil
}

// notFolder returns the first parent folder of name (a slash-separated
// path in dir) that exists as something other than a folder.
func notFolder(dir, name string) string {
	var parents []string
	for p := path.Dir(name); p != "."; p = path.Dir(p) {
		parents = append(parents, p)
	}
	for i := len(parents) - 1; i >= 0; i-- {
		if fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(parents[i]))); err == nil && !fi.IsDir() {
			return parents[i]
		}
	}
	return name
}
