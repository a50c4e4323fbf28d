package filesystem

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/print"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// lookupCols is the dimension table of the lookup tests: (id INT, k
// BIGINT, name STRING) in the fstest format.
var lookupCols = []connector.Column{
	col("id", types.INT()), col("k", types.BIGINT()), col("name", types.STRING()),
}

func newFileLookup(t *testing.T, path string, keys []int, opts map[string]string) *fileLookup {
	t.Helper()
	o := map[string]string{OptionPath: path, OptionFormat: "fstest"}
	for k, v := range opts {
		o[k] = v
	}
	src, err := Factory{}.NewLookup(tableContext(lookupCols, o), keys)
	require.NoError(t, err)
	f := src.Function().(*fileLookup)
	return f
}

// lookupText runs one Lookup over keys given as columns and returns each
// matched row as print text prefixed with the index of its key.
func lookupText(t *testing.T, f *fileLookup, mem memory.Allocator, keys ...arrow.Array) []string {
	t.Helper()
	res, err := f.Lookup(context.Background(), keys)
	require.NoError(t, err)
	if res.Rows == nil {
		return nil
	}
	defer res.Rows.Release()
	require.Len(t, res.Keys, int(res.Rows.NumRows()))
	b := &vectorized.Batch{Record: res.Rows}
	pf := print.NewRowFormatter(b)
	var out []string
	for r := range int(res.Rows.NumRows()) {
		out = append(out, string(rune('0'+res.Keys[r]))+" "+string(pf.AppendRow(nil, r)))
	}
	return out
}

func int64s(mem memory.Allocator, vs ...int64) arrow.Array {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(vs, nil)
	return b.NewArray()
}

func int32s(mem memory.Allocator, vs ...int32) arrow.Array {
	b := array.NewInt32Builder(mem)
	defer b.Release()
	b.AppendValues(vs, nil)
	return b.NewArray()
}

func strs(mem memory.Allocator, vs ...string) arrow.Array {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.AppendValues(vs, nil)
	return b.NewArray()
}

// A lookup finds every row of each key, in file order over the table's
// files, with the index of the key it matched; keys without rows find
// nothing; rows whose key column is NULL are never found.
func TestFileLookupFindsRowsByKey(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.txt"), "1,10,a\n2,20,b\n3,10,c\n4,,null-k\n")
	writeFile(t, filepath.Join(dir, "b.txt"), "5,30,d\n6,10,e\n")
	mem := checkedMem(t)

	tests := []struct {
		name string
		keys []int
		args func() []arrow.Array
		want []string
	}{
		{"one BIGINT key", []int{1}, func() []arrow.Array { return []arrow.Array{int64s(mem, 10, 99, 30)} },
			[]string{"0 +I[1, 10, a]", "0 +I[3, 10, c]", "0 +I[6, 10, e]", "2 +I[5, 30, d]"}},
		{"a STRING key", []int{2}, func() []arrow.Array { return []arrow.Array{strs(mem, "e", "b", "")} },
			[]string{"0 +I[6, 10, e]", "1 +I[2, 20, b]"}},
		{"a composite key", []int{1, 0}, func() []arrow.Array {
			return []arrow.Array{int64s(mem, 10, 10, 20), int32s(mem, 3, 2, 2)}
		}, []string{"0 +I[3, 10, c]", "2 +I[2, 20, b]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFileLookup(t, dir, tc.keys, nil)
			require.NoError(t, f.Open(context.Background(), &engine.RuntimeContext{Mem: mem}))
			args := tc.args()
			assert.Equal(t, tc.want, lookupText(t, f, mem, args...))
			for _, a := range args {
				a.Release()
			}
			require.NoError(t, f.Close())
		})
	}
}

// The table is read on the first lookup and again on the first lookup
// after lookup.join.cache.ttl, not before: a change of the file shows
// only then.
func TestFileLookupReloadsAfterTTL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dim.txt")
	writeFile(t, path, "1,10,old\n")
	mem := checkedMem(t)
	f := newFileLookup(t, path, []int{1}, map[string]string{OptionLookupCacheTTL: "5 min"})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.now = func() time.Time { return now }
	require.NoError(t, f.Open(context.Background(), &engine.RuntimeContext{Mem: mem}))
	defer f.Close()
	look := func() []string {
		k := int64s(mem, 10)
		defer k.Release()
		return lookupText(t, f, mem, k)
	}
	assert.Equal(t, []string{"0 +I[1, 10, old]"}, look())
	writeFile(t, path, "1,10,new\n2,10,new2\n")
	now = now.Add(5*time.Minute - time.Millisecond)
	assert.Equal(t, []string{"0 +I[1, 10, old]"}, look(), "within the TTL the loaded table serves")
	assert.Equal(t, 1, f.loads)
	now = now.Add(time.Millisecond)
	assert.Equal(t, []string{"0 +I[1, 10, new]", "0 +I[2, 10, new2]"}, look())
	assert.Equal(t, 2, f.loads)
}

