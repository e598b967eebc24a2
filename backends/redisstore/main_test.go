package redisstore

import (
	"os"
	"sync"
	"testing"

	"github.com/luahost/luahost/internal/dbtest"
	"github.com/luahost/luahost/internal/redistest"
)

// The cluster and the Sentinel setup are started once for the package, on
// first use, and stopped by TestMain.
var (
	serversDir string
	cluster    = sync.OnceValues(func() (*redistest.Cluster, error) { return redistest.StartCluster(serversDir) })
	sentinel   = sync.OnceValues(func() (*redistest.Sentinel, error) { return redistest.StartSentinel(serversDir) })
	used       struct{ cluster, sentinel, bench bool }
	usedMu     sync.Mutex
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "redisstore-test-")
	if err != nil {
		panic(err)
	}
	serversDir = dir
	code := m.Run()
	usedMu.Lock()
	if used.cluster {
		if c, err := cluster(); err == nil {
			c.Close()
		}
	}
	if used.sentinel {
		if s, err := sentinel(); err == nil {
			s.Close()
		}
	}
	if used.bench {
		if s, err := benchServer(); err == nil {
			s.Kill()
		}
	}
	usedMu.Unlock()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needServers skips (or fails, when databases are required) without
// redis-server.
func needServers(t *testing.T) {
	t.Helper()
	if err := redistest.Available(); err != nil {
		dbtest.Unavailable(t, err.Error())
	}
}

func testCluster(t *testing.T) *redistest.Cluster {
	t.Helper()
	needServers(t)
	usedMu.Lock()
	used.cluster = true
	usedMu.Unlock()
	c, err := cluster()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testSentinel(t *testing.T) *redistest.Sentinel {
	t.Helper()
	needServers(t)
	usedMu.Lock()
	used.sentinel = true
	usedMu.Unlock()
	s, err := sentinel()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
