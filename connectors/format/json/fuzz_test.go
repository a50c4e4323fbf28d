package json_test

import (
	stdjson "encoding/json"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	ft "github.com/sluice-stream/sluice/connectors/format/internal/formattest"
	"github.com/sluice-stream/sluice/connectors/format/json"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

// FuzzJSONDecode feeds arbitrary records to the decoder of a table with
// every shape of column: it must never panic, what it accepts must encode
// to valid JSON that decodes to the same row, and that encoding must be
// stable.
func FuzzJSONDecode(f *testing.F) {
	row := types.ROW(types.FIELD("a", types.INT()), types.FIELD("b", types.STRING()))
	cols := []connector.Column{
		ft.Col("s", types.STRING()), ft.Col("n", types.BIGINT()), ft.Col("d", types.DECIMAL(12, 3)),
		ft.Col("f", types.FLOAT()), ft.Col("ts", types.TIMESTAMP(6)), ft.Col("ltz", types.TIMESTAMP_LTZ(3)),
		ft.Col("b", types.BYTES()), ft.Col("t", types.TIME(9)), ft.Col("day", types.DATE()), ft.Col("ok", types.BOOLEAN()),
		ft.Col("xs", types.ARRAY(row)), ft.Col("m", types.MAP(types.STRING(), types.ARRAY(types.DOUBLE()))),
		ft.Col("mk", types.MAP(types.INT(), types.TINYINT())), ft.Col("r", types.ROW(types.FIELD("in", row))),
	}
	for _, seed := range []string{
		`{"s": "a\"\\\u00e9😀", "n": -9223372036854775808, "d": -0.0005, "f": 1.0E7, "ts": "2024-02-29 10:15:30.123456", "ltz": "2024-02-29T10:15:30.5+08:00",
		  "b": "AQL/", "t": "23:59:59.999999999", "day": "-0044-03-15", "ok": "TRUE", "xs": [{"a": 1, "b": null}, null], "m": {"k": [1.5, null], "k": []},
		  "mk": {"1": 2, "-3": null}, "r": {"in": {"b": "x"}}}`,
		`{"s": {"nested": [1, true, null]}, "n": "42", "d": "1E+2", "f": "NaN", "unknown": [[[]]]}`,
		`{"n": 1.9, "s": 12.50, "xs": [], "m": {}, "r": null}`,
		`null`,
		``,
		`{"n": }`,
		`[1, 2]`,
		`{"s": "\ud800"}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, record string) {
		d := decoder(t, cols, nil)
		ok, err := d.Parse([]byte(record))
		if err != nil || !ok {
			return
		}
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		defer mem.AssertSize(t, 0)
		bs := ft.Builders(mem, cols)
		d.Append(bs)
		first := ft.Finish(bs)
		defer ft.Release(first)

		e := encoder(t, cols, nil)
		rec1, err := e.Encode(nil, first, 0)
		require.NoError(t, err)
		require.True(t, stdjson.Valid(rec1), "%s is not valid JSON", rec1)
		d2, err := json.Factory{}.NewDecoder(ctx(cols, nil))
		require.NoError(t, err)
		second, _ := ft.RoundTrip(t, mem, cols, e, d2, first)
		defer ft.Release(second)
		ft.Equal(t, first, second, fmt.Sprintf("record %q encoded as %s", record, rec1))
		rec2, err := e.Encode(nil, second, 0)
		require.NoError(t, err)
		require.Equal(t, string(rec1), string(rec2))
	})
}
