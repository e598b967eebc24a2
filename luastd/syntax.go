package luastd

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// SyntaxError is Lua source that does not compile: a syntax error, or
// source nested deeper than MaxSyntaxLevels. Its text is Lua 5.1's,
// "chunk:line: message near 'token'" (luaX_syntaxerror), with the same
// message and token PUC Lua 5.1 reports for the same source.
type SyntaxError struct {
	// Chunk is the chunk's name as messages show it: the name given to
	// Compile, or for loadstring, load, loadfile and dofile the chunk name
	// as Lua 5.1's luaO_chunkid shows it ([string "..."], file, name).
	Chunk string
	// Line is where the error was found, from 1, as Lua 5.1 counts it:
	// the line the scanner is on, the last line when the source ends too
	// early.
	Line int
	// Column is the column, from 1, of the start of the token the error
	// was found at; 0 when unknown or at the end of the source.
	Column int
	// Message says what is wrong, e.g. "unexpected symbol" or "'end'
	// expected (to close 'function' at line 1)".
	Message string
	// Near is the token the error was found at, as Lua 5.1 shows it
	// ("<eof>" at the end of the source, a string with its opening quote);
	// "" when the message names none.
	Near string
	// AtEOF reports that the source ended too early: more input could
	// complete it (an interactive shell reads another line), as the lua
	// command decides from a message ending in '<eof>'.
	AtEOF bool
	// Err is the *SyntaxLevelError of source nested too deeply, the
	// error of gopher-lua's parser or compiler for source Lua 5.1 accepts
	// but gopher-lua does not, or nil.
	Err error
}

// Error returns "chunk:line: message near 'token'", or
// "chunk:line: message" without a token. Where Lua 5.1 writes a token's
// bytes raw, control bytes other than tab and newline, bytes that are not
// UTF-8 and runes that are not printable are written as \xNN, so an
// error text cannot carry terminal control sequences.
func (e *SyntaxError) Error() string {
	if e.Near == "" {
		return fmt.Sprintf("%s:%d: %s", e.Chunk, e.Line, e.Message)
	}
	return fmt.Sprintf("%s:%d: %s near '%s'", e.Chunk, e.Line, e.Message, escapeToken(e.Near))
}

