package repl

import (
	"errors"
	"fmt"
	"strings"

	"github.com/luahost/luahost/runtime"
)

// chunkName is the name errors give the REPL's input, as in "stdin:1: ...".
const chunkName = "stdin"

// errIncomplete means the input ends inside a statement, string or
// comment: more lines may complete it.
var errIncomplete = errors.New("incomplete chunk")

// compileChunk compiles src, the lines of one chunk each ending in "\n". An
// expression compiles as "return <src>", so that it returns its values to
// be printed, as does "=<src>" (the lua command's shorthand). A src that
// ends too early in both forms returns errIncomplete.
func compileChunk(src string) (*runtime.Program, error) {
	retSrc := "return " + src
	if rest, ok := strings.CutPrefix(src, "="); ok { // the lua command's "=expr"
		retSrc = "return " + rest
	}
	prog, retErr := compileString(retSrc)
	if retErr == nil {
		return prog, nil
	}
	prog, err := compileString(src)
	if err == nil {
		return prog, nil
	}
	if atEOF(err) || atEOF(retErr) {
		return nil, errIncomplete
	}
	return nil, err
}

func compileString(src string) (*runtime.Program, error) {
	return runtime.Compile(chunkName, src)
}

// atEOF reports whether err is a syntax error at the end of the input.
func atEOF(err error) bool {
	var se *runtime.SyntaxError
	return errors.As(err, &se) && se.AtEOF
}

// syntaxError formats a compile error as "stdin:line:col: message near
// 'token'".
func syntaxError(err error) string {
	var se *runtime.SyntaxError
	if !errors.As(err, &se) {
		return err.Error()
	}
	if se.AtEOF {
		return fmt.Sprintf("%s: %s at end of input", chunkName, se.Message)
	}
	pos := fmt.Sprintf("%s:%d", chunkName, se.Line)
	if se.Column > 0 {
		pos += fmt.Sprintf(":%d", se.Column)
	}
	if se.Near == "" {
		return fmt.Sprintf("%s: %s", pos, se.Message)
	}
	return fmt.Sprintf("%s: %s near %s", pos, se.Message, quoteToken(se.Near))
}

// quoteToken quotes a token for an error message, escaping bytes that are
// not printable.
func quoteToken(tok string) string {
	return "'" + escape(tok, '\'') + "'"
}
