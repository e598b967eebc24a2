package memory_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/memory"
)

// BenchmarkIncr runs Incr from parallel goroutines on one key (every call
// contends for one shard lock) and spread over 100,000 keys.
func BenchmarkIncr(b *testing.B) {
	for _, keys := range []int{1, 100000} {
		b.Run(fmt.Sprintf("keys=%d", keys), func(b *testing.B) {
			s, err := memory.New(memory.Options{})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			order := benchOrder(keys, 0)
			var next atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var kb keyBuf
				i := int(next.Add(1)) * 7919
				for pb.Next() {
					if _, err := s.Incr(ctx, kb.key(int(order[i&(len(order)-1)])), 1, backends.IncrOptions{}); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}

// BenchmarkList reads one page of 100 keys of a store of 1,000,000 keys
// with a TTL: at=random starts each page after a random key (no caches
// warm), at=next continues from the previous page's cursor, as a caller
// paging through the store does. prefix=1/10 lists among the keys of a
// prefix that one tenth of the store matches.
func BenchmarkList(b *testing.B) {
	const n = 1000000
	s, err := memory.New(memory.Options{})
	if err != nil {
		b.Fatal(err)
	}
	fillStore(b, s, 0, n, make([]byte, 100), time.Hour)
	order := benchOrder(n, 0)
	ctx := context.Background()
	for _, bc := range []struct {
		name         string
		next, prefix bool
	}{
		{"at=random/prefix=none", false, false},
		{"at=random/prefix=1/10", false, true},
		{"at=next/prefix=none", true, false},
	} {
		b.Run(bc.name+"/limit=100", func(b *testing.B) {
			var kb keyBuf
			runtime.GC()
			b.ReportAllocs()
			i := 0
			cursor := ""
			for b.Loop() {
				opts := backends.ListOptions{After: kb.key(int(order[i&(len(order)-1)])), Limit: 100}
				if bc.prefix {
					opts.Prefix = opts.After[:11] // "key:0000001" and the like
				}
				if bc.next {
					opts.After = cursor
				}
				p, err := s.List(ctx, opts)
				if err != nil || (len(p.Items) != 100 && p.HasMore) {
					b.Fatal(len(p.Items), err)
				}
				cursor = p.Cursor
				if !p.HasMore {
					cursor = ""
				}
				i++
			}
		})
	}
}
