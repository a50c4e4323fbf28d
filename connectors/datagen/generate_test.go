package datagen

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

var hexOnly = regexp.MustCompile(`^[0-9a-f]*$`)

// eachValue calls f with every non-null row index of column c, per record.
func eachValue[A arrow.Array](t *testing.T, o *output, c int, f func(a A, i int)) (nulls int) {
	t.Helper()
	for _, arr := range o.column(c) {
		a, ok := arr.(A)
		require.True(t, ok, "column %d is %T", c, arr)
		for i := range a.Len() {
			if a.IsNull(i) {
				nulls++
				continue
			}
			f(a, i)
		}
	}
	return nulls
}

func TestEveryTypeWithinItsBounds(t *testing.T) {
	mem := checkedMem(t)
	cols := []connector.Column{
		col("b", types.BOOLEAN()),                        // 0
		col("i8", types.TINYINT()),                       // 1
		col("i16", types.SMALLINT()),                     // 2
		col("i32", types.INT()),                          // 3
		col("i64", types.BIGINT()),                       // 4
		col("f32", types.FLOAT()),                        // 5
		col("f64", types.DOUBLE()),                       // 6
		col("dec", types.DECIMAL(6, 2)),                  // 7
		col("ch", types.CHAR(5)),                         // 8
		col("vc", types.VARCHAR(20)),                     // 9
		col("s", types.STRING()),                         // 10
		col("vl", types.VARCHAR(10)),                     // 11
		col("bin", types.BINARY(4)),                      // 12
		col("bytes", types.BYTES()),                      // 13
		col("vb", types.VARBINARY(8)),                    // 14
		col("d", types.DATE()),                           // 15
		col("tm", types.TIME(3)),                         // 16
		col("ts", types.TIMESTAMP(3)),                    // 17
		col("ltz", types.TIMESTAMP_LTZ(6)),               // 18
		col("ts0", types.TIMESTAMP(0)),                   // 19
		col("ym", types.INTERVAL_YEAR_MONTH()),           // 20
		col("dt", types.INTERVAL_DAY_TIME()),             // 21
		col("arr", types.ARRAY(types.INT())),             // 22
		col("m", types.MAP(types.INT(), types.STRING())), // 23
		col("r", types.ROW(types.FIELD("a", types.INT()), types.FIELD("b", types.CHAR(2)))), // 24
		col("ms", types.MULTISET(types.BOOLEAN())),                                          // 25
		col("nn", types.BIGINT().NotNullable()),                                             // 26
		col("dflt", types.DECIMAL(4, 1)),                                                    // 27
		col("ts1", types.TIMESTAMP(1)),                                                      // 28
	}
	opts := map[string]string{
		"number-of-rows": "3000", "seed": "42",
		"fields.i8.min": "-5", "fields.i8.max": "5",
		"fields.i16.min": "100", "fields.i16.max": "110",
		"fields.i32.min": "-1000000", "fields.i32.max": "-999990",
		"fields.i64.min": "9223372036854775800", "fields.i64.max": "9223372036854775807",
		"fields.f32.min": "1.5", "fields.f32.max": "2.5",
		"fields.f64.min": "-1e6", "fields.f64.max": "1e6",
		"fields.dec.min": "-10.5", "fields.dec.max": "10.5",
		"fields.vc.length":   "7",
		"fields.vl.var-len":  "true",
		"fields.vb.var-len":  "true",
		"fields.ts.max-past": "1 h",
		"fields.ym.min":      "-2", "fields.ym.max": "2",
		"fields.dt.min": "0", "fields.dt.max": "1000",
		"fields.arr.length": "4", "fields.arr.element.min": "7", "fields.arr.element.max": "9",
		"fields.m.length": "5", "fields.m.key.min": "0", "fields.m.key.max": "2", "fields.m.value.length": "3",
		"fields.r.a.min": "1", "fields.r.a.max": "1",
		"fields.ms.length": "2",
	}
	src := mustSource(t, cols, opts, nil)
	before := time.Now()
	out := runSubtask(t, src, 0, 1, nil, mem, 0)
	after := time.Now()
	require.Equal(t, 3000, out.rows())

	seenBool := map[bool]int{}
	assert.Zero(t, eachValue(t, out, 0, func(a *array.Boolean, i int) { seenBool[a.Value(i)]++ }))
	assert.Len(t, seenBool, 2, "a fair coin shows both sides")

	seen8 := map[int8]bool{}
	eachValue(t, out, 1, func(a *array.Int8, i int) { seen8[a.Value(i)] = true })
	assert.Len(t, seen8, 11, "every value of [-5, 5], both ends included")
	for v := range seen8 {
		assert.True(t, v >= -5 && v <= 5, "%d", v)
	}
	eachValue(t, out, 2, func(a *array.Int16, i int) { assert.True(t, a.Value(i) >= 100 && a.Value(i) <= 110) })
	eachValue(t, out, 3, func(a *array.Int32, i int) { assert.True(t, a.Value(i) >= -1000000 && a.Value(i) <= -999990) })
	seen64 := map[int64]bool{}
	eachValue(t, out, 4, func(a *array.Int64, i int) { seen64[a.Value(i)] = true })
	assert.Len(t, seen64, 8, "every value of [max-7, max]")
	assert.True(t, seen64[9223372036854775807])
	eachValue(t, out, 5, func(a *array.Float32, i int) {
		assert.True(t, a.Value(i) >= 1.5 && a.Value(i) <= 2.5, "%v", a.Value(i))
	})
	var neg, pos int
	eachValue(t, out, 6, func(a *array.Float64, i int) {
		v := a.Value(i)
		assert.True(t, v >= -1e6 && v <= 1e6, "%v", v)
		if v < 0 {
			neg++
		} else {
			pos++
		}
	})
	assert.Positive(t, neg)
	assert.Positive(t, pos)

	lo, hi := big.NewRat(-1050, 100), big.NewRat(1050, 100)
	decSeen := map[string]bool{}
	eachValue(t, out, 7, func(a *array.Decimal128, i int) {
		r, ok := new(big.Rat).SetString(a.Value(i).ToString(2))
		require.True(t, ok)
		assert.True(t, r.Cmp(lo) >= 0 && r.Cmp(hi) <= 0, "%s", r)
		decSeen[a.Value(i).ToString(2)] = true
	})
	assert.Greater(t, len(decSeen), 1000, "2101 decimals in range, 3000 draws")

	strLen := func(c, want int) {
		eachValue(t, out, c, func(a *array.String, i int) {
			assert.Len(t, a.Value(i), want)
			assert.Regexp(t, hexOnly, a.Value(i))
		})
	}
	strLen(8, 5)    // CHAR(5): its length
	strLen(9, 7)    // VARCHAR(20) with length 7
	strLen(10, 100) // STRING: Flink's default 100
	lens := map[int]bool{}
	eachValue(t, out, 11, func(a *array.String, i int) { lens[len(a.Value(i))] = true })
	assert.Len(t, lens, 10, "var-len VARCHAR(10): every length of [1, 10]")
	assert.True(t, lens[1] && lens[10])

	binLen := func(c, want int) {
		eachValue(t, out, c, func(a *array.Binary, i int) { assert.Len(t, a.Value(i), want) })
	}
	binLen(12, 4)
	binLen(13, 100)
	blens := map[int]bool{}
	eachValue(t, out, 14, func(a *array.Binary, i int) { blens[len(a.Value(i))] = true })
	assert.Len(t, blens, 8, "var-len VARBINARY(8): every length of [1, 8]")

	days := map[int32]bool{}
	eachValue(t, out, 15, func(a *array.Date32, i int) { days[int32(a.Value(i))] = true })
	for d := range days {
		day := time.Unix(int64(d)*86400, 0).UTC().Format("2006-01-02")
		assert.Contains(t, []string{before.Format("2006-01-02"), after.Format("2006-01-02")}, day, "the local date")
	}
	midnight := func(tm time.Time) time.Time {
		y, m, d := tm.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, tm.Location())
	}
	lowTime := before.Sub(midnight(before)).Truncate(time.Millisecond)
	highTime := after.Sub(midnight(after))
	eachValue(t, out, 16, func(a *array.Time32, i int) {
		v := time.Duration(a.Value(i)) * time.Millisecond
		if highTime >= lowTime { // the run did not straddle midnight
			assert.True(t, v >= lowTime && v <= highTime, "%v not in [%v, %v]", v, lowTime, highTime)
		}
	})
	inPast := func(c int, past time.Duration, unit time.Duration) {
		eachValue(t, out, c, func(a *array.Timestamp, i int) {
			v := time.Unix(0, int64(a.Value(i))*int64(unit))
			// The generator reads a millisecond clock (as Flink's
			// currentTimeMillis) whatever the precision.
			assert.False(t, v.Before(before.Add(-past).Truncate(max(unit, time.Millisecond))), "%v before %v", v, before.Add(-past))
			assert.False(t, v.After(after), "%v after %v", v, after)
		})
	}
	inPast(17, time.Hour, time.Millisecond)
	inPast(18, 0, time.Microsecond)
	inPast(19, 0, time.Second)
	assert.Equal(t, arrow.Second, out.recs[0].Column(19).DataType().(*arrow.TimestampType).Unit)
	eachValue(t, out, 28, func(a *array.Timestamp, i int) {
		assert.Zero(t, int64(a.Value(i))%100, "TIMESTAMP(1) has tenths of a second only")
	})
	var spread []int64
	eachValue(t, out, 17, func(a *array.Timestamp, i int) { spread = append(spread, int64(a.Value(i))) })
	assert.Greater(t, slices.Max(spread)-slices.Min(spread), int64(30*time.Minute/time.Millisecond), "max-past spreads values over the hour")

	eachValue(t, out, 20, func(a *array.MonthInterval, i int) { assert.True(t, a.Value(i) >= -2 && a.Value(i) <= 2) })
	eachValue(t, out, 21, func(a *array.Duration, i int) { assert.True(t, a.Value(i) >= 0 && a.Value(i) <= 1000) })

	eachValue(t, out, 22, func(a *array.List, i int) {
		s, e := a.ValueOffsets(i)
		require.EqualValues(t, 4, e-s)
		vals := a.ListValues().(*array.Int32)
		for j := s; j < e; j++ {
			assert.True(t, vals.Value(int(j)) >= 7 && vals.Value(int(j)) <= 9)
		}
	})
	sizes := map[int64]int{}
	eachValue(t, out, 23, func(a *array.Map, i int) {
		s, e := a.ValueOffsets(i)
		sizes[e-s]++
		keys, items := a.Keys().(*array.Int32), a.Items().(*array.String)
		seen := map[int32]bool{}
		for j := s; j < e; j++ {
			k := keys.Value(int(j))
			assert.False(t, seen[k], "duplicate key %d", k)
			seen[k] = true
			assert.True(t, k >= 0 && k <= 2)
			assert.Len(t, items.Value(int(j)), 3)
		}
	})
	for n := range sizes {
		assert.True(t, n >= 1 && n <= 3, "5 draws of 3 possible keys give 1 to 3 entries, got %d", n)
	}
	assert.Positive(t, sizes[3], "most maps hold every key")
	eachValue(t, out, 24, func(a *array.Struct, i int) {
		assert.EqualValues(t, 1, a.Field(0).(*array.Int32).Value(i))
		assert.Len(t, a.Field(1).(*array.String).Value(i), 2)
	})
	eachValue(t, out, 25, func(a *array.List, i int) {
		s, e := a.ValueOffsets(i)
		assert.EqualValues(t, 2, e-s)
	})
	assert.False(t, out.recs[0].Schema().Field(26).Nullable)
	assert.Zero(t, eachValue(t, out, 26, func(*array.Int64, int) {}))
	eachValue(t, out, 27, func(a *array.Decimal128, i int) {
		r, _ := new(big.Rat).SetString(a.Value(i).ToString(1))
		assert.True(t, r.Sign() >= 0 && r.Cmp(big.NewRat(9999, 10)) <= 0, "Flink's DECIMAL default is [0, 999.9]: %s", r)
	})
	for c := range cols {
		if c != 26 {
			assert.True(t, out.recs[0].Schema().Field(c).Nullable, "column %d", c)
		}
	}
}

