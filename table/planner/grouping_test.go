package planner

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/sql"
)

// The order of Calcite's groupSets, which is the order of Flink's Expand
// projections and so of a streaming aggregate's output per input row
// (checked against Flink 2.3's streaming CUBE(a, b, c): expand ids 0..7).
func TestLessGroupSet(t *testing.T) {
	for _, c := range []struct {
		sets []groupSet
		want string
	}{
		{[]groupSet{0, 0b001, 0b010, 0b100, 0b011, 0b101, 0b110, 0b111}, "{0, 1, 2} {0, 1} {0, 2} {0} {1, 2} {1} {2} {}"},
		// GROUPING SETS (ROLLUP(a, b), (c)).
		{[]groupSet{0b011, 0b001, 0, 0b100}, "{0, 1} {0} {2} {}"},
		{[]groupSet{0b010, 0b001, 0}, "{0} {1} {}"},
		// Neither contains the other: lexicographic by ascending keys.
		{[]groupSet{0b1010, 0b0101}, "{0, 2} {1, 3}"},
		{[]groupSet{0b0110, 0b0101}, "{0, 2} {1, 2}"},
		{[]groupSet{0b001, 0b001, 0}, "{0} {0} {}"},
	} {
		sets := append([]groupSet(nil), c.sets...)
		sort.SliceStable(sets, func(i, j int) bool { return lessGroupSet(sets[i], sets[j]) })
		parts := make([]string, len(sets))
		for i, s := range sets {
			parts[i] = s.String()
		}
		assert.Equal(t, c.want, strings.Join(parts, " "), "%v", c.sets)
	}
}

// groupingOf binds q and returns its GroupingAggregate (nil when the
// plan has none) and the bound plan.
func groupingOf(t *testing.T, q string) (*GroupingAggregate, Node, error) {
	t.Helper()
	parsed, err := sql.ParseQuery(q)
	require.NoError(t, err)
	p := &Planner{Catalog: catalog.New(), Config: engine.Config{}, Source: q}
	n, err := p.BindQuery(parsed)
	if err != nil {
		return nil, nil, err
	}
	var found *GroupingAggregate
	var walk func(Node)
	walk = func(n Node) {
		if g, ok := n.(*GroupingAggregate); ok {
			found = g
		}
		for _, in := range n.Inputs() {
			walk(in)
		}
	}
	walk(n)
	return found, n, nil
}

const groupingFrom = " FROM (VALUES (1, 'x', CAST(2.5 AS DOUBLE))) AS t(a, b, c) "

// The grouping sets GROUP BY stands for, in Calcite's order: ROLLUP and
// CUBE list each set once, GROUPING SETS and the product of items keep
// repetitions.
func TestGroupingSetsOfGroupBy(t *testing.T) {
	for _, c := range []struct {
		groupBy string
		keys    int
		sets    string
	}{
		{"ROLLUP(a, b)", 2, "{0, 1} {0} {}"},
		{"CUBE(a, b)", 2, "{0, 1} {0} {1} {}"},
		{"GROUPING SETS ((a), (b), ())", 2, "{0} {1} {}"},
		{"GROUPING SETS (a, b)", 2, "{0} {1}"},
		{"a, ROLLUP(b, c)", 3, "{0, 1, 2} {0, 1} {0}"},
		{"ROLLUP(b, a)", 2, "{0, 1} {0} {}"},
		{"ROLLUP((a, b), c)", 3, "{0, 1, 2} {0, 1} {}"},
		{"CUBE((a, b), c)", 3, "{0, 1, 2} {0, 1} {2} {}"},
		{"ROLLUP(a, b, a)", 2, "{0, 1} {0} {}"},
		{"CUBE(a, a)", 1, "{0} {}"},
		{"GROUPING SETS ((a), (a), ())", 1, "{0} {0} {}"},
		{"ROLLUP(a, b), a", 2, "{0, 1} {0} {0}"},
		{"GROUPING SETS (ROLLUP(a, b), (c))", 3, "{0, 1} {0} {2} {}"},
		{"GROUPING SETS (GROUPING SETS (a, b), c)", 3, "{0} {1} {2}"},
		{"ROLLUP(a), ROLLUP(b)", 2, "{0, 1} {0} {1} {}"},
		{"GROUPING SETS ((), ())", 0, "{} {}"},
	} {
		t.Run(c.groupBy, func(t *testing.T) {
			g, _, err := groupingOf(t, "SELECT COUNT(*) AS n"+groupingFrom+"GROUP BY "+c.groupBy)
			require.NoError(t, err)
			require.NotNil(t, g)
			assert.Equal(t, c.keys, g.Keys)
			parts := make([]string, len(g.Sets))
			for i, s := range g.Sets {
				parts[i] = s.String()
			}
			assert.Equal(t, c.sets, strings.Join(parts, " "))
		})
	}
}

