package sqldb

import (
	"errors"
	"fmt"
	"regexp"
	"sync"
)

// MaxIdentLen is the longest identifier, in bytes, that every dialect
// accepts: PostgreSQL truncates longer ones, MySQL refuses over 64.
const MaxIdentLen = 63

// identRE is the one definition of a SQL identifier in luahost: table,
// column and SQLite pragma names.
var identRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`) })

// CheckIdent returns nil when s is an identifier Quote can quote for
// every dialect: ASCII letters, digits and _, not starting with a digit,
// 1 to MaxIdentLen bytes. Otherwise the error says which rule s breaks;
// it does not name s, so callers can say where it came from.
func CheckIdent(s string) error {
	switch {
	case s == "":
		return errors.New("must not be empty")
	case !identRE().MatchString(s):
		return errors.New("not a valid SQL identifier (letters, digits and _, not starting with a digit)")
	case len(s) > MaxIdentLen:
		return fmt.Errorf("longer than %d bytes", MaxIdentLen)
	}
	return nil
}
