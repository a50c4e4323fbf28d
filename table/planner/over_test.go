package planner

import (
	"testing"

	"github.com/stretchr/testify/require"

	_ "github.com/sluice-stream/sluice/connectors/values"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
)

// overPlanner has t(ts TIMESTAMP(3) rowtime, k STRING, v INT).
func overPlanner(t *testing.T, streaming bool) *Planner {
	cat := catalog.New()
	require.NoError(t, cat.CreateTable(&catalog.Table{Name: "t", Columns: []catalog.Column{
		{Name: "ts", Type: types.TIMESTAMP(3)}, {Name: "k", Type: types.STRING()}, {Name: "v", Type: types.INT()}},
		Options:   map[string]string{"connector": "values"},
		Watermark: &catalog.Watermark{Column: "ts", Expr: &sql.ColumnRef{Parts: []*sql.Ident{{Name: "ts"}}}}}, false))
	return &Planner{Catalog: cat, Streaming: streaming, Config: engine.Config{}}
}

// overNodes binds query and lists its OverAggregate nodes, top first.
func overNodes(t *testing.T, p *Planner, query string) []*OverAggregate {
	q, err := sql.ParseQuery(query)
	require.NoError(t, err)
	n, err := p.BindQuery(q)
	require.NoError(t, err)
	var out []*OverAggregate
	for ; len(n.Inputs()) > 0; n = n.Inputs()[0] {
		if o, ok := n.(*OverAggregate); ok {
			out = append(out, o)
		}
	}
	return out
}

// Frames as Calcite resolves them: RANGE to the current row under an
// ORDER BY, the whole partition without one, n PRECEDING alone ends at the
// current row, interval offsets in milliseconds, ROWS for ROW_NUMBER and
// RANGE for RANK.
func TestOverFrames(t *testing.T) {
	U := engine.Unbounded
	for _, c := range []struct {
		call                 string
		rows                 bool
		preceding, following int64
		interval             string
	}{
		{"SUM(v) OVER (PARTITION BY k ORDER BY ts)", false, U, 0, ""},
		{"SUM(v) OVER (PARTITION BY k)", false, U, U, ""},
		{"SUM(v) OVER (ORDER BY ts ROWS 2 PRECEDING)", true, 2, 0, ""},
		{"SUM(v) OVER (ORDER BY ts ROWS BETWEEN CURRENT ROW AND 3 FOLLOWING)", true, 0, 3, ""},
		{"SUM(v) OVER (ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)", true, U, U, ""},
		{"SUM(v) OVER (ORDER BY ts RANGE BETWEEN INTERVAL '1' MINUTE PRECEDING AND CURRENT ROW)", false, 60000, 0, "MINUTE"},
		{"SUM(v) OVER (ORDER BY ts RANGE BETWEEN INTERVAL '1.5' SECOND PRECEDING AND INTERVAL '2' SECOND FOLLOWING)", false, 1500, 2000, "SECOND"},
		{"SUM(v) OVER (ORDER BY v RANGE BETWEEN 3 PRECEDING AND CURRENT ROW)", false, 3, 0, ""},
		{"ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts)", true, U, 0, ""},
		{"RANK() OVER (PARTITION BY k ORDER BY v DESC)", false, U, 0, ""},
	} {
		t.Run(c.call, func(t *testing.T) {
			overs := overNodes(t, overPlanner(t, false), "SELECT "+c.call+" FROM t")
			require.Len(t, overs, 1)
			o := overs[0]
			require.Equal(t, c.rows, o.Rows, "ROWS")
			require.Equal(t, c.preceding, o.Preceding, "preceding")
			require.Equal(t, c.following, o.Following, "following")
			require.Equal(t, c.interval, o.Interval, "interval unit")
		})
	}
}

