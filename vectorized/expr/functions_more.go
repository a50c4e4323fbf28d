package expr

import (
	"bytes"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
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

func init() {
	register("ELT", []string{"ELT(INT, T, T...)"}, bindElt)
	register("TRANSLATE", []string{"TRANSLATE(STRING, from STRING, to STRING)"}, bindTranslate)
	register("INET_ATON", []string{"INET_ATON(STRING)"}, fnBinder("S", tInt64, false, fixedKernel(inetAtonSetup)))
	register("INET_NTOA", []string{"INET_NTOA(INT)"}, fnBinder("I", tString, false, strKernel(inetNtoaSetup)))
}

// bindElt: ELT(n, e1, e2, ...) is the n-th of e1, e2, ... (1-based) in
// their common type; NULL when n is NULL or out of range. Flink rejects
// a negative literal n while validating (0 gives NULL).
func bindElt(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) < 2 {
		return nil, noMatch()
	}
	idx := args[0]
	if !isNullLiteral(idx) && familyOf(idx.DataType()) != famInt {
		return nil, noMatchf("the index must be an integer")
	}
	if n, ok := literalInt(idx); ok && n < 0 {
		return nil, noMatchf("the index must be an integer starting from 0, but was %d", n)
	}
	typ := commonType(argTypes(args[1:]))
	if typ == nil {
		return nil, noMatchf("the argument types %s have no common type", typeList(argTypes(args[1:])))
	}
	out := make([]vectorized.Expr, len(args))
	out[0] = implicit(idx, tInt64)
	for i, a := range args[1:] {
		out[i+1] = implicit(a, typ)
	}
	fn := func(kc *kctx, in []arrow.Array) (arrow.Array, error) {
		n := kc.n
		k, kv := values[int64](in[0]), validity(in[0])
		which := make([]int16, n)
		pos := make([]int32, n)
		for i := 0; i < n; i++ {
			pos[i] = int32(i)
			if !kv.get(i) || k[i] < 1 || k[i] > int64(len(in)-1) {
				which[i] = -1
				continue
			}
			which[i] = int16(k[i] - 1)
		}
		return gather(kc.mem, typ, n, in[1:], which, pos)
	}
	return foldLiteral(&callExpr{name: name, args: out, typ: typ, fn: fn}), nil
}

// bindTranslate: TRANSLATE(s, from, to) replaces each character of s
// found in from by the character at the same place in to and drops it
// when to is shorter (the first occurrence in from decides). A NULL s is
// NULL; a NULL from leaves s as it is and a NULL to drops every character
// of from (Flink's null handling).
func bindTranslate(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	a, ok := argKinds(args, "SSS")
	if !ok {
		return nil, noMatch()
	}
	fn := func(kc *kctx, in []arrow.Array) (arrow.Array, error) {
		n := kc.n
		s, from, to := sAccOf(in[0], n), sAccOf(in[1], n), sAccOf(in[2], n)
		sv, fv, tv := validity(in[0]), validity(in[1]), validity(in[2])
		at := func(v bitsView, i int, a arrow.Array) bool {
			if isScalarArg(a, n) {
				i = 0
			}
			return v.get(i)
		}
		out := newStrOut(kc.mem, tString, n, 0)
		var buf []byte
		for i := 0; i < n; i++ {
			if !at(sv, i, in[0]) {
				out.AppendNull()
				continue
			}
			var f, t []rune
			if at(fv, i, in[1]) {
				f = []rune(from.at(i))
			}
			if at(tv, i, in[2]) {
				t = []rune(to.at(i))
			}
			buf = buf[:0]
			for _, r := range s.at(i) {
				k := -1
				for j, c := range f {
					if c == r {
						k = j
						break
					}
				}
				switch {
				case k < 0:
					buf = utf8.AppendRune(buf, r)
				case k < len(t):
					buf = utf8.AppendRune(buf, t[k])
				}
			}
			out.Append(buf)
		}
		return out.finish(), nil
	}
	return foldLiteral(&callExpr{name: name, args: a, typ: tString, fn: fn}), nil
}

// inetAtonSetup: INET_ATON of a dotted IPv4 address of one to four
// decimal parts of at most 255 each; as in MySQL a short address fills the
// low bytes with its last part ('1.2.3' is 1.2.0.3). Anything else
// (spaces, five parts, an empty part) is NULL.
func inetAtonSetup(kc *kctx, in []arrow.Array) fixedRowFn[int64] {
	s := sAccOf(in[0], kc.n)
	return func(i int) (int64, bool, error) {
		str := s.at(i)
		if str == "" {
			return 0, true, nil
		}
		var parts []int64
		for _, p := range strings.Split(str, ".") {
			if p == "" || len(p) > 3 {
				return 0, true, nil
			}
			v := int64(0)
			for _, c := range p {
				if c < '0' || c > '9' {
					return 0, true, nil
				}
				v = v*10 + int64(c-'0')
			}
			if v > 255 {
				return 0, true, nil
			}
			parts = append(parts, v)
		}
		if len(parts) > 4 {
			return 0, true, nil
		}
		var v int64
		for _, p := range parts[:len(parts)-1] {
			v = v<<8 | p
		}
		v <<= 8 * (5 - len(parts))
		return v | parts[len(parts)-1], false, nil
	}
}

// inetNtoaSetup: INET_NTOA of 0 .. 2^32-1 as a dotted address, NULL
// outside that range.
func inetNtoaSetup(kc *kctx, in []arrow.Array) rowFn {
	v := iAccOf(in[0], kc.n)
	return func(i int, dst []byte) ([]byte, bool, error) {
		x := v.at(i)
		if x < 0 || x > math.MaxUint32 {
			return dst, true, nil
		}
		for k := 3; k >= 0; k-- {
			dst = strconv.AppendInt(dst, (x>>(8*k))&255, 10)
			if k > 0 {
				dst = append(dst, '.')
			}
		}
		return dst, false, nil
	}
}
