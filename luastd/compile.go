package luastd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// MaxSyntaxLevels is how deeply source may nest (brackets, blocks,
// function bodies, unary operators and chains of the right-associative ..
// and ^ operators), as PUC Lua 5.1's LUAI_MAXCCALLS bounds its parser.
// Deeper source fails to compile with "chunk has too many syntax levels"
// before gopher-lua's parser and compiler, which recurse on nesting, see
// it.
const MaxSyntaxLevels = 200

// SyntaxLevelError is the error of source nested deeper than
// MaxSyntaxLevels.
type SyntaxLevelError struct {
	// Chunk is the chunk's name as given to Compile.
	Chunk string
	// Line is the line, from 1, where the limit was passed.
	Line int
	// Operators is set when one expression has too many operators,
	// rather than the source nesting too deeply.
	Operators bool
}

func (e *SyntaxLevelError) Error() string {
	if e.Operators {
		return fmt.Sprintf("%s:%d: expression has more than %d operators", e.Chunk, e.Line, MaxSyntaxLevels)
	}
	return fmt.Sprintf("%s:%d: chunk has too many syntax levels", e.Chunk, e.Line)
}

// Compile compiles Lua source named name (used in error positions, e.g. a
// file path or "<string>") into a function prototype, after checking that
// it nests no deeper than MaxSyntaxLevels. Every place luahost compiles
// source goes through it. Source that does not compile returns a
// *SyntaxError named name, with Lua 5.1's message.
//
// The .. operator compiles to a call of a luastd function, which no name
// in source can reach: it checks the size of the string against the run's
// memory cap (MemoryLimit of the state's context) and MaxAlloc before
// building it, and otherwise behaves as Lua 5.1's: numbers as "%.14g",
// __concat metamethods, and "attempt to concatenate local 'x' (a nil
// value)" errors. Tracebacks show it as a Go function named "..".
func Compile(src, name string) (*lua.FunctionProto, error) {
	return compile(src, name, name)
}

// compile is Compile with errName as the chunk's name in a *SyntaxError:
// Lua 5.1 shows a chunk name at more length in syntax errors than in
// run-time ones.
func compile(src, name, errName string) (*lua.FunctionProto, error) {
	// Lua 5.1's rules come first: gopher-lua accepts some source Lua 5.1
	// rejects (f\n(g), empty statements, 1e, \300), and its own errors
	// name no Lua 5.1 message.
	if err := checkSyntax(src, errName); err != nil {
		return nil, err
	}
	if err := CheckNesting(src, name); err != nil {
		return nil, syntaxError(errName, src, err)
	}
	chunk, err := parse.Parse(strings.NewReader(src), name)
	if err != nil {
		return nil, syntaxError(errName, src, err)
	}
	marker, sites := rewriteConcat(chunk)
	consts, err := rewriteConstants(chunk, src, name)
	if err != nil {
		return nil, syntaxError(errName, src, err)
	}
	proto, err := lua.Compile(chunk, name)
	if err != nil {
		var ce *lua.CompileError
		if consts != nil && errors.As(err, &ce) && ce.Line >= consts.base {
			ce.Line = consts.lines[ce.Line-consts.base]
		}
		return nil, syntaxError(errName, src, err)
	}
	if consts != nil {
		if err := consts.patch(proto, name); err != nil {
			return nil, syntaxError(errName, src, err)
		}
	}
	if err := fixSetList(proto); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(sites) > 0 {
		patchConcat(proto, marker, sites)
	}
	return proto, nil
}

// Load compiles src with Compile and returns it as a function of L, with
// L's globals as its environment. When L's context ends first, Load raises
// the context's error in L at once and leaves the compile to finish,
// unused, on its own goroutine; the limits Compile enforces (nesting,
// constants: see the package doc) keep that to linear time in the size of
// the source. Load starts no compile once the context has ended.
func Load(L *lua.LState, src, name string) (*lua.LFunction, error) {
	return load(L, src, name, name)
}