// A table that cannot be read is retried three times, after 10 s, 20 s
// and 30 s (Flink's), then fails the lookup naming the table.
func TestFileLookupRetriesFailedLoads(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dim.txt")
	writeFile(t, path, "1,10,a\n")
	mem := checkedMem(t)
	f := newFileLookup(t, path, []int{1}, nil)
	var slept []time.Duration
	comesBack := true
	f.sleep = func(_ context.Context, d time.Duration) error {
		slept = append(slept, d)
		if len(slept) == 2 && comesBack {
			// The file comes back before the third attempt.
			writeFile(t, path, "1,10,back\n")
		}
		return nil
	}
	require.NoError(t, f.Open(context.Background(), &engine.RuntimeContext{Mem: mem}))
	defer f.Close()
	require.NoError(t, os.Remove(path))
	k := int64s(mem, 10)
	defer k.Release()
	assert.Equal(t, []string{"0 +I[1, 10, back]"}, lookupText(t, f, mem, k))
	assert.Equal(t, []time.Duration{10 * time.Second, 20 * time.Second}, slept)

	require.NoError(t, os.Remove(path))
	f.rows.Release()
	f.rows, slept, comesBack = nil, nil, false
	_, err := f.Lookup(context.Background(), []arrow.Array{k})
	require.ErrorContains(t, err, "table t: failed to load the table into the lookup cache after 3 retries")
	assert.Equal(t, []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second}, slept)
}

// Bad options fail the statement.
func TestFileLookupOptions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dim.txt")
	writeFile(t, path, "")
	cols := []connector.Column{col("id", types.INT()), col("k", types.BIGINT())}
	for _, tc := range []struct {
		opts map[string]string
		keys []int
		want string
	}{
		{map[string]string{OptionLookupCacheTTL: "0 s"}, []int{0}, "lookup.join.cache.ttl"},
		{map[string]string{OptionLookupCacheTTL: "soon"}, []int{0}, "lookup.join.cache.ttl"},
		{nil, nil, "a lookup needs at least one key column"},
		{nil, []int{2}, "lookup key column 2 does not exist"},
	} {
		o := map[string]string{OptionPath: path, OptionFormat: "fstest"}
		for k, v := range tc.opts {
			o[k] = v
		}
		_, err := Factory{}.NewLookup(tableContext(cols, o), tc.keys)
		assert.ErrorContains(t, err, tc.want)
	}
}

// End to end: Nexmark q13's form, a processing-time lookup join of a
// stream on a filesystem table in the legacy descriptor, keyed by an INT
// expression against a BIGINT column (cast to BIGINT and still the lookup
// key, as Flink 2.3 plans it: LookupJoin(lookup=[k=$f3]) over
// Calc(CAST(MOD(auction, 10000) AS BIGINT) AS $f3));
// keys without a row drop out of the inner join and stay, padded, in the
// left join.
func TestFileLookupJoinSQL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "side.csv")
	writeFile(t, path, "0,zero\n1,one\n2,two\n1,uno\n")
	env := table.NewEnvironment(table.Settings{Streaming: true, Config: map[string]string{"parallelism.default": "2"}})
	execSQL(t, env, `
CREATE TABLE side_input (key BIGINT, `+"`value`"+` VARCHAR) WITH (
  'connector.type' = 'filesystem', 'connector.path' = 'file://`+path+`', 'format.type' = 'csv');
CREATE TEMPORARY VIEW bids AS SELECT a, PROCTIME() AS p FROM (VALUES (CAST(10 AS BIGINT)), (11), (13), (21), (CAST(NULL AS BIGINT))) AS v(a);
`)
	assert.Equal(t, []string{"10 | zero", "11 | one", "11 | uno", "21 | one", "21 | uno"},
		queryRows(t, env, "SELECT B.a, S.`value` FROM bids B JOIN side_input FOR SYSTEM_TIME AS OF B.p AS S ON MOD(B.a, 10) = S.key"))
	assert.Equal(t, []string{"10 | zero", "11 | one", "11 | uno", "13 | NULL", "21 | one", "21 | uno", "NULL | NULL"},
		queryRows(t, env, "SELECT B.a, S.`value` FROM bids B LEFT JOIN side_input FOR SYSTEM_TIME AS OF B.p AS S ON MOD(B.a, 10) = S.key"))
}
