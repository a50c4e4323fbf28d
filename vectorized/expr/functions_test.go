package expr

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

// arg is one argument of a sample call: a value of a type; keep marks an
// argument that must stay a literal (units, modes, seeds) — it is neither
// turned into a column nor replaced by NULL.
type arg struct {
	v    any
	dt   arrow.DataType
	keep bool
}

func A(v any, dt arrow.DataType) arg    { return arg{v: v, dt: dt} }
func K(v any, dt arrow.DataType) arg    { return arg{v: v, dt: dt, keep: true} }
func S(s string) arg                    { return A(s, tString) }
func I(v int64) arg                     { return A(v, tInt64) }
func I32(v int64) arg                   { return A(v, tInt32) }
func D(v float64) arg                   { return A(v, tFloat64) }
func Dec(s string, p, sc int) arg       { return A(s, dec(p, sc)) }
func Date(s string) arg                 { return A(ts(s), tDate) }
func TS(s string, p int) arg            { return A(ts(s), TimestampType(p)) }
func Unit(u string) arg                 { return K(u, tString) }
func Null(dt arrow.DataType) arg        { return A(nil, dt) }
func Dur(d time.Duration) arg           { return A(d, tIntervDT) }
func Months(m int64) arg                { return A(m, tIntervYM) }
func TimeOf(d time.Duration, p int) arg { return A(d, TimeType(p)) }

type sample struct {
	fn   string
	args []arg
	want string
}