// loadChunk is Load for a Lua 5.1 chunk name (source): "=name", "@file",
// or the source text, shown in messages as luaO_chunkid shows it.
func loadChunk(L *lua.LState, src, source string) (*lua.LFunction, error) {
	return load(L, src, chunkID(source, runtimeIDSize), chunkID(source, syntaxIDSize))
}

func load(L *lua.LState, src, name, errName string) (*lua.LFunction, error) {
	ctx := L.Context()
	if ctx == nil || len(src) < 64<<10 {
		proto, err := compile(src, name, errName)
		if err != nil {
			return nil, err
		}
		return L.NewFunctionFromProto(proto), nil
	}
	if ctx.Err() != nil {
		// Never start a compile no one will use.
		Check(L)
		return nil, ctx.Err()
	}
	type result struct {
		proto *lua.FunctionProto
		err   error
	}
	done := make(chan result, 1)
	go func() {
		proto, err := compile(src, name, errName)
		done <- result{proto, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, r.err
		}
		return L.NewFunctionFromProto(r.proto), nil
	case <-ctx.Done():
		Check(L)
		return nil, ctx.Err()
	}
}

// LoadReader is Load for source read from r.
func LoadReader(L *lua.LState, r io.Reader, name string) (*lua.LFunction, error) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	return Load(L, buf.String(), name)
}

// CheckNesting returns a *SyntaxLevelError when src nests deeper than
// MaxSyntaxLevels, or has an expression of more than MaxSyntaxLevels
// operators (gopher-lua's compiler takes time quadratic in that length;
// PUC Lua accepts longer chains of left-associative operators). It reads
// tokens only and counts nesting no deeper than PUC Lua 5.1's parser does;
// source that is not valid Lua is left for the parser to report.
func CheckNesting(src, name string) error {
	sc := scanner{src: src, line: 1}
	// Each open bracket or block keeps the state of the expression it
	// interrupted. chain counts the .., ^ and unary operators of the
	// current expression, each of which the parser recurses on; terms
	// counts all its operators.
	type level struct{ chain, terms int }
	var stack []level
	chainSum := 0 // sum of the chains kept in stack
	chain, terms := 0, 0
	prevOperand := false
	for {
		tok, ok := sc.next()
		if !ok {
			return nil
		}
		operand := false
		switch tok {
		case "(", "{", "[", "function", "do", "if", "repeat":
			switch {
			case !prevOperand || tok == "{":
			case tok == "(" || tok == "[":
				terms++ // a call or an index
			default:
				// A keyword after an operand ends its expression: a new
				// statement starts (end if ... end), or a body (while x do).
				chain, terms = 0, 0
			}
			stack = append(stack, level{chain, terms})
			chainSum += chain
			chain, terms = 0, 0
		case ")", "}", "]", "end", "until":
			if n := len(stack); n > 0 {
				chain, terms = stack[n-1].chain, stack[n-1].terms
				chainSum -= chain
				stack = stack[:n-1]
			}
			operand = tok != "until"
		case "..", "^", "not", "#":
			chain++
			terms++
		case "-":
			if !prevOperand {
				chain++ // unary minus
			}
			terms++
		case "+", "*", "/", "%", ".", ":":
			// Operators that bind tighter than .. do not end a ..-chain.
			terms++
		case "==", "~=", "<", "<=", ">", ">=", "and", "or":
			chain = 0
			terms++
		case "name", "number", "nil", "true", "false", "...":
			if prevOperand {
				// Two operands in a row: a new statement starts (f(1) g(2)).
				chain, terms = 0, 0
			}
			operand = true
		case "string":
			operand = true // after an operand, a call's argument (f "x")
		default:
			chain, terms = 0, 0
		}
		prevOperand = operand
		if len(stack)+chainSum+chain > MaxSyntaxLevels {
			return &SyntaxLevelError{Chunk: name, Line: sc.line}
		}
		if terms > MaxSyntaxLevels {
			return &SyntaxLevelError{Chunk: name, Line: sc.line, Operators: true}
		}
	}
}

