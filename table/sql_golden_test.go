package table_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"

	_ "github.com/sluice-stream/sluice/connectors/builtin"
	"github.com/sluice-stream/sluice/connectors/print"
	"github.com/sluice-stream/sluice/connectors/values"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table"
	_ "github.com/sluice-stream/sluice/table/pyfunc"
)

// TestSQL runs the golden files in testdata/sql. Commands:
//
//	exec                         run a script; prints "ok" or the error
//	query [mode=…] [sort]        run a query; prints the columns, then the
//	                             rows (batch) or the changelog (streaming)
//	query … final                prints the table the changelog leaves
//	                             (sorted, as +I rows): for results whose
//	                             changelog depends on how two inputs
//	                             interleave (joins) while the end does not
//	stream rows=N [within=D] [mode=…] [sort]
//	                             run a query over unbounded sources: print
//	                             its first N rows (op and values), then
//	                             cancel the job; with within, cancel it
//	                             after D (a Go duration) even with fewer
//	counter name=X [mode=…]      run an INSERT; print counter X summed
//	                             over each operator's subtasks (the job's
//	                             numRestarts for that name)
//	explain [mode=…]             EXPLAIN the statement
//	error [mode=…]               the statement must fail; prints the error
//
// mode is batch (default) or streaming. Regenerate with -rewrite.
func TestSQL(t *testing.T) {
	runSQLGoldens(t, "testdata/sql", nil)
}

// TestSQLParallel runs the goldens of stateful streaming operators again
// at parallelism 3 (keyed operators then run in three subtasks, their
// watermarks combined over the exchange): the results must not change.
// Rows of different keys come from different subtasks, so their relative
// order is free: a result matches when it has the same lines as the
// golden, in any order.
func TestSQLParallel(t *testing.T) {
	for _, f := range []string{"testdata/sql/windows.test", "testdata/sql/topn.test", "testdata/sql/changelog.test", "testdata/sql/over.test", "testdata/sql/windowtopn.test", "testdata/sql/cte.test", "testdata/sql/aggfilter.test", "testdata/sql/joins.test", "testdata/sql/joins2.test", "testdata/sql/subqueries.test",
		"testdata/sql/setops2.test", "testdata/sql/grouping.test", "testdata/sql/intervaljoin.test", "testdata/sql/windowjoin.test", "testdata/sql/lookupjoin.test",
		"testdata/sql/temporaljoin.test", "testdata/sql/unnest.test", "testdata/sql/over_retract.test", "testdata/sql/value_aggs.test"} {
		runSQLGoldens(t, f, map[string]string{"parallelism.default": "3"})
	}
}

var sinkIDs = regexp.MustCompile(`'sink-id'\s*=\s*'([^']+)'`)

// TestSQLBatchSizes runs the goldens of stateful operators again at 1 and
// 7 rows per batch (TestSQL runs them at the default size): their results
// must not change. Sections whose watermarks follow each batch (event-time
// windows, OVER, window Top-N) set 'sluice.exec.batch-size' themselves,
// since there the cut decides which rows are late; the engine's own tests
// run those operators at 1, 7 and the default against models.
func TestSQLBatchSizes(t *testing.T) {
	for _, size := range []string{"1", "7"} {
		for _, f := range []string{"testdata/sql/topn.test", "testdata/sql/changelog.test", "testdata/sql/aggregates.test", "testdata/sql/functions2.test", "testdata/sql/functions3.test", "testdata/sql/cte.test", "testdata/sql/aggfilter.test", "testdata/sql/joins.test", "testdata/sql/joins2.test", "testdata/sql/subqueries.test",
			"testdata/sql/setops2.test", "testdata/sql/grouping.test", "testdata/sql/intervaljoin.test", "testdata/sql/windowjoin.test", "testdata/sql/lookupjoin.test",
			"testdata/sql/temporaljoin.test", "testdata/sql/unnest.test", "testdata/sql/over_retract.test", "testdata/sql/value_aggs.test"} {
			t.Run(size+"/"+f, func(t *testing.T) {
				runSQLGoldens(t, f, map[string]string{"sluice.exec.batch-size": size})
			})
		}
	}
}

