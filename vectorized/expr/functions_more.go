package expr

import (
	"bytes"
	"encoding/hex"
	"math"
	"strconv"
	"unicode"
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

func init() {
	register("STARTSWITH", []string{"STARTSWITH(STRING, STRING)", "STARTSWITH(BYTES, BYTES)"}, bindAffix(true))
	register("ENDSWITH", []string{"ENDSWITH(STRING, STRING)", "ENDSWITH(BYTES, BYTES)"}, bindAffix(false))
	register("INSTR", []string{"INSTR(STRING, STRING)"}, fnBinder("SS", tInt32, false, fixedKernel(instrSetup)))
	register("BTRIM", []string{"BTRIM(STRING)", "BTRIM(STRING, chars STRING)"}, fnBinder("S?S", tString, false, strKernel(trimSetup(true, true, -1))))
	register("IS_DIGIT", []string{"IS_DIGIT(STRING)"}, fnBinder("S", tBool, false, stringTest(isAllRunes(unicode.IsDigit))))
	register("IS_ALPHA", []string{"IS_ALPHA(STRING)"}, fnBinder("S", tBool, false, stringTest(isAllRunes(unicode.IsLetter))))
	register("IS_DECIMAL", []string{"IS_DECIMAL(STRING)"}, fnBinder("S", tBool, false, stringTest(func(s string) bool {
		_, ok := parseJavaDouble(s, 64)
		return ok
	})))
	register("URL_ENCODE", []string{"URL_ENCODE(STRING)"}, fnBinder("S", tString, false, strKernel(urlEncodeSetup)))
	register("URL_DECODE", []string{"URL_DECODE(STRING)"}, fnBinder("S", tString, false, strKernel(urlDecodeSetup)))
}

// bindAffix: STARTSWITH / ENDSWITH of two strings or two byte strings;
// an empty affix matches.
func bindAffix(prefix bool) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		kinds := "SS"
		if len(args) == 2 && (familyOf(args[0].DataType()) == famBinary || familyOf(args[1].DataType()) == famBinary) {
			kinds = "BB"
		}
		return fnBinder(kinds, tBool, false, boolKernel(func(kc *kctx, in []arrow.Array) fixedRowFn[bool] {
			s, a := sAccOf(in[0], kc.n), sAccOf(in[1], kc.n)
			return func(i int) (bool, bool, error) {
				if prefix {
					return bytes.HasPrefix(s.bytesAt(i), a.bytesAt(i)), false, nil
				}
				return bytes.HasSuffix(s.bytesAt(i), a.bytesAt(i)), false, nil
			}
		}))(name, args)
	}
}

// instrSetup: INSTR(s, sub) is the 1-based character position of the
// first sub in s, 0 when there is none.
func instrSetup(kc *kctx, in []arrow.Array) fixedRowFn[int32] {
	s, sub := sAccOf(in[0], kc.n), sAccOf(in[1], kc.n)
	return func(i int) (int32, bool, error) {
		b := s.bytesAt(i)
		k := bytes.Index(b, sub.bytesAt(i))
		if k < 0 {
			return 0, false, nil
		}
		return int32(utf8.RuneCount(b[:k])) + 1, false, nil
	}
}

// stringTest is the kernel of IS_DIGIT, IS_ALPHA and IS_DECIMAL: a test
// of the whole string that is FALSE, never NULL, for a NULL argument
// (Flink's SqlFunctionUtils.isDigit and friends).
func stringTest(test func(string) bool) kernelFn {
	return func(kc *kctx, in []arrow.Array) (arrow.Array, error) {
		n := kc.n
		s, valid := sAccOf(in[0], n), validity(in[0])
		scalar := isScalarArg(in[0], n)
		buf, out := allocBits(kc.mem, n)
		for i := 0; i < n; i++ {
			j := i
			if scalar {
				j = 0
			}
			if valid.get(j) && test(s.at(i)) {
				out[i>>3] |= 1 << (i & 7)
			}
		}
		return makeArray(tBool, n, nil, 0, buf), nil
	}
}

// isAllRunes: a non-empty string whose characters all pass is (Java's
// Character.isDigit / isLetter work on Unicode classes, as Go's unicode).
func isAllRunes(is func(rune) bool) func(string) bool {
	return func(s string) bool {
		if s == "" {
			return false
		}
		for _, r := range s {
			if !is(r) {
				return false
			}
		}
		return true
	}
}

// urlEncodeSetup is Java's URLEncoder.encode(s, UTF-8): letters, digits
// and . - * _ stay, a space becomes +, every other byte %XX (upper case).
func urlEncodeSetup(kc *kctx, in []arrow.Array) rowFn {
	s := sAccOf(in[0], kc.n)
	return func(i int, dst []byte) ([]byte, bool, error) {
		for _, c := range s.bytesAt(i) {
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '*', c == '_':
				dst = append(dst, c)
			case c == ' ':
				dst = append(dst, '+')
			default:
				dst = append(dst, '%', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&15])
			}
		}
		return dst, false, nil
	}
}

// urlDecodeSetup is Java's URLDecoder.decode(s, UTF-8): + is a space, %XX
// a byte; a malformed escape makes the result NULL (Flink catches the
// decoder's exception).
func urlDecodeSetup(kc *kctx, in []arrow.Array) rowFn {
	s := sAccOf(in[0], kc.n)
	return func(i int, dst []byte) ([]byte, bool, error) {
		b := s.bytesAt(i)
		start := len(dst)
		for k := 0; k < len(b); k++ {
			switch c := b[k]; c {
			case '+':
				dst = append(dst, ' ')
			case '%':
				if k+2 >= len(b) {
					return dst[:start], true, nil
				}
				v, err := hex.DecodeString(string(b[k+1 : k+3]))
				if err != nil {
					return dst[:start], true, nil
				}
				dst = append(dst, v[0])
				k += 2
			default:
				dst = append(dst, c)
			}
		}
		if !utf8.Valid(dst[start:]) {
			// Java replaces malformed UTF-8 by U+FFFD
			fixed := []rune(string(dst[start:]))
			dst = append(dst[:start], string(fixed)...)
		}
		return dst, false, nil
	}
}
