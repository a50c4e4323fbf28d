package json_test

import (
	stdjson "encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/format"
	ft "github.com/sluice-stream/sluice/connectors/format/internal/formattest"
	"github.com/sluice-stream/sluice/connectors/format/json"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

func ctx(cols []connector.Column, opts map[string]string) *format.Context {
	return ft.Context("json", cols, opts, nil)
}

func decoder(t testing.TB, cols []connector.Column, opts map[string]string) format.Decoder {
	t.Helper()
	d, err := json.Factory{}.NewDecoder(ctx(cols, opts))
	require.NoError(t, err)
	return d
}

func encoder(t testing.TB, cols []connector.Column, opts map[string]string) format.Encoder {
	t.Helper()
	e, err := json.Factory{}.NewEncoder(ctx(cols, opts))
	require.NoError(t, err)
	return e
}

func decodeOne(t *testing.T, cols []connector.Column, opts map[string]string, record string) []string {
	t.Helper()
	d := decoder(t, cols, opts)
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	bs := ft.Builders(mem, cols)
	ok, err := d.Parse([]byte(record))
	if !assert.NoError(t, err) || !assert.True(t, ok, "no row") {
		ft.Release(ft.Finish(bs))
		return nil
	}
	d.Append(bs)
	arrs := ft.Finish(bs)
	defer ft.Release(arrs)
	return ft.Row(arrs, 0)
}

func TestDecodeTypes(t *testing.T) {
	row := types.ROW(types.FIELD("a", types.INT()), types.FIELD("b", types.STRING()))
	tests := []struct {
		name string
		typ  types.DataType
		in   string // the JSON of field "v"; the record is {"v": in, "k": 7}
		want string // Flink's print text of the value read
		opts map[string]string
	}{
		{"bool", types.BOOLEAN(), "true", "true", nil},
		{"bool from string", types.BOOLEAN(), `" FALSE "`, "false", nil},
		{"bool null", types.BOOLEAN(), "null", "null", nil},
		{"tinyint", types.TINYINT(), "-128", "-128", nil},
		{"tinyint from string", types.TINYINT(), `"12"`, "12", nil},
		{"int truncates a fraction as Jackson", types.INT(), "1.9", "1", nil},
		{"int truncates toward zero", types.INT(), "-1.9", "-1", nil},
		{"int from padded string", types.INT(), `"  42 "`, "42", nil},
		{"bigint max", types.BIGINT(), "9223372036854775807", "9223372036854775807", nil},
		{"bigint exponent", types.BIGINT(), "1e3", "1000", nil},
		{"float", types.FLOAT(), "1.1", "1.1", nil},
		{"float NaN string", types.FLOAT(), `"NaN"`, "NaN", nil},
		{"float overflow", types.FLOAT(), "1e39", "Infinity", nil},
		{"double", types.DOUBLE(), "1e-5", "1.0E-5", nil},
		{"double from int", types.DOUBLE(), "7", "7.0", nil},
		{"double -Infinity string", types.DOUBLE(), `"-Infinity"`, "-Infinity", nil},
		{"double negative zero", types.DOUBLE(), "-0.0", "-0.0", nil},
		{"decimal", types.DECIMAL(10, 2), "12.345", "12.35", nil},
		{"decimal from string", types.DECIMAL(10, 2), `"-12.345"`, "-12.35", nil},
		{"decimal exponent", types.DECIMAL(10, 2), "1E+2", "100.00", nil},
		{"decimal many digits", types.DECIMAL(38, 18), "12345678901234567890.123456789012345678", "12345678901234567890.123456789012345678", nil},
		{"string escapes", types.STRING(), `"q\"b\\s\/n\n\u00e9\ud83d\ude00"`, "q\"b\\s/n\né😀", nil},
		{"string raw unicode", types.STRING(), `"héllo 中文"`, "héllo 中文", nil},
		{"string lone surrogate", types.STRING(), `"a\ud800b"`, "a\ufffdb", nil},
		{"string from number keeps its text", types.STRING(), "12.50", "12.50", nil},
		{"string from bool", types.STRING(), "true", "true", nil},
		{"string from object is compact JSON", types.STRING(), `{ "a" : [1, 2], "b": "x y" }`, `{"a":[1,2],"b":"x y"}`, nil},
		{"string empty", types.STRING(), `""`, "", nil},
		{"bytes", types.BYTES(), `"AQL/"`, "[1, 2, -1]", nil},
		{"date", types.DATE(), `"2024-02-29"`, "2024-02-29", nil},
		{"date BCE", types.DATE(), `"-0044-03-15"`, "-0044-03-15", nil},
		{"time", types.TIME(3), `"10:15:30.123456"`, "10:15:30.123", nil},
		{"timestamp SQL", types.TIMESTAMP(3), `"2024-02-29 10:15:30.5"`, "2024-02-29T10:15:30.500", nil},
		{"timestamp ISO", types.TIMESTAMP(6), `"2024-02-29T10:15:30.000001"`, "2024-02-29T10:15:30.000001", map[string]string{"timestamp-format.standard": "ISO-8601"}},
		{"timestamp ISO read with SQL standard", types.TIMESTAMP(3), `"2024-02-29T10:15:30"`, "2024-02-29T10:15:30", nil},
		{"ltz", types.TIMESTAMP_LTZ(3), `"2024-02-29 10:15:30.5Z"`, "2024-02-29T10:15:30.500Z", nil},
		{"ltz ISO", types.TIMESTAMP_LTZ(3), `"2024-02-29T10:15:30.5Z"`, "2024-02-29T10:15:30.500Z", map[string]string{"timestamp-format.standard": "ISO-8601"}},
		{"ltz offset", types.TIMESTAMP_LTZ(0), `"2024-02-29 10:15:30-05:30"`, "2024-02-29T15:45:30Z", nil},
		{"interval", types.INTERVAL_DAY_TIME(), "90000", "PT1M30S", nil},
		{"array", types.ARRAY(types.INT()), "[1, null, 3]", "[1, null, 3]", nil},
		{"array empty", types.ARRAY(types.INT()), "[ ]", "[]", nil},
		{"array null", types.ARRAY(types.INT()), "null", "null", nil},
		{"map", types.MAP(types.STRING(), types.INT()), `{"a": 1, "b": null}`, "{a=1, b=null}", nil},
		{"map repeated key keeps the last", types.MAP(types.STRING(), types.INT()), `{"a": 1, "b": 2, "a": 3}`, "{b=2, a=3}", nil},
		{"map keys are compared by value", types.MAP(types.INT(), types.STRING()), `{"1": "a", "2": "b", "01": "c"}`, "{2=b, 1=c}", nil},
		{"map double keys by value", types.MAP(types.DOUBLE(), types.INT()), `{"NaN": 1, "1.0": 2, "1": 3, "-0.0": 4, "0": 5}`, "{NaN=1, 1.0=3, -0.0=4, 0.0=5}", nil},
		{"map with date keys", types.MAP(types.DATE(), types.STRING()), `{"2024-02-29": "leap"}`, "{2024-02-29=leap}", nil},
		{"map with row keys", types.MAP(row, types.INT()), `{"{\"a\":1,\"b\":\"x\"}": 5}`, "{+I[1, x]=5}", nil},
		{"map of arrays with NULL values", types.MAP(types.STRING(), types.ARRAY(types.BIGINT())), `{"x": [1], "y": null, "z": []}`, "{x=[1], y=null, z=[]}", nil},
		{"row", row, `{"b": "x", "a": 1, "extra": {"deep": [1, {"a": 2}]}}`, "+I[1, x]", nil},
		{"row missing field", row, `{"a": 1}`, "+I[1, null]", nil},
		{"row repeated field keeps the last", row, `{"a": 1, "a": 2, "b": "y"}`, "+I[2, y]", nil},
		{"row null", row, "null", "null", nil},
		{"array of rows", types.ARRAY(row), `[{"a": 1}, null, {"b": "z"}]`, "[+I[1, null], null, +I[null, z]]", nil},
		{"nested arrays", types.ARRAY(types.ARRAY(types.DOUBLE())), "[[1.5, null], [], null]", "[[1.5, null], [], null]", nil},
		{"row of row", types.ROW(types.FIELD("in", row)), `{"in": {"a": 3, "b": "q"}}`, "+I[+I[3, q]]", nil},
		// A repeated field or key drops every value nested in the first.
		{"repeated nested row", types.ROW(types.FIELD("xs", types.ARRAY(row)), types.FIELD("m", types.MAP(types.STRING(), types.ARRAY(types.INT())))),
			`{"xs": [{"a": 1}, {"a": 2}], "m": {"a": [1, 2]}, "xs": [{"a": 3}], "m": {"b": []}}`, "+I[[+I[3, null]], {b=[]}]", nil},
		{"repeated key with array values", types.MAP(types.STRING(), types.ARRAY(types.INT())), `{"a": [1, 2], "b": [3], "a": [4]}`, "{b=[3], a=[4]}", nil},
		{"repeated key with row values", types.MAP(types.STRING(), row), `{"a": {"a": 1, "b": "x"}, "b": null, "a": {"a": 2}}`, "{b=null, a=+I[2, null]}", nil},
		{"repeated key with map values", types.MAP(types.STRING(), types.MAP(types.STRING(), types.INT())), `{"a": {"x": 1, "x": 2}, "a": {"y": 3}, "c": {"z": 4}}`, "{a={y=3}, c={z=4}}", nil},
		{"repeated outer and inner keys", types.ARRAY(types.MAP(types.STRING(), types.INT())), `[{"a": 1, "a": 2}, {"b": 3, "c": 4, "b": 5}]`, "[{a=2}, {c=4, b=5}]", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cols := []connector.Column{ft.Col("v", tt.typ), ft.Col("k", types.INT())}
			got := decodeOne(t, cols, tt.opts, `{"v": `+tt.in+`, "k": 7}`)
			assert.Equal(t, []string{tt.want, "7"}, got)
		})
	}
}

