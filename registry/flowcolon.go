package registry

import (
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/token"
)

// joinFlowColons undoes misreadings of goccy/go-yaml (v1.19.2, the latest
// release): once any { } is open, its scanner takes every ":" as a mapping
// value indicator, and reads what follows up to the next , ] or } as one
// value, ": " included. So in lifecycle: {requires: [app:db]} the item
// app:db becomes the mapping {app: db}, and {app:db: x} becomes
// {app: "db: x"}. YAML 1.2 (§7.3.3, ns-plain-char) and PyYAML read a ":"
// followed by a non-space character in a flow collection as part of the
// plain scalar: "app:db", and {"app:db": x}.
//
// A plain scalar, a ":" with no white space after it, and a plain scalar
// are joined to one plain string token; when that value token holds the
// real indicator (": ", or a ":" at its end), it is split there into a
// key, a ":" and the rest. The text of each token (its Origin) is the
// source as written, so the test is exact: "app: db", "app:" and the
// JSON-like "app":db keep their mapping. A "*" right after the ":" (the
// glob app:*) joins too. Where the source needs more than this to read as
// YAML does (app:"db", app:&x, a key and value over two lines), it returns
// a *flowColonError naming the token, rather than the wrong reading.
func joinFlowColons(tks token.Tokens) (token.Tokens, error) {
	var out token.Tokens
	var open []token.Type // the open [ and {, innermost last
	joined := false
	for i := 0; i < len(tks); i++ {
		tk := tks[i]
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			open = append(open, tk.Type)
		case token.SequenceEndType, token.MappingEndType:
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		}
		if len(open) > 0 && i+2 < len(tks) {
			repl, n, err := flowColon(tks, i, open[len(open)-1] == token.MappingStartType)
			if err != nil {
				return nil, err
			}
			if n > 0 {
				out = append(out, repl...)
				i += n - 1
				joined = true
				continue
			}
		}
		out = append(out, tk)
	}
	if !joined {
		return tks, nil
	}
	// Relink Prev and Next, which the parser follows.
	var linked token.Tokens
	for _, tk := range out {
		tk.Prev, tk.Next = nil, nil
		linked.Add(tk)
	}
	return linked, nil
}

// flowColonError is a ":" inside a flow collection that YAML reads as part
// of a plain scalar, in a form joinFlowColons cannot rebuild.
type flowColonError struct {
	tk   *token.Token // the scalar's first token
	text string       // the plain scalar, as far as the tokens show it
	key  bool         // text is a key: a ": " follows it
	// noValue: text is a key without a value in { }.
	noValue bool
}

func (e *flowColonError) Error() string {
	const why = " (a \":\" with no space after it is part of the text), which luahost cannot read as written; "
	if e.noValue {
		k, v, _ := strings.Cut(e.text, ":")
		return "inside { }, YAML reads " + e.text + " as a key with no value (a \":\" with no space after it is part of the text); " +
			"write " + k + ": " + v + " for a key and its value, or quote the key: " + quoteYAML(e.text) + ": null"
	}
	if e.key {
		return "inside [ ] or { }, YAML reads " + e.text + " as a key" + why + "quote the key: " + quoteYAML(e.text) + ": ..."
	}
	return "inside [ ] or { }, YAML reads " + e.text + " as one plain string" + why + "quote it: " + quoteYAML(e.text) +
		" (or put a space after \":\" for a key and its value)"
}

