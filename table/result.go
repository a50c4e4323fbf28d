package table

import (
	"fmt"
	"io"
	"iter"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"golang.org/x/text/width"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/vectorized"
	"github.com/sluice-stream/sluice/vectorized/expr"
)

// Row is one row of a result: its changelog kind (+I, -U, +U, -D) and
// values (Go values as engine.Value gives them; nil is NULL).
type Row struct {
	Kind   string
	Values []any
}

// Result is what a statement returns: rows for queries and metadata
// statements, "OK" for DDL, and the job's metrics for INSERT.
type Result struct {
	Columns []string
	Types   []arrow.DataType
	Rows    []Row
	// Changelog is set when Rows are a streaming query's changelog.
	Changelog bool
	Job       *engine.JobResult
	// Batches are the result's Arrow batches, kept by ExecuteBatches only.
	Batches []*vectorized.Batch
	text    [][]string
}

// Release gives back the batches ExecuteBatches kept.
func (r *Result) Release() {
	for _, b := range r.Batches {
		b.Release()
	}
	r.Batches = nil
}

func okResult() *Result {
	return &Result{Columns: []string{"result"}, Rows: []Row{{Kind: "+I", Values: []any{"OK"}}}}
}

// Text renders every value as Flink prints it (CAST to STRING; NULL as
// NULL).
func (r *Result) Text() [][]string {
	if r.text != nil {
		return r.text
	}
	out := make([][]string, len(r.Rows))
	for i, row := range r.Rows {
		out[i] = make([]string, len(row.Values))
		for j, v := range row.Values {
			out[i][j] = formatValue(v)
		}
	}
	return out
}

func formatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		return v
	case []byte:
		return fmt.Sprintf("x'%x'", v)
	}
	return fmt.Sprint(v)
}

// Print writes the result as Flink's SQL client's tableau: a boxed table,
// with an op column for changelogs.
func (r *Result) Print(w io.Writer) {
	cols := r.Columns
	rows := r.Text()
	if r.Changelog {
		cols = append([]string{"op"}, cols...)
		for i := range rows {
			rows[i] = append([]string{r.Rows[i].Kind}, rows[i]...)
		}
	}
	width := make([]int, len(cols))
	for i, c := range cols {
		width[i] = displayWidth(c)
	}
	for _, row := range rows {
		for i, v := range row {
			width[i] = max(width[i], displayWidth(v))
		}
	}
	line := "+"
	for _, wd := range width {
		line += strings.Repeat("-", wd+2) + "+"
	}
	fmt.Fprintln(w, line)
	cell := func(vals []string) {
		s := "|"
		for i, v := range vals {
			s += " " + strings.Repeat(" ", width[i]-displayWidth(v)) + v + " |"
		}
		fmt.Fprintln(w, s)
	}
	cell(cols)
	fmt.Fprintln(w, line)
	for _, row := range rows {
		cell(row)
	}
	fmt.Fprintln(w, line)
	if len(r.Rows) == 1 {
		fmt.Fprintln(w, "1 row in set")
	} else {
		fmt.Fprintf(w, "%d rows in set\n", len(r.Rows))
	}
}

// displayWidth counts the terminal columns of s: East Asian wide and
// full-width characters take two, as in Flink's tableau (北京 is 4 wide).
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

func builtinFunctionNames() []string { return expr.Functions() }

// All iterates over the rows (for range r.All()).
func (r *Result) All() iter.Seq2[int, Row] {
	return func(yield func(int, Row) bool) {
		for i, row := range r.Rows {
			if !yield(i, row) {
				return
			}
		}
	}
}
