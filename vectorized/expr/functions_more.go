package expr

import (
	"bytes"
	"encoding/hex"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/sluice-stream/sluice/vectorized"
)

func init() {
	register("GREATEST", []string{"GREATEST(T, T...)"}, bindGreatestLeast(true))
	register("LEAST", []string{"LEAST(T, T...)"}, bindGreatestLeast(false))
	register("LEFT", []string{"LEFT(STRING, INT)"}, fnBinder("SI", tString, false, strKernel(leftRightSetup(true))))
	register("RIGHT", []string{"RIGHT(STRING, INT)"}, fnBinder("SI", tString, false, strKernel(leftRightSetup(false))))
	register("BIN", []string{"BIN(INT)"}, fnBinder("I", tString, false, strKernel(radixSetup(2))))
	register("HEX", []string{"HEX(INT)", "HEX(STRING)"}, bindHex)
}

// bindGreatestLeast: Flink's GREATEST/LEAST take arguments of one
// comparable family, cast to their common type (the result type); a row
// with any NULL argument is NULL. Floating-point values are ordered as
// Double.compareTo (NaN above everything, -0.0 below 0.0). An untyped
// NULL has no type to cast to: Flink fails on it, so it does not bind.
func bindGreatestLeast(greatest bool) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		if len(args) == 0 {
			return nil, noMatch()
		}
		for _, a := range args {
			if isNullLiteral(a) {
				return nil, noMatchf("an untyped NULL argument needs a CAST")
			}
		}
		typ := commonType(argTypes(args))
		if typ == nil {
			return nil, noMatchf("all arguments must be comparable with each other; the types %s are not", typeList(argTypes(args)))
		}
		less := lessFunc(typ)
		if less == nil {
			return nil, noMatchf("values of type %s cannot be ordered", SQLTypeName(typ))
		}
		out := make([]vectorized.Expr, len(args))
		for i, a := range args {
			out[i] = implicit(a, typ)
		}
		fn := func(kc *kctx, in []arrow.Array) (arrow.Array, error) {
			n := kc.n
			which := make([]int16, n)
			pos := make([]int32, n)
			valids := make([]bitsView, len(in))
			for j, a := range in {
				valids[j] = validity(a)
			}
			cmp := less(in)
			for i := 0; i < n; i++ {
				w := 0
				for j := range in {
					if !valids[j].get(i) {
						w = -1
						break
					}
					// the later argument wins only when strictly beyond
					if j > 0 && ((greatest && cmp(w, i, j, i)) || (!greatest && cmp(j, i, w, i))) {
						w = j
					}
				}
				which[i], pos[i] = int16(w), int32(i)
			}
			return gather(kc.mem, typ, n, in, which, pos)
		}
		c := &callExpr{name: name, args: out, typ: typ, fn: fn}
		return foldLiteral(c), nil
	}
}

// lessFunc returns, for the argument columns of one batch, whether
// column a's row i orders before column b's row j; nil when dt has no
// order.
func lessFunc(dt arrow.DataType) func(cols []arrow.Array) func(a, i, b, j int) bool {
	switch dt.ID() {
	case arrow.INT8:
		return orderedLess[int8]
	case arrow.INT16:
		return orderedLess[int16]
	case arrow.INT32, arrow.DATE32, arrow.TIME32, arrow.INTERVAL_MONTHS:
		return orderedLess[int32]
	case arrow.INT64, arrow.TIMESTAMP, arrow.TIME64, arrow.DURATION:
		return orderedLess[int64]
	case arrow.FLOAT32:
		return func(cols []arrow.Array) func(a, i, b, j int) bool {
			vs := make([][]float32, len(cols))
			for k, c := range cols {
				vs[k] = values[float32](c)
			}
			return func(a, i, b, j int) bool {
				return javaDoubleCompare(float64(vs[a][i]), float64(vs[b][j])) < 0
			}
		}
	case arrow.FLOAT64:
		return func(cols []arrow.Array) func(a, i, b, j int) bool {
			vs := make([][]float64, len(cols))
			for k, c := range cols {
				vs[k] = values[float64](c)
			}
			return func(a, i, b, j int) bool { return javaDoubleCompare(vs[a][i], vs[b][j]) < 0 }
		}
	case arrow.DECIMAL128:
		return func(cols []arrow.Array) func(a, i, b, j int) bool {
			vs := make([][]decimal128.Num, len(cols))
			for k, c := range cols {
				vs[k] = values[decimal128.Num](c)
			}
			return func(a, i, b, j int) bool { return vs[a][i].Less(vs[b][j]) }
		}
	case arrow.BOOL:
		return func(cols []arrow.Array) func(a, i, b, j int) bool {
			vs := make([]bitsView, len(cols))
			for k, c := range cols {
				vs[k] = boolBits(c)
			}
			return func(a, i, b, j int) bool { return !vs[a].get(i) && vs[b].get(j) }
		}
	case arrow.STRING, arrow.BINARY:
		// byte order: Flink compares UTF-8 bytes (code point order)
		return func(cols []arrow.Array) func(a, i, b, j int) bool {
			vs := make([]strIn, len(cols))
			for k, c := range cols {
				vs[k] = newStrIn(c)
			}
			return func(a, i, b, j int) bool { return bytes.Compare(vs[a].bytes(i), vs[b].bytes(j)) < 0 }
		}
	}
	return nil
}