func TestSequencesExactAcrossParallelism(t *testing.T) {
	cols := []connector.Column{
		col("id", types.BIGINT()),
		col("i8", types.TINYINT()),
		col("f", types.FLOAT()),
		col("d", types.DOUBLE()),
		col("dec", types.DECIMAL(10, 2)),
		col("s", types.VARCHAR(5)),
		col("c", types.CHAR(4)),
		col("bin", types.BINARY(10)),
		col("vb", types.BYTES()),
		col("r", types.INT()), // random, alongside
	}
	// Every sequence has 256 values, so all end together.
	opts := map[string]string{
		"fields.id.kind": "sequence", "fields.id.start": "-100", "fields.id.end": "155",
		"fields.i8.kind": "sequence", "fields.i8.start": "-128", "fields.i8.end": "127",
		"fields.f.kind": "sequence", "fields.f.start": "0", "fields.f.end": "255",
		"fields.d.kind": "sequence", "fields.d.start": "1000", "fields.d.end": "1255",
		"fields.dec.kind": "sequence", "fields.dec.start": "-5", "fields.dec.end": "250",
		"fields.s.kind": "sequence", "fields.s.start": "99744", "fields.s.end": "99999",
		"fields.c.kind": "sequence", "fields.c.start": "-255", "fields.c.end": "0",
		"fields.bin.kind": "sequence", "fields.bin.start": "256", "fields.bin.end": "511",
		"fields.vb.kind": "sequence", "fields.vb.start": "-256", "fields.vb.end": "-1",
		"rows-per-second": "1000000",
	}
	src := mustSource(t, cols, opts, nil)
	require.True(t, src.Bounded)
	for _, par := range []int{1, 2, 3} {
		t.Run(fmt.Sprint("parallelism ", par), func(t *testing.T) {
			mem := checkedMem(t)
			got := make([][]string, len(cols))
			for sub := range par {
				out := runSubtask(t, src, sub, par, engine.Config{engine.ConfigBatchSize: "37"}, mem, 0)
				want := 256 / par
				if 256%par > sub {
					want++
				}
				require.Equal(t, want, out.rows(), "subtask %d's share", sub)
				// Flink's split: subtask i emits start+i, start+i+n, …
				var first []int64
				eachValue(t, out, 0, func(a *array.Int64, i int) { first = append(first, a.Value(i)) })
				for k, v := range first {
					require.Equal(t, int64(-100+sub+k*par), v)
				}
				for c := range cols {
					for _, arr := range out.column(c) {
						for i := range arr.Len() {
							got[c] = append(got[c], fmt.Sprint(engine.Value(arr, i)))
						}
					}
				}
			}
			want := func(f func(k int) string) []string {
				w := make([]string, 256)
				for k := range w {
					w[k] = f(k)
				}
				slices.Sort(w)
				return w
			}
			check := func(c int, f func(k int) string) {
				g := slices.Clone(got[c])
				slices.Sort(g)
				assert.Equal(t, want(f), g, "column %s: every value once", cols[c].Name)
			}
			check(0, func(k int) string { return fmt.Sprint(k - 100) })
			check(1, func(k int) string { return fmt.Sprint(k - 128) })
			check(2, func(k int) string { return fmt.Sprint(float32(k)) })
			check(3, func(k int) string { return fmt.Sprint(float64(k + 1000)) })
			check(4, func(k int) string { return fmt.Sprintf("%d.00", k-5) })
			check(5, func(k int) string { return strconv.Itoa(99744 + k) })
			check(6, func(k int) string { return strconv.Itoa(k - 255) })
			check(7, func(k int) string {
				return fmt.Sprint(append(make([]byte, 2), binary.BigEndian.AppendUint64(nil, uint64(256+k))...))
			})
			check(8, func(k int) string { return fmt.Sprint(binary.BigEndian.AppendUint64(nil, uint64(int64(k-256)))) })
			assert.Len(t, got[9], 256, "random columns run alongside")
		})
	}
}