// A single grouping set without grouping functions is a plain GROUP BY.
func TestSingleGroupingSetIsPlainAggregate(t *testing.T) {
	for _, groupBy := range []string{"GROUPING SETS ((a, b))", "(a, b)", "()", "GROUPING SETS (())", "ROLLUP(a, b), ROLLUP((a, b))"} {
		g, n, err := groupingOf(t, "SELECT COUNT(*) AS n"+groupingFrom+"GROUP BY "+groupBy)
		require.NoError(t, err, groupBy)
		if groupBy == "ROLLUP(a, b), ROLLUP((a, b))" {
			// {a,b}, {a}, {} times {a,b}, {}: not a single set.
			require.NotNil(t, g)
			continue
		}
		assert.Nil(t, g, groupBy)
		assert.Contains(t, Explain(n, false), "GroupAggregate(", groupBy)
	}
}

// The keys outside some grouping set become NULL-able; the grouping
// functions are BIGINT NOT NULL; aggregate calls are listed as Calcite
// lists them, by first appearance, grouping functions among them.
func TestGroupingAggregateRowType(t *testing.T) {
	g, _, err := groupingOf(t, "SELECT a, b, GROUPING(b) AS gb, SUM(c) AS s, GROUPING_ID(a, b) AS gid, GROUP_ID() AS gi"+
		" FROM (VALUES (1, 'x', 2.5)) AS t(a, b, c) GROUP BY GROUPING SETS ((a, b), (a))")
	require.NoError(t, err)
	require.NotNil(t, g)
	var got []string
	for _, f := range g.Schema() {
		got = append(got, f.Name+" "+f.Type.String())
	}
	assert.Equal(t, []string{"a INT NOT NULL", "b CHAR(1)", "EXPR$2 BIGINT NOT NULL", "EXPR$3 DECIMAL(38, 1)",
		"EXPR$4 BIGINT NOT NULL", "EXPR$5 BIGINT NOT NULL"}, got)
	assert.Equal(t, "LogicalAggregate(group=[{0, 1}], groups=[[{0, 1}, {0}]], EXPR$2=[GROUPING($1)], EXPR$3=[SUM($2)], "+
		"EXPR$4=[GROUPING_ID($0, $1)], EXPR$5=[GROUP_ID()])", g.describe())
}

// GROUPING and GROUPING_ID: a bit per argument, the first the highest,
// set when the argument's key is outside the set; the expand id is the
// same over all keys.
func TestGroupingValues(t *testing.T) {
	g := &GroupingAggregate{Keys: 3}
	for _, c := range []struct {
		set        groupSet
		expandID   int64
		grouping02 int64 // GROUPING_ID(k0, k2)
		grouping1  int64 // GROUPING(k1)
	}{
		{0b111, 0, 0, 0},
		{0b011, 1, 1, 0},
		{0b101, 2, 0, 1},
		{0b001, 3, 1, 1},
		{0b110, 4, 2, 0},
		{0, 7, 3, 1},
	} {
		assert.Equal(t, c.expandID, g.expandID(c.set), "expand id of %s", c.set)
		assert.Equal(t, c.grouping02, groupingValue(GroupingCall{Func: fnGroupingID, Args: []int{0, 2}}, c.set, 0), "GROUPING_ID over %s", c.set)
		assert.Equal(t, c.grouping1, groupingValue(GroupingCall{Func: fnGrouping, Args: []int{1}}, c.set, 0), "GROUPING over %s", c.set)
		assert.Equal(t, int64(2), groupingValue(GroupingCall{Func: fnGroupID}, c.set, 2))
	}
}