func TestDecodeRecords(t *testing.T) {
	cols := []connector.Column{ft.Col("v", types.STRING()), ft.Col("xs", types.ARRAY(types.INT()))}
	tests := []struct {
		name string
		opts map[string]string
		in   string
		want []string // nil: no row
	}{
		{"object", nil, `{"v": "a", "xs": [1]}`, []string{"a", "[1]"}},
		{"fields in any order", nil, `{"xs": [1], "v": "a"}`, []string{"a", "[1]"}},
		{"white space", nil, " \r\n\t{ \"v\" : \"a\" , \"xs\" : [ 1 ] } \n", []string{"a", "[1]"}},
		{"missing fields are NULL", nil, `{}`, []string{"null", "null"}},
		{"unknown fields are skipped", nil, `{"x": {"y": [1, "z", null, true, 1.5e3]}, "v": "a"}`, []string{"a", "null"}},
		{"a repeated field keeps the last", nil, `{"xs": [1, 2], "v": "a", "xs": [3]}`, []string{"a", "[3]"}},
		{"escaped field name", nil, `{"\u0076": "a"}`, []string{"a", "null"}},
		{"field names are case-sensitive", nil, `{"V": "a"}`, []string{"null", "null"}},
		{"null is no row", nil, "null", nil},
		{"null with blanks is no row", nil, " null\n", nil},
		{"empty is no row", nil, "", nil},
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

func TestDecodeLongMapRepeatedKeys(t *testing.T) {
	// Past 16 entries the keys are looked up in an index.
	var in, want []string
	for i := range 40 {
		in = append(in, fmt.Sprintf(`"k%d": %d`, i, i))
		if i != 5 && i != 30 {
			want = append(want, fmt.Sprintf("k%d=%d", i, i))
		}
	}
	in = append(in, `"k5": -5`, `"k30": -30`, `"k5": -55`)
	want = append(want, "k30=-30", "k5=-55")
	cols := []connector.Column{ft.Col("m", types.MAP(types.STRING(), types.INT()))}
	got := decodeOne(t, cols, nil, `{"m": {`+strings.Join(in, ", ")+`}}`)
	assert.Equal(t, []string{"{" + strings.Join(want, ", ") + "}"}, got)
	// The index is per map value: the next value starts empty.
	d := decoder(t, cols, nil)
	bs := ft.Builders(memory.DefaultAllocator, cols)
	for _, rec := range []string{`{"m": {` + strings.Join(in, ", ") + `}}`, `{"m": {"k5": 1, "k6": 2}}`} {
		ok, err := d.Parse([]byte(rec))
		require.NoError(t, err)
		require.True(t, ok)
		d.Append(bs)
	}
	arrs := ft.Finish(bs)
	defer ft.Release(arrs)
	assert.Equal(t, []string{"{k5=1, k6=2}"}, ft.Row(arrs, 1))
}

func TestDecodeErrors(t *testing.T) {
	cols := []connector.Column{
		ft.Col("id", types.BIGINT()), ft.Col("day", types.DATE()), ft.Col("tiny", types.TINYINT()),
		ft.Col("nn", types.INT().NotNullable()), ft.Col("xs", types.ARRAY(types.INT())),
		ft.Col("r", types.ROW(types.FIELD("a", types.INT()))), ft.Col("b", types.BYTES()),
	}
	long := strings.Repeat("x", 100)
	deep := strings.Repeat("[", 2000) + strings.Repeat("]", 2000)
	tests := []struct {
		name   string
		opts   map[string]string
		in     string
		column string
		msg    string
	}{
		{"not an object", nil, `[1]`, "", "expected a JSON object, found '[1]'"},
		{"text after the object", nil, `{"nn": 1} {}`, "", "text after the JSON object: '{}'"},
		{"text after null", nil, `null x`, "", "text after the JSON value"},
		{"bad number", nil, `{"nn": 1, "id": "12x"}`, "id", "'12x' is not a BIGINT"},
		{"long value is shortened", nil, `{"nn": 1, "id": "` + long + `"}`, "id", "'" + strings.Repeat("x", 64) + "…' is not a BIGINT"},
		{"fraction in a tinyint", nil, `{"nn": 1, "tiny": 1.5}`, "tiny", "'1.5' is not a TINYINT"},
		{"out of range", nil, `{"nn": 1, "tiny": 128}`, "tiny", "'128' is not a TINYINT (out of range)"},
		{"bigint out of range", nil, `{"nn": 1, "id": 1e19}`, "id", "out of range"},
		{"bad date", nil, `{"nn": 1, "day": "2023-02-29"}`, "day", "'2023-02-29' is not a DATE (no such date)"},
		{"number for a date", nil, `{"nn": 1, "day": 20240229}`, "day", "'20240229' is not a DATE (expected a string)"},
		{"object for a number", nil, `{"nn": 1, "id": {"a": 1}}`, "id", "expected a BIGINT, found an object"},
		{"string for an array", nil, `{"nn": 1, "xs": "1,2"}`, "xs", "expected an ARRAY<INT>, found '1,2'"},
		{"bad element", nil, `{"nn": 1, "xs": [1, "x"]}`, "xs", "element 2: 'x' is not an INT"},
		{"bad row field", nil, `{"nn": 1, "r": {"a": true}}`, "r", "field a: 'true' is not an INT"},
		{"bad base64", nil, `{"nn": 1, "b": "*"}`, "b", "'*' is not a BYTES (not base64)"},
		{"NULL in NOT NULL", nil, `{"nn": null}`, "nn", "NULL in a NOT NULL column"},
		{"missing NOT NULL", nil, `{}`, "nn", "missing, and the column is NOT NULL"},
		{"fail on missing field", map[string]string{"fail-on-missing-field": "true"}, `{"nn": 1}`, "id", "could not find field with name 'id'"},
		{"fail on missing nested field", map[string]string{"fail-on-missing-field": "true"}, `{"id": 1, "day": null, "tiny": null, "nn": 1, "xs": null, "b": null, "r": {}}`, "r", "field a: could not find field with name 'a'"},
		{"trailing comma", nil, `{"nn": 1,}`, "", "invalid JSON at byte 9: expected a field name, found '}'"},
		{"missing colon", nil, `{"nn" 1}`, "", "expected ':'"},
		{"unterminated string", nil, `{"nn": 1, "b": "abc`, "b", "unterminated string"},
		{"control character", nil, "{\"nn\": 1, \"b\": \"a\tb\"}", "b", "control character 0x09 in a string"},
		{"invalid UTF-8", nil, "{\"nn\": 1, \"x\": \"\xff\"}", "", "invalid UTF-8"},
		{"bad literal", nil, `{"nn": nul}`, "nn", "expected a value"},
		{"bad number syntax", nil, `{"nn": 01}`, "", "expected ',' or '}', found '1'"},
		{"leading plus", nil, `{"nn": +1}`, "nn", "expected a value, found '+'"},
		{"nesting too deep", nil, `{"nn": 1, "x": ` + deep + `}`, "", "nested more than 1000 levels deep"},
		{"truncated", nil, `{"nn": 1`, "", "expected ',' or '}', found the end of the text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decoder(t, cols, tt.opts)
			bs := ft.Builders(memory.DefaultAllocator, cols)
			defer func() { ft.Release(ft.Finish(bs)) }()
			ok, err := d.Parse([]byte(`{"id": 1, "day": "2024-01-01", "tiny": 1, "nn": 1, "xs": [], "r": {"a": 1}, "b": ""}`))
			require.NoError(t, err)
			require.True(t, ok)
			d.Append(bs)
			before := ft.Lens(bs)

			ok, err = d.Parse([]byte(tt.in))
			require.Error(t, err)
			assert.False(t, ok)
			var pe *format.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "json", pe.Format)
			assert.Equal(t, tt.column, pe.Column)
			assert.Contains(t, err.Error(), tt.msg)
			d.Append(bs)
			assert.Equal(t, before, ft.Lens(bs), "a failed Parse must leave the builders alone")
		})
	}
}

