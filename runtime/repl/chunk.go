package repl

import (
	"errors"
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/luahost/luahost/luastd"
)

// chunkName is the name errors give the REPL's input, as in "stdin:1: ...".
const chunkName = "stdin"

// errIncomplete means the input ends inside a statement, string or
// comment: more lines may complete it.
var errIncomplete = errors.New("incomplete chunk")

// compileChunk compiles src, the lines of one chunk each ending in "\n". An
// expression compiles as "return <src>", so its values can be printed;
// expr reports that. A src that ends too early in both forms returns
// errIncomplete.
func compileChunk(src string) (proto *lua.FunctionProto, expr bool, err error) {
	retSrc := "return " + src
	if rest, ok := strings.CutPrefix(src, "="); ok { // the lua command's "=expr"
		retSrc = "return " + rest
	}
	proto, retErr := compileString(retSrc)
	if retErr == nil {
		return proto, true, nil
	}
	proto, err = compileString(src)
	if err == nil {
		return proto, false, nil
	}
	if atEOF(err) || atEOF(retErr) {
		return nil, false, errIncomplete
	}
	return nil, false, err
}

func compileString(src string) (*lua.FunctionProto, error) {
	return luastd.Compile(src, chunkName)
}

// atEOF reports whether err is a parse error at the end of the input.
func atEOF(err error) bool {
	var pe *parse.Error
	return errors.As(err, &pe) && pe.Pos.Line < 0
}

// syntaxError formats a compile error as "stdin:line:col: message near
// 'token'".
func syntaxError(err error) string {
	var pe *parse.Error
	if !errors.As(err, &pe) {
		return err.Error()
	}
	if pe.Pos.Line < 0 {
		return fmt.Sprintf("%s: %s at end of input", chunkName, pe.Message)
	}
	pos := fmt.Sprintf("%s:%d", chunkName, pe.Pos.Line)
	if pe.Pos.Column > 0 {
		pos += fmt.Sprintf(":%d", pe.Pos.Column)
	}
	if pe.Token == "" {
		return fmt.Sprintf("%s: %s", pos, pe.Message)
	}
	return fmt.Sprintf("%s: %s near %s", pos, pe.Message, quoteToken(pe.Token))
}

// quoteToken quotes a token for an error message, escaping bytes that are
// not printable.
func quoteToken(tok string) string {
	return "'" + escape(tok, '\'') + "'"
}
