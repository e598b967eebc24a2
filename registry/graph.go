package registry

import (
	"sort"
	"strings"
)

// checkCycles reports each dependency cycle among the registered entries
// once, starting from its smallest ID.
func (l *loader) checkCycles() {
	ids := make([]string, 0, len(l.entries))
	for id := range l.entries {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, scc := range l.components(ids) {
		start := scc[0]
		in := map[string]bool{}
		for _, id := range scc {
			in[id] = true
		}
		cycle := l.shortestCycle(start, in)
		if cycle == nil {
			continue
		}
		e := l.entries[start]
		l.problem(l.srcOf(e), e.Pos, start, "dependency cycle: "+strings.Join(cycle, " -> "))
	}
}

// srcOf finds the source index of an entry for sorting problems.
func (l *loader) srcOf(e *Entry) int {
	return l.entrySrc[e.ID]
}

// edges are the dependencies of id that exist.
func (l *loader) edges(id string) []string {
	var out []string
	for _, d := range l.entries[id].Deps {
		if _, ok := l.entries[d]; ok {
			out = append(out, d)
		}
	}
	return out
}

// components returns the strongly connected components that contain a
// cycle (several entries, or one that depends on itself), each sorted, in
// order of their smallest ID (Tarjan's algorithm).
func (l *loader) components(ids []string) [][]string {
	index := map[string]int{}
	low := map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	var out [][]string
	next := 0
	var visit func(v string)
	visit = func(v string) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range l.edges(v) {
			if _, seen := index[w]; !seen {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] != index[v] {
			return
		}
		var scc []string
		for {
			w := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[w] = false
			scc = append(scc, w)
			if w == v {
				break
			}
		}
		if len(scc) > 1 || contains(l.edges(v), v) {
			sort.Strings(scc)
			out = append(out, scc)
		}
	}
	for _, id := range ids {
		if _, seen := index[id]; !seen {
			visit(id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// shortestCycle returns start -> ... -> start within the component in,
// breadth first over sorted edges.
func (l *loader) shortestCycle(start string, in map[string]bool) []string {
	parent := map[string]string{}
	queue := []string{start}
	seen := map[string]bool{}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range l.edges(v) {
			if !in[w] {
				continue
			}
			if w == start {
				path := []string{start}
				for x := v; x != start; x = parent[x] {
					path = append(path, x)
				}
				// path is start, v, ..., reversed after the first element.
				rest := path[1:]
				for i, j := 0, len(rest)-1; i < j; i, j = i+1, j-1 {
					rest[i], rest[j] = rest[j], rest[i]
				}
				return append(path, start)
			}
			if !seen[w] {
				seen[w] = true
				parent[w] = v
				queue = append(queue, w)
			}
		}
	}
	return nil
}

// order sorts entries topologically, dependencies first, ties by ID.
func order(entries map[string]*Entry) []*Entry {
	indeg := map[string]int{}
	users := map[string][]string{}
	for id, e := range entries {
		indeg[id] += 0
		for _, d := range e.Deps {
			if _, ok := entries[d]; ok && d != id {
				indeg[id]++
				users[d] = append(users[d], id)
			}
		}
	}
	var ready []string
	for id, n := range indeg {
		if n == 0 {
			ready = append(ready, id)
		}
	}
	sort.Strings(ready)
	out := make([]*Entry, 0, len(entries))
	for len(ready) > 0 {
		id := ready[0]
		ready = ready[1:]
		out = append(out, entries[id])
		for _, u := range users[id] {
			indeg[u]--
			if indeg[u] == 0 {
				i := sort.SearchStrings(ready, u)
				ready = append(ready, "")
				copy(ready[i+1:], ready[i:])
				ready[i] = u
			}
		}
	}
	return out
}
