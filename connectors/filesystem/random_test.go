package filesystem

import (
	"context"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/datagen"
	_ "github.com/sluice-stream/sluice/connectors/format/all"
	"github.com/sluice-stream/sluice/connectors/print"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// randomColumns covers every type of DESIGN.md §3, nested ones included.
var randomColumns = []connector.Column{
	col("b", types.BOOLEAN()), col("i8", types.TINYINT()), col("i16", types.SMALLINT()),
	col("i32", types.INT()), col("i64", types.BIGINT()), col("f", types.FLOAT()), col("d", types.DOUBLE()),
	col("dec", types.DECIMAL(38, 10)), col("tiny", types.DECIMAL(5, 3)),
	col("ch", types.CHAR(3)), col("s", types.STRING()), col("bin", types.BINARY(3)), col("bytes", types.VARBINARY(6)),
	col("date", types.DATE()), col("t0", types.TIME(0)), col("t3", types.TIME(3)),
	col("ts0", types.TIMESTAMP(0)), col("ts3", types.TIMESTAMP(3)), col("ts6", types.TIMESTAMP(6)), col("ts9", types.TIMESTAMP(9)),
	col("ltz", types.TIMESTAMP_LTZ(6)), col("ltz9", types.TIMESTAMP_LTZ(9)),
	col("arr", types.ARRAY(types.DOUBLE())),
	col("m", types.MAP(types.STRING(), types.ARRAY(types.BYTES()))),
	col("r", types.ROW(types.FIELD("x", types.DECIMAL(5, 1)), types.FIELD("y", types.ROW(types.FIELD("z", types.TIMESTAMP(3)))))),
	col("nn", types.INT().NotNullable()),
}

// randomBatches generates rows of randomColumns with datagen, in several
// batches, and returns them with their print text.
func randomBatches(t *testing.T, rows, batchSize string) ([]*vectorized.Batch, []string) {
	t.Helper()
	gen, err := datagen.Factory{}.NewSource(&connector.Context{Table: "g", Columns: randomColumns, Options: map[string]string{
		"connector": "datagen", "number-of-rows": rows, "seed": "7", "rows-per-second": "100000000",
		"fields.b.null-rate": "0.1", "fields.i64.null-rate": "0.1", "fields.s.null-rate": "0.2",
		"fields.arr.element.null-rate": "0.2", "fields.r.null-rate": "0.3", "fields.m.null-rate": "0.2",
		"fields.s.length": "12", "fields.s.var-len": "true", "fields.bytes.var-len": "true",
		"fields.ts0.max-past": "36500 d", "fields.ts3.max-past": "3650 d", "fields.ts9.max-past": "1 d", "fields.ltz.max-past": "1 h",
		"fields.m.key.length": "2", "fields.m.value.length": "2", "fields.m.value.element.length": "2",
	}, Config: engine.Config{engine.ConfigBatchSize: batchSize}})
	require.NoError(t, err)
	g := gen.Instance(0, 1)
	ctx := context.Background()
	require.NoError(t, g.Open(ctx, &engine.RuntimeContext{Parallelism: 1, Mem: checkedMem(t), Config: engine.Config{engine.ConfigBatchSize: batchSize}}))
	var batches []*vectorized.Batch
	var text []string
	require.NoError(t, g.Run(ctx, engine.CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
		batches = append(batches, engine.RetainBatch(b))
		f := print.NewRowFormatter(b)
		for i := range int(b.NumRows()) {
			text = append(text, string(f.AppendRow(nil, i)))
		}
		return nil
	})))
	require.NoError(t, g.Close())
	return batches, text
}

// Random rows of every type survive a write and a read, across several
// part files and parallel readers.
func TestRandomRowsRoundTrip(t *testing.T) {
	batches, want := randomBatches(t, "2000", "300")
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	sort.Strings(want)
	for _, tc := range []struct {
		format   string
		opts     map[string]string
		minFiles int
	}{
		{"parquet", map[string]string{"parquet.block.size": "16kb", OptionRollingFileSize: "64kb"}, 3},
		{"parquet", map[string]string{"parquet.enable.dictionary": "false", "parquet.compression": "zstd"}, 2},
		{"json", map[string]string{OptionRollingFileSize: "100kb"}, 3},
		{"csv", map[string]string{"csv.null-literal": `\N`}, 2},
	} {
		t.Run(tc.format, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			opts := map[string]string{"path": dir, "format": tc.format}
			for k, v := range tc.opts {
				opts[k] = v
			}
			snk, err := Factory{}.NewSink(tableContext(randomColumns, opts))
			require.NoError(t, err)
			mem := checkedMem(t)
			ctx := context.Background()
			for sub := range 2 {
				s := snk.Instance(sub, 2)
				require.NoError(t, s.Open(ctx, &engine.RuntimeContext{Subtask: sub, Parallelism: 2, Mem: mem}))
				for i := sub; i < len(batches); i += 2 {
					require.NoError(t, s.Write(ctx, batches[i]))
				}
				require.NoError(t, s.Finish(ctx))
				require.NoError(t, s.Close())
			}
			assert.GreaterOrEqual(t, len(listDir(t, dir)), tc.minFiles)

			src, err := Factory{}.NewSource(tableContext(randomColumns, opts))
			require.NoError(t, err)
			perSubtask, schemas, _, err := runSource(t, src, 3, mem)
			require.NoError(t, err)
			var got []string
			for _, rows := range perSubtask {
				got = append(got, rows...)
			}
			sort.Strings(got)
			assert.Equal(t, want, got)
			for _, sc := range schemas {
				assert.True(t, sc.Equal(batches[0].Record.Schema()), "schema %s", sc)
			}
		})
	}
}
