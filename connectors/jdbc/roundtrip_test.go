package jdbc

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/datagen"
	"github.com/sluice-stream/sluice/connectors/print"
	"github.com/sluice-stream/sluice/connectors/values"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// roundTripColumns are every scalar type of DESIGN.md §3, with the
// database column each is stored in. SQLite also holds nanoseconds.
type rtColumn struct {
	name          string
	typ           types.DataType
	sqlite, mysql string
	edge, other   string // values in the print format
}

var roundTripColumns = []rtColumn{
	{"id", types.INT().NotNullable(), "INTEGER PRIMARY KEY", "INT PRIMARY KEY", "1", "3"},
	{"b", types.BOOLEAN(), "BOOLEAN", "BOOLEAN", "true", "false"},
	{"i8", types.TINYINT(), "TINYINT", "TINYINT", "-128", "127"},
	{"i16", types.SMALLINT(), "SMALLINT", "SMALLINT", "-32768", "32767"},
	{"i32", types.INT(), "INT", "INT", "-2147483648", "2147483647"},
	{"i64", types.BIGINT(), "BIGINT", "BIGINT", "-9223372036854775808", "9223372036854775807"},
	{"f", types.FLOAT(), "REAL", "FLOAT", "3.4028235E38", "0.1"},
	{"d", types.DOUBLE(), "DOUBLE", "DOUBLE", "1.7976931348623157E308", "-0.30000000000000004"},
	{"dec", types.DECIMAL(38, 10), "TEXT", "DECIMAL(38, 10)", "1234567890123456789012345678.0123456789", "0.1000000000"},
	{"dec2", types.DECIMAL(10, 2), "DECIMAL(10, 2)", "DECIMAL(10, 2)", "-99999999.99", "5.00"},
	{"ch", types.CHAR(3), "CHAR(3)", "CHAR(3)", "abc", "x"},
	{"s", types.STRING(), "TEXT", "TEXT", `ü€ 'q' "d"`, "x y"},
	{"bin", types.BINARY(2), "BLOB", "BINARY(2)", "[1, -1]", "[0, 0]"},
	{"bytes", types.BYTES(), "BLOB", "BLOB", "[]", "[127, -128, 0]"},
	{"dt", types.DATE(), "DATE", "DATE", "1000-01-01", "9999-12-31"},
	{"t0", types.TIME(0), "TIME", "TIME", "23:59:59", "00:00"},
	{"t3", types.TIME(3), "TIME", "TIME(3)", "10:15:30.120", "00:00:00.001"},
	{"t6", types.TIME(6), "TEXT", "TIME(6)", "00:00:00.000001", "12:00"},
	{"ts0", types.TIMESTAMP(0), "TIMESTAMP", "DATETIME", "2024-01-31T10:15:30", "1969-12-31T23:59:59"},
	{"ts3", types.TIMESTAMP(3), "DATETIME", "DATETIME(3)", "1969-12-31T23:59:59.999", "2024-02-29T00:00"},
	{"ts6", types.TIMESTAMP(6), "TIMESTAMP", "DATETIME(6)", "2024-01-31T10:15:30.000120", "9999-12-31T23:59:59.999999"},
	{"ltz", types.TIMESTAMP_LTZ(6), "TIMESTAMP", "TIMESTAMP(6) NULL", "2024-01-31T10:15:30.123456Z", "2038-01-19T03:14:07Z"},
}

// Only SQLite keeps nanoseconds.
var sqliteOnlyColumns = []rtColumn{
	{"t9", types.TIME(9), "TEXT", "", "00:00:00.000000001", "23:59:59.999999999"},
	{"ts9", types.TIMESTAMP(9), "TEXT", "", "2024-01-31T10:15:30.123456789", "1900-01-01T00:00"},
}

// Every scalar type, NULLs included, written through the sink and read
// back through the source: explicit edge values and 300 random rows.
func TestTypeRoundTrip(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *testDB) {
		rt := roundTripColumns
		if db.dialect == sqliteDialect {
			rt = append(rt[:len(rt):len(rt)], sqliteOnlyColumns...)
		}
		var cols []connector.Column
		var ddl []string
		edge, other, nulls := []string{}, []string{}, []string{"2"}
		for _, c := range rt {
			cols = append(cols, col(c.name, c.typ))
			dbType := c.sqlite
			if db.dialect == mysqlDialect {
				dbType = c.mysql
			}
			ddl = append(ddl, db.dialect.quote(c.name)+" "+dbType)
			edge, other = append(edge, c.edge), append(other, c.other)
			if c.name != "id" {
				nulls = append(nulls, "null")
			}
		}
		name := db.table("types", strings.Join(ddl, ", "))
		mem := checkedMem(t)

		data := "+I[" + strings.Join(edge, ", ") + "];+I[" + strings.Join(nulls, ", ") + "];+I[" + strings.Join(other, ", ") + "]"
		vals, err := values.Factory{}.NewSource(&connector.Context{Table: "v", Columns: cols,
			Options: map[string]string{"connector": "values", "data": data}, Config: engine.Config{"table.local-time-zone": "UTC"}})
		require.NoError(t, err)
		genOpts := map[string]string{"connector": "datagen", "number-of-rows": "300", "seed": "7",
			"fields.id.kind": "sequence", "fields.id.start": "100", "fields.id.end": "399",
			"fields.b.null-rate": "0.2", "fields.s.null-rate": "0.2", "fields.ltz.null-rate": "0.2", "fields.s.var-len": "true",
			"fields.bytes.var-len": "true", "fields.ts0.max-past": "3650 d", "fields.ts3.max-past": "3650 d", "fields.ts6.max-past": "1 d",
			"fields.dec.min": "-99999", "fields.dec.max": "99999"}
		if db.dialect == mysqlDialect {
			genOpts["fields.ltz.max-past"] = "3650 d" // a MySQL TIMESTAMP starts in 1970
		}
		gen, err := datagen.Factory{}.NewSource(&connector.Context{Table: "g", Columns: cols, Options: genOpts})
		require.NoError(t, err)

		sink, _ := openSink(t, cols, []int{0}, db.options(name, OptionFlushMaxRows, "64"))
		var want []string
		for _, src := range []*connector.Source{vals, gen} {
			s := src.Instance(0, 1)
			ctx := context.Background()
			require.NoError(t, s.Open(ctx, &engine.RuntimeContext{Parallelism: 1, Mem: mem}))
			require.NoError(t, s.Run(ctx, engine.CollectorFunc(func(ctx context.Context, b *vectorized.Batch) error {
				f := print.NewRowFormatter(b)
				for i := range int(b.NumRows()) {
					want = append(want, string(f.AppendRow(nil, i)))
				}
				return sink.Write(ctx, b)
			})))
			require.NoError(t, s.Close())
		}
		require.NoError(t, sink.Finish(context.Background()))
		require.NoError(t, sink.Close())
		require.Len(t, want, 303)

		src, err := Factory{}.NewSource(&connector.Context{Table: "t", Columns: cols, Options: db.options(name)})
		require.NoError(t, err)
		got := scan(t, src, 1, mem)[0]
		sort.Strings(want)
		sort.Strings(got)
		assert.Equal(t, want, got)
	})
}