func TestSourceEndsWithItsShortestLimit(t *testing.T) {
	cols := []connector.Column{col("a", types.INT()), col("b", types.BIGINT())}
	tests := []struct {
		name string
		opts map[string]string
		par  int
		want []int // rows per subtask
	}{
		{"shortest sequence", map[string]string{
			"fields.a.kind": "sequence", "fields.a.start": "1", "fields.a.end": "10",
			"fields.b.kind": "sequence", "fields.b.start": "1", "fields.b.end": "1000"}, 3, []int{4, 3, 3}},
		{"number-of-rows below the sequence", map[string]string{
			"fields.a.kind": "sequence", "fields.a.start": "1", "fields.a.end": "100", "number-of-rows": "10"}, 3, []int{4, 3, 3}},
		{"number-of-rows above the sequence", map[string]string{
			"fields.a.kind": "sequence", "fields.a.start": "1", "fields.a.end": "5", "number-of-rows": "100"}, 2, []int{3, 2}},
		{"number-of-rows split as Flink does", map[string]string{"number-of-rows": "11"}, 4, []int{3, 3, 3, 2}},
		{"fewer rows than subtasks", map[string]string{"number-of-rows": "2"}, 3, []int{1, 1, 0}},
		{"one-value sequence", map[string]string{"fields.a.kind": "sequence", "fields.a.start": "7", "fields.a.end": "7"}, 2, []int{1, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := checkedMem(t)
			tc.opts["rows-per-second"] = "1000000"
			src := mustSource(t, cols, tc.opts, nil)
			for sub, want := range tc.want {
				assert.Equal(t, want, runSubtask(t, src, sub, tc.par, nil, mem, 0).rows(), "subtask %d", sub)
			}
		})
	}
}