// quoteYAML returns s as a double-quoted YAML scalar, or single-quoted
// when it holds a double quote.
func quoteYAML(s string) string {
	if strings.ContainsAny(s, `"\`) {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return `"` + s + `"`
}

// flowScalarText is the source of the tokens from tks[i] up to the next ",",
// "]" or "}" (or line break), white space around it trimmed.
func flowScalarText(tks token.Tokens, i int) string {
	var b strings.Builder
	for ; i < len(tks) && !endsFlowScalar(tks[i]); i++ {
		o := tks[i].Origin
		if j := strings.IndexAny(o, "\r\n"); j >= 0 && b.Len() > 0 {
			b.WriteString(o[:j])
			break
		}
		b.WriteString(o)
	}
	text := b.String()
	if j := strings.IndexAny(text, ",[]{}"); j >= 0 { // a tag token can run on
		text = text[:j]
	}
	return strings.TrimSpace(text)
}

// flowColon looks at tks[i] in a flow collection. When it starts a plain
// scalar holding a ":" that goccy split (see joinFlowColons), it returns
// the tokens YAML reads there and how many tokens of tks they replace;
// otherwise 0.
func flowColon(tks token.Tokens, i int, inMapping bool) ([]*token.Token, int, error) {
	key, colon, val := tks[i], tks[i+1], tks[i+2]
	if colon.Type != token.MappingValueType || colon.Origin != ":" || !isPlainScalar(key) {
		return nil, 0, nil
	}
	// An anchor's or alias's name is also a plain token: &a:b is not ours.
	if i > 0 && (tks[i-1].Type == token.AnchorType || tks[i-1].Type == token.AliasType) {
		return nil, 0, nil
	}
	// White space after ":" makes it an indicator.
	if val.Origin == "" || isYAMLSpace(val.Origin[0]) {
		return nil, 0, nil
	}
	// Spaces or tabs before ":" belong to the scalar ("a :b"); a line
	// break there would need YAML's line folding, so it is left alone.
	body := strings.TrimLeft(key.Origin, " \t\r\n")
	gap := body[len(strings.TrimRight(body, " \t\r\n")):]
	if strings.ContainsAny(gap, "\r\n") {
		return nil, 0, nil
	}
	head := key.Value + gap + ":"
	switch {
	case isPlainScalar(val):
	case val.Type == token.AliasType && val.Origin == "*" && i+3 < len(tks) && endsFlowScalar(tks[i+3]):
		// The glob app:* (an alias token without a name).
		return []*token.Token{token.String(head+"*", key.Origin+":*", key.Position)}, 3, nil
	case val.Type == token.SequenceStartType || val.Type == token.MappingStartType:
		return nil, 0, nil // a:[b] and a:{b: c} are mappings in YAML too
	default: // a:"b", a:'b', a:&x, a:*x, a:!t
		return nil, 0, &flowColonError{tk: key, text: flowScalarText(tks, i)}
	}
	p := indicatorIn(val.Value)
	if p < 0 && inMapping && (i+3 == len(tks) || endsFlowScalar(tks[i+3])) {
		// {name:cache} is the key "name:cache" without a value: valid
		// YAML, but no registry field wants one, and JSON habits write it.
		return nil, 0, &flowColonError{tk: key, text: head + val.Value, noValue: true}
	}
	if p < 0 {
		return []*token.Token{token.String(head+val.Value, key.Origin+":"+val.Origin, key.Position)}, 3, nil
	}
	// val holds the real indicator: key, ":", value.
	k := strings.TrimRight(head+val.Value[:p], " \t")
	rest := strings.TrimLeft(val.Value[p+1:], " \t")
	if strings.ContainsAny(val.Origin, "\r\n") || indicatorIn(rest) >= 0 || rest != "" && strings.ContainsRune("\"'&*!|>%@`[{#", rune(rest[0])) {
		return nil, 0, &flowColonError{tk: key, text: k, key: true}
	}
	// Positions on the key's line: the indicator after the key, the
	// value after the indicator and the white space that follows it.
	at := func(col int) *token.Token {
		pos := *key.Position
		pos.Column = col
		return token.MappingValue(&pos)
	}
	colCol := key.Position.Column + utf8.RuneCountInString(head+val.Value[:p])
	out := []*token.Token{token.String(k, key.Origin+":"+val.Value[:p], key.Position), at(colCol)}
	pos := *key.Position
	pos.Column = colCol + 1 + utf8.RuneCountInString(val.Value[p+1:]) - utf8.RuneCountInString(rest)
	if rest == "" {
		if i+3 < len(tks) && !endsFlowScalar(tks[i+3]) {
			return out, 3, nil // {a:b: [c]}: the value follows
		}
		// [a:b:] is [{"a:b": null}]; the parser wants the value written.
		return append(out, token.New("null", "", &pos)), 3, nil
	}
	return append(out, token.New(rest, " "+rest, &pos)), 3, nil
}

// indicatorIn returns the index in s (the text of a plain scalar) of the
// first ":" that YAML reads as a mapping value indicator, one followed by
// white space or at the end, or -1.
func indicatorIn(s string) int {
	for j := 0; j < len(s); j++ {
		if s[j] == ':' && (j+1 == len(s) || isYAMLSpace(s[j+1])) {
			return j
		}
	}
	return -1
}

// endsFlowScalar reports whether tk ends a plain scalar in a flow
// collection: a ",", "]" or "}".
func endsFlowScalar(tk *token.Token) bool {
	switch tk.Type {
	case token.CollectEntryType, token.SequenceEndType, token.MappingEndType:
		return true
	}
	return false
}

// isPlainScalar reports whether tk is an unquoted scalar.
func isPlainScalar(tk *token.Token) bool {
	switch tk.Type {
	case token.StringType, token.IntegerType, token.BinaryIntegerType, token.OctetIntegerType,
		token.HexIntegerType, token.FloatType, token.BoolType, token.NullType,
		token.InfinityType, token.NanType:
		return tk.Indicator == token.NotIndicator
	}
	return false
}

func isYAMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
