package planner

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// changelogTables is a connector whose source is insert-only and whose
// sink accepts the kinds of its 'accepts' option ("all" or "upsert").
type changelogTables struct{}

func (changelogTables) Identifier() string          { return "test-changelog-inference" }
func (changelogTables) Options() []connector.Option { return []connector.Option{{Key: "accepts"}} }
func (changelogTables) NewSource(*connector.Context) (*connector.Source, error) {
	return &connector.Source{Mode: connector.InsertOnly, Instance: func(int, int) engine.Source { return nil }}, nil
}
func (changelogTables) NewSink(ctx *connector.Context) (*connector.Sink, error) {
	accepts := connector.All
	if ctx.Options["accepts"] == "upsert" {
		accepts = connector.Upsert
	}
	return &connector.Sink{Accepts: accepts, Instance: func(int, int) engine.Sink { return nil }}, nil
}

// TestNoUpdateBefore pins the changelog-mode inference against PyFlink 2.3's
// EXPLAIN CHANGELOG_MODE: a GroupAggregate is [I,UA] (no -U) only when
// every consumer up to the sink upserts by its key.
func TestNoUpdateBefore(t *testing.T) {
	connector.Register(changelogTables{})
	cat := catalog.New()
	opts := func(accepts string) map[string]string {
		return map[string]string{"connector": "test-changelog-inference", "accepts": accepts}
	}
	for _, tab := range []*catalog.Table{
		{Name: "src", Columns: []catalog.Column{{Name: "k", Type: types.STRING()}, {Name: "v", Type: types.BIGINT()}}, Options: opts("")},
		// An upsert sink keyed by k (JDBC with PRIMARY KEY, upsert-kafka).
		{Name: "upsert", Columns: []catalog.Column{{Name: "k", Type: types.STRING()}, {Name: "n", Type: types.BIGINT()}},
			PrimaryKey: []string{"k"}, Options: opts("upsert")},
		{Name: "upsert3", Columns: []catalog.Column{{Name: "k", Type: types.STRING()}, {Name: "v", Type: types.BIGINT()}, {Name: "n", Type: types.BIGINT()}},
			PrimaryKey: []string{"k"}, Options: opts("upsert")},
		{Name: "upsertn", Columns: []catalog.Column{{Name: "n", Type: types.BIGINT()}, {Name: "c", Type: types.BIGINT()}},
			PrimaryKey: []string{"n"}, Options: opts("upsert")},
		// A retract sink (print), with and without a key: print keeps -U.
		{Name: "retract", Columns: []catalog.Column{{Name: "k", Type: types.STRING()}, {Name: "n", Type: types.BIGINT()}}, Options: opts("all")},
		{Name: "retractpk", Columns: []catalog.Column{{Name: "k", Type: types.STRING()}, {Name: "n", Type: types.BIGINT()}},
			PrimaryKey: []string{"k"}, Options: opts("all")},
	} {
		require.NoError(t, cat.CreateTable(tab, false))
	}
	for _, c := range []struct {
		name  string
		sink  string // "" for a SELECT (the collect sink)
		query string
		// noUB: per GroupAggregate, outermost first, whether it drops -U.
		noUB []bool
	}{
		{"upsert sink keyed by the group key", "upsert", "SELECT k, COUNT(*) FROM src GROUP BY k", []bool{true}},
		{"projection passes the requirement", "upsert", "SELECT k, n * 2 FROM (SELECT k, COUNT(*) AS n FROM src GROUP BY k)", []bool{true}},
		{"condition on the key", "upsert", "SELECT k, n FROM (SELECT k, COUNT(*) AS n FROM src GROUP BY k) WHERE k <> 'x'", []bool{true}},
		{"HAVING reads the aggregate", "upsert", "SELECT k, COUNT(*) FROM src GROUP BY k HAVING COUNT(*) > 3", []bool{false}},
		{"WHERE over the aggregate's value", "upsert", "SELECT k, n FROM (SELECT k, COUNT(*) AS n FROM src GROUP BY k) WHERE n > 3", []bool{false}},
		{"retract sink", "retract", "SELECT k, COUNT(*) FROM src GROUP BY k", []bool{false}},
		{"retract sink with a key", "retractpk", "SELECT k, COUNT(*) FROM src GROUP BY k", []bool{false}},
		{"collect sink of a SELECT", "", "SELECT k, COUNT(*) FROM src GROUP BY k", []bool{false}},
		{"global aggregate: no upsert key", "upsert", "SELECT 'x', COUNT(*) FROM src", []bool{false}},
		{"key differs from the upsert key", "upsert3", "SELECT k, v, COUNT(*) FROM src GROUP BY k, v", []bool{false}},
		{"aggregate consuming updates", "upsertn", "SELECT n, COUNT(*) FROM (SELECT k, COUNT(*) AS n FROM src GROUP BY k) GROUP BY n",
			[]bool{true, false}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := &Planner{Catalog: cat, Streaming: true, Config: engine.Config{}, Source: c.query}
			q, err := sql.ParseQuery(c.query)
			require.NoError(t, err)
			n, err := p.BindQuery(q)
			require.NoError(t, err)
			if c.sink != "" {
				n, err = p.BindSink(c.sink, n, sql.Pos{})
				require.NoError(t, err)
			}
			n = Optimize(n)
			var aggs []*Aggregate
			var walk func(Node)
			walk = func(n Node) {
				if a, ok := n.(*Aggregate); ok {
					aggs = append(aggs, a)
				}
				for _, in := range n.Inputs() {
					walk(in)
				}
			}
			walk(n)
			noUB := p.noUpdateBefore(n, true)
			got := make([]bool, len(aggs))
			for i, a := range aggs {
				got[i] = noUB[a]
			}
			require.Equal(t, c.noUB, got)
		})
	}

	// The decision reaches the engine: the translated GroupAggregate of an
	// upsert job emits +U alone, that of a print job -U and +U.
	for _, c := range []struct {
		sink  string
		kinds []vectorized.RowKind
	}{
		{"upsert", []vectorized.RowKind{vectorized.Insert, vectorized.UpdateAfter}},
		{"retract", []vectorized.RowKind{vectorized.Insert, vectorized.UpdateBefore, vectorized.UpdateAfter}},
	} {
		t.Run("engine/"+c.sink, func(t *testing.T) {
			const query = "SELECT k, SUM(v) FROM src GROUP BY k"
			p := &Planner{Catalog: cat, Streaming: true, Config: engine.Config{}, Source: query}
			q, err := sql.ParseQuery(query)
			require.NoError(t, err)
			n, err := p.BindQuery(q)
			require.NoError(t, err)
			n, err = p.BindSink(c.sink, n, sql.Pos{})
			require.NoError(t, err)
			job, err := p.Translate(Optimize(n), "test", nil)
			require.NoError(t, err)
			defer job.Close()
			var agg engine.Operator
			for _, v := range job.Graph.Vertices {
				for _, op := range v.Chain {
					if o := op(); strings.HasPrefix(fmt.Sprint(o), "GroupAggregate") {
						agg = o
					}
				}
			}
			require.NotNil(t, agg)
			inst := engine.NewInstanceForTest(engine.InstanceOptions{})
			defer inst.Close()
			ctx := context.Background()
			require.NoError(t, agg.Open(ctx, inst.RT))
			defer agg.Close()
			var kinds []vectorized.RowKind
			out := engine.CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
				for i := 0; i < int(b.NumRows()); i++ {
					kinds = append(kinds, b.Kind(i))
				}
				return nil
			})
			// Two batches updating one key: +I, then -U/+U unless dropped.
			for _, v := range []int64{1, 2} {
				b := kvBatch(t, "a", v)
				require.NoError(t, agg.Process(ctx, 0, b, out))
				b.Release()
			}
			require.NoError(t, agg.EndInput(ctx, out))
			require.Equal(t, c.kinds, kinds)
		})
	}
}

func kvBatch(t *testing.T, k string, v int64) *vectorized.Batch {
	t.Helper()
	kb := array.NewStringBuilder(memory.DefaultAllocator)
	kb.Append(k)
	vb := array.NewInt64Builder(memory.DefaultAllocator)
	vb.Append(v)
	ka, va := kb.NewArray(), vb.NewArray()
	defer ka.Release()
	defer va.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true}, {Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	return vectorized.NewBatch(array.NewRecordBatch(schema, []arrow.Array{ka, va}, 1))
}