// sameLines is expected when got has the same lines in another order
// (within each section: a sink's changelog, then its materialized table).
func sameLines(expected, got string) string {
	e, g := strings.Split(expected, "materialized:\n"), strings.Split(got, "materialized:\n")
	if len(e) != len(g) {
		return got
	}
	for i := range e {
		el, gl := strings.Split(e[i], "\n"), strings.Split(g[i], "\n")
		sort.Strings(el)
		sort.Strings(gl)
		if !slices.Equal(el, gl) {
			return got
		}
	}
	return expected
}

func runSQLGoldens(t *testing.T, dir string, config map[string]string) {
	anyOrder := config["parallelism.default"] != "" && config["parallelism.default"] != "1"
	var printed syncBuffer
	restore := print.SetOutput(&printed, &printed)
	defer restore()
	datadriven.Walk(t, dir, func(t *testing.T, path string) {
		// The values sinks of the file start empty (another run of the
		// same file in this process may have filled them).
		text, err := os.ReadFile(path)
		require.NoError(t, err)
		for _, m := range sinkIDs.FindAllStringSubmatch(string(text), -1) {
			values.Reset(m[1])
		}
		// Every buffer the jobs allocate comes from a checked allocator:
		// after each directive, all of them must have been released.
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		env := table.NewEnvironment(table.Settings{Allocator: mem})
		// Checkpoints of jobs that restart (source.fail-after) go to a
		// directory of the test's.
		require.NoError(t, env.SetConfig("state.checkpoints.dir", t.TempDir()))
		for k, v := range config {
			if err := env.SetConfig(k, v); err != nil {
				t.Fatal(err)
			}
		}
		run := func(t *testing.T, d *datadriven.TestData) string {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			defer func() {
				if n := mem.CurrentAlloc(); n != 0 {
					t.Errorf("%s: %d bytes still allocated after the directive", d.Pos, n)
				}
			}()
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
				if d.HasArg("final") {
					return formatFinal(res)
				}
				return formatResult(res, d.HasArg("sort"))
			case "stream":
				var rows int
				var within string
				d.ScanArgs(t, "rows", &rows)
				d.MaybeScanArgs(t, "within", &within)
				var limit time.Duration
				if within != "" {
					var err error
					if limit, err = time.ParseDuration(within); err != nil {
						t.Fatal(err)
					}
				}
				return streamRows(ctx, t, env, d.Input, rows, limit, d.HasArg("sort"))
			case "counter":
				var name string
				d.ScanArgs(t, "name", &name)
				res, err := env.ExecuteSQL(ctx, d.Input)
				if err != nil {
					return "error: " + err.Error() + "\n"
				}
				if name == "numRestarts" {
					// A job-level counter (Flink's numRestarts).
					return fmt.Sprintf("job: %d\n", res.Job.Checkpoints.Restarts)
				}
				sums := map[string]int64{}
				var ops []string
				for _, m := range res.Job.Metrics {
					if v, ok := m.Counters[name]; ok {
						if _, seen := sums[m.Operator]; !seen {
							ops = append(ops, m.Operator)
						}
						sums[m.Operator] += v
					}
				}
				var b strings.Builder
				for _, op := range ops {
					fmt.Fprintf(&b, "%s: %d\n", op, sums[op])
				}
				return b.String()
			case "explain":
				res, err := env.ExecuteSQL(ctx, "EXPLAIN "+d.Input)
				if err != nil {
					return "error: " + err.Error() + "\n"
				}
				return res.Text()[0][0]
			case "printed":
				// What print sinks wrote since the last printed, sorted:
				// parallel subtasks interleave.
				lines := strings.Split(strings.TrimSpace(printed.take()), "\n")
				sort.Strings(lines)
				return strings.Join(lines, "\n") + "\n"
			case "sink":
				// sink id=X: the changelog a values sink received, then the
				// table it materialises to.
				var id string
				d.ScanArgs(t, "id", &id)
				c := values.Collected(id)
				var b strings.Builder
				rows, err := c.Materialize()
				if err != nil {
					return "error: " + err.Error() + "\n"
				}
				if d.HasArg("final") {
					// sink id=X final: only the table, sorted (joins: the
					// changelog depends on how the inputs interleave).
					lines := make([]string, len(rows))
					for i, r := range rows {
						lines[i] = r.String()
					}
					sort.Strings(lines)
					return strings.Join(lines, "\n") + "\n"
				}
				for _, r := range c.Rows() {
					b.WriteString(r.String() + "\n")
				}
				b.WriteString("materialized:\n")
				for _, r := range rows {
					b.WriteString(r.String() + "\n")
				}
				return b.String()
			case "error":
				_, err := env.ExecuteScript(ctx, d.Input)
				if err == nil {
					t.Fatalf("%s: expected an error", d.Pos)
				}
				return err.Error() + "\n"
			}
			t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
			return ""
		}
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			if anyOrder && (d.Cmd == "query" || d.Cmd == "stream" || d.Cmd == "sink") {
				return sameLines(d.Expected, run(t, d))
			}
			return run(t, d)
		})
	})
}