// escapeToken writes the bytes of s that Error must not write raw as
// \xNN.
func escapeToken(s string) string {
	unsafe := func(r rune) bool {
		return r == utf8.RuneError || r != '\t' && r != '\n' && !strconv.IsPrint(r)
	}
	if !strings.ContainsFunc(s, unsafe) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unsafe(r) {
			for _, c := range []byte(s[i : i+size]) {
				fmt.Fprintf(&b, "\\x%02x", c)
			}
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Unwrap returns Err.
func (e *SyntaxError) Unwrap() error { return e.Err }

// syntaxError turns err, the failed compile of src that Lua 5.1's rules
// accept (a luahost limit, or source gopher-lua alone rejects), into a
// *SyntaxError named chunk with gopher-lua's or the limit's message.
func syntaxError(chunk, src string, err error) error {
	var pe *parse.Error
	var le *SyntaxLevelError
	var ce *lua.CompileError
	var ke *ConstantsError
	switch {
	case errors.As(err, &pe):
		se := &SyntaxError{Chunk: chunk, Line: pe.Pos.Line, Column: pe.Pos.Column, Message: pe.Message, Near: pe.Token, Err: err}
		if pe.Pos.Line == parse.EOF {
			// Lua 5.1 counts a line for every newline read before the end.
			// The source is complete by Lua 5.1's rules, so AtEOF stays
			// false: more input would not help.
			se.Line, se.Column, se.Near = 1+strings.Count(src, "\n"), 0, "<eof>"
		}
		return se
	case errors.As(err, &le):
		msg := strings.TrimPrefix(le.Error(), fmt.Sprintf("%s:%d: ", le.Chunk, le.Line))
		return &SyntaxError{Chunk: chunk, Line: le.Line, Message: msg, Err: err}
	case errors.As(err, &ke):
		msg := strings.TrimPrefix(ke.Error(), fmt.Sprintf("%s:%d: ", ke.Chunk, ke.Line))
		return &SyntaxError{Chunk: chunk, Line: ke.Line, Message: msg, Err: err}
	case errors.As(err, &ce):
		return &SyntaxError{Chunk: chunk, Line: ce.Line, Message: ce.Message, Err: err}
	}
	return err
}

// Tokens of Lua 5.1's scanner (llex.h): a single-byte token is its byte,
// reserved words and longer tokens follow.
const (
	tkAnd = 257 + iota
	tkBreak
	tkDo
	tkElse
	tkElseif
	tkEnd
	tkFalse
	tkFor
	tkFunction
	tkIf
	tkIn
	tkLocal
	tkNil
	tkNot
	tkOr
	tkRepeat
	tkReturn
	tkThen
	tkTrue
	tkUntil
	tkWhile
	tkConcat
	tkDots
	tkEq
	tkGe
	tkLe
	tkNe
	tkNumber
	tkName
	tkString
	tkEOS

	noToken = -1 // no lookahead token
	eoz     = -1 // end of source
)

var tokenNames = [...]string{
	"and", "break", "do", "else", "elseif",
	"end", "false", "for", "function", "if",
	"in", "local", "nil", "not", "or", "repeat",
	"return", "then", "true", "until", "while",
	"..", "...", "==", ">=", "<=", "~=",
	"<number>", "<name>", "<string>", "<eof>",
}

var reservedWords = func() map[string]int {
	m := make(map[string]int, tkWhile-tkAnd+1)
	for t := tkAnd; t <= tkWhile; t++ {
		m[tokenNames[t-tkAnd]] = t
	}
	return m
}()

var escapes = map[byte]byte{'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v'}

// twoByteTokens are the tokens of '=', '<', '>' and '~' followed by '='.
var twoByteTokens = map[int]int{'=': tkEq, '<': tkLe, '>': tkGe, '~': tkNe}

// syntaxLevelBase is the C call depth PUC Lua 5.1's parser starts at when
// loadstring is called from a main chunk; it counts towards
// LUAI_MAXCCALLS (MaxSyntaxLevels) with the parser's own levels.
const syntaxLevelBase = 2

type token struct {
	t   int
	col int // column of the token's first byte, from 1
}

// expression kinds the statement rules look at.
const (
	expOther   = iota
	expVar     // a name: local, upvalue or global
	expIndexed // t[k] or t.k
	expCall    // f(...), o:m(...)
)

// funcState is what the syntax rules need of a function being parsed.
type funcState struct {
	line   int  // line defined; 0 for the main chunk
	vararg bool // may use ...
	loops  int  // loops open in the function (break needs one)
}

// checker is a port of the scanner and the syntax rules of PUC Lua 5.1.5
// (llex.c, lparser.c) without code generation: it finds the first error
// in source and reports it as Lua 5.1 does. Errors are raised as a panic
// of *SyntaxError and recovered by checkSyntax.
type checker struct {
	src       string
	chunk     string
	pos       int // of cur in src
	cur       int // current byte, or eoz
	line      int // the line of cur (linenumber)
	lineStart int // offset of the line's first byte
	lastLine  int // line of the last token consumed
	buf       []byte
	tok       token
	ahead     token
	startCol  int // column of the token being scanned
	level     int // syntax levels open, with syntaxLevelBase
	fs        *funcState
}

// checkSyntax returns the first syntax error of src as a *SyntaxError
// with Lua 5.1's message, chunk as the chunk's name, or nil when Lua 5.1
// would compile src.
func checkSyntax(src, chunk string) (err error) {
	c := &checker{src: src, chunk: chunk, line: 1, level: syntaxLevelBase, ahead: token{t: noToken}}
	c.cur = eoz
	if len(src) > 0 {
		c.cur = int(src[0])
	}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*SyntaxError)
			if !ok {
				panic(r)
			}
			err = e
		}
	}()
	c.fs = &funcState{vararg: true}
	c.next()
	c.block()
	c.check(tkEOS)
	return nil
}

// Scanner (llex.c).

func (c *checker) advance() {
	if c.pos < len(c.src) {
		c.pos++
	}
	if c.pos < len(c.src) {
		c.cur = int(c.src[c.pos])
	} else {
		c.cur = eoz
	}
}

func (c *checker) save(b int) { c.buf = append(c.buf, byte(b)) }

func (c *checker) saveAndAdvance() {
	c.save(c.cur)
	c.advance()
}

func (c *checker) atNewline() bool { return c.cur == '\n' || c.cur == '\r' }

// checkNext consumes and saves the current byte if it is in set. A NUL
// byte is in every set, as C's strchr finds a string's terminator: Lua
// 5.1 reads "1\0" as a numeral.
func (c *checker) checkNext(set string) bool {
	if c.cur == eoz || c.cur != 0 && !strings.ContainsRune(set, rune(c.cur)) {
		return false
	}
	c.saveAndAdvance()
	return true
}