func TestOptionErrors(t *testing.T) {
	cols := []connector.Column{ft.Col("a", types.STRING())}
	for _, tt := range []struct {
		opts     map[string]string
		msg      string
		decoding bool
		encoding bool
	}{
		{map[string]string{"timestamp-format.standard": "iso"}, "json: timestamp-format.standard = 'iso' is not supported; use SQL or ISO-8601", true, true},
		{map[string]string{"fail-on-missing-field": "true", "ignore-parse-errors": "true"}, "json: fail-on-missing-field and ignore-parse-errors shouldn't both be true", true, false},
		{map[string]string{"map-null-key.mode": "KEEP"}, "json: map-null-key.mode = 'KEEP' is not supported; use FAIL, DROP or LITERAL", false, true},
		{map[string]string{"encode.ignore-null-fields": "maybe"}, "is not a boolean", false, true},
		{map[string]string{"fail-on-missing-field": "maybe"}, "is not a boolean", true, true},
	} {
		_, err := json.Factory{}.NewDecoder(ctx(cols, tt.opts))
		if tt.decoding {
			assert.ErrorContains(t, err, tt.msg)
		} else {
			assert.NoError(t, err)
		}
		_, err = json.Factory{}.NewEncoder(ctx(cols, tt.opts))
		if tt.encoding {
			assert.ErrorContains(t, err, tt.msg)
		} else {
			assert.NoError(t, err)
		}
	}
	_, err := json.Factory{}.NewEncoder(ctx([]connector.Column{ft.Col("ms", types.MULTISET(types.INT()))}, nil))
	assert.ErrorContains(t, err, "column ms (MULTISET<INT>)")
	_, err = json.Factory{}.NewDecoder(ctx([]connector.Column{ft.Col("ms", types.MULTISET(types.INT()))}, nil))
	assert.ErrorContains(t, err, "ms")
}

