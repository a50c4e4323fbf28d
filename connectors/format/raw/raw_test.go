package raw_test

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/format"
	ft "github.com/sluice-stream/sluice/connectors/format/internal/formattest"
	"github.com/sluice-stream/sluice/connectors/format/raw"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

func ctx(cols []connector.Column, opts map[string]string) *format.Context {
	return ft.Context("raw", cols, opts, nil)
}

var little = map[string]string{"endianness": "little-endian"}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		typ  types.DataType
		in   []byte
		want string
		opts map[string]string
	}{
		{"string", types.STRING(), []byte("héllo, \"world\"\n"), "héllo, \"world\"\n", nil},
		{"string invalid UTF-8", types.STRING(), []byte("a\xffb\xe4\xb8"), "a\ufffdb\ufffd\ufffd", nil},
		{"string empty", types.STRING(), []byte{}, "", nil},
		{"string nil is NULL", types.STRING(), nil, "null", nil},
		{"char", types.CHAR(2), []byte("ab"), "ab", nil},
		{"bytes", types.BYTES(), []byte{1, 0xfe, 0}, "[1, -2, 0]", nil},
		{"bytes empty", types.BYTES(), []byte{}, "[]", nil},
		{"boolean true", types.BOOLEAN(), []byte{1}, "true", nil},
		{"boolean any non-zero", types.BOOLEAN(), []byte{0x80}, "true", nil},
		{"boolean false", types.BOOLEAN(), []byte{0}, "false", nil},
		{"tinyint", types.TINYINT(), []byte{0xff}, "-1", nil},
		{"smallint big-endian", types.SMALLINT(), []byte{0x01, 0x02}, "258", nil},
		{"smallint little-endian", types.SMALLINT(), []byte{0x01, 0x02}, "513", little},
		{"int", types.INT(), []byte{0x80, 0, 0, 0}, "-2147483648", nil},
		{"bigint", types.BIGINT(), []byte{0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x7b}, "1700000000123", nil},
		{"bigint little-endian", types.BIGINT(), []byte{0x7b, 0x68, 0xe5, 0xcf, 0x8b, 0x01, 0, 0}, "1700000000123", map[string]string{"endianness": "LITTLE-ENDIAN"}},
		{"float", types.FLOAT(), []byte{0x3f, 0xc0, 0, 0}, "1.5", nil},
		{"double", types.DOUBLE(), []byte{0x7f, 0xf8, 0, 0, 0, 0, 0, 0}, "NaN", nil},
		{"double little-endian", types.DOUBLE(), []byte{0, 0, 0, 0, 0, 0, 0xf0, 0xbf}, "-1.0", little},
		{"int nil is NULL", types.INT(), nil, "null", nil},
		{"int empty is NULL", types.INT(), []byte{}, "null", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cols := []connector.Column{ft.Col("v", tt.typ)}
			d, err := raw.Factory{}.NewDecoder(ctx(cols, tt.opts))
			require.NoError(t, err)
			bs := ft.Builders(memory.DefaultAllocator, cols)
			ok, err := d.Parse(tt.in)
			require.NoError(t, err)
			require.True(t, ok, "every raw record is a row")
			d.Append(bs)
			arrs := ft.Finish(bs)
			defer ft.Release(arrs)
			assert.Equal(t, []string{tt.want}, ft.Row(arrs, 0))
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tt := range []struct {
		typ types.DataType
		in  []byte
		msg string
	}{
		{types.BIGINT(), []byte{1, 2, 3}, "raw: column v: 3 bytes, but a BIGINT takes 8"},
		{types.BOOLEAN(), []byte{1, 0}, "raw: column v: 2 bytes, but a BOOLEAN takes 1"},
		{types.DOUBLE().NotNullable(), nil, "raw: column v: NULL in a NOT NULL column"},
	} {
		cols := []connector.Column{ft.Col("v", tt.typ)}
		d, err := raw.Factory{}.NewDecoder(ctx(cols, nil))
		require.NoError(t, err)
		bs := ft.Builders(memory.DefaultAllocator, cols)
		ok, err := d.Parse(tt.in)
		assert.False(t, ok)
		require.Error(t, err)
		assert.True(t, format.IsParseError(err))
		assert.Equal(t, tt.msg, err.Error())
		d.Append(bs)
		assert.Equal(t, []int{0}, ft.Lens(bs), "a failed Parse appends nothing")
		ft.Release(ft.Finish(bs))
	}
}

func TestOptionErrors(t *testing.T) {
	one := []connector.Column{ft.Col("v", types.STRING())}
	for _, tt := range []struct {
		cols []connector.Column
		opts map[string]string
		msg  string
	}{
		{one, map[string]string{"charset": "GBK"}, "raw: charset = 'GBK' is not supported: Sluice's raw format reads and writes UTF-8 only"},
		{one, map[string]string{"endianness": "middle"}, "raw: endianness = 'middle' is not supported; use 'big-endian' or 'little-endian'"},
		{[]connector.Column{ft.Col("a", types.STRING()), ft.Col("b", types.INT())}, nil,
			"raw: the raw format takes exactly one physical column, the table has 2: [a STRING, b INT]"},
		{[]connector.Column{ft.Col("d", types.DECIMAL(10, 2))}, nil, "raw: column d: the raw format does not support DECIMAL(10, 2)"},
		{[]connector.Column{ft.Col("xs", types.ARRAY(types.INT()))}, nil, "does not support ARRAY<INT>"},
	} {
		_, err := raw.Factory{}.NewDecoder(ctx(tt.cols, tt.opts))
		assert.ErrorContains(t, err, tt.msg)
		_, err = raw.Factory{}.NewEncoder(ctx(tt.cols, tt.opts))
		assert.ErrorContains(t, err, tt.msg)
	}
	_, err := raw.Factory{}.NewDecoder(ctx(one, map[string]string{"charset": "utf8"}))
	assert.NoError(t, err)
}

func TestEncode(t *testing.T) {
	for _, tt := range []struct {
		typ    types.DataType
		values string
		want   [][]byte
		opts   map[string]string
	}{
		{types.STRING(), `["héllo", "", null]`, [][]byte{[]byte("héllo"), {}, {}}, nil},
		{types.BYTES(), `["AQL/"]`, [][]byte{{1, 2, 0xff}}, nil},
		{types.BOOLEAN(), `[true, false]`, [][]byte{{1}, {0}}, nil},
		{types.TINYINT(), `[-1]`, [][]byte{{0xff}}, nil},
		{types.SMALLINT(), `[258]`, [][]byte{{1, 2}}, nil},
		{types.SMALLINT(), `[258]`, [][]byte{{2, 1}}, little},
		{types.INT(), `[-2147483648]`, [][]byte{{0x80, 0, 0, 0}}, nil},
		{types.BIGINT(), `[1700000000123]`, [][]byte{{0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x7b}}, nil},
		{types.FLOAT(), `[1.5]`, [][]byte{{0x3f, 0xc0, 0, 0}}, nil},
		{types.DOUBLE(), `[-1]`, [][]byte{{0, 0, 0, 0, 0, 0, 0xf0, 0xbf}}, little},
	} {
		cols := []connector.Column{ft.Col("v", tt.typ)}
		e, err := raw.Factory{}.NewEncoder(ctx(cols, tt.opts))
		require.NoError(t, err)
		vals := ft.FromJSON(t, tt.typ, tt.values)
		for i, want := range tt.want {
			got, err := e.Encode([]byte{}, []arrow.Array{vals}, i)
			require.NoError(t, err)
			assert.Equal(t, want, got, "%s row %d", tt.typ, i)
		}
		vals.Release()
	}
}

func TestRoundTrip(t *testing.T) {
	for _, typ := range []types.DataType{
		types.STRING(), types.CHAR(3), types.BYTES(), types.BINARY(2), types.BOOLEAN(), types.TINYINT(),
		types.SMALLINT(), types.INT(), types.BIGINT(), types.FLOAT(), types.DOUBLE(),
	} {
		for _, opts := range []map[string]string{nil, little} {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			cols := []connector.Column{ft.Col("v", typ)}
			// A NULL text is written as an empty record, which reads back
			// as the empty text: no NULL texts here.
			g := ft.Gen{R: rand.New(rand.NewPCG(3, uint64(typ.Kind))), NullRate: 0.2, NoNullText: true}
			arrs := g.Columns(mem, cols, 300)
			enc, err := raw.Factory{}.NewEncoder(ctx(cols, opts))
			require.NoError(t, err)
			dec, err := raw.Factory{}.NewDecoder(ctx(cols, opts))
			require.NoError(t, err)
			back, _ := ft.RoundTrip(t, mem, cols, enc, dec, arrs)
			ft.Equal(t, arrs, back, typ.String())
			ft.Release(arrs)
			ft.Release(back)
			mem.AssertSize(t, 0)
		}
	}
}
