package registry

import "sort"

// suggest returns up to n candidates close to s by edit distance, closest
// first (ties by name). Exact matches are not suggestions.
func suggest(s string, candidates []string, n int) []string {
	limit := max(1, len([]rune(s))/4)
	type scored struct {
		c string
		d int
	}
	var hits []scored
	for _, c := range candidates {
		if c == s {
			continue
		}
		if d := editDistance(s, c, limit); d <= limit {
			hits = append(hits, scored{c, d})
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].d != hits[j].d {
			return hits[i].d < hits[j].d
		}
		return hits[i].c < hits[j].c
	})
	out := []string{}
	for i := 0; i < len(hits) && i < n; i++ {
		out = append(out, hits[i].c)
	}
	return out
}

// editDistance is the Levenshtein distance of a and b, counting an adjacent
// transposition as one edit. It gives up (returning limit+1) once the
// distance must exceed limit.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// Suggest returns the candidate closest to s by edit distance, or "" when
// none is close: within one edit per four characters of s (at least
// one), an adjacent transposition counting as one. It is how the registry
// picks its "did you mean" for an unknown field, for kinds that check
// names of their own (such as SQLite pragmas).
func Suggest(s string, candidates []string) string {
	if hits := suggest(s, candidates, 1); len(hits) > 0 {
		return hits[0]
	}
	return ""
}
