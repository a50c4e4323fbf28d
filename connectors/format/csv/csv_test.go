package csv_test

import (
	"bufio"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Shanghai whatever the host has

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/format"
	"github.com/sluice-stream/sluice/connectors/format/csv"
	ft "github.com/sluice-stream/sluice/connectors/format/internal/formattest"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

func ctx(cols []connector.Column, opts map[string]string) *format.Context {
	return ft.Context("csv", cols, opts, nil)
}

func decoder(t testing.TB, cols []connector.Column, opts map[string]string) format.Decoder {
	t.Helper()
	d, err := csv.Factory{}.NewDecoder(ctx(cols, opts))
	require.NoError(t, err)
	return d
}

func encoder(t testing.TB, cols []connector.Column, opts map[string]string) format.Encoder {
	t.Helper()
	e, err := csv.Factory{}.NewEncoder(ctx(cols, opts))
	require.NoError(t, err)
	return e
}

// decodeOne parses one record and returns its rendered row.
func decodeOne(t *testing.T, cols []connector.Column, opts map[string]string, record string) ([]string, error) {
	t.Helper()
	d := decoder(t, cols, opts)
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	bs := ft.Builders(mem, cols)
	ok, err := d.Parse([]byte(record))
	if err != nil {
		ft.Release(ft.Finish(bs))
		return nil, err
	}
	require.True(t, ok, "record %q holds no row", record)
	d.Append(bs)
	arrs := ft.Finish(bs)
	defer ft.Release(arrs)
	return ft.Row(arrs, 0), nil
}

func TestDecodeTypes(t *testing.T) {
	row := types.ROW(types.FIELD("a", types.INT()), types.FIELD("b", types.STRING()))
	tests := []struct {
		name string
		typ  types.DataType
		in   string // the value's field; the record is in + ",7"
		want string // Flink's print text of the value read
		opts map[string]string
	}{
		{"bool", types.BOOLEAN(), "true", "true", nil},
		{"bool any case and blanks", types.BOOLEAN(), " FALSE ", "false", nil},
		{"bool empty is NULL", types.BOOLEAN(), "", "null", nil},
		{"tinyint min", types.TINYINT(), "-128", "-128", nil},
		{"smallint plus", types.SMALLINT(), "+32767", "32767", nil},
		{"int blanks", types.INT(), "  42 ", "42", nil},
		{"bigint min", types.BIGINT(), "-9223372036854775808", "-9223372036854775808", nil},
		{"bigint empty is NULL", types.BIGINT(), "", "null", nil},
		{"bigint quoted empty is NULL", types.BIGINT(), `""`, "null", nil},
		{"float", types.FLOAT(), "1.1", "1.1", nil},
		{"float max", types.FLOAT(), "3.4028235E38", "3.4028235E38", nil},
		{"float smallest", types.FLOAT(), "1.4E-45", "1.4E-45", nil},
		{"float overflow is Infinity as in Java", types.FLOAT(), "1e39", "Infinity", nil},
		{"float java suffix", types.FLOAT(), "2.5f", "2.5", nil},
		{"double NaN", types.DOUBLE(), "NaN", "NaN", nil},
		{"double -Infinity", types.DOUBLE(), "-Infinity", "-Infinity", nil},
		{"double small", types.DOUBLE(), "4.9E-324", "4.9E-324", nil},
		{"double scientific", types.DOUBLE(), "1.0E-5", "1.0E-5", nil},
		{"double negative zero", types.DOUBLE(), "-0.0", "-0.0", nil},
		{"decimal half up", types.DECIMAL(10, 2), "12.345", "12.35", nil},
		{"decimal negative half up", types.DECIMAL(10, 2), "-12.345", "-12.35", nil},
		{"decimal tiny negative", types.DECIMAL(10, 2), "-0.005", "-0.01", nil},
		{"decimal scientific", types.DECIMAL(10, 2), "1E+2", "100.00", nil},
		{"decimal zero", types.DECIMAL(10, 2), "0", "0.00", nil},
		{"decimal 38 digits", types.DECIMAL(38, 10), "-1234567890123456789012345678.0123456789", "-1234567890123456789012345678.0123456789", nil},
		{"string unicode", types.STRING(), "héllo 中文 😀", "héllo 中文 😀", nil},
		{"string quoted delimiter", types.STRING(), `"a,b"`, "a,b", nil},
		{"string doubled quotes", types.STRING(), `"say ""hi"""`, `say "hi"`, nil},
		{"string quoted line break", types.STRING(), "\"line 1\r\nline 2\"", "line 1\r\nline 2", nil},
		{"string quote inside unquoted", types.STRING(), `5" disk`, `5" disk`, nil},
		{"string keeps blanks", types.STRING(), "  x ", "  x ", nil},
		{"string empty is empty", types.STRING(), "", "", nil},
		{"string null literal", types.STRING(), `\N`, "null", map[string]string{"null-literal": `\N`}},
		{"string quoted null literal is text", types.STRING(), `"\N"`, `\N`, map[string]string{"null-literal": `\N`}},
		{"string empty null literal", types.STRING(), "", "null", map[string]string{"null-literal": ""}},
		{"char", types.CHAR(3), "abc", "abc", nil},
		{"bytes base64", types.BYTES(), "AQL/", "[1, 2, -1]", nil},
		{"bytes empty", types.BYTES(), "", "[]", nil},
		{"date leap day", types.DATE(), "2024-02-29", "2024-02-29", nil},
		{"date 1900 not leap", types.DATE(), "1900-03-01", "1900-03-01", nil},
		{"date year one", types.DATE(), "0001-01-01", "0001-01-01", nil},
		{"date BCE", types.DATE(), "-0044-03-15", "-0044-03-15", nil},
		{"date far", types.DATE(), "+10000-01-01", "+10000-01-01", nil},
		{"time", types.TIME(0), "10:15:30", "10:15:30", nil},
		{"time truncated to precision", types.TIME(3), "10:15:30.123456", "10:15:30.123", nil},
		{"time 2 digits", types.TIME(2), "23:59:59.999", "23:59:59.990", nil},
		{"time nanos", types.TIME(9), "00:00:00.000000001", "00:00:00.000000001", nil},
		{"timestamp", types.TIMESTAMP(3), "2024-02-29 10:15:30.5", "2024-02-29T10:15:30.500", nil},
		{"timestamp T", types.TIMESTAMP(3), "2024-02-29T10:15:30.5", "2024-02-29T10:15:30.500", nil},
		{"timestamp truncated", types.TIMESTAMP(0), "1970-01-01 00:00:00.999", "1970-01-01T00:00", nil},
		{"timestamp nanos", types.TIMESTAMP(9), "1969-12-31 23:59:59.999999999", "1969-12-31T23:59:59.999999999", nil},
		{"timestamp before 1970", types.TIMESTAMP(6), "1900-01-01 00:00:00.000001", "1900-01-01T00:00:00.000001", nil},
		{"ltz Z", types.TIMESTAMP_LTZ(3), "2024-02-29 10:15:30.5Z", "2024-02-29T10:15:30.500Z", nil},
		{"ltz offset", types.TIMESTAMP_LTZ(3), "2024-02-29 10:15:30.5+08:00", "2024-02-29T02:15:30.500Z", nil},
		{"interval month", types.INTERVAL_YEAR_MONTH(), "14", "P14M", nil},
		{"array", types.ARRAY(types.INT()), "1;2;3", "[1, 2, 3]", nil},
		{"array NULL element", types.ARRAY(types.INT()), "1;;3", "[1, null, 3]", nil},
		{"array trailing delimiter", types.ARRAY(types.INT()), "1;", "[1, null]", nil},
		{"array of strings", types.ARRAY(types.STRING()), `"a,b;;c"`, "[a,b, , c]", nil},
		{"array empty", types.ARRAY(types.INT()), `""`, "[]", nil},
		{"array NULL", types.ARRAY(types.INT()), "", "null", nil},
		{"array element delimiter", types.ARRAY(types.INT()), "1|2", "[1, 2]", map[string]string{"array-element-delimiter": "|"}},
		{"row", row, "1;x", "+I[1, x]", nil},
		{"row NULL", row, "", "null", nil},
		{"row NULL fields", row, ";", "+I[null, ]", nil},
		{"map as JSON", types.MAP(types.STRING(), types.INT()), `"{""a"":1,""b"":null}"`, "{a=1, b=null}", nil},
		{"array of rows as JSON", types.ARRAY(row), `"[{""a"":1,""b"":""x""},null,{}]"`, "[+I[1, x], null, +I[null, null]]", nil},
		{"nested arrays as JSON", types.ARRAY(types.ARRAY(types.DOUBLE())), `"[[1.5],[],null]"`, "[[1.5], [], null]", nil},
		{"row with array as JSON", types.ROW(types.FIELD("xs", types.ARRAY(types.INT()))), `"{""xs"":[1,2]}"`, "+I[[1, 2]]", nil},
		{"json NULL", types.MAP(types.STRING(), types.INT()), "", "null", nil},
		{"escape", types.STRING(), `a\,b\\c\nd`, "a,b\\c\nd", map[string]string{"escape-character": `\`}},
		{"escape in quotes", types.STRING(), `"a\"b"`, `a"b`, map[string]string{"escape-character": `\`}},
		{"quoting disabled", types.STRING(), `"a"`, `"a"`, map[string]string{"disable-quote-character": "true"}},
		{"quote character", types.STRING(), `'a,b'`, "a,b", map[string]string{"quote-character": "'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cols := []connector.Column{ft.Col("v", tt.typ), ft.Col("k", types.INT())}
			got, err := decodeOne(t, cols, tt.opts, tt.in+",7")
			require.NoError(t, err)
			assert.Equal(t, []string{tt.want, "7"}, got)
		})
	}
}

func TestDecodeRecords(t *testing.T) {
	cols := []connector.Column{ft.Col("a", types.STRING()), ft.Col("b", types.INT())}
	tests := []struct {
		name string
		opts map[string]string
		in   string
		want []string // nil: no row
	}{
		{"plain", nil, "x,1", []string{"x", "1"}},
		{"trailing newline", nil, "x,1\n", []string{"x", "1"}},
		{"trailing CRLF", nil, "x,1\r\n", []string{"x", "1"}},
		{"empty record", nil, "", nil},
		{"blank line", nil, "\r\n", nil},
		{"comment", map[string]string{"allow-comments": "true"}, "# x,1", nil},
		{"no comments by default", nil, "#x,1", []string{"#x", "1"}},
		{"tab delimiter from escape", map[string]string{"field-delimiter": `\t`}, "a,b\t2", []string{"a,b", "2"}},
		{"unicode delimiter escape", map[string]string{"field-delimiter": `\u0001`}, "a\x012", []string{"a", "2"}},
		{"quoted last field", nil, `x,"1"`, []string{"x", "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decoder(t, cols, tt.opts)
			ok, err := d.Parse([]byte(tt.in))
			require.NoError(t, err)
			if tt.want == nil {
				assert.False(t, ok)
				return
			}
			require.True(t, ok)
			bs := ft.Builders(memory.DefaultAllocator, cols)
			d.Append(bs)
			arrs := ft.Finish(bs)
			defer ft.Release(arrs)
			assert.Equal(t, tt.want, ft.Row(arrs, 0))
		})
	}
	t.Run("nil is no row", func(t *testing.T) {
		ok, err := decoder(t, cols, nil).Parse(nil)
		require.NoError(t, err)
		assert.False(t, ok)
	})
}

func TestDecodeErrors(t *testing.T) {
	cols := []connector.Column{
		ft.Col("id", types.BIGINT()), ft.Col("day", types.DATE()), ft.Col("name", types.STRING()),
		ft.Col("nn", types.INT().NotNullable()), ft.Col("xs", types.ARRAY(types.INT())),
		ft.Col("r", types.ROW(types.FIELD("a", types.INT()), types.FIELD("b", types.INT()))),
		ft.Col("m", types.MAP(types.STRING(), types.INT())),
	}
	long := strings.Repeat("9", 100) + "x"
	tests := []struct {
		name   string
		in     string
		column string
		msg    []string
	}{
		{"too many fields", "1,2024-01-01,a,1,,,,extra", "", []string{"the record has 8 fields, the table has 7 (id, day, name, nn, xs, r, m)"}},
		{"too few fields", "1,2024-01-01,a", "", []string{"the record has 3 fields, the table has 7"}},
		{"bad number", "12x,2024-01-01,a,1,,,", "id", []string{"'12x' is not a BIGINT"}},
		{"number out of range", "9223372036854775808,2024-01-01,a,1,,,", "id", []string{"'9223372036854775808' is not a BIGINT (out of range)"}},
		{"long value is shortened", long + ",2024-01-01,a,1,,,", "id", []string{"'" + strings.Repeat("9", 64) + "…' is not a BIGINT"}},
		{"bad date", "1,2023-02-29,a,1,,,", "day", []string{"'2023-02-29' is not a DATE (no such date)"}},
		{"not a date", "1,tomorrow,a,1,,,", "day", []string{"'tomorrow' is not a DATE"}},
		{"NULL in NOT NULL", "1,2024-01-01,a,,,,", "nn", []string{"NULL in a NOT NULL column"}},
		{"bad element", "1,2024-01-01,a,1,1;x,,", "xs", []string{"element 2: 'x' is not an INT"}},
		{"row arity", "1,2024-01-01,a,1,,1,", "r", []string{"'1' has 1 fields, the ROW has 2"}},
		{"row field", "1,2024-01-01,a,1,,1;y,", "r", []string{"field b: 'y' is not an INT"}},
		{"bad JSON", `1,2024-01-01,a,1,,,"{""a"":}"`, "m", []string{"invalid JSON at byte 5"}},
		{"JSON of the wrong type", `1,2024-01-01,a,1,,,"[1]"`, "m", []string{"expected a MAP<STRING, INT>"}},
		{"unterminated quote", `1,2024-01-01,"abc`, "name", []string{"quoted value without its closing quote"}},
		{"text after quote", `1,2024-01-01,"ab"c,1,,,`, "name", []string{"'c' after the closing quote"}},
		{"line break", "1,2024-01-01,a\nb,1,,,", "name", []string{"line break in an unquoted value"}},
		{"invalid UTF-8", "1,2024-01-01,a\xff,1,,,", "name", []string{"invalid UTF-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decoder(t, cols, nil)
			bs := ft.Builders(memory.DefaultAllocator, cols)
			defer func() { ft.Release(ft.Finish(bs)) }()
			// A good record first: its row is in the builders; the bad
			// one must leave them alone, Append included.
			ok, err := d.Parse([]byte("1,2024-01-01,a,1,,,"))
			require.NoError(t, err)
			require.True(t, ok)
			d.Append(bs)
			before := ft.Lens(bs)

			ok, err = d.Parse([]byte(tt.in))
			require.Error(t, err)
			assert.False(t, ok)
			var pe *format.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "csv", pe.Format)
			assert.Equal(t, tt.column, pe.Column)
			for _, m := range tt.msg {
				assert.Contains(t, err.Error(), m)
			}
			d.Append(bs)
			assert.Equal(t, before, ft.Lens(bs), "a failed Parse must leave the builders alone")
		})
	}
}

func TestOptionErrors(t *testing.T) {
	cols := []connector.Column{ft.Col("a", types.STRING())}
	tests := []struct {
		opts map[string]string
		msg  string
	}{
		{map[string]string{"field-delimiter": ";;"}, "csv: field-delimiter = ';;' must be a single character"},
		{map[string]string{"field-delimiter": "é"}, "must be a single ASCII character"},
		{map[string]string{"quote-character": "'", "disable-quote-character": "true"}, "csv: quote-character = ''' cannot be set together with disable-quote-character = 'true'"},
		{map[string]string{"allow-comments": "yes"}, "csv: allow-comments = 'yes' is not a boolean"},
		{map[string]string{"ignore-parse-errors": "1"}, "csv: ignore-parse-errors = '1' is not a boolean"},
		{map[string]string{"escape-character": ""}, "csv: escape-character = '' must be a single character"},
		{map[string]string{"quote-character": ","}, "is also the field delimiter"},
		{map[string]string{"line-delimiter": "x"}, `csv: line-delimiter = 'x' must be \n, \r, \r\n or empty`},
		{map[string]string{"write-bigdecimal-in-scientific-notation": "no"}, "is not a boolean"},
	}
	for _, tt := range tests {
		_, err := csv.Factory{}.NewDecoder(ctx(cols, tt.opts))
		require.Error(t, err, "%v", tt.opts)
		assert.Contains(t, err.Error(), tt.msg)
		_, err = csv.Factory{}.NewEncoder(ctx(cols, tt.opts))
		require.Error(t, err, "%v", tt.opts)
	}
	_, err := csv.Factory{}.NewDecoder(ctx([]connector.Column{ft.Col("ms", types.MULTISET(types.INT()))}, nil))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "column ms (MULTISET<INT>)")
}

func TestHelpers(t *testing.T) {
	c := ctx(nil, map[string]string{"ignore-parse-errors": "TRUE", "line-delimiter": `\r\n`})
	ignore, err := format.IgnoreParseErrors(c)
	require.NoError(t, err)
	assert.True(t, ignore)
	ld, err := csv.LineDelimiter(c)
	require.NoError(t, err)
	assert.Equal(t, "\r\n", ld)
	ld, err = csv.LineDelimiter(ctx(nil, nil))
	require.NoError(t, err)
	assert.Equal(t, "\n", ld)
	f, err := format.Lookup("csv")
	require.NoError(t, err)
	assert.Equal(t, "csv", f.Identifier())
}

func TestEncodeTypes(t *testing.T) {
	row := types.ROW(types.FIELD("a", types.INT()), types.FIELD("b", types.STRING()))
	tests := []struct {
		name   string
		typ    types.DataType
		values string // Arrow JSON of the values
		want   []string
		opts   map[string]string
	}{
		{"strings", types.STRING(), `["plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", "", null, " pad "]`,
			[]string{"plain", `"a,b"`, `"say ""hi"""`, "\"two\nlines\"", "\"cr\r\"", "", "", " pad "}, nil},
		{"null literal", types.STRING(), `[null, "\\N", ""]`, []string{`\N`, `"\N"`, ""}, map[string]string{"null-literal": `\N`}},
		{"empty null literal", types.STRING(), `[null, ""]`, []string{"", `""`}, map[string]string{"null-literal": ""}},
		{"decimals strip zeros", types.DECIMAL(10, 2), `["12.30", "100.00", "0.00", "-0.50", "0.01", null]`,
			[]string{"12.3", "1E+2", "0", "-0.5", "0.01", ""}, nil},
		{"decimals plain", types.DECIMAL(10, 2), `["100.00", "12.30"]`, []string{"100", "12.3"},
			map[string]string{"write-bigdecimal-in-scientific-notation": "false"}},
		{"small decimals", types.DECIMAL(20, 9), `["0.000000027", "-0.000000100"]`, []string{"2.7E-8", "-1E-7"}, nil},
		{"small decimals plain", types.DECIMAL(20, 9), `["0.000000027"]`, []string{"0.000000027"},
			map[string]string{"write-bigdecimal-in-scientific-notation": "false"}},
		{"doubles as Java", types.DOUBLE(), `[1e7, 0.1, 100, 1.5e-7, "NaN", "-Inf"]`,
			[]string{"1.0E7", "0.1", "100.0", "1.5E-7", "NaN", "-Infinity"}, nil},
		{"floats as Java", types.FLOAT(), `[1.1, 3.4028235e38]`, []string{"1.1", "3.4028235E38"}, nil},
		{"booleans", types.BOOLEAN(), `[true, false, null]`, []string{"true", "false", ""}, nil},
		{"bytes", types.BYTES(), `["AQL/", ""]`, []string{"AQL/", ""}, nil},
		{"dates", types.DATE(), `["2024-02-29", -719529, 2932897]`, []string{"2024-02-29", "-0001-12-31", "+10000-01-01"}, nil},
		{"times", types.TIME(3), `["10:15:00", "10:15:30.5", "00:00:00.001"]`, []string{"10:15:00", "10:15:30.5", "00:00:00.001"}, nil},
		{"timestamps", types.TIMESTAMP(9), `["2024-02-29 10:15:30.000000001", "1969-12-31 23:59:59.5"]`,
			[]string{"2024-02-29 10:15:30.000000001", "1969-12-31 23:59:59.5"}, nil},
		{"ltz", types.TIMESTAMP_LTZ(3), `["2024-02-29T10:15:30.5Z"]`, []string{"2024-02-29 10:15:30.5Z"}, nil},
		{"arrays", types.ARRAY(types.INT()), `[[1, null, 3], [], null, [7]]`, []string{"1;;3", `""`, "", "7"}, nil},
		{"string arrays quoted as a whole", types.ARRAY(types.STRING()), `[["a,b", "c"]]`, []string{`"a,b;c"`}, nil},
		{"null elements as literal", types.ARRAY(types.INT()), `[[1, null], [null]]`, []string{"1;N", `"N"`}, map[string]string{"null-literal": "N"}},
		{"rows", row, `[{"a": 1, "b": "x"}, {"a": null, "b": null}, null]`, []string{"1;x", ";", ""}, nil},
		{"maps as JSON", types.MAP(types.STRING(), types.DOUBLE()), `[[{"key": "k", "value": 1.5}, {"key": "n", "value": null}], []]`,
			[]string{`"{""k"":1.5,""n"":null}"`, "{}"}, nil},
		{"nested as JSON", types.ARRAY(types.ROW(types.FIELD("t", types.TIMESTAMP(3)))), `[[{"t": "2024-02-29 10:15:30.5"}, null]]`,
			[]string{`"[{""t"":""2024-02-29 10:15:30.5""},null]"`}, nil},
		{"delimiter in value with quoting disabled and escape", types.STRING(), `["a,b\nc\\"]`, []string{`a\,b\nc\\`},
			map[string]string{"disable-quote-character": "true", "escape-character": `\`}},
		{"escape doubled in quotes", types.STRING(), `["a\\b"]`, []string{`"a\\b"`}, map[string]string{"escape-character": `\`}},
		{"tab delimiter", types.STRING(), `["a,b", "a\tb"]`, []string{"a,b", "\"a\tb\""}, map[string]string{"field-delimiter": `\t`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cols := []connector.Column{ft.Col("v", tt.typ), ft.Col("k", types.INT())}
			vals := ft.FromJSON(t, tt.typ, tt.values)
			defer vals.Release()
			ks := ft.FromJSON(t, types.INT(), "["+strings.TrimSuffix(strings.Repeat("7,", vals.Len()), ",")+"]")
			defer ks.Release()
			e := encoder(t, cols, tt.opts)
			delim := ","
			if tt.opts["field-delimiter"] == `\t` {
				delim = "\t"
			}
			var got []string
			for i := range vals.Len() {
				rec, err := e.Encode(nil, []arrow.Array{vals, ks}, i)
				require.NoError(t, err)
				got = append(got, strings.TrimSuffix(string(rec), delim+"7"))
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestEncodeSingleColumn(t *testing.T) {
	for _, tt := range []struct {
		typ    types.DataType
		values string
		want   []string
	}{
		{types.STRING(), `["", "a", null]`, []string{`""`, "a", ""}},
		{types.INT(), `[null, 1]`, []string{`""`, "1"}},
	} {
		cols := []connector.Column{ft.Col("v", tt.typ)}
		vals := ft.FromJSON(t, tt.typ, tt.values)
		e := encoder(t, cols, nil)
		for i, want := range tt.want {
			rec, err := e.Encode(nil, []arrow.Array{vals}, i)
			require.NoError(t, err)
			assert.Equal(t, want, string(rec))
		}
		vals.Release()
	}
}

func TestEncodeCommentsQuoted(t *testing.T) {
	cols := []connector.Column{ft.Col("a", types.STRING()), ft.Col("b", types.STRING())}
	a := ft.FromJSON(t, types.STRING(), `["#x"]`)
	defer a.Release()
	rec, err := encoder(t, cols, map[string]string{"allow-comments": "true"}).Encode(nil, []arrow.Array{a, a}, 0)
	require.NoError(t, err)
	assert.Equal(t, `"#x",#x`, string(rec))
	ok, err := decoder(t, cols, map[string]string{"allow-comments": "true"}).Parse(rec)
	require.NoError(t, err)
	assert.True(t, ok, "a quoted # is not a comment")
}

// everyType is a table with a column of each type of DESIGN §3, nested
// ones included.
func everyType() []connector.Column {
	inner := types.ROW(types.FIELD("x", types.INT()), types.FIELD("s", types.STRING()), types.FIELD("t", types.TIMESTAMP(3)))
	return []connector.Column{
		ft.Col("b", types.BOOLEAN()), ft.Col("i8", types.TINYINT()), ft.Col("i16", types.SMALLINT()),
		ft.Col("i32", types.INT()), ft.Col("i64", types.BIGINT()), ft.Col("f", types.FLOAT()), ft.Col("d", types.DOUBLE()),
		ft.Col("dec", types.DECIMAL(10, 2)), ft.Col("dec38", types.DECIMAL(38, 18)), ft.Col("dec0", types.DECIMAL(5, 0)),
		ft.Col("ch", types.CHAR(4)), ft.Col("s", types.STRING()), ft.Col("bin", types.BINARY(3)), ft.Col("bytes", types.BYTES()),
		ft.Col("date", types.DATE()), ft.Col("t0", types.TIME(0)), ft.Col("t3", types.TIME(3)), ft.Col("t6", types.TIME(6)), ft.Col("t9", types.TIME(9)),
		ft.Col("ts0", types.TIMESTAMP(0)), ft.Col("ts3", types.TIMESTAMP(3)), ft.Col("ts6", types.TIMESTAMP(6)), ft.Col("ts9", types.TIMESTAMP(9)),
		ft.Col("ltz3", types.TIMESTAMP_LTZ(3)), ft.Col("ltz9", types.TIMESTAMP_LTZ(9)),
		ft.Col("ym", types.INTERVAL_YEAR_MONTH()), ft.Col("dt", types.INTERVAL_DAY_TIME()),
		ft.Col("ai", types.ARRAY(types.INT())), ft.Col("as", types.ARRAY(types.STRING())), ft.Col("ad", types.ARRAY(types.DECIMAL(6, 3))),
		ft.Col("ats", types.ARRAY(types.TIMESTAMP_LTZ(6))),
		ft.Col("r", types.ROW(types.FIELD("n", types.BIGINT()), types.FIELD("name", types.STRING()), types.FIELD("when", types.DATE()))),
		ft.Col("m", types.MAP(types.STRING(), types.INT())),
		ft.Col("mn", types.MAP(types.INT(), types.ARRAY(types.STRING()))),
		ft.Col("ar", types.ARRAY(inner)),
		ft.Col("aa", types.ARRAY(types.ARRAY(types.DOUBLE()))),
		ft.Col("rr", types.ROW(types.FIELD("in", inner), types.FIELD("m", types.MAP(types.STRING(), types.BYTES())))),
		ft.Col("mr", types.MAP(types.DATE(), inner)),
		ft.Col("nn", types.BIGINT().NotNullable()),
	}
}

// noSemicolons keeps the array-element-delimiter and the null literal
// out of nested strings: Flink's CSV cannot quote elements.
func noSemicolons(r *rand.Rand, nested bool) string {
	s := ft.Tricky(r, nested)
	if nested {
		s = strings.ReplaceAll(strings.ReplaceAll(s, ";", "."), `\N`, "n")
	}
	return s
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		opts map[string]string
		gen  ft.Gen
	}{
		// Without null-literal, a NULL text is an empty one: keep them out.
		{"defaults", nil, ft.Gen{NullRate: 0.2, NoNullText: true, NoSingletons: true, Text: noSemicolons}},
		{"null literal", map[string]string{"null-literal": `\N`}, ft.Gen{NullRate: 0.3, NoSingletons: true, Text: noSemicolons}},
		{"tab, escape, quote", map[string]string{"null-literal": "", "field-delimiter": `\t`, "escape-character": `\`, "quote-character": "'", "array-element-delimiter": "|"},
			ft.Gen{NullRate: 0.3, NoSingletons: true, Text: func(r *rand.Rand, nested bool) string {
				s := ft.Tricky(r, nested)
				if nested {
					s = strings.ReplaceAll(s, "|", "!")
					if s == "" {
						s = "e"
					}
				}
				return s
			}}},
		{"no quoting, escaped", map[string]string{"null-literal": "NULL", "disable-quote-character": "true", "escape-character": `\`, "write-bigdecimal-in-scientific-notation": "false"},
			// Without quotes, an empty ARRAY is an empty field: NULL.
			ft.Gen{NullRate: 0.3, MinElems: 2, Text: func(r *rand.Rand, nested bool) string {
				if nested {
					return ft.Plain(r, nested)
				}
				s := ft.Tricky(r, nested)
				if s == "" || s == "NULL" {
					s = "x"
				}
				return s
			}}},
	}
	cols := everyType()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			g := tt.gen
			g.R = rand.New(rand.NewPCG(1, uint64(len(tt.name))))
			arrs := g.Columns(mem, cols, 500)
			defer ft.Release(arrs)
			back, records := ft.RoundTrip(t, mem, cols, encoder(t, cols, tt.opts), decoder(t, cols, tt.opts), arrs)
			defer ft.Release(back)
			ft.Equal(t, arrs, back, "")

			// The same records framed from one file by the Splitter.
			ld := "\n"
			if len(records)%2 == 0 {
				ld = "\r\n"
			}
			file := strings.Join(records, ld)
			sc := bufio.NewScanner(strings.NewReader(file))
			sc.Buffer(nil, 1<<20)
			sc.Split(csv.Factory{}.SplitFunc(ctx(cols, tt.opts)))
			i := 0
			for sc.Scan() {
				require.Less(t, i, len(records))
				require.Equal(t, records[i], sc.Text(), "record %d", i)
				i++
			}
			require.NoError(t, sc.Err())
			assert.Equal(t, len(records), i)
		})
	}
}

func TestRoundTripSessionZone(t *testing.T) {
	// TIMESTAMP_LTZ is written in UTC whatever the session zone; text
	// without a zone is read in the session zone.
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	cols := []connector.Column{ft.Col("t", types.TIMESTAMP_LTZ(3))}
	d, err := csv.Factory{}.NewDecoder(ft.Context("csv", cols, nil, shanghai))
	require.NoError(t, err)
	bs := ft.Builders(memory.DefaultAllocator, cols)
	for _, rec := range []string{"2024-02-29 10:15:30.5", "2024-02-29 10:15:30.5Z"} {
		ok, err := d.Parse([]byte(rec))
		require.NoError(t, err)
		require.True(t, ok)
		d.Append(bs)
	}
	arrs := ft.Finish(bs)
	defer ft.Release(arrs)
	assert.Equal(t, "2024-02-29T02:15:30.500Z", ft.Row(arrs, 0)[0])
	assert.Equal(t, "2024-02-29T10:15:30.500Z", ft.Row(arrs, 1)[0])
}

func TestSplitFunc(t *testing.T) {
	tests := []struct {
		name string
		opts map[string]string
		file string
		want []string
	}{
		{"lines", nil, "a,1\nb,2\n", []string{"a,1", "b,2"}},
		{"no final newline", nil, "a,1\nb,2", []string{"a,1", "b,2"}},
		{"CRLF and CR", nil, "a,1\r\nb,2\rc,3\r\n", []string{"a,1", "b,2", "c,3"}},
		{"quoted line breaks", nil, "\"x\ny\",1\n\"p\r\nq\",2", []string{"\"x\ny\",1", "\"p\r\nq\",2"}},
		{"doubled quotes", nil, "\"a\"\"\nb\",1\nc,2", []string{"\"a\"\"\nb\",1", "c,2"}},
		{"quote mid-field is literal", nil, "5\" disk,1\nb,2", []string{"5\" disk,1", "b,2"}},
		{"empty lines", nil, "a\n\nb\n", []string{"a", "", "b"}},
		{"escaped line break", map[string]string{"escape-character": `\`}, "a\\\nb,1\nc", []string{"a\\\nb,1", "c"}},
		{"comment with a quote", map[string]string{"allow-comments": "true"}, "# it's \"\na,1", []string{"# it's \"", "a,1"}},
		{"unterminated quote at the end", nil, "a\n\"b\nc", []string{"a", "\"b\nc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			split := csv.Factory{}.SplitFunc(ctx(nil, tt.opts))
			// Feed the file one byte at a time too: records must not
			// depend on where reads end.
			for _, step := range []int{len(tt.file) + 1, 1, 2, 3} {
				sc := bufio.NewScanner(&chunked{s: tt.file, step: step})
				sc.Split(split)
				var got []string
				for sc.Scan() {
					got = append(got, sc.Text())
				}
				require.NoError(t, sc.Err())
				assert.Equal(t, tt.want, got, "reads of %d bytes", step)
			}
		})
	}
	_, _, err := csv.Factory{}.SplitFunc(ctx(nil, map[string]string{"field-delimiter": "ab"}))([]byte("x"), true)
	assert.ErrorContains(t, err, "field-delimiter")
}

// chunked reads s step bytes at a time.
type chunked struct {
	s    string
	step int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.s) == 0 {
		return 0, errEOF
	}
	n := copy(p[:min(len(p), c.step)], c.s)
	c.s = c.s[n:]
	return n, nil
}

func TestAppendTwice(t *testing.T) {
	cols := []connector.Column{ft.Col("s", types.STRING()), ft.Col("xs", types.ARRAY(types.INT())), ft.Col("m", types.MAP(types.STRING(), types.INT()))}
	d := decoder(t, cols, nil)
	bs := ft.Builders(memory.DefaultAllocator, cols)
	ok, err := d.Parse([]byte(`a,1;2,"{""k"":1}"`))
	require.NoError(t, err)
	require.True(t, ok)
	d.Append(bs)
	d.Append(bs)
	arrs := ft.Finish(bs)
	defer ft.Release(arrs)
	assert.Equal(t, ft.Row(arrs, 0), ft.Row(arrs, 1))
	assert.Equal(t, []string{"a", "[1, 2]", "{k=1}"}, ft.Row(arrs, 1))
}

func TestParseDoesNotAllocate(t *testing.T) {
	cols := everyType()
	// Quotes, escapes, base64, JSON-shaped columns: everything lands in
	// reused scratch slices and the arena.
	record := `true,1,2,3,4,1.5,2.5,12.34,0.000000000000000001,5,"a,b","x ""y""",AQL/,AA==,2024-02-29,10:15:30,10:15:30.1,10:15:30.000001,10:15:30.000000001,` +
		`2024-02-29 10:15:30,2024-02-29 10:15:30.5,2024-02-29 10:15:30.000001,2024-02-29 10:15:30.000000001,2024-02-29 10:15:30.5Z,2024-02-29 10:15:30Z,` +
		`14,90000,1;;3,a;b,1.5;-2,2024-02-29 10:15:30Z,1;n;2024-01-01,"{""a"":1}","{""1"":[""x""]}","[{""x"":1,""s"":""q\""r"",""t"":""2024-02-29 10:15:30""}]",` +
		`"[[1.5],[]]","{""in"":{""x"":1},""m"":{""k"":""AQ==""}}","{""2024-02-29"":{""x"":2}}",7`
	d := decoder(t, cols, nil)
	ok, err := d.Parse([]byte(record))
	require.NoError(t, err)
	require.True(t, ok)
	data := []byte(record)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := d.Parse(data); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}