// Calls over one window (inline or named) share one node and equal
// functions one column; in batch, different windows stack one node each;
// computed partition keys and arguments are columns of the projection
// under the windows.
func TestOverWindowsAndCalls(t *testing.T) {
	t.Run("one window", func(t *testing.T) {
		overs := overNodes(t, overPlanner(t, true),
			"SELECT SUM(v) OVER w, AVG(v) OVER (PARTITION BY k ORDER BY ts), SUM(v) OVER w / COUNT(v) OVER w FROM t WINDOW w AS (PARTITION BY k ORDER BY ts)")
		require.Len(t, overs, 1)
		var calls []string
		for _, c := range overs[0].Calls {
			calls = append(calls, c.text(overs[0].Input.Schema())+" AS "+c.Name)
		}
		// SUM and AVG of a nullable INT are COUNT and $SUM0 (Calcite's
		// reduction), shared by all three items.
		require.Equal(t, []string{"COUNT(v) AS w0$o0", "$SUM0(v) AS w0$o1"}, calls)
	})
	t.Run("batch windows", func(t *testing.T) {
		overs := overNodes(t, overPlanner(t, false),
			"SELECT MAX(v) OVER (PARTITION BY k ORDER BY ts), MIN(v) OVER (ORDER BY v ROWS 1 PRECEDING), MAX(v) OVER (PARTITION BY k ORDER BY ts ASC) FROM t")
		require.Len(t, overs, 2)
		require.Equal(t, "w1$o0", overs[0].Calls[0].Name)
		require.Equal(t, "w0$o0", overs[1].Calls[0].Name)
		require.Len(t, overs[1].Calls, 1, "MAX(v) twice over one window is one call")
	})
	t.Run("computed keys", func(t *testing.T) {
		overs := overNodes(t, overPlanner(t, true), "SELECT SUM(v + 1) OVER (PARTITION BY UPPER(k) ORDER BY ts) FROM t")
		require.Len(t, overs, 1)
		in := overs[0].Input.Schema()
		require.Equal(t, []string{"ts", "k", "v", "$3", "$4"}, in.Names())
		require.Equal(t, []int{4}, overs[0].Keys)
		require.Equal(t, 3, overs[0].Calls[0].Arg)
	})
}

// A streaming ROWS frame ordered by other columns than one ascending time
// attribute, which Flink refuses, is the retracting OVER.
func TestOverStreamingRetract(t *testing.T) {
	for _, query := range []string{
		"SELECT SUM(v) OVER (PARTITION BY k ORDER BY v ROWS 2 PRECEDING) FROM t",
		"SELECT SUM(v) OVER (ORDER BY ts DESC, v ROWS UNBOUNDED PRECEDING) FROM t",
	} {
		t.Run(query, func(t *testing.T) {
			overs := overNodes(t, overPlanner(t, true), query)
			require.Len(t, overs, 1)
			require.True(t, overs[0].Retract)
			require.Contains(t, overs[0].describe(), "retract=[true]")
		})
	}
	overs := overNodes(t, overPlanner(t, true), "SELECT SUM(v) OVER (ORDER BY ts ROWS 2 PRECEDING) FROM t")
	require.False(t, overs[0].Retract, "Flink's OVER on an insert-only input ordered by its time attribute")
}

// Streaming rules, as Flink's: one ascending time attribute orders the
// window, which ends at the current row; one window per SELECT.
func TestOverStreamingErrors(t *testing.T) {
	for _, c := range []struct{ query, err string }{
		{"SELECT SUM(v) OVER (PARTITION BY k) FROM t", "ordered by a single time column"},
		{"SELECT SUM(v) OVER (ORDER BY ts DESC) FROM t", "ASCENDING"},
		{"SELECT SUM(v) OVER (ORDER BY v RANGE 2 PRECEDING) FROM t", "Non-time attribute sort"},
		{"SELECT SUM(v) OVER (ORDER BY v) FROM t", "not a time attribute"},
		{"SELECT SUM(v) OVER (ORDER BY ts ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) FROM t", "FOLLOWING windows are not supported"},
		{"SELECT SUM(v) OVER (ORDER BY ts), COUNT(v) OVER (ORDER BY ts ROWS 1 PRECEDING) FROM t", "same window"},
		{"SELECT LAG(v) OVER (ORDER BY ts) FROM t", "not supported yet in streaming"},
		{"SELECT SUM(v) OVER w FROM t", "Window 'w' not found"},
	} {
		t.Run(c.query, func(t *testing.T) {
			q, err := sql.ParseQuery(c.query)
			require.NoError(t, err)
			_, err = overPlanner(t, true).BindQuery(q)
			require.ErrorContains(t, err, c.err)
		})
	}
}
