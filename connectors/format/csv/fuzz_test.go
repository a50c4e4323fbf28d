package csv_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/format/csv"
	ft "github.com/sluice-stream/sluice/connectors/format/internal/formattest"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

var errEOF = io.EOF

// FuzzCSVDecode feeds arbitrary records to the decoder of a table with
// scalar, flat and JSON-shaped columns: it must never panic, and what it
// accepts must encode to a record that decodes to the same row, whose
// encoding is then stable.
func FuzzCSVDecode(f *testing.F) {
	cols := []connector.Column{
		ft.Col("s", types.STRING()), ft.Col("n", types.BIGINT()), ft.Col("d", types.DECIMAL(12, 3)),
		ft.Col("f", types.DOUBLE()), ft.Col("ts", types.TIMESTAMP_LTZ(6)), ft.Col("b", types.BYTES()),
		ft.Col("xs", types.ARRAY(types.STRING())), ft.Col("r", types.ROW(types.FIELD("a", types.INT()), types.FIELD("b", types.DATE()))),
		ft.Col("m", types.MAP(types.STRING(), types.ARRAY(types.TIME(3)))),
	}
	for _, seed := range []string{
		`a,1,2.5,1.0E7,2024-02-29 10:15:30.5Z,AQL/,x;y,1;2024-01-01,"{""k"":[""10:15:00""]}"`,
		`"a,""b""",-9223372036854775808,-0.001,NaN,1970-01-01 00:00:00Z,,"",;,{}`,
		"\"line\r\nbreak\",,,,,,,,",
		`é,+1, 1E+2 ,-Infinity,2024-02-29T10:15:30.123456+08:00,AA==,;;,;,"{""a"":null}"`,
		`,,,,,,,,`,
		"\"unterminated,1",
		"a,b,c",
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, record string, nullLiteral bool) {
		opts := map[string]string{}
		if nullLiteral {
			opts["null-literal"] = "NULL"
		}
		d := decoder(t, cols, opts)
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

		e := encoder(t, cols, opts)
		rec1, err := e.Encode(nil, first, 0)
		require.NoError(t, err)
		d2, err := csv.Factory{}.NewDecoder(ctx(cols, opts))
		require.NoError(t, err)
		second, _ := ft.RoundTrip(t, mem, cols, e, d2, first)
		defer ft.Release(second)
		ft.Equal(t, first, second, fmt.Sprintf("record %q encoded as %q", record, rec1))
		rec2, err := e.Encode(nil, second, 0)
		require.NoError(t, err)
		require.Equal(t, string(rec1), string(rec2))
	})
}