// Decomposition: Expand, an aggregate by the keys and $e, a projection
// of the grouping functions; a repeated set a union of aggregates, one
// with a single set a plain aggregate whose missing keys are NULL.
func TestDecomposeGroupingSets(t *testing.T) {
	for _, c := range []struct {
		name, q string
		want    []string
	}{
		{"rollup", "SELECT a, b, COUNT(*) AS n, GROUPING(a) AS g" + groupingFrom + "GROUP BY ROLLUP(a, b)", []string{
			"Project(select=[a, b, EXPR$2, CASE(($e = 0), 0, ($e = 1), 0, 1) AS EXPR$3])",
			"+- GroupAggregate(groupBy=[a, b, $e], select=[a, b, $e, COUNT(*) AS EXPR$2])",
			"   +- Expand(projects=[{a, b, 0 AS $e}, {a, null AS b, 1 AS $e}, {null AS a, null AS b, 3 AS $e}])",
		}},
		{"constant grouping", "SELECT a, GROUPING(a) AS g" + groupingFrom + "GROUP BY GROUPING SETS ((a, b), (a))", []string{
			"Project(select=[a, b, 0 AS EXPR$2])",
			// An aggregate without calls over all its input is a DISTINCT.
			"+- Distinct(select=[a, b, $e])",
		}},
		{"single set with a grouping function", "SELECT a, GROUPING(a) AS g" + groupingFrom + "GROUP BY a", []string{
			"Project(select=[a, 0 AS EXPR$1])",
			"+- Distinct(select=[a])",
		}},
		{"repeated set smaller than the keys", "SELECT a, b, COUNT(*) AS n, GROUP_ID() AS gi" + groupingFrom + "GROUP BY GROUPING SETS ((a, b), (a), (a))", []string{
			"Union(all=[true])",
			":- Project(select=[a, b, EXPR$2, 0 AS EXPR$3])",
			":  +- GroupAggregate(groupBy=[a, b, $e], select=[a, b, $e, COUNT(*) AS EXPR$2])",
			":     +- Expand(projects=[{a, b, 0 AS $e}, {a, null AS b, 1 AS $e}])",
			"+- Project(select=[a, null:CHAR(1) AS b, EXPR$2, 1 AS EXPR$3])",
			"   +- GroupAggregate(groupBy=[a], select=[a, COUNT(*) AS EXPR$2])",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, _, err := groupingOf(t, c.q)
			require.NoError(t, err)
			require.NotNil(t, g)
			got := strings.ReplaceAll(Explain(decomposeGroupingSets(g), false), ", changelogMode=[I]", "")
			for _, line := range c.want {
				assert.Contains(t, got, line+"\n", "in\n%s", got)
			}
			require.Equal(t, g.Schema(), decomposeGroupingSets(g).Schema(), "the decomposition keeps the row type")
		})
	}
}

func TestGroupingErrors(t *testing.T) {
	for _, c := range []struct{ q, want string }{
		{"SELECT COUNT(*) AS n" + groupingFrom + "GROUP BY ROLLUP(a, ROLLUP(b))", "ROLLUP cannot be nested in ROLLUP"},
		{"SELECT COUNT(*) AS n" + groupingFrom + "GROUP BY CUBE(a, GROUPING SETS (b))", "GROUPING SETS cannot be nested in CUBE"},
		{"SELECT COUNT(*) AS n" + groupingFrom + "GROUP BY ROLLUP(a, NULL)", "cannot group by NULL"},
		{"SELECT GROUP_ID(a) AS n" + groupingFrom + "GROUP BY ROLLUP(a)", "Invalid number of arguments to function 'GROUP_ID'. Was expecting 0 arguments"},
		{"SELECT GROUPING_ID() AS n" + groupingFrom + "GROUP BY ROLLUP(a)", "Invalid number of arguments to function 'GROUPING_ID'. Was expecting 1 arguments"},
		{"SELECT GROUPING_ID(a, c) AS n" + groupingFrom + "GROUP BY ROLLUP(a)", "line 1, column 23: Argument to GROUPING_ID operator must be a grouped expression"},
		{"SELECT COUNT(*) AS n, GROUPING(a)" + groupingFrom, "Argument to GROUPING operator must be a grouped expression"},
		{"SELECT SUM(GROUPING(a)) AS n" + groupingFrom + "GROUP BY ROLLUP(a)", "line 1, column 12: GROUPING operator may only occur in SELECT, HAVING or ORDER BY clause"},
		{"SELECT COUNT(*) FILTER (WHERE GROUP_ID() = 0) AS n" + groupingFrom + "GROUP BY ROLLUP(a)", "GROUP_ID operator may only occur in SELECT, HAVING or ORDER BY clause"},
		{"SELECT GROUPING(a) AS n" + groupingFrom, "line 1, column 8: GROUPING operator may only occur in an aggregate query"},
		{"SELECT a" + groupingFrom + "WHERE GROUP_ID() = 0 GROUP BY a", "GROUP_ID operator may only occur in SELECT, HAVING or ORDER BY clause"},
		{"SELECT COUNT(*) AS n" + groupingFrom + "GROUP BY CUBE(a, b, c, a + 1, a + 2, a + 3, a + 4, a + 5, a + 6, a + 7, a + 8, a + 9, a + 10)", "CUBE of 13 elements has too many grouping sets"},
	} {
		_, _, err := groupingOf(t, c.q)
		require.Error(t, err, c.q)
		assert.Contains(t, err.Error(), c.want, c.q)
	}
	// 64 grouping keys: Flink keeps GROUPING values in a BIGINT.
	cols := make([]string, 64)
	for i := range cols {
		cols[i] = fmt.Sprintf("a + %d", i)
	}
	_, _, err := groupingOf(t, "SELECT COUNT(*) AS n"+groupingFrom+"GROUP BY GROUPING SETS (("+strings.Join(cols, ", ")+"), ())")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "group count must be less than 64.")
}
