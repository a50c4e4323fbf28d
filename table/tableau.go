package table

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/sluice-stream/sluice/table/planner"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// Tableau renders a query's rows as Flink's TableResult.print() does
// (TableauStyle with column widths inferred from the types, so that each
// row can be printed as it arrives, unbounded queries included): the
// header when the first row comes, one line per row — with its op (+I, -U,
// +U, -D) in streaming mode — and "N rows in set" at the end, or "Empty
// set" when there was no row.
type Tableau struct {
	names   []string
	types   []types.DataType
	widths  []int
	rowKind bool
	loc     func() *vectorized.EvalContext
	rows    int64
}

// nullText is how the tableau prints NULL (Flink's PrintStyle.NULL_VALUE).
const nullText = "<NULL>"

// DisplayMaxColumnWidthKey is Flink's table.display.max-column-width: the
// width of columns whose type gives none (strings, doubles, ...); longer
// values are cut and end with "...".
const DisplayMaxColumnWidthKey = "table.display.max-column-width"

// Tableau returns the printer of t's rows: with the op column in
// streaming mode, as Flink prints a streaming query's changelog.
func (t *Table) Tableau() (*Tableau, error) {
	if t.err != nil {
		return nil, t.err
	}
	maxWidth := 30
	if s, ok := t.env.Config()[DisplayMaxColumnWidthKey]; ok {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%s: %q is not a positive integer", DisplayMaxColumnWidthKey, s)
		}
		maxWidth = n
	}
	return NewTableau(t.Schema(), t.env.Streaming(), maxWidth, t.env.location()), nil
}

// NewTableau prints rows of schema; rowKind adds the op column.
func NewTableau(schema planner.Schema, rowKind bool, maxWidth int, loc func() *vectorized.EvalContext) *Tableau {
	tb := &Tableau{rowKind: rowKind, loc: loc}
	if rowKind {
		tb.names, tb.widths = append(tb.names, "op"), append(tb.widths, 2)
	}
	for _, f := range schema {
		tb.names = append(tb.names, f.Name)
		tb.types = append(tb.types, f.Type)
		tb.widths = append(tb.widths, max(len(f.Name), typeWidth(f.Type, maxWidth)))
	}
	return tb
}

// typeWidth is the column width Flink derives from a type
// (TableauStyle.columnWidthsByType): room for the longest value, and at
// least for <NULL>.
func typeWidth(t types.DataType, maxWidth int) int {
	n := maxWidth
	switch t.Kind {
	case types.TinyInt:
		n = 4
	case types.SmallInt:
		n = 6
	case types.Int:
		n = 11
	case types.BigInt:
		n = 20
	case types.Decimal:
		n = t.Precision + 2
	case types.Boolean:
		n = 5
	case types.Date:
		n = 10
	case types.Time:
		n = 8
		if t.Precision > 0 {
			n = t.Precision + 9
		}
	case types.Timestamp, types.TimestampLTZ:
		switch p := t.Precision; {
		case p == 0:
			n = 19
		case p <= 3:
			n = 23
		case p <= 6:
			n = 26
		default:
			n = 29
		}
	}
	return max(n, len(nullText))
}

func (tb *Tableau) border(sb *strings.Builder) {
	sb.WriteString("+")
	for _, w := range tb.widths {
		sb.WriteString(strings.Repeat("-", w+2))
		sb.WriteString("+")
	}
	sb.WriteString("\n")
}

func (tb *Tableau) line(sb *strings.Builder, vals []string) {
	sb.WriteString("|")
	for i, v := range vals {
		sb.WriteString(" ")
		if w := displayWidth(v); w <= tb.widths[i] {
			sb.WriteString(strings.Repeat(" ", tb.widths[i]-w))
			sb.WriteString(v)
		} else {
			// Flink: the value is cut and ends with "...", right-aligned.
			c := cut(v, tb.widths[i]-3)
			sb.WriteString(strings.Repeat(" ", tb.widths[i]-3-displayWidth(c)))
			sb.WriteString(c + "...")
		}
		sb.WriteString(" |")
	}
	sb.WriteString("\n")
}

// Batch returns the lines of b's rows, preceded by the header when they
// are the first rows.
func (tb *Tableau) Batch(b *vectorized.Batch) (string, error) {
	n := int(b.NumRows())
	if n == 0 {
		return "", nil
	}
	cols := make([][]string, b.Record.NumCols())
	for c, col := range b.Record.Columns() {
		strs, err := columnText(tb.loc(), col, columnType(tb.types, c))
		if err != nil {
			return "", err
		}
		for i := range strs {
			if col.IsNull(i) {
				strs[i] = nullText
			}
		}
		cols[c] = strs
	}
	var sb strings.Builder
	if tb.rows == 0 {
		tb.border(&sb)
		tb.line(&sb, tb.names)
		tb.border(&sb)
	}
	vals := make([]string, 0, len(tb.names))
	for i := 0; i < n; i++ {
		vals = vals[:0]
		if tb.rowKind {
			k := vectorized.Insert
			if b.Kinds != nil {
				k = b.Kinds[i]
			}
			vals = append(vals, k.String())
		}
		for _, c := range cols {
			vals = append(vals, c[i])
		}
		tb.line(&sb, vals)
	}
	tb.rows += int64(n)
	return sb.String(), nil
}

// End returns what follows the last row: the closing border and the row
// count, or "Empty set".
func (tb *Tableau) End() string {
	if tb.rows == 0 {
		return "Empty set\n"
	}
	var sb strings.Builder
	tb.border(&sb)
	if tb.rows == 1 {
		sb.WriteString("1 row in set\n")
	} else {
		fmt.Fprintf(&sb, "%d rows in set\n", tb.rows)
	}
	return sb.String()
}

// PrintTableau runs t and writes its rows as they arrive (Flink's
// TableResult.print()); it returns when the query ends, or fails.
func (t *Table) PrintTableau(ctx context.Context, w interface{ WriteString(string) (int, error) }) error {
	tb, err := t.Tableau()
	if err != nil {
		return err
	}
	s, err := t.Stream(ctx)
	if err != nil {
		return err
	}
	for b := range s.C {
		text, err := tb.Batch(b)
		b.Release()
		if err != nil {
			s.Job.Cancel()
			for b := range s.C {
				b.Release()
			}
			return err
		}
		if _, err := w.WriteString(text); err != nil {
			s.Job.Cancel()
			for b := range s.C {
				b.Release()
			}
			return err
		}
	}
	if _, err := s.Job.Wait(); err != nil {
		return err
	}
	_, err = w.WriteString(tb.End())
	return err
}
