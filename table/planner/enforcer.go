package planner

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/vectorized"
)

// NotNullEnforcerKey is Flink's table.exec.sink.not-null-enforcer: what a
// sink does with a NULL bound for a NOT NULL column — ERROR (the default)
// fails the job, DROP drops the row.
const NotNullEnforcerKey = "table.exec.sink.not-null-enforcer"

// DroppedNotNullCounter counts the rows the DROP enforcer dropped, in the
// enforcer operator's metrics (Flink drops them silently; we count).
const DroppedNotNullCounter = "numRecordsDroppedNotNull"

// notNullEnforcer checks a sink's NOT NULL columns, as Flink's
// ConstraintEnforcer before every sink (the collect sink of SELECT too).
// A batch whose checked columns hold no NULL (Arrow keeps the count) passes
// as is: the cost is one branch per column per batch.
type notNullEnforcer struct {
	cols  []int
	names []string // the sink's column names, for the message
	// origins say which user function a column is the result of ("" when
	// none): Flink's message names the column only, ours also the function
	// whose declared NOT NULL result it broke.
	origins []string
	drop    bool
	mem     memory.Allocator
	rt      *engine.RuntimeContext
}

// enforceNotNull chains the enforcer to v for the NOT NULL fields of
// schema (the sink's columns, computed by in), unless there are none.
func (t *translator) enforceNotNull(v *engine.Vertex, schema Schema, in Node) error {
	mode := strings.ToUpper(t.p.Config.String(NotNullEnforcerKey, "ERROR"))
	if mode != "ERROR" && mode != "DROP" {
		return fmt.Errorf("could not parse value '%s' for key '%s': it is ERROR or DROP", t.p.Config.String(NotNullEnforcerKey, ""), NotNullEnforcerKey)
	}
	var cols []int
	var names, origins []string
	var exprs []Rex
	switch x := in.(type) {
	case *Calc:
		exprs = x.Exprs
	case *Project:
		exprs = x.Exprs
	}
	for i, f := range schema {
		if f.Type.NotNull {
			cols = append(cols, i)
			names = append(names, f.Name)
			origin := ""
			if i < len(exprs) {
				if u, ok := exprs[i].(*UDFRex); ok && u.T.NotNull {
					origin = fmt.Sprintf("%s, declared %s, returned NULL", u, u.T)
				}
			}
			origins = append(origins, origin)
		}
	}
	if len(cols) == 0 {
		return nil
	}
	drop := mode == "DROP"
	chain(v, func() engine.Operator {
		return engine.WithName("ConstraintEnforcer[NotNullEnforcer(fields=["+strings.Join(names, ", ")+"])]",
			&notNullEnforcer{cols: cols, names: names, origins: origins, drop: drop})
	})
	return nil
}

func (e *notNullEnforcer) Open(_ context.Context, rt *engine.RuntimeContext) error {
	e.rt, e.mem = rt, rt.Mem
	if e.mem == nil {
		e.mem = memory.DefaultAllocator
	}
	return nil
}
func (e *notNullEnforcer) EndInput(context.Context, engine.Collector) error { return nil }
func (e *notNullEnforcer) Close() error                                     { return nil }

func (e *notNullEnforcer) Process(ctx context.Context, _ int, b *vectorized.Batch, out engine.Collector) error {
	rec := b.Record
	clean := true
	for _, c := range e.cols {
		if rec.Column(c).NullN() > 0 {
			clean = false
			break
		}
	}
	if clean {
		return out.Collect(ctx, b)
	}
	n := int(rec.NumRows())
	keep := array.NewBooleanBuilder(e.mem)
	defer keep.Release()
	var kinds []vectorized.RowKind
	kept := 0
	for r := 0; r < n; r++ {
		ok := true
		for j, c := range e.cols {
			if rec.Column(c).IsNull(r) {
				if !e.drop {
					// Flink's EnforcerException text, with the row.
					origin := ""
					if e.origins[j] != "" {
						origin = " (" + e.origins[j] + ")"
					}
					return fmt.Errorf("Column '%s' is NOT NULL, however, a null value is being written into it. "+
						"You can set job configuration '%s'='DROP' to suppress this exception and drop such records silently. Row: %s%s",
						e.names[j], NotNullEnforcerKey, rowText(b, r), origin)
				}
				ok = false
				break
			}
		}
		keep.Append(ok)
		if ok {
			kept++
			if b.Kinds != nil {
				kinds = append(kinds, b.Kinds[r])
			}
		}
	}
	if e.rt != nil && e.rt.Metrics != nil {
		e.rt.Metrics.Counter(DroppedNotNullCounter).Add(int64(n - kept))
	}
	if kept == 0 {
		return nil
	}
	mask := keep.NewArray()
	defer mask.Release()
	filtered, err := compute.FilterRecordBatch(ctx, rec, mask, compute.DefaultFilterOptions())
	if err != nil {
		return err
	}
	nb := &vectorized.Batch{Record: filtered, Kinds: kinds}
	defer nb.Release()
	return out.Collect(ctx, nb)
}

// rowText renders row r as Flink prints a Row: +I[1, null].
func rowText(b *vectorized.Batch, r int) string {
	kind := "+I"
	if b.Kinds != nil {
		kind = b.Kinds[r].String()
	}
	parts := make([]string, b.Record.NumCols())
	for i, col := range b.Record.Columns() {
		if col.IsNull(r) {
			parts[i] = "null"
		} else {
			parts[i] = col.ValueStr(r)
		}
	}
	return kind + "[" + strings.Join(parts, ", ") + "]"
}