func TestNullRate(t *testing.T) {
	cols := []connector.Column{
		col("half", types.INT()),
		col("all", types.STRING()),
		col("none", types.DOUBLE()),
		col("arr", types.ARRAY(types.BIGINT())),
		col("r", types.ROW(types.FIELD("x", types.BOOLEAN()))),
		col("m", types.MAP(types.BOOLEAN(), types.DATE())),
	}
	opts := map[string]string{
		"number-of-rows": "20000", "seed": "7", "rows-per-second": "1000000",
		"fields.half.null-rate": "0.3",
		"fields.all.null-rate":  "1",
		"fields.none.null-rate": "0",
		"fields.arr.null-rate":  "0.5", "fields.arr.element.null-rate": "0.25", "fields.arr.length": "4",
		"fields.r.null-rate": "0.1", "fields.r.x.null-rate": "0.5",
		"fields.m.value.null-rate": "1",
	}
	mem := checkedMem(t)
	out := runSubtask(t, mustSource(t, cols, opts, nil), 0, 1, nil, mem, 0)
	require.Equal(t, 20000, out.rows())
	nullFraction := func(c int) float64 {
		n := 0
		for _, a := range out.column(c) {
			n += a.NullN()
		}
		return float64(n) / 20000
	}
	assert.InDelta(t, 0.3, nullFraction(0), 0.02)
	assert.Equal(t, 1.0, nullFraction(1))
	assert.Equal(t, 0.0, nullFraction(2))
	assert.InDelta(t, 0.5, nullFraction(3), 0.02)
	assert.InDelta(t, 0.1, nullFraction(4), 0.02)
	var elems, elemNulls int
	for _, a := range out.column(3) {
		l := a.(*array.List)
		elems += l.ListValues().Len()
		elemNulls += l.ListValues().NullN()
	}
	assert.InDelta(t, 10000*4, elems, 800, "half the arrays, four elements each")
	assert.InDelta(t, 0.25, float64(elemNulls)/float64(elems), 0.02)
	var fieldNulls, valid int
	for _, a := range out.column(4) {
		s := a.(*array.Struct)
		for i := range s.Len() {
			if s.IsValid(i) {
				valid++
				if s.Field(0).IsNull(i) {
					fieldNulls++
				}
			}
		}
	}
	assert.InDelta(t, 0.5, float64(fieldNulls)/float64(valid), 0.02)
	for _, a := range out.column(5) {
		m := a.(*array.Map)
		assert.Equal(t, m.Items().Len(), m.Items().NullN(), "every map value is NULL")
		assert.Zero(t, m.Keys().NullN())
	}
}

