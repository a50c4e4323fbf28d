package table_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"github.com/sluice-stream/sluice/table"
	_ "github.com/sluice-stream/sluice/table/pyfunc"
)

// TestSQL runs the golden files in testdata/sql. Commands:
//
//	exec                         run a script; prints "ok" or the error
//	query [mode=…] [sort]        run a query; prints the columns, then the
//	                             rows (batch) or the changelog (streaming)
//	explain [mode=…]             EXPLAIN the statement
//	error [mode=…]               the statement must fail; prints the error
//
// mode is batch (default) or streaming. Regenerate with -rewrite.
func TestSQL(t *testing.T) {
	datadriven.Walk(t, "testdata/sql", func(t *testing.T, path string) {
		env := table.NewEnvironment(table.Settings{})
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			mode := "batch"
			d.MaybeScanArgs(t, "mode", &mode)
			if err := env.SetConfig("execution.runtime-mode", mode); err != nil {
				t.Fatal(err)
			}
			switch d.Cmd {
			case "exec":
				if _, err := env.ExecuteScript(ctx, d.Input); err != nil {
					return "error: " + err.Error() + "\n"
				}
				return "ok\n"
			case "query":
				res, err := env.ExecuteSQL(ctx, d.Input)
				if err != nil {
					return "error: " + err.Error() + "\n"
				}
				return formatResult(res, d.HasArg("sort"))
			case "explain":
				res, err := env.ExecuteSQL(ctx, "EXPLAIN "+d.Input)
				if err != nil {
					return "error: " + err.Error() + "\n"
				}
				return res.Text()[0][0]
			case "error":
				_, err := env.ExecuteScript(ctx, d.Input)
				if err == nil {
					t.Fatalf("%s: expected an error", d.Pos)
				}
				return err.Error() + "\n"
			}
			t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
			return ""
		})
	})
}

func formatResult(r *table.Result, sorted bool) string {
	var b strings.Builder
	b.WriteString(strings.Join(r.Columns, ", "))
	b.WriteString("\n")
	lines := make([]string, len(r.Rows))
	for i, row := range r.Text() {
		lines[i] = fmt.Sprintf("%s[%s]", r.Rows[i].Kind, strings.Join(row, ", "))
	}
	if sorted {
		sort.Strings(lines)
	}
	for _, l := range lines {
		b.WriteString(l)
		b.WriteString("\n")
	}
	return b.String()
}