func orderedLess[T int8 | int16 | int32 | int64](cols []arrow.Array) func(a, i, b, j int) bool {
	vs := make([][]T, len(cols))
	for k, c := range cols {
		vs[k] = values[T](c)
	}
	return func(a, i, b, j int) bool { return vs[a][i] < vs[b][j] }
}

// javaDoubleCompare is Double.compare: -0.0 < 0.0, NaN above everything
// and equal to itself.
func javaDoubleCompare(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	xn, yn := math.IsNaN(x), math.IsNaN(y)
	switch {
	case xn && yn:
		return 0
	case xn:
		return 1
	case yn:
		return -1
	}
	xs, ys := math.Signbit(x), math.Signbit(y)
	switch {
	case xs && !ys:
		return -1
	case !xs && ys:
		return 1
	}
	return 0
}

// leftRightSetup: LEFT(s, n) / RIGHT(s, n) are the first / last n
// characters (code points) of s, all of s when n exceeds its length, ”
// for n <= 0.
func leftRightSetup(left bool) func(kc *kctx, in []arrow.Array) rowFn {
	return func(kc *kctx, in []arrow.Array) rowFn {
		s, cnt := sAccOf(in[0], kc.n), iAccOf(in[1], kc.n)
		return func(i int, dst []byte) ([]byte, bool, error) {
			k := cnt.at(i)
			if k <= 0 {
				return dst, false, nil
			}
			b := s.bytesAt(i)
			if left {
				end := 0
				for ; k > 0 && end < len(b); k-- {
					_, w := utf8.DecodeRune(b[end:])
					end += w
				}
				return append(dst, b[:end]...), false, nil
			}
			start := len(b)
			for ; k > 0 && start > 0; k-- {
				_, w := utf8.DecodeLastRune(b[:start])
				start -= w
			}
			return append(dst, b[start:]...), false, nil
		}
	}
}

// radixSetup: BIN(n) / HEX(n) write the 64-bit two's complement of n
// (Long.toBinaryString, Long.toHexString upper-cased): a negative INT is
// widened to BIGINT first, so HEX(-1) has 16 digits.
func radixSetup(base int) func(kc *kctx, in []arrow.Array) rowFn {
	return func(kc *kctx, in []arrow.Array) rowFn {
		v := iAccOf(in[0], kc.n)
		return func(i int, dst []byte) ([]byte, bool, error) {
			start := len(dst)
			dst = strconv.AppendUint(dst, uint64(v.at(i)), base)
			if base == 16 {
				upperHex(dst[start:])
			}
			return dst, false, nil
		}
	}
}

func upperHex(b []byte) {
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
}

// bindHex: HEX of an integer is its 64-bit two's complement in hex; HEX of
// a string is the hex of its UTF-8 bytes (upper case, as Flink's
// EncodingUtils.hex then upper-cased). Flink takes no other types.
func bindHex(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 1 {
		return nil, noMatch()
	}
	if familyOf(args[0].DataType()) == famString {
		return fnBinder("S", tString, false, strKernel(hexStringSetup))(name, args)
	}
	return fnBinder("I", tString, false, strKernel(radixSetup(16)))(name, args)
}

func hexStringSetup(kc *kctx, in []arrow.Array) rowFn {
	s := sAccOf(in[0], kc.n)
	return func(i int, dst []byte) ([]byte, bool, error) {
		start := len(dst)
		dst = hex.AppendEncode(dst, s.bytesAt(i))
		upperHex(dst[start:])
		return dst, false, nil
	}
}

// fracToBool: Flink casts FLOAT, DOUBLE and DECIMAL to BOOLEAN as value
// != 0 (NumericToBooleanCastRule), so NaN is TRUE and -0.0 FALSE.
func fracToBool(from arrow.DataType) castFn {
	return func(cc *castCtx, in arrow.Array) (arrow.Array, error) {
		n := in.Len()
		valid, nulls := andValidity(cc.mem, n, in)
		buf, out := allocBits(cc.mem, n)
		switch from.ID() {
		case arrow.FLOAT32:
			for i, v := range values[float32](in) {
				if v != 0 {
					out[i>>3] |= 1 << (i & 7)
				}
			}
		case arrow.FLOAT64:
			for i, v := range values[float64](in) {
				if v != 0 {
					out[i>>3] |= 1 << (i & 7)
				}
			}
		default:
			var zero decimal128.Num
			for i, v := range values[decimal128.Num](in) {
				if v != zero {
					out[i>>3] |= 1 << (i & 7)
				}
			}
		}
		return makeArray(tBool, n, valid, nulls, buf), nil
	}
}

// usWeekOfYear is DATE_FORMAT's 'w' (java.time's week of week-based year
// in Flink's default US locale): weeks run Sunday to Saturday and week 1
// is the one holding January 1, so the last days of December can be in
// week 1 of the next year.
func usWeekOfYear(days int64, year int) int64 {
	start := days - floorMod(days+4, 7) // the Sunday on or before (1970-01-01 was a Thursday)
	if ny, _, _ := civilFromDays(start + 6); ny > year {
		return 1
	}
	jan1 := civilDays(year, 1, 1)
	first := jan1 - floorMod(jan1+4, 7)
	return (start-first)/7 + 1
}
