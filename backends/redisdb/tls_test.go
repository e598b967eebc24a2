package redisdb

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/internal/dbtest"
	"github.com/luahost/luahost/internal/redistest"
	"github.com/luahost/luahost/registry"
)

// TestTLS connects to TLS-only servers, one that takes clients without a
// certificate and one that requires one, with each way an entry can give
// its TLS settings, and checks that every certificate problem fails the
// start permanently with a message naming it.
func TestTLS(t *testing.T) {
	if err := redistest.Available(); err != nil {
		dbtest.Unavailable(t, err.Error())
	}
	srv, files, err := redistest.StartTLS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Kill)
	mtls, mfiles, err := redistest.StartTLS(t.TempDir(), "--tls-auth-clients", "yes")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mtls.Kill)
	// The registry file sits next to the certificates, so relative
	// ca_file paths resolve against its folder.
	dir := filepath.Dir(files.CAFile)
	port := strings.TrimPrefix(srv.Addr, "127.0.0.1:")
	env := map[string]string{"ADDR": srv.Addr, "PORT": port, "CA": files.CAFile, "MADDR": mtls.Addr,
		"MCA": mfiles.CAFile, "MCERT": mfiles.ClientCertFile, "MKEY": mfiles.ClientKeyFile}
	for _, tc := range []struct {
		name, yaml string
		// want is "" for success, else a text the start error contains;
		// permanent says whether it wraps registry.ErrPermanent.
		want      string
		permanent bool
	}{
		{"rediss url with ca_file", `url: rediss://127.0.0.1:${env:PORT}/2
  tls: {ca_file: ca.crt}`, "", false},
		{"addr with tls mapping", `addr: ${env:ADDR}
  tls: {ca_file: "${env:CA}"}`, "", false},
		{"server_name", `addr: ${env:ADDR}
  tls: {ca_file: ca.crt, server_name: localhost}`, "", false},
		{"insecure_skip_verify", `addr: ${env:ADDR}
  tls: {insecure_skip_verify: true}`, "", false},
		{"url skip_verify", `url: rediss://127.0.0.1:${env:PORT}?skip_verify=true`, "", false},
		{"client certificate", `addr: ${env:MADDR}
  tls: {ca_file: "${env:MCA}", cert_file: "${env:MCERT}", key_file: "${env:MKEY}"}`, "", false},

		{"tls true without the ca", `addr: ${env:ADDR}
  tls: true`, "certificate signed by unknown authority", true},
		{"rediss url without the ca", `url: rediss://127.0.0.1:${env:PORT}`, "certificate signed by unknown authority", true},
		{"wrong server_name", `addr: ${env:ADDR}
  tls: {ca_file: ca.crt, server_name: redis.example.com}`, "not redis.example.com", true},
		{"other ca", `addr: ${env:ADDR}
  tls: {ca_file: "${env:MCA}"}`, "certificate signed by unknown authority", true},
		{"missing ca_file", `addr: ${env:ADDR}
  tls: {ca_file: nothere.crt}`, "tls.ca_file", true},
		{"ca_file not PEM", `addr: ${env:ADDR}
  tls: {ca_file: redis.log}`, "holds no PEM certificate", true},
		{"no client certificate", `addr: ${env:MADDR}
  tls: {ca_file: "${env:MCA}"}`, "certificate required", true},
		// A plain client cannot tell a TLS server from a broken
		// connection, so that stays a transient failure.
		{"plain client", `addr: ${env:ADDR}`, "connect to", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := "- name: r\n  kind: db.redis\n  max_retries: -1\n  dial_timeout: 2s\n  " + tc.yaml + "\n"
			reg, err := registry.Load([]registry.Source{{Name: "r.yaml", Dir: dir, Data: []byte(data)}}, registry.Options{
				Getenv: func(n string) (string, bool) { v, ok := env[n]; return v, ok },
			})
			if err != nil {
				t.Fatal(err)
			}
			e, _ := reg.Entry("app:r")
			c, err := New("app:r", e.Config.(Config), nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err = c.Start(ctx)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				defer c.Stop(context.Background())
				key := dbtest.KeyPrefix(t) + "k"
				if err := c.Client().Set(ctx, key, "v", time.Minute).Err(); err != nil {
					t.Fatal(err)
				}
				if v, err := c.Client().Get(ctx, key).Result(); err != nil || v != "v" {
					t.Fatalf("get = %q, %v; want \"v\"", v, err)
				}
				return
			}
			if err == nil {
				c.Stop(context.Background())
				t.Fatalf("start succeeded, want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "app:r") {
				t.Errorf("start error %q, want one naming app:r and containing %q", err, tc.want)
			}
			if got := errors.Is(err, registry.ErrPermanent); got != tc.permanent {
				t.Errorf("permanent = %v, want %v: %v", got, tc.permanent, err)
			}
			if !tc.permanent && !errors.Is(err, backends.ErrUnavailable) {
				t.Errorf("transient error does not wrap ErrUnavailable: %v", err)
			}
		})
	}
}
