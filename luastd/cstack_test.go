package luastd_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/luastd"
)

// lua51CStack is Lua 5.1's LUAI_MAXCSTACK, the bound lua_checkstack holds
// a library function's stack to.
const lua51CStack = 8000

// TestResultBoundAsLua51 runs each script of testdata/cstack with the
// result bound lowered to Lua 5.1's and compares what it prints with what
// lua5.1 printed for it (NAME.want, from `lua5.1 NAME.lua` in that
// folder; rechecked when lua5.1 is installed): unpack, string.byte,
// coroutine.resume and wrap refuse where Lua 5.1 does, counting what it
// counts, with its messages, and select and pcall refuse nothing.
func TestResultBoundAsLua51(t *testing.T) {
	scripts, err := filepath.Glob(filepath.Join("testdata", "cstack", "*.lua"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts in testdata/cstack (%v)", err)
	}
	lua51, _ := exec.LookPath("lua5.1")
	for _, script := range scripts {
		name := filepath.Base(script)
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(script)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(script, ".lua") + ".want")
			if err != nil {
				t.Fatal(err)
			}
			if lua51 != "" {
				ref := exec.Command(lua51, name)
				ref.Dir = filepath.Dir(script)
				out, err := ref.Output()
				if err != nil {
					t.Fatalf("lua5.1 %s: %v", name, err)
				}
				if !bytes.Equal(out, want) {
					t.Fatalf("%s.want is stale: lua5.1 prints\n%s", strings.TrimSuffix(name, ".lua"), out)
				}
			}
			luastd.LowerResultBound(t, lua51CStack)
			L := newState(t)
			L.SetContext(context.Background())
			var got bytes.Buffer
			L.SetGlobal("print", L.NewFunction(luastd.Print(&got)))
			fn, err := luastd.Load(L, string(src), name)
			if err != nil {
				t.Fatal(err)
			}
			L.Push(fn)
			if err := L.PCall(0, lua.MultRet, nil); err != nil {
				t.Fatal(err)
			}
			if got.String() != string(want) {
				t.Fatalf("printed\n%s\nlua5.1 printed\n%s", got.String(), want)
			}
		})
	}
}
