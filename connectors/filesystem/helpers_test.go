package filesystem

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/format"
	"github.com/sluice-stream/sluice/connectors/print"
	_ "github.com/sluice-stream/sluice/connectors/values"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// The connector's mechanics (framing, line numbers, skipping, splitting)
// are tested with two small formats of the tests' own, so that they do
// not depend on the csv and json packages' choices: "fstest" frames by
// lines, "fstestq" has a Splitter whose double-quoted fields may hold
// line breaks. Both read INT, BIGINT and STRING columns separated by ','.
func init() {
	format.Register(testFormat{id: "fstest"})
	format.Register(quotedTestFormat{testFormat{id: "fstestq", quoted: true}})
}

type testFormat struct {
	id     string
	quoted bool
}

type quotedTestFormat struct{ testFormat }

func (f testFormat) Identifier() string { return f.id }

func (f testFormat) Options() []connector.Option {
	return []connector.Option{{Key: "ignore-parse-errors", Default: "false"}}
}

func (f testFormat) NewDecoder(ctx *format.Context) (format.Decoder, error) {
	for _, c := range ctx.Columns {
		switch c.Type.Kind {
		case types.Int, types.BigInt, types.VarChar, types.Char:
		default:
			return nil, fmt.Errorf("%s: column %s: type %s is not supported", f.id, c.Name, c.Type)
		}
	}
	return &testDecoder{f: f, cols: ctx.Columns}, nil
}

func (f testFormat) NewEncoder(ctx *format.Context) (format.Encoder, error) {
	return testEncoder{f}, nil
}

// SplitFunc frames records at line breaks outside double quotes.
func (f quotedTestFormat) SplitFunc(*format.Context) bufio.SplitFunc {
	return func(data []byte, atEOF bool) (int, []byte, error) {
		quoted := false
		for i, c := range data {
			switch {
			case c == '"':
				quoted = !quoted
			case c == '\n' && !quoted:
				return i + 1, bytes.TrimSuffix(data[:i], []byte{'\r'}), nil
			}
		}
		if atEOF && len(data) > 0 {
			if quoted {
				return 0, nil, &format.ParseError{Format: f.id, Err: fmt.Errorf("unterminated quote")}
			}
			return len(data), data, nil
		}
		return 0, nil, nil
	}
}

type testDecoder struct {
	f    testFormat
	cols []connector.Column
	row  []any
}

func (d *testDecoder) fields(data []byte) []string {
	if !d.f.quoted {
		return strings.Split(string(data), ",")
	}
	var out []string
	var cur strings.Builder
	quoted := false
	for _, c := range string(data) {
		switch {
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(c)
		}
	}
	return append(out, cur.String())
}

func (d *testDecoder) Parse(data []byte) (bool, error) {
	fs := d.fields(data)
	if len(fs) != len(d.cols) {
		return false, &format.ParseError{Format: d.f.id, Err: fmt.Errorf("expected %d fields, found %d", len(d.cols), len(fs))}
	}
	d.row = d.row[:0]
	for i, c := range d.cols {
		v := fs[i]
		switch c.Type.Kind {
		case types.Int, types.BigInt:
			if v == "" {
				d.row = append(d.row, nil)
				continue
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return false, &format.ParseError{Format: d.f.id, Column: c.Name, Err: fmt.Errorf("'%s' is not an %s", v, c.Type)}
			}
			d.row = append(d.row, n)
		default:
			d.row = append(d.row, v)
		}
	}
	return true, nil
}

func (d *testDecoder) Append(bs []array.Builder) {
	for i, v := range d.row {
		switch b := bs[i].(type) {
		case *array.Int32Builder:
			if v == nil {
				b.AppendNull()
			} else {
				b.Append(int32(v.(int64)))
			}
		case *array.Int64Builder:
			if v == nil {
				b.AppendNull()
			} else {
				b.Append(v.(int64))
			}
		case *array.StringBuilder:
			b.Append(v.(string))
		}
	}
}

type testEncoder struct{ f testFormat }

func (e testEncoder) Encode(dst []byte, cols []arrow.Array, row int) ([]byte, error) {
	for i, c := range cols {
		if i > 0 {
			dst = append(dst, ',')
		}
		if c.IsNull(row) {
			continue
		}
		switch c := c.(type) {
		case *array.Int32:
			dst = strconv.AppendInt(dst, int64(c.Value(row)), 10)
		case *array.Int64:
			dst = strconv.AppendInt(dst, c.Value(row), 10)
		case *array.String:
			if e.f.quoted {
				dst = append(append(append(dst, '"'), c.Value(row)...), '"')
			} else {
				dst = append(dst, c.Value(row)...)
			}
		default:
			return nil, fmt.Errorf("%s: cannot encode %s", e.f.id, c.DataType())
		}
	}
	return dst, nil
}

// newEnv is a batch environment with the given default parallelism.
func newEnv(t *testing.T, parallelism int) *table.Environment {
	t.Helper()
	return table.NewEnvironment(table.Settings{Config: map[string]string{
		"parallelism.default": strconv.Itoa(parallelism),
	}})
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func execSQL(t *testing.T, env *table.Environment, script string) []*table.Result {
	t.Helper()
	res, err := env.ExecuteScript(ctxFor(t), script)
	require.NoError(t, err)
	return res
}

// queryRows runs a query and returns its rows as text, sorted: parallel
// sources deliver rows in no fixed order.
func queryRows(t *testing.T, env *table.Environment, query string) []string {
	t.Helper()
	res, err := env.ExecuteSQL(ctxFor(t), query)
	require.NoError(t, err)
	var out []string
	for _, r := range res.Text() {
		out = append(out, strings.Join(r, " | "))
	}
	sort.Strings(out)
	return out
}

// writeFile creates path (and its directories) holding text.
func writeFile(t *testing.T, path, text string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
}

// listDir returns the names of the files under dir, relative, sorted.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !info.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	}))
	sort.Strings(out)
	return out
}

func checkedMem(t testing.TB) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

func col(name string, t types.DataType) connector.Column {
	return connector.Column{Name: name, Type: t}
}

func tableContext(cols []connector.Column, opts map[string]string) *connector.Context {
	o := map[string]string{"connector": Identifier}
	for k, v := range opts {
		o[k] = v
	}
	return &connector.Context{Table: "t", Columns: cols, Options: o}
}

// runSource runs every subtask of src to its end, in turn, and returns the
// batches' rows as print text (per subtask), the schemas it emitted, and
// the first error.
func runSource(t *testing.T, src *connector.Source, parallelism int, mem memory.Allocator) (rows [][]string, schemas []*arrow.Schema, skipped int64, err error) {
	t.Helper()
	ctx := context.Background()
	for i := range parallelism {
		s := src.Instance(i, parallelism)
		m := &engine.OperatorMetrics{}
		if err = s.Open(ctx, &engine.RuntimeContext{Subtask: i, Parallelism: parallelism, Mem: mem, Metrics: m}); err != nil {
			return
		}
		var mine []string
		err = s.Run(ctx, engine.CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
			schemas = append(schemas, b.Record.Schema())
			f := print.NewRowFormatter(b)
			for r := range int(b.NumRows()) {
				mine = append(mine, string(f.AppendRow(nil, r)))
			}
			return nil
		}))
		require.NoError(t, s.Close())
		skipped += m.Counter(SkippedCounter).Load()
		rows = append(rows, mine)
		if err != nil {
			return
		}
	}
	return
}