func TestEncodeTypes(t *testing.T) {
	row := types.ROW(types.FIELD("a", types.INT()), types.FIELD("b", types.STRING()))
	iso := map[string]string{"timestamp-format.standard": "ISO-8601"}
	tests := []struct {
		name   string
		typ    types.DataType
		values string // Arrow JSON of the values
		want   []string
		opts   map[string]string
	}{
		{"strings", types.STRING(), `["plain", "q\"b\\s/", "\n\t\r\b\f\u0001\u001f\u007f", "é中😀", null]`,
			[]string{`"plain"`, `"q\"b\\s/"`, `"\n\t\r\b\f\u0001\u001f` + "\u007f" + `"`, `"é中😀"`, "null"}, nil},
		{"decimals as Jackson", types.DECIMAL(10, 2), `["12.30", "100.00", "0.00", "-0.50"]`, []string{"12.3", "1E+2", "0", "-0.5"}, nil},
		{"decimals plain", types.DECIMAL(20, 9), `["100.000000000", "0.000000027"]`, []string{"100", "0.000000027"}, map[string]string{"encode.decimal-as-plain-number": "true"}},
		{"small decimals", types.DECIMAL(20, 9), `["0.000000027"]`, []string{"2.7E-8"}, nil},
		{"doubles", types.DOUBLE(), `[1e7, 0.1, "NaN", "Inf", "-Inf"]`, []string{"1.0E7", "0.1", `"NaN"`, `"Infinity"`, `"-Infinity"`}, nil},
		{"floats", types.FLOAT(), `[1.1, -0.0]`, []string{"1.1", "-0.0"}, nil},
		{"ints", types.BIGINT(), `[-9223372036854775808, 0]`, []string{"-9223372036854775808", "0"}, nil},
		{"booleans", types.BOOLEAN(), `[true, false]`, []string{"true", "false"}, nil},
		{"bytes", types.BYTES(), `["AQL/", ""]`, []string{`"AQL/"`, `""`}, nil},
		{"dates", types.DATE(), `["2024-02-29", 2932897]`, []string{`"2024-02-29"`, `"+10000-01-01"`}, nil},
		{"times", types.TIME(9), `["10:15:00", "10:15:30.123456789"]`, []string{`"10:15:00"`, `"10:15:30.123456789"`}, nil},
		{"timestamps SQL", types.TIMESTAMP(3), `["2024-02-29 10:15:30.5"]`, []string{`"2024-02-29 10:15:30.5"`}, nil},
		{"timestamps ISO", types.TIMESTAMP(3), `["2024-02-29 10:15:30"]`, []string{`"2024-02-29T10:15:30"`}, iso},
		{"ltz SQL", types.TIMESTAMP_LTZ(6), `["2024-02-29T10:15:30.000001Z"]`, []string{`"2024-02-29 10:15:30.000001Z"`}, nil},
		{"ltz ISO", types.TIMESTAMP_LTZ(0), `["1969-12-31T23:59:59Z"]`, []string{`"1969-12-31T23:59:59Z"`}, iso},
		{"intervals", types.INTERVAL_DAY_TIME(), `[90000]`, []string{"90000"}, nil},
		{"arrays", types.ARRAY(types.INT()), `[[1, null, 3], []]`, []string{"[1,null,3]", "[]"}, nil},
		{"maps", types.MAP(types.STRING(), types.INT()), `[[{"key": "a\"", "value": 1}, {"key": "b", "value": null}]]`, []string{`{"a\"":1,"b":null}`}, nil},
		{"maps with int keys", types.MAP(types.INT(), types.BOOLEAN()), `[[{"key": 1, "value": true}]]`, []string{`{"1":true}`}, nil},
		{"maps with row keys", types.MAP(row, types.INT()), `[[{"key": {"a": 1, "b": "x"}, "value": 5}]]`, []string{`{"{\"a\":1,\"b\":\"x\"}":5}`}, nil},
		{"rows", row, `[{"a": 1, "b": "x"}, {"a": null, "b": null}]`, []string{`{"a":1,"b":"x"}`, `{"a":null,"b":null}`}, nil},
		{"rows ignoring NULL fields", row, `[{"a": null, "b": "x"}, {"a": null, "b": null}]`, []string{`{"b":"x"}`, `{}`}, map[string]string{"encode.ignore-null-fields": "true"}},
		{"nested", types.ARRAY(types.MAP(types.STRING(), types.ARRAY(types.TIMESTAMP(3)))), `[[[{"key": "k", "value": ["2024-02-29 10:15:30.5", null]}], null]]`,
			[]string{`[{"k":["2024-02-29 10:15:30.5",null]},null]`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cols := []connector.Column{ft.Col("v", tt.typ)}
			vals := ft.FromJSON(t, tt.typ, tt.values)
			defer vals.Release()
			e := encoder(t, cols, tt.opts)
			var got []string
			for i := range vals.Len() {
				rec, err := e.Encode(nil, []arrow.Array{vals}, i)
				require.NoError(t, err)
				require.True(t, stdjson.Valid(rec), "%s is not valid JSON", rec)
				got = append(got, strings.TrimSuffix(strings.TrimPrefix(string(rec), `{"v":`), "}"))
			}
			if tt.opts["encode.ignore-null-fields"] == "true" {
				assert.Equal(t, []string{`{"v":` + tt.want[0] + `}`, `{"v":` + tt.want[1] + `}`}, []string{`{"v":` + got[0] + `}`, `{"v":` + got[1] + `}`})
				return
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestEncodeRecord(t *testing.T) {
	cols := []connector.Column{ft.Col("id", types.BIGINT()), ft.Col(`na"me`, types.STRING()), ft.Col("n", types.INT())}
	id := ft.FromJSON(t, types.BIGINT(), `[1, 2]`)
	name := ft.FromJSON(t, types.STRING(), `["a", null]`)
	n := ft.FromJSON(t, types.INT(), `[null, null]`)
	arrs := []arrow.Array{id, name, n}
	defer ft.Release(arrs)
	rec, err := encoder(t, cols, nil).Encode([]byte("prefix:"), arrs, 0)
	require.NoError(t, err)
	assert.Equal(t, `prefix:{"id":1,"na\"me":"a","n":null}`, string(rec))
	rec, err = encoder(t, cols, map[string]string{"encode.ignore-null-fields": "true"}).Encode(nil, arrs, 1)
	require.NoError(t, err)
	assert.Equal(t, `{"id":2}`, string(rec))
}

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
		ft.Col("ai", types.ARRAY(types.INT())), ft.Col("as", types.ARRAY(types.STRING())),
		ft.Col("r", types.ROW(types.FIELD("n", types.BIGINT()), types.FIELD("name", types.STRING()), types.FIELD("when", types.DATE()))),
		ft.Col("m", types.MAP(types.STRING(), types.INT())),
		ft.Col("mn", types.MAP(types.INT(), types.ARRAY(types.STRING()))),
		ft.Col("ar", types.ARRAY(inner)),
		ft.Col("aa", types.ARRAY(types.ARRAY(types.DOUBLE()))),
		ft.Col("rr", types.ROW(types.FIELD("in", inner), types.FIELD("m", types.MAP(types.STRING(), types.BYTES())))),
		ft.Col("mr", types.MAP(types.DATE(), inner)),
		ft.Col("mk", types.MAP(inner, types.DECIMAL(7, 7))),
		ft.Col("nn", types.BIGINT().NotNullable()),
	}
}

func TestRoundTrip(t *testing.T) {
	cols := everyType()
	for _, opts := range []map[string]string{
		nil,
		{"timestamp-format.standard": "ISO-8601", "encode.decimal-as-plain-number": "true"},
		{"encode.ignore-null-fields": "true"},
	} {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		g := ft.Gen{R: rand.New(rand.NewPCG(2, uint64(len(opts)))), NullRate: 0.25}
		arrs := g.Columns(mem, cols, 500)
		back, records := ft.RoundTrip(t, mem, cols, encoder(t, cols, opts), decoder(t, cols, opts), arrs)
		ft.Equal(t, arrs, back, fmt.Sprint(opts))
		for _, r := range records {
			require.True(t, stdjson.Valid([]byte(r)), "%s is not valid JSON", r)
		}
		ft.Release(arrs)
		ft.Release(back)
		mem.AssertSize(t, 0)
	}
}

// TestDecodeStdlibJSON reads what encoding/json writes (other escapes,
// other spacing) for the values it can write.
func TestDecodeStdlibJSON(t *testing.T) {
	cols := []connector.Column{ft.Col("s", types.STRING()), ft.Col("xs", types.ARRAY(types.DOUBLE())), ft.Col("m", types.MAP(types.STRING(), types.BIGINT()))}
	v := map[string]any{"s": "<a&b> \u2028 é \x01", "xs": []float64{1.5, -2e-9}, "m": map[string]int64{"k": -7}}
	rec, err := stdjson.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	got := decodeOne(t, cols, nil, string(rec))
	assert.Equal(t, []string{"<a&b> \u2028 é \x01", "[1.5, -2.0E-9]", "{k=-7}"}, got)
}

func TestAppendTwice(t *testing.T) {
	cols := []connector.Column{ft.Col("s", types.STRING()), ft.Col("xs", types.ARRAY(types.INT())), ft.Col("m", types.MAP(types.STRING(), types.INT()))}
	d := decoder(t, cols, nil)
	bs := ft.Builders(memory.DefaultAllocator, cols)
	ok, err := d.Parse([]byte(`{"s": "a", "xs": [1, 2], "m": {"k": 1, "k": 2}}`))
	require.NoError(t, err)
	require.True(t, ok)
	d.Append(bs)
	d.Append(bs)
	arrs := ft.Finish(bs)
	defer ft.Release(arrs)
	assert.Equal(t, []string{"a", "[1, 2]", "{k=2}"}, ft.Row(arrs, 0))
	assert.Equal(t, ft.Row(arrs, 0), ft.Row(arrs, 1))
}

func TestParseDoesNotAllocate(t *testing.T) {
	cols := everyType()
	for i, c := range cols {
		if c.Name == "dec38" {
			// Decimals of more than 18 digits go through math/big.
			cols[i].Type = types.DECIMAL(18, 9)
		}
	}
	g := ft.Gen{R: rand.New(rand.NewPCG(5, 5)), NullRate: 0.1}
	arrs := g.Columns(memory.DefaultAllocator, cols, 50)
	defer ft.Release(arrs)
	d := decoder(t, cols, nil)
	for _, rec := range ft.Encode(t, json.Factory{}, cols, arrs, nil) {
		ok, err := d.Parse(rec) // grows the scratch to fit
		require.NoError(t, err)
		require.True(t, ok)
		allocs := testing.AllocsPerRun(20, func() {
			if _, err := d.Parse(rec); err != nil {
				t.Fatal(err)
			}
		})
		assert.Zero(t, allocs, "%s", rec)
	}
}
