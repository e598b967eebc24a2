package runtime

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// The chunk cache behind RunString is bounded as its doc says: at most
// maxCachedChunks chunks of up to maxCachedChunkSize, the oldest dropped
// first, so a host fed ever new code does not keep it all.
func TestChunkCacheIsBounded(t *testing.T) {
	var c chunkCache
	code := func(i int) string { return fmt.Sprintf("return %d", i) }
	for i := range maxCachedChunks + 10 {
		if _, err := c.program(context.Background(), code(i)); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(c.m); got != maxCachedChunks {
		t.Errorf("cache holds %d chunks, want %d", got, maxCachedChunks)
	}
	if _, ok := c.m[code(0)]; ok {
		t.Error("the oldest chunk is still kept")
	}
	if _, ok := c.m[code(maxCachedChunks+9)]; !ok {
		t.Error("the newest chunk is not kept")
	}
	big := "return 1" + strings.Repeat(" ", maxCachedChunkSize)
	if _, err := c.program(context.Background(), big); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.m[big]; ok {
		t.Errorf("a chunk over %d bytes is kept", maxCachedChunkSize)
	}
}