func TestSeedReproducesRows(t *testing.T) {
	cols := []connector.Column{
		col("i", types.INT()), col("s", types.VARCHAR(12)), col("d", types.DECIMAL(20, 3)),
		col("a", types.ARRAY(types.DOUBLE())), col("m", types.MAP(types.STRING(), types.TINYINT())),
		col("r", types.ROW(types.FIELD("b", types.BYTES()))),
	}
	opts := func(seed string) map[string]string {
		return map[string]string{"number-of-rows": "300", "seed": seed, "rows-per-second": "1000000",
			"fields.s.var-len": "true", "fields.i.null-rate": "0.2", "fields.r.b.length": "3", "fields.m.key.length": "1"}
	}
	mem := checkedMem(t)
	run := func(seed string, batch string, sub, par int) []engine.Row {
		return runSubtask(t, mustSource(t, cols, opts(seed), nil), sub, par, engine.Config{engine.ConfigBatchSize: batch}, mem, 0).changelog()
	}
	a := run("11", "1000", 0, 2)
	assert.Equal(t, a, run("11", "1000", 0, 2), "same seed, same rows")
	assert.Equal(t, a, run("11", "7", 0, 2), "the batch size does not change the values")
	assert.NotEqual(t, a, run("12", "1000", 0, 2), "another seed, other rows")
	assert.NotEqual(t, a, run("11", "1000", 1, 2), "subtasks draw their own streams")

	// Without a seed, two tables differ.
	noSeed := map[string]string{"number-of-rows": "50", "rows-per-second": "1000000"}
	x := runSubtask(t, mustSource(t, cols, noSeed, nil), 0, 1, nil, mem, 0).changelog()
	y := runSubtask(t, mustSource(t, cols, noSeed, nil), 0, 1, nil, mem, 0).changelog()
	assert.NotEqual(t, x, y)
}

