package registry

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"slices"

	"github.com/goccy/go-yaml/ast"
)

// SameDefinition reports whether e and o build the same component: the
// same kind, the same dependencies and the same fields, compared after
// ${env:...} expansion (a variable whose value changed makes them
// different) and with relative paths resolved against the same folder.
// Meta, the lifecycle block and the position are not compared: they do not
// change what the kind builds. A value moved from the environment into
// the file (or back) counts as a change even when it is equal. Entries
// that did not come from Load are compared by kind and dependencies only.
func (e *Entry) SameDefinition(o *Entry) bool {
	return e.ID == o.ID && e.Kind == o.Kind && slices.Equal(e.Deps, o.Deps) && e.fingerprint == o.fingerprint
}

// fingerprint hashes what an entry's kind reads: the kind, the folder of
// its file, its own fields as written (mapping keys sorted, aliases
// followed) and, in order, the values its fields took from the
// environment. Given the text, the values decide the expansion, so equal
// hashes mean equal expanded fields. Only the hash is kept, so the values
// (secrets) are not held twice.
func (l *loader) fingerprint(fl *srcFile, m *ast.MappingNode, kind string, skip []string, env []string) [sha256.Size]byte {
	h := sha256.New()
	writeStr(h, kind)
	writeStr(h, fl.dir)
	memo := map[ast.Node][]byte{}
	var fields []string
	sums := map[string][]byte{}
	for _, mv := range m.Values {
		if mv == nil {
			continue
		}
		key, ok := fl.keyText(mv.Key)
		if !ok || contains(skip, key) {
			continue
		}
		if _, dup := sums[key]; !dup {
			fields = append(fields, key)
		}
		sums[key] = nodeSum(fl, mv.Value, memo, 0)
	}
	slices.Sort(fields)
	for _, k := range fields {
		writeStr(h, k)
		h.Write(sums[k])
	}
	writeStr(h, "env")
	for _, v := range env {
		writeStr(h, v)
	}
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

// nodeSum hashes a node's content, following aliases; memo keeps each
// node's hash so that aliases fanning out cost nothing more.
func nodeSum(fl *srcFile, n ast.Node, memo map[ast.Node][]byte, depth int) []byte {
	n = fl.deref(n)
	if s, ok := memo[n]; ok {
		return s
	}
	h := sha256.New()
	switch t := n.(type) {
	case *ast.MappingNode:
		writeStr(h, "map")
		if depth < maxMetaDepth {
			type kv struct {
				k string
				s []byte
			}
			var items []kv
			for _, mv := range t.Values {
				if mv == nil {
					continue
				}
				k, _ := fl.keyText(mv.Key)
				items = append(items, kv{k, nodeSum(fl, mv.Value, memo, depth+1)})
			}
			slices.SortStableFunc(items, func(a, b kv) int {
				switch {
				case a.k < b.k:
					return -1
				case a.k > b.k:
					return 1
				}
				return 0
			})
			for _, it := range items {
				writeStr(h, it.k)
				h.Write(it.s)
			}
		}
	case *ast.SequenceNode:
		writeStr(h, "seq")
		if depth < maxMetaDepth {
			for _, v := range t.Values {
				h.Write(nodeSum(fl, v, memo, depth+1))
			}
		}
	default:
		text, _ := scalarText(n)
		writeStr(h, "scalar")
		writeStr(h, text)
	}
	s := h.Sum(nil)
	memo[n] = s
	return s
}

func writeStr(h hash.Hash, s string) {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}