// samples holds typical values and edge cases for every function; each is
// evaluated over columns (so nothing is constant-folded).
var samples = []sample{
	// strings
	{"CONCAT", []arg{S("ab"), S("cd"), S("")}, "abcd"},
	{"CONCAT", []arg{S("ü"), S("€")}, "ü€"},
	{"CONCAT_WS", []arg{S("-"), S("a"), Null(tString), S("c")}, "a-c"},
	{"CONCAT_WS", []arg{S("-"), S(""), S("b")}, "-b"},
	{"SUBSTRING", []arg{S("Hello World"), I(7)}, "World"},
	{"SUBSTRING", []arg{S("Hello"), I(2), I(3)}, "ell"},
	{"SUBSTRING", []arg{S("Hello"), I(0), I(2)}, "He"},
	{"SUBSTRING", []arg{S("Hello"), I(-3), I(2)}, "ll"},
	{"SUBSTRING", []arg{S("Hello"), I(10)}, ""},
	{"SUBSTRING", []arg{S("Hello"), I(-10), I(2)}, ""},
	{"SUBSTRING", []arg{S("Hello"), I(2), I(-1)}, "NULL"},
	{"SUBSTR", []arg{S("héllo"), I32(2), I32(2)}, "él"},
	{"SUBSTRING", []arg{S(""), I(1), I(2)}, ""},
	{"UPPER", []arg{S("abcé")}, "ABCÉ"},
	{"LOWER", []arg{S("ABC Ö")}, "abc ö"},
	// Java's full case mappings, as Flink's UPPER and LOWER
	{"UPPER", []arg{S("Straße")}, "STRASSE"},
	{"LOWER", []arg{S("İstanbul")}, "i\u0307stanbul"},
	{"LOWER", []arg{S("ΟΔΟΣ ΣΑΣ")}, "οδος σας"},
	{"TRIM", []arg{S("  ab  ")}, "ab"},
	{"TRIM", []arg{S("\tab ")}, "\tab"},
	{"TRIM", []arg{Unit("BOTH"), S("xy"), S("xyaxbyx")}, "axb"},
	{"TRIM", []arg{Unit("leading"), S("x"), S("xxaxx")}, "axx"},
	{"TRIM", []arg{Unit("TRAILING"), S("x"), S("xxaxx")}, "xxa"},
	{"LTRIM", []arg{S("  a ")}, "a "},
	{"RTRIM", []arg{S(" a  ")}, " a"},
	{"LTRIM", []arg{S("xxa"), S("x")}, "a"},
	{"CHAR_LENGTH", []arg{S("héllo")}, "5"},
	{"CHAR_LENGTH", []arg{S("")}, "0"},
	{"CHARACTER_LENGTH", []arg{S("日本")}, "2"},
	{"REPLACE", []arg{S("abcabc"), S("b"), S("XY")}, "aXYcaXYc"},
	{"REPLACE", []arg{S("abc"), S(""), S("x")}, "xaxbxcx"},
	{"SPLIT_INDEX", []arg{S("a,b,,c"), S(","), I(2)}, ""},
	{"SPLIT_INDEX", []arg{S("a,b,,c"), S(","), I(3)}, "c"},
	{"SPLIT_INDEX", []arg{S("a,b,,c"), S(","), I(4)}, "NULL"},
	{"SPLIT_INDEX", []arg{S("a,b"), S(","), I(-1)}, "NULL"},
	{"SPLIT_INDEX", []arg{S(""), S(","), I(0)}, "NULL"},
	{"SPLIT_INDEX", []arg{S("a--b"), S("--"), I(1)}, "b"},
	{"SPLIT_INDEX", []arg{S("a b"), S(""), I(1)}, "b"},
	{"LPAD", []arg{S("hi"), I(5), S("xy")}, "xyxhi"},
	{"LPAD", []arg{S("hello"), I(3), S("x")}, "hel"},
	{"LPAD", []arg{S("hi"), I(-1), S("x")}, "NULL"},
	{"LPAD", []arg{S("hi"), I(4), S("")}, "NULL"},
	{"LPAD", []arg{S("hi"), I(0), S("x")}, ""},
	{"RPAD", []arg{S("hi"), I(5), S("xy")}, "hixyx"},
	{"RPAD", []arg{S("hello"), I(2), S("x")}, "he"},
	{"RPAD", []arg{S("é"), I(3), S("ü")}, "éüü"},
	{"POSITION", []arg{S("lo"), S("hello")}, "4"},
	{"POSITION", []arg{S("z"), S("hello")}, "0"},
	{"POSITION", []arg{S(""), S("abc")}, "1"},
	{"POSITION", []arg{S("é"), S("aéé")}, "2"},
	{"LOCATE", []arg{S("l"), S("hello")}, "3"},
	{"LOCATE", []arg{S("l"), S("hello"), I(4)}, "4"},
	{"LOCATE", []arg{S("l"), S("hello"), I(5)}, "0"},
	{"LOCATE", []arg{S("l"), S("hello"), I(0)}, "3"},
	{"LOCATE", []arg{S(""), S("hello"), I(9)}, "1"},
	{"INITCAP", []arg{S("hello wORLD 3rd-x")}, "Hello World 3rd-X"},
	{"REVERSE", []arg{S("héllo")}, "olléh"},
	{"REPEAT", []arg{S("ab"), I(3)}, "ababab"},
	{"REPEAT", []arg{S("ab"), I(0)}, ""},
	{"REPEAT", []arg{S("ab"), I(-2)}, ""},
	{"ASCII", []arg{S("A")}, "65"},
	{"ASCII", []arg{S("")}, "0"},
	{"CHR", []arg{I(65)}, "A"},
	{"CHR", []arg{I(321)}, "A"},
	{"MD5", []arg{S("")}, "d41d8cd98f00b204e9800998ecf8427e"},
	{"MD5", []arg{S("abc")}, "900150983cd24fb0d6963f7d28e17f72"},
	{"MD5", []arg{A([]byte("abc"), tBinary)}, "900150983cd24fb0d6963f7d28e17f72"},
	{"SHA1", []arg{S("abc")}, "a9993e364706816aba3e25717850c26c9cd0d89d"},
	{"SHA224", []arg{S("abc")}, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
	{"SHA256", []arg{S("abc")}, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	{"SHA384", []arg{S("abc")}, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"},
	{"SHA512", []arg{S("abc")}, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
	{"SHA2", []arg{S("abc"), I(256)}, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	{"SHA2", []arg{S("abc"), I(100)}, "NULL"},
	{"TO_BASE64", []arg{S("hello")}, "aGVsbG8="},
	{"FROM_BASE64", []arg{S("aGVsbG8=")}, "hello"},
	{"REGEXP", []arg{S("foobar"), S("o+b")}, "TRUE"},
	{"REGEXP", []arg{S("foobar"), S("^b")}, "FALSE"},
	{"REGEXP", []arg{S("abc"), S("")}, "FALSE"},
	{"REGEXP", []arg{S("abc"), S("(")}, "FALSE"},
	{"REGEXP_EXTRACT", []arg{S("foo123bar"), S("([a-z]+)([0-9]+)"), I(2)}, "123"},
	{"REGEXP_EXTRACT", []arg{S("foo123bar"), S("([a-z]+)([0-9]+)")}, "foo123"},
	{"REGEXP_EXTRACT", []arg{S("foo123bar"), S("([a-z]+)"), I(5)}, "NULL"},
	{"REGEXP_EXTRACT", []arg{S("foo"), S("[0-9]+")}, "NULL"},
	{"REGEXP_EXTRACT", []arg{S("foo"), S("(")}, "NULL"},
	{"REGEXP_REPLACE", []arg{S("a1b22c"), S("[0-9]+"), S("#")}, "a#b#c"},
	// Java also replaces the empty match where a non-empty one ended
	{"REGEXP_REPLACE", []arg{S("aaa"), S("a*"), S("X")}, "XX"},
	{"REGEXP_REPLACE", []arg{S("baaac"), S("a*"), S("X")}, "XbXXcX"},
	{"REGEXP_REPLACE", []arg{S("ab"), S("\\b"), S("|")}, "|ab|"},
	{"REGEXP_REPLACE", []arg{S("a1b"), S("([0-9])"), S("$1$1")}, "a$1$1b"},
	// temporal (the test context's now is 2024-02-29 13:14:15.123456789 UTC)
	{"DATE_FORMAT", []arg{TS("2024-02-29 13:14:15.123", 3), S("yyyy/MM/dd HH:mm:ss.SSS")}, "2024/02/29 13:14:15.123"},
	{"DATE_FORMAT", []arg{TS("2024-02-29 13:04:05", 0), S("EEE, d MMM yy h:mm a")}, "Thu, 29 Feb 24 1:04 PM"},
	{"DATE_FORMAT", []arg{S("2024-02-29 13:14:15"), S("yyyyMMdd")}, "20240229"},
	{"DATE_FORMAT", []arg{TS("0999-01-02 00:00:00", 0), S("yyyy-D 'day' ''")}, "0999-2 day '"},
	{"EXTRACT", []arg{Unit("YEAR"), Date("2024-02-29")}, "2024"},
	{"EXTRACT", []arg{Unit("quarter"), Date("2024-02-29")}, "1"},
	{"EXTRACT", []arg{Unit("MONTH"), Date("2024-02-29")}, "2"},
	{"EXTRACT", []arg{Unit("DAY"), Date("2024-02-29")}, "29"},
	{"EXTRACT", []arg{Unit("DOY"), Date("2024-02-29")}, "60"},
	{"EXTRACT", []arg{Unit("DOW"), Date("2024-02-29")}, "5"},
	{"EXTRACT", []arg{Unit("WEEK"), Date("2024-02-29")}, "9"},
	{"EXTRACT", []arg{Unit("WEEK"), Date("2021-01-01")}, "53"},
	{"EXTRACT", []arg{Unit("HOUR"), TS("2024-02-29 13:14:15.123", 3)}, "13"},
	{"EXTRACT", []arg{Unit("MINUTE"), TS("2024-02-29 13:14:15.123", 3)}, "14"},
	{"EXTRACT", []arg{Unit("SECOND"), TS("2024-02-29 13:14:15.123", 3)}, "15"},
	{"EXTRACT", []arg{Unit("MILLISECOND"), TS("2024-02-29 13:14:15.123", 3)}, "123"},
	{"EXTRACT", []arg{Unit("MICROSECOND"), TS("2024-02-29 13:14:15.123456", 6)}, "123456"},
	{"EXTRACT", []arg{Unit("EPOCH"), TS("2024-02-29 13:14:15.123", 3)}, "1709212455"},
	{"EXTRACT", []arg{Unit("EPOCH"), TS("1969-12-31 23:59:59.5", 3)}, "-1"},
	{"EXTRACT", []arg{Unit("DAY"), Dur(50 * time.Hour)}, "2"},
	{"EXTRACT", []arg{Unit("HOUR"), Dur(50 * time.Hour)}, "2"},
	{"EXTRACT", []arg{Unit("YEAR"), Months(27)}, "2"},
	{"EXTRACT", []arg{Unit("HOUR"), TimeOf(13*time.Hour+5*time.Minute, 0)}, "13"},
	{"YEAR", []arg{Date("2023-12-31")}, "2023"},
	{"QUARTER", []arg{Date("2023-12-31")}, "4"},
	{"MONTH", []arg{TS("2023-12-31 23:59:59", 0)}, "12"},
	{"WEEK", []arg{Date("2024-01-01")}, "1"},
	{"DAYOFYEAR", []arg{Date("2023-12-31")}, "365"},
	{"DAYOFYEAR", []arg{Date("2024-12-31")}, "366"},
	{"DAYOFMONTH", []arg{Date("2024-02-29")}, "29"},
	{"DAYOFWEEK", []arg{Date("1970-01-01")}, "5"},
	{"DAYOFWEEK", []arg{Date("2024-03-03")}, "1"},
	{"HOUR", []arg{TS("2024-02-29 23:00:00", 0)}, "23"},
	{"MINUTE", []arg{TS("2024-02-29 23:59:00", 0)}, "59"},
	{"SECOND", []arg{TS("2024-02-29 23:59:58", 0)}, "58"},
	{"TO_TIMESTAMP", []arg{S("2024-02-29 13:14:15")}, "2024-02-29 13:14:15.000"},
	{"TO_TIMESTAMP", []arg{S("2024/02/29"), S("yyyy/MM/dd")}, "2024-02-29 00:00:00.000"},
	{"TO_TIMESTAMP", []arg{S("2023-02-29 00:00:00")}, "NULL"},
	{"TO_TIMESTAMP", []arg{S("garbage")}, "NULL"},
	{"TO_TIMESTAMP", []arg{S("20240229 131415.5"), S("yyyyMMdd HHmmss.S")}, "2024-02-29 13:14:15.500"},
	{"TO_DATE", []arg{S("2024-02-29")}, "2024-02-29"},
	{"TO_DATE", []arg{S("29.02.2024"), S("dd.MM.yyyy")}, "2024-02-29"},
	{"TO_DATE", []arg{S("2023-02-29")}, "NULL"},
	{"TO_TIMESTAMP_LTZ", []arg{I(0), K(int64(0), tInt32)}, "1970-01-01 00:00:00.000"},
	{"TO_TIMESTAMP_LTZ", []arg{I(1709212455123), K(int64(3), tInt32)}, "2024-02-29 13:14:15.123"},
	{"TO_TIMESTAMP_LTZ", []arg{I(-1), K(int64(3), tInt32)}, "1969-12-31 23:59:59.999"},
	{"TO_TIMESTAMP_LTZ", []arg{D(1.5), K(int64(0), tInt32)}, "1970-01-01 00:00:01.500"},
	{"UNIX_TIMESTAMP", []arg{S("2024-02-29 13:14:15")}, "1709212455"},
	{"UNIX_TIMESTAMP", []arg{S("1970-01-01 00:00:00")}, "0"},
	{"UNIX_TIMESTAMP", []arg{S("bad")}, "-9223372036854775808"},
	{"UNIX_TIMESTAMP", []arg{S("02/01/1970"), S("dd/MM/yyyy")}, "86400"},
	{"FROM_UNIXTIME", []arg{I(1709212455)}, "2024-02-29 13:14:15"},
	{"FROM_UNIXTIME", []arg{I(0), S("yyyy")}, "1970"},
	{"FROM_UNIXTIME", []arg{I(-1)}, "1969-12-31 23:59:59"},
	{"TIMESTAMPADD", []arg{Unit("MONTH"), I(1), Date("2024-01-31")}, "2024-02-29"},
	{"TIMESTAMPADD", []arg{Unit("YEAR"), I(1), Date("2024-02-29")}, "2025-02-28"},
	{"TIMESTAMPADD", []arg{Unit("DAY"), I(-1), Date("2024-03-01")}, "2024-02-29"},
	{"TIMESTAMPADD", []arg{Unit("HOUR"), I(25), TS("2024-02-28 00:00:00", 3)}, "2024-02-29 01:00:00.000"},
	{"TIMESTAMPADD", []arg{Unit("HOUR"), I(1), Date("2024-02-29")}, "2024-02-29 01:00:00.000"},
	{"TIMESTAMPADD", []arg{Unit("QUARTER"), I(-1), TS("2024-05-31 10:00:00", 0)}, "2024-02-29 10:00:00"},
	{"TIMESTAMPDIFF", []arg{Unit("DAY"), Date("2024-02-01"), Date("2024-03-01")}, "29"},
	{"TIMESTAMPDIFF", []arg{Unit("MONTH"), TS("2024-01-31 00:00:00", 0), TS("2024-02-29 00:00:00", 0)}, "1"},
	{"TIMESTAMPDIFF", []arg{Unit("MONTH"), TS("2024-01-31 10:00:00", 0), TS("2024-02-29 09:00:00", 0)}, "0"},
	{"TIMESTAMPDIFF", []arg{Unit("MONTH"), Date("2024-01-15"), Date("2024-02-15")}, "1"},
	{"TIMESTAMPDIFF", []arg{Unit("YEAR"), Date("2020-02-29"), Date("2024-02-28")}, "3"},
	{"TIMESTAMPDIFF", []arg{Unit("HOUR"), TS("2024-01-01 10:00:00", 0), TS("2024-01-01 07:30:00", 0)}, "-2"},
	{"TIMESTAMPDIFF", []arg{Unit("SECOND"), TS("2024-01-01 00:00:00", 3), Date("2024-01-02")}, "86400"},
	{"FLOOR", []arg{TS("2024-02-29 13:14:15.123", 3), Unit("HOUR")}, "2024-02-29 13:00:00.000"},
	{"CEIL", []arg{TS("2024-02-29 13:14:15.123", 3), Unit("HOUR")}, "2024-02-29 14:00:00.000"},
	{"CEIL", []arg{TS("2024-02-29 23:59:59.5", 3), Unit("SECOND")}, "2024-03-01 00:00:00.000"},
	{"FLOOR", []arg{Date("2024-02-29"), Unit("MONTH")}, "2024-02-01"},
	{"CEILING", []arg{Date("2024-02-29"), Unit("MONTH")}, "2024-03-01"},
	{"CEIL", []arg{Date("2024-01-01"), Unit("YEAR")}, "2024-01-01"},
	{"FLOOR", []arg{TS("2024-02-29 13:14:15", 0), Unit("WEEK")}, "2024-02-25 00:00:00"},
	{"FLOOR", []arg{Date("2024-11-30"), Unit("QUARTER")}, "2024-10-01"},
	{"FLOOR", []arg{TS("1969-12-31 23:59:59.999", 3), Unit("DAY")}, "1969-12-31 00:00:00.000"},
	// math
	{"ABS", []arg{I32(-5)}, "5"},
	{"ABS", []arg{I32(-2147483648)}, "-2147483648"},
	{"ABS", []arg{D(-1.5)}, "1.5"},
	{"ABS", []arg{Dec("-1.25", 5, 2)}, "1.25"},
	{"ROUND", []arg{D(2.5)}, "3.0"},
	{"ROUND", []arg{D(-2.5)}, "-3.0"},
	{"ROUND", []arg{D(2.675), I32(2)}, "2.68"},
	{"ROUND", []arg{D(1.005), I32(2)}, "1.01"},
	{"ROUND", []arg{D(1234.5678), I32(-2)}, "1200.0"},
	{"ROUND", []arg{I32(1250), I32(-2)}, "1300"},
	{"ROUND", []arg{I32(-1250), I32(-2)}, "-1300"},
	{"ROUND", []arg{I32(1249), I32(-2)}, "1200"},
	{"ROUND", []arg{Dec("1.235", 5, 3), K(int64(2), tInt32)}, "1.24"},
	{"ROUND", []arg{Dec("-1.235", 5, 3), K(int64(2), tInt32)}, "-1.24"},
	{"ROUND", []arg{Dec("123.45", 5, 2), K(int64(-1), tInt32)}, "120"},
	{"ROUND", []arg{Dec("99.95", 4, 2), K(int64(1), tInt32)}, "100.0"},
	{"TRUNCATE", []arg{D(2.678), I32(2)}, "2.67"},
	{"TRUNCATE", []arg{D(-2.678), I32(1)}, "-2.6"},
	{"TRUNCATE", []arg{I32(1299), I32(-2)}, "1200"},
	{"TRUNCATE", []arg{Dec("-1.239", 5, 3), K(int64(2), tInt32)}, "-1.23"},
	{"FLOOR", []arg{D(-1.5)}, "-2.0"},
	{"CEIL", []arg{D(1.2)}, "2.0"},
	{"FLOOR", []arg{Dec("-1.25", 5, 2)}, "-2"},
	{"CEIL", []arg{Dec("1.01", 5, 2)}, "2"},
	{"FLOOR", []arg{I32(7)}, "7"},
	{"MOD", []arg{I32(-7), I32(3)}, "-1"},
	{"POWER", []arg{I32(2), I32(10)}, "1024.0"},
	{"POW", []arg{D(4), D(0.5)}, "2.0"},
	{"SQRT", []arg{I32(16)}, "4.0"},
	{"SQRT", []arg{D(-1)}, "NaN"},
	{"LN", []arg{D(1)}, "0.0"},
	{"LN", []arg{D(0)}, "-Infinity"},
	{"LOG10", []arg{I32(1000)}, "3.0"},
	{"LOG2", []arg{I32(8)}, "3.0"},
	{"LOG", []arg{I32(2), I32(8)}, "3.0"},
	{"LOG", []arg{D(1)}, "0.0"},
	{"EXP", []arg{I32(0)}, "1.0"},
	{"SIGN", []arg{I32(-3)}, "-1"},
	{"SIGN", []arg{D(0)}, "0.0"},
	{"SIGN", []arg{Dec("2.50", 5, 2)}, "1.00"},
	{"SIN", []arg{D(0)}, "0.0"},
	{"COS", []arg{D(0)}, "1.0"},
	{"TAN", []arg{D(0)}, "0.0"},
	{"ASIN", []arg{D(1)}, "1.5707963267948966"},
	{"ACOS", []arg{D(1)}, "0.0"},
	{"ATAN", []arg{D(0)}, "0.0"},
	{"ATAN2", []arg{D(1), D(1)}, "0.7853981633974483"},
	{"COT", []arg{D(0)}, "Infinity"},
	{"SINH", []arg{D(0)}, "0.0"},
	{"COSH", []arg{D(0)}, "1.0"},
	{"TANH", []arg{D(0)}, "0.0"},
	{"DEGREES", []arg{D(3.141592653589793)}, "180.0"},
	{"RADIANS", []arg{I32(180)}, "3.141592653589793"},
	{"RAND", []arg{K(int64(42), tInt32)}, "0.7275636800328681"},
	{"RAND_INTEGER", []arg{K(int64(42), tInt32), I32(10)}, "0"},
	// misc
	{"TYPEOF", []arg{I32(1)}, "INT"},
	{"TYPEOF", []arg{Dec("1.5", 10, 2)}, "DECIMAL(10, 2)"},
	{"IFNULL", []arg{Null(tInt32), I32(3)}, "3"},
	{"NULLIF", []arg{I32(3), I32(3)}, "NULL"},
	{"NULLIF", []arg{I32(3), I32(4)}, "3"},
	{"COALESCE", []arg{Null(tString), S("x"), S("y")}, "x"},
	{"IF", []arg{A(true, tBool), S("y"), S("n")}, "y"},
	{"IF", []arg{Null(tBool), S("y"), S("n")}, "n"},
	{"CASE", []arg{A(false, tBool), I32(1), A(true, tBool), I32(2), I32(3)}, "2"},
	{"CASE", []arg{A(false, tBool), I32(1)}, "NULL"},
}

// lenient functions do not return NULL for every NULL argument.
var lenient = map[string]bool{
	"CONCAT_WS": true, "COALESCE": true, "IFNULL": true, "NULLIF": true, "IF": true, "CASE": true,
	"REGEXP": true, "TYPEOF": true, "UNIX_TIMESTAMP": true,
}

// buildSample resolves a sample over a one-row batch: arguments become
// columns unless they must stay literals.
func buildSample(t *testing.T, s sample, nullAt int) (vectorized.Expr, arrow.RecordBatch) {
	t.Helper()
	var cols []arrow.Array
	args := make([]vectorized.Expr, len(s.args))
	for i, a := range s.args {
		v := a.v
		if i == nullAt {
			v = nil
		}
		if a.keep {
			args[i] = lit(t, v, a.dt)
			continue
		}
		cols = append(cols, col(t, a.dt, v))
		args[i] = vectorized.Col(len(cols)-1, a.dt, fmt.Sprintf("c%d", len(cols)-1))
	}
	rec := batch(t, cols...)
	if len(cols) == 0 {
		rec = row1()
	}
	return call(t, s.fn, args...), rec
}

func TestFunctionSamples(t *testing.T) {
	for _, s := range samples {
		t.Run(s.fn, func(t *testing.T) {
			e, rec := buildSample(t, s, -1)
			defer rec.Release()
			got := evalStrings(t, testCtx(), e, rec)
			require.Equal(t, s.want, got[0], "%s", e)
		})
	}
}

// TestNullInEveryPosition: a NULL in any argument of a strict function makes
// the result NULL (SQL's null handling, Flink's generateCallIfArgsNotNull).
func TestNullInEveryPosition(t *testing.T) {
	for _, s := range samples {
		if lenient[s.fn] {
			continue
		}
		for i, a := range s.args {
			if a.keep {
				continue
			}
			t.Run(fmt.Sprintf("%s/arg%d", s.fn, i), func(t *testing.T) {
				e, rec := buildSample(t, s, i)
				defer rec.Release()
				require.Equal(t, []string{"NULL"}, evalStrings(t, testCtx(), e, rec), "%s", e)
			})
		}
	}
}

// TestEveryFunctionIsExercised keeps the samples (and this package's other
// tests) in step with the registry.
func TestEveryFunctionIsExercised(t *testing.T) {
	covered := map[string]bool{}
	for _, s := range samples {
		covered[s.fn] = true
	}
	// exercised by the operator, logic and conditional tests
	for _, n := range []string{"+", "-", "*", "/", "%", "NEGATE", "=", "<>", "<", "<=", ">", ">=", "AND", "OR", "NOT",
		"IS NULL", "IS NOT NULL", "IS TRUE", "IS FALSE", "IS NOT TRUE", "IS NOT FALSE", "IS DISTINCT FROM",
		"IS NOT DISTINCT FROM", "IN", "NOT IN", "BETWEEN", "NOT BETWEEN", "LIKE", "NOT LIKE", "SIMILAR TO",
		"NOT SIMILAR TO", "CURRENT_TIMESTAMP", "NOW", "LOCALTIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "LOCALTIME",
		"UUID", "PI", "E"} {
		covered[n] = true
	}
	// exercised by composite_test.go (their arguments are composite values)
	for _, n := range append([]string{"ARRAY", "MAP", "ROW", FieldAccess, "ITEM", "CARDINALITY", "ELEMENT", "ARRAY_CONTAINS", "SPLIT"}, arrayFunctionsTested...) {
		covered[n] = true
	}
	var missing []string
	for _, n := range Functions() {
		if !covered[n] {
			missing = append(missing, n)
		}
	}
	require.Empty(t, missing)
}

func TestSamplesOverSlicedColumns(t *testing.T) {
	// every sample evaluated over the last row of a sliced three-row batch
	for _, s := range samples {
		if s.fn == "RAND" || s.fn == "RAND_INTEGER" {
			continue // seeded sequences advance per row
		}
		t.Run(s.fn, func(t *testing.T) {
			var cols []arrow.Array
			args := make([]vectorized.Expr, len(s.args))
			for i, a := range s.args {
				if a.keep {
					args[i] = lit(t, a.v, a.dt)
					continue
				}
				full := col(t, a.dt, a.v, nil, a.v)
				cols = append(cols, sliceArr(full, 1, 3))
				args[i] = vectorized.Col(len(cols)-1, a.dt, "")
			}
			if len(cols) == 0 {
				return
			}
			rec := batch(t, cols...)
			defer rec.Release()
			got := evalStrings(t, testCtx(), call(t, s.fn, args...), rec)
			require.Equal(t, s.want, got[1])
		})
	}
}

func TestCurrentTime(t *testing.T) {
	ec := testCtx()
	rec := row1()
	defer rec.Release()
	one := func(name string) string { return evalStrings(t, ec, call(t, name), rec)[0] }
	require.Equal(t, "2024-02-29 13:14:15.123", one("CURRENT_TIMESTAMP"))
	require.Equal(t, "2024-02-29 13:14:15.123", one("NOW"))
	require.Equal(t, "2024-02-29 13:14:15.123", one("LOCALTIMESTAMP"))
	require.Equal(t, "2024-02-29", one("CURRENT_DATE"))
	// TIME(0) in milliseconds; rendered as TIME(3) without the planner's type
	require.Equal(t, "13:14:15.0", one("CURRENT_TIME"))
	require.Equal(t, "13:14:15.0", one("LOCALTIME"))
	require.Equal(t, "1709212455", one("UNIX_TIMESTAMP"))
	// in Shanghai (UTC+8) the local clock is 21:14; CURRENT_TIMESTAMP is the
	// same instant, rendered in the session zone
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		sh = time.FixedZone("UTC+8", 8*3600)
	}
	ec.Location = sh
	require.Equal(t, "2024-02-29 21:14:15.123", one("LOCALTIMESTAMP"))
	require.Equal(t, "21:14:15.0", one("LOCALTIME"))
	arr, err := call(t, "CURRENT_TIMESTAMP").Eval(ec, rec)
	require.NoError(t, err)
	defer arr.Release()
	require.Equal(t, "2024-02-29 21:14:15.123", formatValue(arr, 0, sh))
	require.Equal(t, "2024-02-29 13:14:15.123", formatValue(arr, 0, time.UTC))
	ec.Now = time.Date(2024, 2, 29, 18, 0, 0, 0, time.UTC)
	require.Equal(t, "2024-03-01", one("CURRENT_DATE"))
	for _, n := range []string{"CURRENT_TIMESTAMP", "NOW", "LOCALTIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "LOCALTIME", "RAND", "RAND_INTEGER", "UUID", "UNIX_TIMESTAMP"} {
		require.False(t, IsDeterministic(n), n)
	}
	require.True(t, IsDeterministic("upper"))
	require.True(t, IsDeterministic("is not null"))
	require.False(t, IsDeterministic("no_such_function"))
}

func TestUUIDAndRand(t *testing.T) {
	rec := batch(t, col(t, tInt32, 1, 2, 3, 4))
	defer rec.Release()
	got := evalStrings(t, testCtx(), call(t, "UUID"), rec)
	seen := map[string]bool{}
	for _, u := range got {
		require.Len(t, u, 36)
		require.Equal(t, byte('4'), u[14], u)
		require.Contains(t, "89ab", string(u[19]), u)
		require.Equal(t, 4, strings.Count(u, "-"))
		seen[u] = true
	}
	require.Len(t, seen, 4)
	// RAND(seed) continues java.util.Random(seed)'s sequence across rows
	// and batches: 0.7275636800328681, 0.6832234717598454, ...
	r := call(t, "RAND", lit(t, 42, tInt32))
	first := evalStrings(t, testCtx(), r, rec)
	require.Equal(t, "0.7275636800328681", first[0])
	require.Equal(t, "0.6832234717598454", first[1])
	second := evalStrings(t, testCtx(), r, rec)
	require.NotEqual(t, first, second)
	// unseeded RAND is in [0, 1); RAND_INTEGER(n) in [0, n)
	for _, v := range evalStrings(t, testCtx(), call(t, "RAND"), rec) {
		require.Regexp(t, `^0\.[0-9]+(E-[0-9]+)?$|^0\.0$`, v)
	}
	rc := refs(rec)
	for _, v := range evalStrings(t, testCtx(), call(t, "RAND_INTEGER", call(t, "+", rc[0], lit(t, 1, tInt32))), rec) {
		require.Contains(t, []string{"0", "1", "2", "3", "4"}, v)
	}
	err := evalErr(t, call(t, "RAND_INTEGER", call(t, "-", rc[0], lit(t, 5, tInt32))), rec)
	require.Contains(t, err.Error(), "bound must be positive")
	// PI and E are constants
	require.Equal(t, "3.141592653589793", evalOne(t, call(t, "PI")))
	require.Equal(t, "2.718281828459045", evalOne(t, call(t, "E")))
}

// TestKernelsReleaseWhatTheyAllocate evaluates every sample, a CASE on both
// paths and failing calls with a checked allocator: nothing may stay
// allocated once the results are released.
func TestKernelsReleaseWhatTheyAllocate(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	ec := testCtx()
	ec.Mem = mem
	for _, s := range samples {
		e, rec := buildSample(t, s, -1)
		arr, err := e.Eval(ec, rec)
		require.NoError(t, err)
		arr.Release()
		rec.Release()
	}
	rec := batch(t, col(t, tInt32, 0, 1, 2, nil), col(t, tString, "1", "x", "3", nil))
	defer rec.Release()
	r := refs(rec)
	zero := lit(t, 0, tInt32)
	for _, e := range []vectorized.Expr{
		call(t, "CASE", call(t, "=", r[0], zero), zero, call(t, "/", lit(t, 6, tInt32), r[0])),
		call(t, "CASE", call(t, "=", r[0], zero), r[1], lit(t, "z", tString)),
		call(t, "COALESCE", r[0], call(t, "/", lit(t, 6, tInt32), r[0])),
		call(t, "AND", call(t, "<>", r[0], zero), call(t, ">", call(t, "/", lit(t, 6, tInt32), r[0]), zero)),
		call(t, "IN", r[0], zero, r[0]),
	} {
		arr, err := e.Eval(ec, rec)
		require.NoError(t, err, e.String())
		arr.Release()
	}
	for _, e := range []vectorized.Expr{
		call(t, "/", lit(t, 6, tInt32), r[0]),
		must(Cast(r[1], tInt32, false)),
		call(t, "FROM_BASE64", r[1]),
	} {
		_, err := e.Eval(ec, rec)
		require.Error(t, err)
	}
	mem.AssertSize(t, 0)
}

func must(e vectorized.Expr, err error) vectorized.Expr {
	if err != nil {
		panic(err)
	}
	return e
}
