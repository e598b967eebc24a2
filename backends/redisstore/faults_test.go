package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/redisdb"
	"github.com/luahost/luahost/internal/redistest"
)

// TestSuiteCluster runs the shared Lua suite on a 3-master Redis Cluster.
func TestSuiteCluster(t *testing.T) {
	c := testCluster(t)
	runSuite(t, startDB(t, redisdb.Config{Addrs: c.Addrs()}))
}

// TestClusterSlot checks that a store's keys share one hash slot: every
// Redis key of the store is on one node.
func TestClusterSlot(t *testing.T) {
	c := testCluster(t)
	db := startDB(t, redisdb.Config{Addrs: c.Addrs()})
	s := newStore(t, db, Options{})
	for i := range 50 {
		if _, err := s.Put(ctx(t), fmt.Sprintf("k%d", i), []byte{1}, backends.PutOptions{TTL: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	slots := map[int64]bool{}
	for _, k := range []string{s.itemPrefix + "k1", s.itemPrefix + "k49", s.index, s.expiries, s.counter} {
		slot, err := db.Client().ClusterKeySlot(ctx(t), k).Result()
		if err != nil {
			t.Fatal(err)
		}
		slots[slot] = true
	}
	if len(slots) != 1 {
		t.Fatalf("store keys are in slots %v, want one", slots)
	}
}

// TestOutage kills and restarts a server under a store: calls fail with
// UNAVAILABLE (retryable) within their context while it is down, and work
// again once it is back.
func TestOutage(t *testing.T) {
	needServers(t)
	srv, err := redistest.StartServer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Kill)
	db := startDB(t, redisdb.Config{Addr: srv.Addr, DialTimeout: 200 * time.Millisecond})
	s := newStore(t, db, Options{})
	if err := s.Set(ctx(t), "k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	calls := map[string]func(context.Context) error{
		"get":  func(c context.Context) error { _, err := s.Get(c, "k"); return err },
		"set":  func(c context.Context) error { return s.Set(c, "k", []byte("w"), 0) },
		"incr": func(c context.Context) error { _, err := s.Incr(c, "n", 1, backends.IncrOptions{}); return err },
		"put only_if_absent": func(c context.Context) error {
			_, err := s.Put(c, "p", []byte("v"), backends.PutOptions{OnlyIfAbsent: true})
			return err
		},
		"list": func(c context.Context) error { _, err := s.List(c, backends.ListOptions{}); return err },
		"info": func(c context.Context) error { _, err := s.Info(c); return err },
	}
	for name, call := range calls {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		start := time.Now()
		err := call(c)
		cancel()
		if !errors.Is(err, backends.ErrUnavailable) || errors.Is(err, backends.ErrOutcomeUnknown) {
			t.Errorf("%s while down: %v, want ErrUnavailable (not outcome unknown: nothing was sent)", name, err)
		}
		// The message says which call failed and why; the caller names the
		// store, and the kind is not repeated as text.
		if op := strings.Fields(name)[0]; err != nil && (!strings.HasPrefix(err.Error(), op+": ") || strings.Contains(err.Error(), "unavailable")) {
			t.Errorf("%s while down: message %q, want it to start %q and not say \"unavailable\"", name, err, op+": ")
		}
		if d := time.Since(start); d > 4*time.Second {
			t.Errorf("%s took %v while down", name, d)
		}
	}
	// A context shorter than the dial timeout bounds the call.
	c, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	_, err = s.Get(c, "k")
	cancel()
	if err == nil {
		t.Error("get while down with a short deadline succeeded")
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	// The server restarted empty (no persistence); calls work again.
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := s.Set(ctx(t), "k", []byte("again"), 0)
		if err == nil {
			break
		}
		if !errors.Is(err, backends.ErrUnavailable) || time.Now().After(deadline) {
			t.Fatalf("set after restart: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if v, err := s.Get(ctx(t), "k"); err != nil || string(v) != "again" {
		t.Fatalf("get after restart = %q, %v", v, err)
	}
}

// TestOutcomeUnknown sends an incr while the server is busy past the read
// timeout: the error says the outcome is unknown, and indeed the incr ran
// once the server was free again. A plain get in the same situation is
// an ordinary UNAVAILABLE.
func TestOutcomeUnknown(t *testing.T) {
	needServers(t)
	srv, err := redistest.StartServer(t.TempDir(), "--enable-debug-command", "yes")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Kill)
	db := startDB(t, redisdb.Config{Addr: srv.Addr, ReadTimeout: 200 * time.Millisecond})
	s := newStore(t, db, Options{})
	if _, err := s.Incr(ctx(t), "n", 1, backends.IncrOptions{}); err != nil {
		t.Fatal(err)
	}
	// busy makes the server sleep for a second and returns once it is
	// asleep (a PING from another connection gets no answer).
	busy := func() chan struct{} {
		done := make(chan struct{})
		sleeper := redis.NewClient(&redis.Options{Addr: srv.Addr, ReadTimeout: 5 * time.Second})
		prober := redis.NewClient(&redis.Options{Addr: srv.Addr, ReadTimeout: 50 * time.Millisecond, MaxRetries: -1})
		go func() {
			defer close(done)
			defer sleeper.Close()
			sleeper.Do(context.Background(), "debug", "sleep", "1")
		}()
		defer prober.Close()
		for prober.Ping(context.Background()).Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
		return done
	}
	done := busy()
	_, err = s.Incr(ctx(t), "n", 1, backends.IncrOptions{})
	<-done
	if !errors.Is(err, backends.ErrOutcomeUnknown) {
		t.Fatalf("incr during a stall: %v, want ErrOutcomeUnknown", err)
	}
	if !strings.HasPrefix(err.Error(), "incr: outcome unknown: ") {
		t.Errorf("message %q does not say the outcome is unknown", err)
	}
	if n, err := s.Incr(ctx(t), "n", 0, backends.IncrOptions{}); err != nil || n != 2 {
		t.Fatalf("counter after the stall = %v, %v; want 2 (the unknown incr ran)", n, err)
	}
	done = busy()
	_, err = s.Get(ctx(t), "n")
	<-done
	if err == nil {
		// go-redis re-sends a read after a timeout; it may succeed.
		return
	}
	if !errors.Is(err, backends.ErrUnavailable) || errors.Is(err, backends.ErrOutcomeUnknown) {
		t.Fatalf("get during a stall: %v, want plain ErrUnavailable", err)
	}
}

// TestSentinelFailover kills the master under a store: calls fail with
// UNAVAILABLE until Sentinel promotes the replica, then succeed, and every
// write acknowledged (and replicated, checked with WAIT) before the crash
// is still there.
func TestSentinelFailover(t *testing.T) {
	st := testSentinel(t)
	db := startDB(t, redisdb.Config{Addr: st.Sentinel.Addr, MasterName: st.MasterName,
		DialTimeout: 300 * time.Millisecond, ReadTimeout: 500 * time.Millisecond})
	if db.Mode() != redisdb.Sentinel {
		t.Fatalf("mode %s, want sentinel", db.Mode())
	}
	s := newStore(t, db, Options{})
	const n = 200
	for i := range n {
		if _, err := s.Incr(ctx(t), "count", 1, backends.IncrOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := s.Set(ctx(t), fmt.Sprintf("k%03d", i), []byte{byte(i)}, 0); err != nil {
			t.Fatal(err)
		}
	}
	// Redis replicates asynchronously: WAIT until the replica has every
	// acknowledged write, as a deployment needing this would (or run with
	// min-replicas-to-write).
	if got, err := db.Client().Do(ctx(t), "wait", 1, 5000).Int(); err != nil || got != 1 {
		t.Fatalf("WAIT 1: %v, %v", got, err)
	}
	old, err := st.MasterAddr()
	if err != nil {
		t.Fatal(err)
	}
	st.Master.Kill()
	sawUnavailable := false
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := s.Incr(c, "count", 1, backends.IncrOptions{})
		cancel()
		if err == nil {
			break
		}
		if !errors.Is(err, backends.ErrUnavailable) {
			t.Fatalf("incr during failover: %v, want UNAVAILABLE", err)
		}
		if errors.Is(err, backends.ErrOutcomeUnknown) {
			t.Fatalf("incr during failover: %v (the master was already dead; nothing was sent)", err)
		}
		sawUnavailable = true
		if time.Now().After(deadline) {
			t.Fatalf("no master after 30s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !sawUnavailable {
		t.Error("no call failed while the master was down")
	}
	if now, err := st.MasterAddr(); err != nil || now == old {
		t.Fatalf("master after failover %q (%v), was %q", now, err, old)
	}
	if n2, err := s.Incr(ctx(t), "count", 0, backends.IncrOptions{}); err != nil || n2 != n+1 {
		t.Fatalf("count after failover = %v, %v; want %d", n2, err, n+1)
	}
	page, err := s.List(ctx(t), backends.ListOptions{Prefix: "k", Limit: 1000})
	if err != nil || len(page.Items) != n {
		t.Fatalf("list after failover: %d items, %v; want %d", len(page.Items), err, n)
	}
}

// TestClusterResharding moves the store's hash slot to another master
// while a writer keeps incrementing a counter and setting keys: the client
// follows MOVED and ASK, calls refused mid-move (TRYAGAIN) are
// UNAVAILABLE and retryable, and the final count equals the acknowledged
// increments.
func TestClusterResharding(t *testing.T) {
	cl := testCluster(t)
	db := startDB(t, redisdb.Config{Addrs: cl.Addrs()})
	s := newStore(t, db, Options{})
	c := ctx(t)
	for i := range 300 {
		if err := s.Set(c, fmt.Sprintf("k%03d", i), []byte{1}, 0); err != nil {
			t.Fatal(err)
		}
	}
	slot, err := db.Client().ClusterKeySlot(c, s.index).Result()
	if err != nil {
		t.Fatal(err)
	}
	nodes := make([]*redis.Client, len(cl.Nodes))
	ids := make([]string, len(cl.Nodes))
	src, dst := -1, -1
	for i, n := range cl.Nodes {
		nodes[i] = redis.NewClient(&redis.Options{Addr: n.Addr})
		defer nodes[i].Close()
		if ids[i], err = nodes[i].Do(c, "cluster", "myid").Text(); err != nil {
			t.Fatal(err)
		}
		if n, _ := nodes[i].Do(c, "cluster", "countkeysinslot", slot).Int(); n > 0 {
			src = i
		}
	}
	if src < 0 {
		t.Fatal("no node holds the store's slot")
	}
	dst = (src + 1) % len(nodes)

	acked := 0
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			_, err := s.Incr(c, "count", 1, backends.IncrOptions{})
			switch {
			case err == nil:
				acked++
			case errors.Is(err, backends.ErrOutcomeUnknown) || !errors.Is(err, backends.ErrUnavailable):
				done <- err
				return
			}
		}
	}()
	time.Sleep(50 * time.Millisecond)
	must := func(err error) {
		t.Helper()
		if err != nil {
			close(stop)
			<-done
			t.Fatal(err)
		}
	}
	must(nodes[dst].Do(c, "cluster", "setslot", slot, "importing", ids[src]).Err())
	must(nodes[src].Do(c, "cluster", "setslot", slot, "migrating", ids[dst]).Err())
	host, port, _ := strings.Cut(cl.Nodes[dst].Addr, ":")
	for {
		keys, err := nodes[src].Do(c, "cluster", "getkeysinslot", slot, 50).StringSlice()
		must(err)
		if len(keys) == 0 {
			break
		}
		args := []any{"migrate", host, port, "", 0, 5000, "keys"}
		for _, k := range keys {
			args = append(args, k)
		}
		must(nodes[src].Do(c, args...).Err())
		time.Sleep(5 * time.Millisecond) // let the writer meet ASK redirections
	}
	for _, n := range nodes {
		must(n.Do(c, "cluster", "setslot", slot, "node", ids[dst]).Err())
	}
	time.Sleep(100 * time.Millisecond)
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("incr during resharding: %v", err)
	}
	if acked == 0 {
		t.Fatal("no incr succeeded")
	}
	if n, err := s.Incr(c, "count", 0, backends.IncrOptions{}); err != nil || int(n) != acked {
		t.Fatalf("count = %v, %v; want %d acknowledged increments", n, err, acked)
	}
	page, err := s.List(c, backends.ListOptions{Prefix: "k", Limit: 1000})
	if err != nil || len(page.Items) != 300 {
		t.Fatalf("list after resharding: %d items, %v; want 300", len(page.Items), err)
	}
	if n, _ := nodes[dst].Do(c, "cluster", "countkeysinslot", slot).Int(); n == 0 {
		t.Error("the slot's keys did not move")
	}
}
