package luastd

import (
	"fmt"
	"strings"
	"testing"
)

// bigConstructor returns "local t = {1,2,...,n}\nreturn #t".
func bigConstructor(n int) string {
	var b strings.Builder
	b.WriteString("local t = {")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d,", i)
	}
	b.WriteString("}\nreturn #t")
	return b.String()
}

// BenchmarkCompileConstructor compiles one table constructor of n
// distinct number constants.
func BenchmarkCompileConstructor(b *testing.B) {
	for _, n := range []int{10000, 50000, 100000, 250000} {
		src := bigConstructor(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := Compile(src, "big.lua"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
