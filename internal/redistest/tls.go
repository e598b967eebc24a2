package redistest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// TLSFiles are the PEM files of a test certificate authority and the
// certificates it signed, as paths.
type TLSFiles struct {
	// CAFile is the CA certificate that signed the others.
	CAFile string
	// CertFile and KeyFile are the server's certificate (valid for
	// 127.0.0.1, ::1 and localhost) and key.
	CertFile, KeyFile string
	// ClientCertFile and ClientKeyFile are a client certificate and key,
	// for servers that require one (tls-auth-clients yes).
	ClientCertFile, ClientKeyFile string
}

// NewTLSFiles writes a fresh self-signed CA, a server certificate and a
// client certificate, valid for one day, into dir.
func NewTLSFiles(dir string) (*TLSFiles, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "luahost test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	f := &TLSFiles{CAFile: filepath.Join(dir, "ca.crt")}
	if err := writePEM(f.CAFile, "CERTIFICATE", caDER); err != nil {
		return nil, err
	}
	leaf := func(serial int64, name string, usage x509.ExtKeyUsage, server bool) (certFile, keyFile string, err error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return "", "", err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: name},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		}
		if server {
			tmpl.DNSNames = []string{"localhost"}
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return "", "", err
		}
		keyDER, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return "", "", err
		}
		certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
		if err := writePEM(certFile, "CERTIFICATE", der); err != nil {
			return "", "", err
		}
		return certFile, keyFile, writePEM(keyFile, "EC PRIVATE KEY", keyDER)
	}
	if f.CertFile, f.KeyFile, err = leaf(2, "server", x509.ExtKeyUsageServerAuth, true); err != nil {
		return nil, err
	}
	if f.ClientCertFile, f.ClientKeyFile, err = leaf(3, "client", x509.ExtKeyUsageClientAuth, false); err != nil {
		return nil, err
	}
	return f, nil
}

func writePEM(path, typ string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
}

// StartTLS starts a TLS-only redis-server (no plain port) in a new folder
// under dir, with certificates from NewTLSFiles, and waits until it
// answers. Clients need no certificate of their own unless extra says
// "--tls-auth-clients", "yes". It fails when redis-server was built
// without TLS.
func StartTLS(dir string, extra ...string) (*Server, *TLSFiles, error) {
	port, err := freePort()
	if err != nil {
		return nil, nil, err
	}
	sdir := filepath.Join(dir, "redis-tls-"+strconv.Itoa(port))
	if err := os.MkdirAll(sdir, 0o755); err != nil {
		return nil, nil, err
	}
	files, err := NewTLSFiles(sdir)
	if err != nil {
		return nil, nil, fmt.Errorf("make test certificates: %w", err)
	}
	args := append([]string{"--port", "0", "--tls-port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", sdir,
		"--save", "", "--appendonly", "no", "--protected-mode", "no", "--logfile", "redis.log",
		"--tls-cert-file", files.CertFile, "--tls-key-file", files.KeyFile, "--tls-ca-cert-file", files.CAFile,
		"--tls-auth-clients", "optional"}, extra...)
	s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), Port: port, dir: sdir, args: args, tls: files}
	return s, files, s.Start()
}