// scanner splits Lua source into tokens, just finely enough for
// CheckNesting: names, numbers and strings come back as "name", "number"
// and "string", keywords and operators as themselves.
type scanner struct {
	src  string
	pos  int
	line int
}

var keywords = map[string]bool{
	"and": true, "break": true, "do": true, "else": true, "elseif": true,
	"end": true, "false": true, "for": true, "function": true, "if": true,
	"in": true, "local": true, "nil": true, "not": true, "or": true,
	"repeat": true, "return": true, "then": true, "true": true,
	"until": true, "while": true,
}

// next returns the next token, or false at the end of the source or at
// anything the scanner cannot read (the parser will report it).
func (s *scanner) next() (string, bool) {
	src := s.src
	for s.pos < len(src) {
		c := src[s.pos]
		switch {
		case c == '\n':
			s.line++
			s.pos++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			s.pos++
		case c == '-' && strings.HasPrefix(src[s.pos:], "--"):
			s.pos += 2
			if level, ok := longBracket(src[s.pos:]); ok {
				if !s.skipLong(level) {
					return "", false
				}
				continue
			}
			for s.pos < len(src) && src[s.pos] != '\n' {
				s.pos++
			}
		case isAlpha(c) || c == '_':
			start := s.pos
			for s.pos < len(src) && (isAlpha(src[s.pos]) || src[s.pos] == '_' || (src[s.pos] >= '0' && src[s.pos] <= '9')) {
				s.pos++
			}
			if w := src[start:s.pos]; keywords[w] {
				return w, true
			}
			return "name", true
		case c >= '0' && c <= '9' || (c == '.' && s.pos+1 < len(src) && src[s.pos+1] >= '0' && src[s.pos+1] <= '9'):
			for s.pos < len(src) {
				d := src[s.pos]
				if (d == '+' || d == '-') && (src[s.pos-1]|0x20 == 'e') {
					s.pos++
					continue
				}
				if !(isAlpha(d) || d == '.' || d == '_' || (d >= '0' && d <= '9')) {
					break
				}
				s.pos++
			}
			return "number", true
		case c == '"' || c == '\'':
			s.pos++
			for {
				if s.pos >= len(src) || src[s.pos] == '\n' {
					return "", false
				}
				d := src[s.pos]
				s.pos++
				if d == c {
					break
				}
				if d == '\\' && s.pos < len(src) {
					if src[s.pos] == '\n' {
						s.line++
					}
					s.pos++
				}
			}
			return "string", true
		case c == '[':
			if level, ok := longBracket(src[s.pos:]); ok {
				if !s.skipLong(level) {
					return "", false
				}
				return "string", true
			}
			s.pos++
			return "[", true
		default:
			for _, op := range []string{"...", "..", "==", "~=", "<=", ">="} {
				if strings.HasPrefix(src[s.pos:], op) {
					s.pos += len(op)
					return op, true
				}
			}
			s.pos++
			return string(c), true
		}
	}
	return "", false
}

// longBracket reports whether s opens a long bracket ([[, [=[, ...) and
// its level.
func longBracket(s string) (int, bool) {
	if len(s) == 0 || s[0] != '[' {
		return 0, false
	}
	i := 1
	for i < len(s) && s[i] == '=' {
		i++
	}
	if i < len(s) && s[i] == '[' {
		return i - 1, true
	}
	return 0, false
}

// skipLong moves past a long string or comment of the given level that
// starts at s.pos.
func (s *scanner) skipLong(level int) bool {
	closing := "]" + strings.Repeat("=", level) + "]"
	rest := s.src[s.pos+level+2:]
	i := strings.Index(rest, closing)
	if i < 0 {
		return false
	}
	s.line += strings.Count(rest[:i], "\n")
	s.pos += level + 2 + i + len(closing)
	return true
}
