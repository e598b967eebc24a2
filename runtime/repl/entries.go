package repl

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/luahost/luahost/runtime"
)

// WriteEntries writes states as a table of ID, KIND, STATE ("failed
// (attempt 1)") and DEFINED AT, one line per entry, and then the last
// error of each entry that failed or is retrying, under a line naming
// the entry, its line breaks kept and indented. An error that is a
// dependency's unavailability is named in one line: the dependency's own
// error is listed under it. The REPL's .entries and `luahost entries`
// print this.
func WriteEntries(w io.Writer, states []runtime.EntryState) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSTATE\tDEFINED AT")
	var errs []string
	for _, es := range states {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", es.Entry.ID, es.Entry.Kind, PhaseText(es.State), es.Entry.Pos)
		if msg := ErrorText(es.Entry.ID, es.State); msg != "" {
			errs = append(errs, es.Entry.ID+" "+PhaseText(es.State)+":\n  "+strings.ReplaceAll(msg, "\n", "\n  ")+"\n")
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(errs) > 0 {
		buf.WriteString("\n" + strings.Join(errs, "\n"))
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// PhaseText is an entry's state without its error: "retrying (attempt 2)".
func PhaseText(st runtime.State) string {
	if st.Phase == runtime.Retrying || st.Phase == runtime.Failed {
		return fmt.Sprintf("%s (attempt %d)", st.Phase, st.Attempts)
	}
	return string(st.Phase)
}

// ErrorText is the last error of entry id when it failed or is retrying,
// or "". When the error is that a dependency is unavailable, it says so
// in one line instead of repeating the dependency's error; a driver's
// tab-indented lines lose their tabs.
func ErrorText(id string, st runtime.State) string {
	if st.LastError == nil || st.Phase == runtime.Running || st.Phase == runtime.Stopped {
		return ""
	}
	var ue *runtime.UnavailableError
	if errors.As(st.LastError, &ue) && ue.ID != id {
		return "dependency " + ue.ID + ": " + PhaseText(ue.State)
	}
	return strings.ReplaceAll(st.LastError.Error(), "\n\t", "\n")
}
