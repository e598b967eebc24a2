package registry

import (
	"strings"

	"github.com/goccy/go-yaml/token"
)

// joinFlowColons undoes a misreading of goccy/go-yaml (v1.19.2, the latest
// release): once any { } is open, its scanner takes every ":" as a mapping
// value indicator, so in lifecycle: {requires: [app:db]} the item app:db
// becomes the mapping {app: db}. YAML 1.2 (§7.3.3, ns-plain-char) and PyYAML
// read it as the plain scalar "app:db": in flow context a ":" followed by a
// non-space character belongs to the scalar.
//
// Only items of a flow sequence ([ ]) are joined, and only when the source
// text shows a plain scalar, a ":" with no white space after it, and a plain
// scalar (key, ":" and value joined to one plain string token). The text of
// each token (its Origin) is the source as written, so the test is exact:
// "app: db", "app:" and the JSON-like "app":db keep their mapping, and so
// does a value that itself holds ": " (YAML reads [a:b: c] as {"a:b": c}).
// Keys of a flow mapping ({a:b}) keep goccy's reading.
func joinFlowColons(tks token.Tokens) token.Tokens {
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
		if i+2 < len(tks) && len(open) > 0 && open[len(open)-1] == token.SequenceStartType {
			if text, ok := flowColonScalar(tks, i); ok {
				out = append(out, token.String(text, tk.Origin+tks[i+1].Origin+tks[i+2].Origin, tk.Position))
				i += 2
				joined = true
				continue
			}
		}
		out = append(out, tk)
	}
	if !joined {
		return tks
	}
	// Relink Prev and Next, which the parser follows.
	var linked token.Tokens
	for _, tk := range out {
		tk.Prev, tk.Next = nil, nil
		linked.Add(tk)
	}
	return linked
}

// flowColonScalar reports whether tks[i], tks[i+1], tks[i+2] are a plain
// scalar, a ":" and a plain scalar that YAML reads as one plain scalar, and
// returns its text.
func flowColonScalar(tks token.Tokens, i int) (string, bool) {
	key, colon, val := tks[i], tks[i+1], tks[i+2]
	if colon.Type != token.MappingValueType || colon.Origin != ":" || !isPlainScalar(key) || !isPlainScalar(val) {
		return "", false
	}
	// An anchor's or alias's name is also a plain token: &a:b is not ours.
	if i > 0 && (tks[i-1].Type == token.AnchorType || tks[i-1].Type == token.AliasType) {
		return "", false
	}
	// White space after ":" makes it an indicator.
	if val.Origin == "" || isYAMLSpace(val.Origin[0]) {
		return "", false
	}
	// A ": " inside the value would start the real mapping value.
	if strings.Contains(val.Value, ": ") || strings.Contains(val.Value, ":\t") || strings.HasSuffix(val.Value, ":") {
		return "", false
	}
	// Spaces or tabs before ":" belong to the scalar ("a :b"); a line
	// break there would need YAML's line folding, so it is left alone.
	body := strings.TrimLeft(key.Origin, " \t\r\n")
	gap := body[len(strings.TrimRight(body, " \t\r\n")):]
	if strings.ContainsAny(gap, "\r\n") {
		return "", false
	}
	return key.Value + gap + ":" + val.Value, true
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
