package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/luamod/luals"
)

// typesDir is where types and init put the definition files, relative to
// the project folder (and to its .luarc.json).
const typesDir = ".luahost/types"

func newTypesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "types [DIR]",
		Short: "Write editor definitions (Lua Language Server) for store, errors and security",
		Long: `Write Lua Language Server (LuaLS, "sumneko") definition files for the
modules luahost gives scripts: store and store handles, errors and error
values, and security. Editors using the Lua Language Server (VS Code's
"Lua" extension, Neovim's lua_ls, ...) then complete them and check calls.

In DIR (default: the current folder) it writes ` + typesDir + `/*.lua,
replacing what an earlier run wrote there, and .luarc.json, which sets the
runtime to Lua 5.1, declares the globals store and errors, and adds
` + typesDir + ` to the workspace library. An existing .luarc.json is
merged: its other settings are kept. Run it again after upgrading luahost.`,
		Example: `  luahost types
  luahost types path/to/project`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			return writeTypes(cmd.OutOrStdout(), dir)
		},
	}
}

// writeTypes writes the definition files and .luarc.json in dir, naming
// each file it wrote on w.
func writeTypes(w io.Writer, dir string) error {
	mods := luamod.Docs()
	rcPath := filepath.Join(dir, ".luarc.json")
	existing, err := os.ReadFile(rcPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return &exitError{code: 1, err: err}
	}
	rc, err := luals.MergeLuaRC(existing, typesDir, mods)
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("%s: %w", rcPath, err)}
	}
	files, err := luals.Definitions(mods)
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	out := filepath.Join(dir, filepath.FromSlash(typesDir))
	if err := os.MkdirAll(out, 0o755); err != nil {
		return &exitError{code: 1, err: err}
	}
	for _, f := range files {
		p := filepath.Join(out, f.Name)
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return &exitError{code: 1, err: err}
		}
		fmt.Fprintln(w, "wrote", p)
	}
	if err := os.WriteFile(rcPath, rc, 0o644); err != nil {
		return &exitError{code: 1, err: err}
	}
	fmt.Fprintln(w, "wrote", rcPath)
	return nil
}
