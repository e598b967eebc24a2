package main

import (
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

	"github.com/spf13/cobra"

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
                   the SQLite file app.db
  main.lua         a script using both, with error handling
  README.md        the next steps
  .luarc.json      Lua Language Server settings (see luahost types)
  ` + typesDir + `  definitions of store, errors and security
  .gitignore       leaves out app.db

Run the script at once with: luahost run -r registry.yaml main.lua

init never overwrites: if any of these files exists, it writes nothing and
lists them.`,
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

// projectFiles returns the files of a new project by path relative to
// its folder, in the order they are written.
func projectFiles() ([]luals.File, error) {
	var files []luals.File
	for _, name := range []string{"registry.yaml", "main.lua", "README.md", "gitignore"} {
		b, err := project.ReadFile("project/" + name)
		if err != nil {
			return nil, err
		}
		if name == "gitignore" {
			name = ".gitignore"
		}
		files = append(files, luals.File{Name: name, Data: b})
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
	files, err := projectFiles()
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
	var written []string
	undo := func() {
		for i := len(written) - 1; i >= 0; i-- {
			os.Remove(written[i])
		}
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			undo()
			return &exitError{code: 1, err: err}
		}
		// O_EXCL: a file that appeared since the check is not overwritten.
		fh, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			undo()
			return &exitError{code: 1, err: fmt.Errorf("init %s: %w (nothing written)", dir, err)}
		}
		written = append(written, p)
		_, err = fh.Write(f.Data)
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			undo()
			return &exitError{code: 1, err: fmt.Errorf("init %s: %w (nothing written)", dir, err)}
		}
	}
	for _, p := range written {
		fmt.Fprintln(w, "wrote", p)
	}
	next := "luahost run -r registry.yaml main.lua"
	if filepath.Clean(dir) != "." {
		next = "cd " + dir + " && " + next
	}
	fmt.Fprintln(w, "next:", next)
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