func (c *checker) incLine() {
	old := c.cur
	c.advance()
	if c.atNewline() && c.cur != old {
		c.advance() // \n\r or \r\n
	}
	c.line++
	c.lineStart = c.pos
}

// lexError raises msg at the current line, near tok when it is not 0, as
// luaX_lexerror does.
func (c *checker) lexError(msg string, tok, col int) {
	e := &SyntaxError{Chunk: c.chunk, Line: c.line, Message: msg}
	if tok != 0 {
		e.Near = c.tokenText(tok)
		if tok == tkEOS {
			e.AtEOF = true
		} else {
			e.Column = col
		}
	}
	panic(e)
}

// syntaxErr raises msg near the current token (luaX_syntaxerror).
func (c *checker) syntaxErr(msg string) { c.lexError(msg, c.tok.t, c.tok.col) }

// tokenString is luaX_token2str.
func tokenString(t int) string {
	if t < tkAnd {
		if t < 32 || t == 127 {
			return fmt.Sprintf("char(%d)", t)
		}
		return string([]byte{byte(t)})
	}
	return tokenNames[t-tkAnd]
}

// tokenText is txtToken: names, strings and numbers as the scanner's
// buffer holds them, read as a C string.
func (c *checker) tokenText(t int) string {
	switch t {
	case tkName, tkString, tkNumber:
		s := string(c.buf)
		if i := strings.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		return s
	}
	return tokenString(t)
}

func isDigit(b int) bool  { return b >= '0' && b <= '9' }
func isAlphaC(b int) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
func isAlnumC(b int) bool { return isAlphaC(b) || isDigit(b) }

func (c *checker) readNumeral() {
	for {
		c.saveAndAdvance()
		if !isDigit(c.cur) && c.cur != '.' {
			break
		}
	}
	if c.checkNext("Ee") {
		c.checkNext("+-")
	}
	for isAlnumC(c.cur) || c.cur == '_' {
		c.saveAndAdvance()
	}
	s := string(c.buf)
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i] // strtod reads a C string
	}
	if strtodLen(s) != len(s) {
		c.lexError("malformed number", tkNumber, c.startCol)
	}
}

// strtodLen is how many bytes of s C's strtod (glibc, "C" locale) reads
// as a number, as luaO_str2d accepts them: s starts with a digit or '.'.
func strtodLen(s string) int {
	digits := func(i int, ok func(byte) bool) int {
		for i < len(s) && ok(s[i]) {
			i++
		}
		return i
	}
	dec := func(b byte) bool { return b >= '0' && b <= '9' }
	hex := func(b byte) bool { return dec(b) || b|0x20 >= 'a' && b|0x20 <= 'f' }
	num, exp := dec, byte('e')
	i := 0
	if len(s) > 2 && s[0] == '0' && s[1]|0x20 == 'x' {
		if j := 2; hex(s[j]) || s[j] == '.' && j+1 < len(s) && hex(s[j+1]) {
			num, exp, i = hex, 'p', 2
		}
	}
	start := i
	i = digits(i, num)
	n := i - start
	if i < len(s) && s[i] == '.' {
		j := digits(i+1, num)
		n += j - i - 1
		i = j
	}
	if n == 0 {
		return 0
	}
	if i < len(s) && s[i]|0x20 == exp {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if k := digits(j, dec); k > j {
			i = k
		}
	}
	return i
}

// skipSep reads a long bracket's [ or ] and its ='s: their count when the
// bracket is complete, otherwise -count-1.
func (c *checker) skipSep() int {
	count := 0
	s := c.cur
	c.saveAndAdvance()
	for c.cur == '=' {
		c.saveAndAdvance()
		count++
	}
	if c.cur == s {
		return count
	}
	return -count - 1
}

func (c *checker) readLongString(isString bool, sep int) {
	c.saveAndAdvance() // second [
	if c.atNewline() {
		c.incLine()
	}
	for {
		switch c.cur {
		case eoz:
			msg := "unfinished long comment"
			if isString {
				msg = "unfinished long string"
			}
			c.lexError(msg, tkEOS, 0)
		case '[':
			if c.skipSep() == sep {
				c.saveAndAdvance()
				if sep == 0 { // LUA_COMPAT_LSTR 1
					c.lexError("nesting of [[...]] is deprecated", '[', 0)
				}
			}
		case ']':
			if c.skipSep() == sep {
				c.saveAndAdvance()
				return
			}
		case '\n', '\r':
			c.save('\n')
			c.incLine()
			if !isString {
				c.buf = c.buf[:0]
			}
		default:
			if isString {
				c.saveAndAdvance()
			} else {
				c.advance()
			}
		}
	}
}