func TestBatchSizes(t *testing.T) {
	cols := []connector.Column{col("x", types.INT())}
	tests := []struct {
		name string
		opts map[string]string
		cfg  engine.Config
		par  int
		want []int
	}{
		{"from sluice.exec.batch-size", map[string]string{"number-of-rows": "20", "rows-per-second": "1000000"},
			engine.Config{engine.ConfigBatchSize: "7"}, 1, []int{7, 7, 6}},
		{"default 10000", map[string]string{"number-of-rows": "25000", "rows-per-second": "1000000"},
			nil, 1, []int{10000, 10000, 5000}},
		{"capped by the subtask's rate", map[string]string{"number-of-rows": "3", "rows-per-second": "3000"},
			nil, 3, []int{1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := checkedMem(t)
			out := runSubtask(t, mustSource(t, cols, tc.opts, nil), 0, tc.par, tc.cfg, mem, 0)
			assert.Equal(t, tc.want, out.sizes())
		})
	}
	t.Run("rate caps an unbounded source's batches", func(t *testing.T) {
		mem := checkedMem(t)
		out := runSubtask(t, mustSource(t, cols, map[string]string{"rows-per-second": "7"}, nil), 0, 1, nil, mem, 1)
		assert.Equal(t, []int{7}, out.sizes(), "one second's worth of rows")
	})
}

func TestRateLimit(t *testing.T) {
	cols := []connector.Column{col("x", types.INT())}
	t.Run("one subtask", func(t *testing.T) {
		mem := checkedMem(t)
		src := mustSource(t, cols, map[string]string{"rows-per-second": "100", "number-of-rows": "50"}, nil)
		start := time.Now()
		out := runSubtask(t, src, 0, 1, engine.Config{engine.ConfigBatchSize: "10"}, mem, 0)
		// Rows 41..50 are due at 40/100 s.
		assert.GreaterOrEqual(t, time.Since(start), 400*time.Millisecond)
		assert.Equal(t, []int{10, 10, 10, 10, 10}, out.sizes())
	})
	t.Run("split across subtasks", func(t *testing.T) {
		mem := checkedMem(t)
		src := mustSource(t, cols, map[string]string{"rows-per-second": "100", "number-of-rows": "40"}, nil)
		start := time.Now()
		// 50 rows/s per subtask: rows 11..20 are due at 10/50 s.
		out := runSubtask(t, src, 1, 2, engine.Config{engine.ConfigBatchSize: "10"}, mem, 0)
		assert.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond)
		assert.Equal(t, []int{10, 10}, out.sizes())
	})
	t.Run("cancellation interrupts the wait", func(t *testing.T) {
		mem := checkedMem(t)
		src := mustSource(t, cols, map[string]string{"rows-per-second": "1"}, nil)
		s := src.Instance(0, 1)
		ctx, cancel := context.WithCancel(context.Background())
		require.NoError(t, s.Open(ctx, &engine.RuntimeContext{Parallelism: 1, Mem: mem}))
		defer func() { require.NoError(t, s.Close()) }()
		batches := 0
		err := s.Run(ctx, engine.CollectorFunc(func(context.Context, *vectorized.Batch) error {
			batches++
			cancel() // the source now waits a second for its next row
			return nil
		}))
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, batches)
	})
}

func TestCollectorErrorStopsTheSource(t *testing.T) {
	mem := checkedMem(t)
	src := mustSource(t, []connector.Column{col("x", types.INT())}, map[string]string{"rows-per-second": "1000000"}, nil)
	s := src.Instance(0, 1)
	require.NoError(t, s.Open(context.Background(), &engine.RuntimeContext{Parallelism: 1, Mem: mem}))
	boom := fmt.Errorf("downstream failed")
	err := s.Run(context.Background(), engine.CollectorFunc(func(context.Context, *vectorized.Batch) error { return boom }))
	assert.ErrorIs(t, err, boom)
	require.NoError(t, s.Close())
}
