package sqldb

import (
	"errors"
	"testing"
)

// TestReadableConnectErr: pgx's per-attempt lines appear once, and a
// PostgreSQL client that got a foreign answer says what likely happened.
func TestReadableConnectErr(t *testing.T) {
	tests := []struct {
		name    string
		dialect Dialect
		text    string
		want    string
	}{
		{"same line per attempt", Postgres,
			"failed to connect to `user=u database=d`:\n\th:5432 (h): server error: FATAL: bad (SQLSTATE 42704)\n\th:5432 (h): server error: FATAL: bad (SQLSTATE 42704)",
			"failed to connect to `user=u database=d`: h:5432 (h): server error: FATAL: bad (SQLSTATE 42704)"},
		{"different lines kept", Postgres,
			"failed to connect to `user=u database=d`:\n\th:3306 (h): tls error: server refused TLS connection\n\th:3306 (h): received unexpected message: %!w(<nil>)",
			"failed to connect to `user=u database=d`:\n\th:3306 (h): tls error: server refused TLS connection\n\th:3306 (h): received unexpected message" +
				"; h:3306 is likely not a PostgreSQL server (another service, such as MySQL, may be listening on that port)"},
		{"one line unchanged", MySQL, "dial tcp h:3306: connect: connection refused", "dial tcp h:3306: connect: connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cause := errors.New(tt.text)
			err := readableConnectErr(tt.dialect, "h:3306/d as u", cause)
			if err.Error() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", err, tt.want)
			}
			if !errors.Is(err, cause) {
				t.Error("the driver's error is not in the chain")
			}
		})
	}
}
