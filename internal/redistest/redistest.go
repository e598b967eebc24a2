// Package redistest starts redis-server processes for tests on free
// loopback ports: single servers (plain or TLS-only), a 3-master Redis
// Cluster, and a Sentinel
// setup (one master, one replica, one sentinel with quorum 1). Each
// process runs in a folder of its own with persistence off; Close stops
// them all.
//
// The shared Redis of LUAHOST_TEST_REDIS_ADDR is never touched here.
package redistest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Available reports whether redis-server and redis-cli are installed.
func Available() error {
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("%s not found (Debian package redis-server): %w", bin, err)
		}
	}
	return nil
}

// Server is one redis-server (or sentinel) process.
type Server struct {
	Addr string
	Port int
	// Password is the server's requirepass, which Cli uses.
	Password string
	dir      string
	args     []string
	// tls is set for servers that only speak TLS; cli then uses it.
	tls *TLSFiles

	mu  sync.Mutex
	cmd *exec.Cmd
}

// freePort returns a loopback port nothing listens on right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// StartServer starts redis-server in a new folder under dir with extra
// arguments (e.g. "--cluster-enabled", "yes") and waits until it answers.
func StartServer(dir string, extra ...string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	sdir := filepath.Join(dir, "redis-"+strconv.Itoa(port))
	if err := os.MkdirAll(sdir, 0o755); err != nil {
		return nil, err
	}
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", sdir,
		"--save", "", "--appendonly", "no", "--protected-mode", "no", "--logfile", "redis.log"}, extra...)
	s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), Port: port, dir: sdir, args: args}
	for i, a := range extra {
		if a == "--requirepass" && i+1 < len(extra) {
			s.Password = extra[i+1]
		}
	}
	return s, s.Start()
}

// startSentinel starts a sentinel with the given configuration lines.
func startSentinel(dir string, conf ...string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	sdir := filepath.Join(dir, "sentinel-"+strconv.Itoa(port))
	if err := os.MkdirAll(sdir, 0o755); err != nil {
		return nil, err
	}
	lines := append([]string{"port " + strconv.Itoa(port), "bind 127.0.0.1", "protected-mode no", "dir " + sdir, "logfile sentinel.log"}, conf...)
	file := filepath.Join(sdir, "sentinel.conf")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		return nil, err
	}
	s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), Port: port, dir: sdir, args: []string{file, "--sentinel"}}
	return s, s.Start()
}

// Start starts the process (again, after Kill) and waits until it answers
// PING.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	cmd := exec.Command("redis-server", s.args...)
	cmd.Dir = s.dir
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	s.cmd = cmd
	go cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if out, err := s.cli("ping"); err == nil && strings.TrimSpace(out) == "PONG" {
			return nil
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			s.cmd = nil
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			return fmt.Errorf("redis-server on %s did not answer within 10s; log:\n%s", s.Addr, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Kill stops the process at once (SIGKILL), as a crash would.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	// Wait until the port is free, so a restart can bind it.
	for range 200 {
		c, err := net.DialTimeout("tcp", s.Addr, 50*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	s.cmd = nil
}

// Cli runs redis-cli against the server and returns its output.
func (s *Server) Cli(args ...string) (string, error) { return s.cli(args...) }

func (s *Server) cli(args ...string) (string, error) {
	// Generous: --cluster create waits for the nodes to gossip, which a
	// loaded machine slows down.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	base := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(s.Port)}
	if s.Password != "" {
		base = append(base, "--no-auth-warning", "-a", s.Password)
	}
	if s.tls != nil {
		base = append(base, "--tls", "--cacert", s.tls.CAFile, "--cert", s.tls.ClientCertFile, "--key", s.tls.ClientKeyFile)
	}
	cmd := exec.CommandContext(ctx, "redis-cli", append(base, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("redis-cli %s: %w: %s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), nil
}

// Cluster is a Redis Cluster of three masters without replicas.
type Cluster struct {
	Nodes []*Server
}

// Addrs returns the nodes' addresses.
func (c *Cluster) Addrs() []string {
	var a []string
	for _, n := range c.Nodes {
		a = append(a, n.Addr)
	}
	return a
}

// StartCluster starts three cluster-enabled servers under dir, assigns the
// 16384 slots among them, and waits until every node reports state ok.
func StartCluster(dir string) (_ *Cluster, err error) {
	c := &Cluster{}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	for range 3 {
		// The cluster bus defaults to the port + 10000, which may be taken
		// (or past 65535): give it a free port of its own.
		bus, err := freePort()
		if err != nil {
			return nil, err
		}
		s, err := StartServer(dir, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000", "--cluster-port", strconv.Itoa(bus))
		if err != nil {
			return nil, err
		}
		c.Nodes = append(c.Nodes, s)
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	if out, err := c.Nodes[0].cli(append(args, "--cluster-yes")...); err != nil {
		return nil, fmt.Errorf("%w\n%s", err, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, n := range c.Nodes {
		for {
			out, _ := n.cli("cluster", "info")
			if strings.Contains(out, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("cluster node %s not ok within 20s: %s", n.Addr, out)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return c, nil
}

// Close stops every node.
func (c *Cluster) Close() {
	for _, n := range c.Nodes {
		n.Kill()
	}
}

// Sentinel is a master, its replica and one sentinel watching them.
type Sentinel struct {
	MasterName string
	Master     *Server
	Replica    *Server
	Sentinel   *Server
}

// StartSentinel starts a master, a replica of it and a sentinel (quorum 1,
// down after 1s) under dir, and waits until the replica is in sync and
// the sentinel knows it.
func StartSentinel(dir string) (_ *Sentinel, err error) {
	st := &Sentinel{MasterName: "luahost-test"}
	defer func() {
		if err != nil {
			st.Close()
		}
	}()
	if st.Master, err = StartServer(dir); err != nil {
		return nil, err
	}
	if st.Replica, err = StartServer(dir, "--replicaof", "127.0.0.1", strconv.Itoa(st.Master.Port)); err != nil {
		return nil, err
	}
	if st.Sentinel, err = startSentinel(dir,
		fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 1", st.MasterName, st.Master.Port),
		"sentinel down-after-milliseconds "+st.MasterName+" 1000",
		"sentinel failover-timeout "+st.MasterName+" 5000",
	); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, _ := st.Replica.cli("info", "replication")
		sen, _ := st.Sentinel.cli("sentinel", "replicas", st.MasterName)
		if strings.Contains(out, "master_link_status:up") && strings.Contains(sen, strconv.Itoa(st.Replica.Port)) {
			return st, nil
		}
		if time.Now().After(deadline) {
			return nil, errors.New("sentinel setup not ready within 20s: " + out + sen)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// MasterAddr asks the sentinel for the current master's address.
func (st *Sentinel) MasterAddr() (string, error) {
	out, err := st.Sentinel.cli("sentinel", "get-master-addr-by-name", st.MasterName)
	if err != nil {
		return "", err
	}
	f := strings.Fields(out)
	if len(f) != 2 {
		return "", fmt.Errorf("unexpected sentinel answer %q", out)
	}
	return f[0] + ":" + f[1], nil
}

// Close stops every process.
func (st *Sentinel) Close() {
	for _, s := range []*Server{st.Sentinel, st.Replica, st.Master} {
		if s != nil {
			s.Kill()
		}
	}
}
