package sqldb

import (
	"strings"
	"testing"
)

// TestCheckIdent: the identifiers Quote can quote on every dialect pass,
// everything else fails with the rule it breaks.
func TestCheckIdent(t *testing.T) {
	tests := []struct {
		ident string
		want  string // "" when valid, else part of the error
	}{
		{"kv_store", ""},
		{"_t", ""},
		{"Table9", ""},
		{strings.Repeat("a", MaxIdentLen), ""},
		{"", "must not be empty"},
		{"9kv", "not a valid SQL identifier"},
		{"kv-store", "not a valid SQL identifier"},
		{"kv store", "not a valid SQL identifier"},
		{`kv"; DROP TABLE x; --`, "not a valid SQL identifier"},
		{"kv`", "not a valid SQL identifier"},
		{"schema.table", "not a valid SQL identifier"},
		{"ключ", "not a valid SQL identifier"},
		{"kv\n", "not a valid SQL identifier"},
		{strings.Repeat("a", MaxIdentLen+1), "longer than 63 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.ident, func(t *testing.T) {
			err := CheckIdent(tt.ident)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("CheckIdent(%q) = %v, want nil", tt.ident, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("CheckIdent(%q) = %v, want an error saying %q", tt.ident, err, tt.want)
			}
		})
	}
}