func (c *checker) readString(del int) {
	c.saveAndAdvance()
	for c.cur != del {
		switch c.cur {
		case eoz:
			c.lexError("unfinished string", tkEOS, 0)
		case '\n', '\r':
			c.lexError("unfinished string", tkString, c.startCol)
		case '\\':
			c.advance() // the \ is not saved
			switch c.cur {
			case 'a', 'b', 'f', 'n', 'r', 't', 'v':
				c.save(int(escapes[byte(c.cur)]))
				c.advance()
			case '\n', '\r':
				c.save('\n')
				c.incLine()
			case eoz:
				// the loop reports it
			default:
				if !isDigit(c.cur) {
					c.saveAndAdvance() // \\, \", \' and \?
					break
				}
				v := 0
				for i := 0; i < 3 && isDigit(c.cur); i++ {
					v = 10*v + c.cur - '0'
					c.advance()
				}
				if v > 255 {
					c.lexError("escape sequence too large", tkString, c.startCol)
				}
				c.save(v)
			}
		default:
			c.saveAndAdvance()
		}
	}
	c.saveAndAdvance() // the closing delimiter
}

// scan is llex: the next token.
func (c *checker) scan() int {
	c.buf = c.buf[:0]
	for {
		c.startCol = c.pos - c.lineStart + 1
		switch c.cur {
		case '\n', '\r':
			c.incLine()
			continue
		case '-':
			c.advance()
			if c.cur != '-' {
				return '-'
			}
			c.advance()
			if c.cur == '[' {
				sep := c.skipSep()
				c.buf = c.buf[:0]
				if sep >= 0 {
					c.readLongString(false, sep)
					c.buf = c.buf[:0]
					continue
				}
			}
			for !c.atNewline() && c.cur != eoz {
				c.advance()
			}
			continue
		case '[':
			sep := c.skipSep()
			if sep >= 0 {
				c.readLongString(true, sep)
				return tkString
			}
			if sep == -1 {
				return '['
			}
			c.lexError("invalid long string delimiter", tkString, c.startCol)
		case '=', '<', '>', '~':
			first := c.cur
			c.advance()
			if c.cur != '=' {
				return first
			}
			c.advance()
			return twoByteTokens[first]
		case '"', '\'':
			c.readString(c.cur)
			return tkString
		case '.':
			c.saveAndAdvance()
			if c.checkNext(".") {
				if c.checkNext(".") {
					return tkDots
				}
				return tkConcat
			}
			if !isDigit(c.cur) {
				return '.'
			}
			c.readNumeral()
			return tkNumber
		case eoz:
			return tkEOS
		default:
			switch b := c.cur; {
			case b == ' ' || b == '\t' || b == '\v' || b == '\f':
				c.advance()
				continue
			case isDigit(b):
				c.readNumeral()
				return tkNumber
			case isAlphaC(b) || b == '_':
				for isAlnumC(c.cur) || c.cur == '_' {
					c.saveAndAdvance()
				}
				if t, ok := reservedWords[string(c.buf)]; ok {
					return t
				}
				return tkName
			default:
				c.advance()
				return b // a single-byte token
			}
		}
	}
}

func (c *checker) scanToken() token {
	t := c.scan()
	return token{t: t, col: c.startCol}
}

// next is luaX_next.
func (c *checker) next() {
	c.lastLine = c.line
	if c.ahead.t != noToken {
		c.tok, c.ahead.t = c.ahead, noToken
		return
	}
	c.tok = c.scanToken()
}

func (c *checker) lookahead() { c.ahead = c.scanToken() }

// Syntax rules (lparser.c).

func (c *checker) errorExpected(t int) { c.syntaxErr("'" + tokenString(t) + "' expected") }

func (c *checker) testNext(t int) bool {
	if c.tok.t == t {
		c.next()
		return true
	}
	return false
}

func (c *checker) check(t int) {
	if c.tok.t != t {
		c.errorExpected(t)
	}
}

func (c *checker) checkNextTok(t int) {
	c.check(t)
	c.next()
}