type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	b.buf.Reset()
	return s
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

// formatFinal applies a changelog to an empty multiset (+I and +U add a
// row, -U and -D remove one; removing a row that is absent is an error
// line) and prints what is left, sorted.
func formatFinal(r *table.Result) string {
	var b strings.Builder
	b.WriteString(strings.Join(r.Columns, ", "))
	b.WriteString("\n")
	count := map[string]int{}
	var bad []string
	for i, row := range r.Text() {
		line := "[" + strings.Join(row, ", ") + "]"
		switch r.Rows[i].Kind {
		case "+I", "+U":
			count[line]++
		default:
			if count[line] == 0 {
				bad = append(bad, fmt.Sprintf("retracts a missing row: %s%s", r.Rows[i].Kind, line))
				continue
			}
			count[line]--
		}
	}
	var lines []string
	for l, n := range count {
		for ; n > 0; n-- {
			lines = append(lines, "+I"+l)
		}
	}
	sort.Strings(lines)
	for _, l := range append(lines, bad...) {
		b.WriteString(l)
		b.WriteString("\n")
	}
	return b.String()
}

// streamRows runs query until it produced n rows, cancels its job and
// formats the rows as query does (ops always shown).
func streamRows(ctx context.Context, t *testing.T, env *table.Environment, query string, n int, within time.Duration, sorted bool) string {
	tab, err := env.SQLQuery(query)
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	s, err := tab.Stream(ctx)
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	if within > 0 {
		timer := time.AfterFunc(within, s.Job.Cancel)
		defer timer.Stop()
	}
	var lines []string
	for b := range s.C {
		for _, r := range engine.BatchRows(b) {
			res := &table.Result{Rows: []table.Row{{Kind: r.Kind.String(), Values: r.Values}}}
			lines = append(lines, fmt.Sprintf("%s[%s]", r.Kind, strings.Join(res.Text()[0], ", ")))
		}
		b.Release()
		if len(lines) >= n {
			s.Job.Cancel()
		}
	}
	if len(lines) < n && within == 0 {
		_, err := s.Job.Wait()
		t.Fatalf("the stream ended after %d of %d rows: %v", len(lines), n, err)
	}
	if sorted {
		sort.Strings(lines)
	}
	out := strings.Join(s.Columns, ", ") + "\n"
	for _, l := range lines {
		out += l + "\n"
	}
	return out
}
