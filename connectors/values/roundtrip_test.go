package values

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/datagen"
	"github.com/sluice-stream/sluice/connectors/print"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// TestPrintedRowsParseBack generates random rows of every type with
// datagen, prints them as Flink's print connector would, reads the text
// back as values data and prints it again: the two texts must be equal, so
// the print format and the values parser are inverses over every type.
func TestPrintedRowsParseBack(t *testing.T) {
	mem := checkedMem(t)
	cols := []connector.Column{
		col("b", types.BOOLEAN()), col("i8", types.TINYINT()), col("i16", types.SMALLINT()),
		col("i32", types.INT()), col("i64", types.BIGINT()), col("f", types.FLOAT()), col("d", types.DOUBLE()),
		col("small", types.DOUBLE()), col("dec", types.DECIMAL(38, 10)), col("tiny", types.DECIMAL(12, 9)),
		col("ch", types.CHAR(3)), col("s", types.STRING()), col("bin", types.BINARY(3)), col("bytes", types.VARBINARY(6)),
		col("date", types.DATE()), col("t0", types.TIME(0)), col("t3", types.TIME(3)), col("t6", types.TIME(6)),
		col("ts", types.TIMESTAMP(3)), col("ts9", types.TIMESTAMP(9)), col("ltz", types.TIMESTAMP_LTZ(6)),
		col("ym", types.INTERVAL_YEAR_MONTH()), col("dt", types.INTERVAL_DAY_TIME()),
		col("arr", types.ARRAY(types.DOUBLE())), col("ms", types.MULTISET(types.SMALLINT())),
		col("m", types.MAP(types.STRING(), types.ARRAY(types.BYTES()))),
		col("r", types.ROW(types.FIELD("x", types.DECIMAL(5, 1)), types.FIELD("y", types.ROW(types.FIELD("z", types.TIMESTAMP(0)))))),
		col("nn", types.INT().NotNullable()),
	}
	gen, err := datagen.Factory{}.NewSource(&connector.Context{Table: "g", Columns: cols, Options: map[string]string{
		"connector": "datagen", "number-of-rows": "400", "seed": "2024", "rows-per-second": "1000000",
		"fields.b.null-rate": "0.1", "fields.i64.null-rate": "0.1", "fields.s.null-rate": "0.2", "fields.arr.element.null-rate": "0.2",
		"fields.small.min": "-0.01", "fields.small.max": "0.01",
		"fields.tiny.min": "-0.000001", "fields.tiny.max": "0.000001",
		"fields.s.length": "12", "fields.s.var-len": "true", "fields.bytes.var-len": "true",
		"fields.ts.max-past": "3650 d", "fields.ts9.max-past": "1 d", "fields.ltz.max-past": "1 h",
		"fields.dt.min": "-100000000", "fields.dt.max": "100000000", "fields.ym.min": "-30",
		"fields.m.key.length": "2", "fields.m.value.length": "2", "fields.m.value.element.length": "2",
		"fields.r.null-rate": "0.3",
	}})
	require.NoError(t, err)
	g := gen.Instance(0, 1)
	ctx := context.Background()
	require.NoError(t, g.Open(ctx, &engine.RuntimeContext{Parallelism: 1, Mem: mem}))
	var printed []string
	require.NoError(t, g.Run(ctx, engine.CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
		f := print.NewRowFormatter(b)
		for i := range int(b.NumRows()) {
			printed = append(printed, string(f.AppendRow(nil, i)))
		}
		return nil
	})))
	require.NoError(t, g.Close())
	require.Len(t, printed, 400)
	assert.Contains(t, strings.Join(printed, "\n"), "E-", "small numbers take Java's scientific form")

	src, err := Factory{}.NewSource(tableContext(cols, map[string]string{"data": strings.Join(printed, "\n")}, nil))
	require.NoError(t, err)
	again, _, _ := emit(t, src, nil, mem)
	assert.Equal(t, printed, again)
}