func (c *checker) checkMatch(what, who, where int) {
	if c.testNext(what) {
		return
	}
	if where == c.line {
		c.errorExpected(what)
	}
	c.syntaxErr(fmt.Sprintf("'%s' expected (to close '%s' at line %d)", tokenString(what), tokenString(who), where))
}

func (c *checker) checkName() {
	c.check(tkName)
	c.next()
}

func (c *checker) enterLevel() {
	if c.level++; c.level > MaxSyntaxLevels {
		panic(&SyntaxError{Chunk: c.chunk, Line: c.line, Message: "chunk has too many syntax levels",
			Err: &SyntaxLevelError{Chunk: c.chunk, Line: c.line}})
	}
}

func (c *checker) leaveLevel() { c.level-- }

func blockFollow(t int) bool {
	switch t {
	case tkElse, tkElseif, tkEnd, tkUntil, tkEOS:
		return true
	}
	return false
}

// block is lparser.c's chunk.
func (c *checker) block() {
	c.enterLevel()
	for last := false; !last && !blockFollow(c.tok.t); {
		last = c.statement()
		c.testNext(';')
	}
	c.leaveLevel()
}

func (c *checker) field() {
	c.next() // . or :
	c.checkName()
}

func (c *checker) index() {
	c.next() // [
	c.expr()
	c.checkNextTok(']')
}

func (c *checker) constructor() {
	line := c.line
	c.checkNextTok('{')
	for {
		if c.tok.t == '}' {
			break
		}
		switch c.tok.t {
		case tkName:
			c.lookahead()
			if c.ahead.t != '=' {
				c.expr()
			} else {
				c.checkName()
				c.checkNextTok('=')
				c.expr()
			}
		case '[':
			c.index()
			c.checkNextTok('=')
			c.expr()
		default:
			c.expr()
		}
		if !c.testNext(',') && !c.testNext(';') {
			break
		}
	}
	c.checkMatch('}', '{', line)
}

func (c *checker) parlist() {
	if c.tok.t == ')' {
		return
	}
	for {
		switch c.tok.t {
		case tkName:
			c.next()
		case tkDots:
			c.next()
			c.fs.vararg = true
			return
		default:
			c.syntaxErr("<name> or '...' expected")
		}
		if !c.testNext(',') {
			return
		}
	}
}

func (c *checker) body(line int) {
	outer := c.fs
	c.fs = &funcState{line: line}
	c.checkNextTok('(')
	c.parlist()
	c.checkNextTok(')')
	c.block()
	c.checkMatch(tkEnd, tkFunction, line)
	c.fs = outer
}

func (c *checker) exprList() {
	c.expr()
	for c.testNext(',') {
		c.expr()
	}
}

func (c *checker) funcArgs() {
	line := c.line
	switch c.tok.t {
	case '(':
		if line != c.lastLine {
			c.syntaxErr("ambiguous syntax (function call x new statement)")
		}
		c.next()
		if c.tok.t != ')' {
			c.exprList()
		}
		c.checkMatch(')', '(', line)
	case '{':
		c.constructor()
	case tkString:
		c.next()
	default:
		c.syntaxErr("function arguments expected")
	}
}

func (c *checker) prefixExp() int {
	switch c.tok.t {
	case '(':
		line := c.line
		c.next()
		c.expr()
		c.checkMatch(')', '(', line)
		return expOther
	case tkName:
		c.next()
		return expVar
	}
	c.syntaxErr("unexpected symbol")
	return expOther
}

func (c *checker) primaryExp() int {
	k := c.prefixExp()
	for {
		switch c.tok.t {
		case '.':
			c.field()
			k = expIndexed
		case '[':
			c.index()
			k = expIndexed
		case ':':
			c.next()
			c.checkName()
			c.funcArgs()
			k = expCall
		case '(', tkString, '{':
			c.funcArgs()
			k = expCall
		default:
			return k
		}
	}
}

func (c *checker) simpleExp() {
	switch c.tok.t {
	case tkNumber, tkString, tkNil, tkTrue, tkFalse:
	case tkDots:
		if !c.fs.vararg {
			c.syntaxErr("cannot use '...' outside a vararg function")
		}
	case '{':
		c.constructor()
		return
	case tkFunction:
		c.next()
		c.body(c.line)
		return
	default:
		c.primaryExp()
		return
	}
	c.next()
}

// binaryPriority is the left and right priority of a binary operator
// token, or ok false for other tokens.
func binaryPriority(t int) (left, right int, ok bool) {
	switch t {
	case '+', '-':
		return 6, 6, true
	case '*', '/', '%':
		return 7, 7, true
	case '^':
		return 10, 9, true
	case tkConcat:
		return 5, 4, true
	case tkNe, tkEq, '<', tkLe, '>', tkGe:
		return 3, 3, true
	case tkAnd:
		return 2, 2, true
	case tkOr:
		return 1, 1, true
	}
	return 0, 0, false
}

const unaryPriority = 8

// subExpr reads an expression whose binary operators bind tighter than
// limit and returns the token after it.
func (c *checker) subExpr(limit int) int {
	c.enterLevel()
	if t := c.tok.t; t == tkNot || t == '-' || t == '#' {
		c.next()
		c.subExpr(unaryPriority)
	} else {
		c.simpleExp()
	}
	op := c.tok.t
	for {
		left, right, ok := binaryPriority(op)
		if !ok || left <= limit {
			break
		}
		c.next()
		op = c.subExpr(right)
	}
	c.leaveLevel()
	return op
}

func (c *checker) expr() { c.subExpr(0) }

func (c *checker) errorLimit(limit int, what string) {
	msg := fmt.Sprintf("main function has more than %d %s", limit, what)
	if c.fs.line != 0 {
		msg = fmt.Sprintf("function at line %d has more than %d %s", c.fs.line, limit, what)
	}
	c.lexError(msg, 0, 0)
}

func (c *checker) assignment(k, nvars int) {
	for {
		if k != expVar && k != expIndexed {
			c.syntaxErr("syntax error")
		}
		if !c.testNext(',') {
			break
		}
		k = c.primaryExp()
		if limit := MaxSyntaxLevels - c.level; nvars > limit {
			c.errorLimit(limit, "variables in assignment")
		}
		nvars++
	}
	c.checkNextTok('=')
	c.exprList()
}

// loopBody reads the block of a loop, where break may be used.
func (c *checker) loopBody() {
	c.fs.loops++
	c.block()
	c.fs.loops--
}

func (c *checker) forStat(line int) {
	c.next() // for
	c.checkName()
	switch c.tok.t {
	case '=':
		c.next()
		c.expr()
		c.checkNextTok(',')
		c.expr()
		if c.testNext(',') {
			c.expr()
		}
	case ',', tkIn:
		for c.testNext(',') {
			c.checkName()
		}
		c.checkNextTok(tkIn)
		c.exprList()
	default:
		c.syntaxErr("'=' or 'in' expected")
	}
	c.checkNextTok(tkDo)
	c.loopBody()
	c.checkMatch(tkEnd, tkFor, line)
}

func (c *checker) testThenBlock() {
	c.next() // if or elseif
	c.expr()
	c.checkNextTok(tkThen)
	c.block()
}

func (c *checker) ifStat(line int) {
	c.testThenBlock()
	for c.tok.t == tkElseif {
		c.testThenBlock()
	}
	if c.testNext(tkElse) {
		c.block()
	}
	c.checkMatch(tkEnd, tkIf, line)
}

// statement reads one statement and reports whether it must be the last
// of its block (return, break).
func (c *checker) statement() bool {
	line := c.line
	switch c.tok.t {
	case tkIf:
		c.ifStat(line)
	case tkWhile:
		c.next()
		c.expr()
		c.checkNextTok(tkDo)
		c.loopBody()
		c.checkMatch(tkEnd, tkWhile, line)
	case tkDo:
		c.next()
		c.block()
		c.checkMatch(tkEnd, tkDo, line)
	case tkFor:
		c.forStat(line)
	case tkRepeat:
		c.next()
		c.loopBody()
		c.checkMatch(tkUntil, tkRepeat, line)
		c.expr()
	case tkFunction:
		c.next()
		c.checkName()
		for c.tok.t == '.' {
			c.field()
		}
		if c.tok.t == ':' {
			c.field()
		}
		c.body(line)
	case tkLocal:
		c.next()
		if c.testNext(tkFunction) {
			c.checkName()
			c.body(c.line)
			break
		}
		c.checkName()
		for c.testNext(',') {
			c.checkName()
		}
		if c.testNext('=') {
			c.exprList()
		}
	case tkReturn:
		c.next()
		if !blockFollow(c.tok.t) && c.tok.t != ';' {
			c.exprList()
		}
		return true
	case tkBreak:
		c.next()
		if c.fs.loops == 0 {
			c.syntaxErr("no loop to break")
		}
		return true
	default:
		if k := c.primaryExp(); k != expCall {
			c.assignment(k, 1)
		}
	}
	return false
}
