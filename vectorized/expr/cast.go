package expr

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

// castExpr is CAST(arg AS to) or TRY_CAST(arg AS to).
type castExpr struct {
	arg vectorized.Expr
	to  arrow.DataType
	try bool
	fn  castFn
	// toName renders the target when the Arrow type does not tell it
	// (TIME(0) is carried as TIME(3)); empty: SQLTypeName(to).
	toName string
	// fused evaluates a DECIMAL arithmetic argument and the conversion
	// to DOUBLE row by row (decfuse.go); nil: kernel by kernel.
	fused *decFused
}

type castFn func(cc *castCtx, in arrow.Array) (arrow.Array, error)

type castCtx struct {
	mem  memory.Allocator
	loc  *time.Location
	n    int
	from arrow.DataType
	to   arrow.DataType
	try  bool
}

// fail reports a value that does not convert; TRY_CAST turns it into NULL
// (the caller clears the row's validity when fail returns nil).
func (cc *castCtx) fail(value, reason string) error {
	if cc.try {
		return nil
	}
	return &EvalError{Function: "CAST", Call: "CAST(" + value + " AS " + SQLTypeName(cc.to) + ")", Reason: reason}
}

func (cc *castCtx) invalid(value string) error {
	return cc.fail(value, value+" is not a valid "+SQLTypeName(cc.to))
}

func (c *castExpr) DataType() arrow.DataType    { return c.to }
func (c *castExpr) children() []vectorized.Expr { return []vectorized.Expr{c.arg} }
func (c *castExpr) canFail() bool               { return !c.try && castCanFail(c.arg.DataType(), c.to) }
func (c *castExpr) String() string {
	name := "CAST"
	if c.try {
		name = "TRY_CAST"
	}
	to := c.toName
	if to == "" {
		to = SQLTypeName(c.to)
	}
	return name + "(" + c.arg.String() + " AS " + to + ")"
}

func (c *castExpr) Eval(ec *vectorized.EvalContext, rec arrow.RecordBatch) (arrow.Array, error) {
	if c.fused != nil {
		return c.fused.eval(c, ec, rec)
	}
	in, err := c.arg.Eval(ec, rec)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	cc := &castCtx{mem: allocatorOf(ec), loc: locationOf(ec), n: in.Len(), from: c.arg.DataType(), to: c.to, try: c.try}
	return c.fn(cc, in)
}

// Cast converts e to type to with Flink's explicit cast rules; with try it is
// TRY_CAST, which yields NULL where CAST fails.
func Cast(e vectorized.Expr, to arrow.DataType, try bool) (vectorized.Expr, error) {
	from := e.DataType()
	if !CanCast(from, to) {
		ff, ft := familyOf(from), familyOf(to)
		switch {
		// Flink: NumericToTimestampCastRule / TimestampToNumericCastRule
		// reject these casts and point to the functions to use.
		case isNumeric(from) && ft == famTimestamp:
			return nil, fmt.Errorf("the cast from NUMERIC type to TIMESTAMP type is not allowed; use TO_TIMESTAMP(FROM_UNIXTIME(numeric_col)) instead, note the numeric is in seconds")
		case isNumeric(from) && ft == famTimestampLTZ:
			return nil, fmt.Errorf("the cast from NUMERIC type to TIMESTAMP_LTZ type is not allowed; use TO_TIMESTAMP_LTZ(numeric_col, precision) instead")
		case ff == famTimestamp && isNumeric(to):
			return nil, fmt.Errorf("the cast from TIMESTAMP type to NUMERIC type is not allowed; use UNIX_TIMESTAMP(CAST(timestamp_col AS STRING)) instead")
		case ff == famTimestampLTZ && isNumeric(to):
			return nil, fmt.Errorf("the cast from TIMESTAMP_LTZ type to NUMERIC type is not allowed")
		}
		return nil, fmt.Errorf("cannot cast %s to %s", SQLTypeName(from), SQLTypeName(to))
	}
	c := &castExpr{arg: e, to: to, try: try, fn: castFunc(from, to)}
	if c.fn == nil {
		return nil, fmt.Errorf("cannot cast %s to %s", SQLTypeName(from), SQLTypeName(to))
	}
	c.fused = fuseDecimalToDouble(e, to)
	return foldLiteral(c), nil
}

// CastTime is Cast for TIME values of a known SQL precision, which the Arrow
// type does not carry: TIME(0) to TIME(3) are all milliseconds of the day
// (time32[ms]), as in Flink, where a TIME(0) column can hold 12:00:00.123
// that only a CAST drops. fromPrec and toPrec are the precisions of the
// argument and of the target when they are TIME (-1: not TIME, or the
// Arrow unit's). A cast to TIME(p) truncates to p fractional digits
// (Flink's CastRuleUtils / TimeToTimeCastRule); a TIME(p) cast to a string
// is rendered with Flink's unixTimeToString(time, p).
func CastTime(e vectorized.Expr, to arrow.DataType, try bool, fromPrec, toPrec int) (vectorized.Expr, error) {
	from := e.DataType()
	truncate := familyOf(to) == famTime && toPrec >= 0 && toPrec < unitPrecision(timeUnitOf(to))
	text := familyOf(from) == famTime && familyOf(to) == famString && fromPrec >= 0 &&
		fromPrec < unitPrecision(timeUnitOf(from))
	if (!truncate && !text) || !CanCast(from, to) {
		return Cast(e, to, try)
	}
	c := &castExpr{arg: e, to: to, try: try, fn: castFunc(from, to)}
	if c.fn == nil {
		return Cast(e, to, try)
	}
	if text {
		c.fn = timeToString(fromPrec)
	}
	if truncate {
		c.fn = truncatingTime(c.fn, toPrec)
		c.toName = fmt.Sprintf("TIME(%d)", toPrec)
	}
	return foldLiteral(c), nil
}

// truncatingTime applies fn and drops the fraction digits of its TIME
// result beyond precision.
func truncatingTime(fn castFn, precision int) castFn {
	return func(cc *castCtx, in arrow.Array) (arrow.Array, error) {
		out, err := fn(cc, in)
		if err != nil {
			return nil, err
		}
		u := timeUnitOf(cc.to)
		step := int64(1)
		for p := unitPrecision(u); p > precision; p-- {
			step *= 10
		}
		n := out.Len()
		buf, vals := allocFixed[int64](cc.mem, n)
		get := temporalValues(out)
		for i := 0; i < n; i++ {
			v := get(i)
			vals[i] = v - v%step
		}
		valid, nulls := andValidity(cc.mem, n, out)
		out.Release()
		return narrowTemporal(cc.mem, cc.to, n, valid, nulls, buf, vals), nil
	}
}

// timeToString renders TIME(precision) values as Flink's CAST(... AS
// STRING) does.
func timeToString(precision int) castFn {
	return func(cc *castCtx, in arrow.Array) (arrow.Array, error) {
		n := in.Len()
		out := newStrOut(cc.mem, tString, n, n*12)
		iv := validity(in)
		get := temporalValues(in)
		per := unitsPerSecond(timeUnitOf(in.DataType()))
		var scratch []byte
		for i := 0; i < n; i++ {
			if !iv.get(i) {
				out.AppendNull()
				continue
			}
			scratch = appendFlinkTime(scratch[:0], get(i)*(nanosPerSecond/per), precision)
			out.Append(scratch)
		}
		return out.finish(), nil
	}
}

// CanCast reports whether CAST(from AS to) is allowed: Flink's explicit
// casting matrix (LogicalTypeCasts), restricted to the rules Flink can also
// execute (numeric <-> TIMESTAMP is in the matrix but rejected by the cast
// rules, and only INTERVAL YEAR TO MONTH <-> BIGINT and INTERVAL DAY TO
// SECOND <-> INT convert, as in NumericPrimitiveCastRule).
func CanCast(from, to arrow.DataType) bool {
	if ok, handled := canCastComposite(from, to); handled {
		return ok
	}
	ff, ft := familyOf(from), familyOf(to)
	if ff == famOther || ft == famOther {
		return false
	}
	if arrow.TypeEqual(from, to) || ff == famNull {
		return true
	}
	switch ft {
	case famNull:
		return false
	case famString:
		return true
	case famBinary:
		return ff == famString || ff == famBinary
	case famBool:
		return ff == famString || ff == famInt || ff == famFloat || ff == famDecimal
	case famDecimal, famFloat:
		return isNumeric(from) || ff == famString || ff == famBool
	case famInt:
		if isNumeric(from) || ff == famString || ff == famBool {
			return true
		}
		return (ff == famIntervalYM && to.ID() == arrow.INT64) || (ff == famIntervalDT && to.ID() == arrow.INT32)
	case famDate:
		return ff == famDate || ff == famTimestamp || ff == famTimestampLTZ || ff == famString
	case famTime:
		return ff == famTime || ff == famTimestamp || ff == famTimestampLTZ || ff == famString
	case famTimestamp, famTimestampLTZ:
		return isTemporal(from) || ff == famString
	case famIntervalYM:
		return from.ID() == arrow.INT64
	case famIntervalDT:
		return from.ID() == arrow.INT32
	}
	return false
}

// castCanFail reports whether CAST (not TRY_CAST) can raise for some value.
func castCanFail(from, to arrow.DataType) bool {
	ff, ft := familyOf(from), familyOf(to)
	if ff == famString {
		return ft != famString && ft != famBinary
	}
	if ff == famFloat && ft == famDecimal {
		return true // NaN and Infinity have no DECIMAL value
	}
	return false
}

// castFunc returns the kernel for a cast CanCast allows.
func castFunc(from, to arrow.DataType) castFn {
	if arrow.TypeEqual(from, to) {
		return func(cc *castCtx, in arrow.Array) (arrow.Array, error) {
			in.Retain()
			return in, nil
		}
	}
	if fn, handled := compositeCastFunc(from, to); handled {
		return fn
	}
	ff, ft := familyOf(from), familyOf(to)
	switch {
	case ff == famNull:
		return func(cc *castCtx, in arrow.Array) (arrow.Array, error) {
			return array.MakeArrayOfNull(cc.mem, cc.to, in.Len()), nil
		}
	case ft == famString:
		return castToString
	case ff == famString:
		return castFromString(to)
	case (ff == famInt || ff == famFloat) && (ft == famInt || ft == famFloat):
		return numericCast(from, to)
	case ff == famBool && isNumeric(to):
		return boolToNumeric
	case ff == famInt && ft == famBool:
		return intToBool(from)
	case (ff == famFloat || ff == famDecimal) && ft == famBool:
		return fracToBool(from)
	case ft == famDecimal:
		return toDecimalCast(from)
	case ff == famDecimal:
		return decimalToNumeric(to)
	case ff == famBinary && ft == famBinary:
		return func(cc *castCtx, in arrow.Array) (arrow.Array, error) {
			in.Retain()
			return in, nil
		}
	case isTemporal(from) && isTemporal(to):
		return temporalCast(from, to)
	case ff == famIntervalYM && to.ID() == arrow.INT64:
		return numericCastTyped[int32, int64]
	case from.ID() == arrow.INT64 && ft == famIntervalYM:
		return numericCastTyped[int64, int32]
	case ff == famIntervalDT && to.ID() == arrow.INT32:
		return numericCastTyped[int64, int32]
	case from.ID() == arrow.INT32 && ft == famIntervalDT:
		return numericCastTyped[int32, int64]
	}
	return nil
}

// --- numeric <-> numeric --------------------------------------------------

// numericCast: Flink's NumericPrimitiveCastRule emits a Java primitive
// cast, so narrowing integers wrap around and floating point values
// saturate (NaN becomes 0) as in JLS 5.1.3.
func numericCast(from, to arrow.DataType) castFn {
	switch from.ID() {
	case arrow.INT8:
		return numericCastFrom[int8](to)
	case arrow.INT16:
		return numericCastFrom[int16](to)
	case arrow.INT32:
		return numericCastFrom[int32](to)
	case arrow.INT64:
		return numericCastFrom[int64](to)
	case arrow.FLOAT32:
		return floatCastFrom[float32](to)
	case arrow.FLOAT64:
		return floatCastFrom[float64](to)
	}
	return nil
}

func numericCastFrom[F integer](to arrow.DataType) castFn {
	switch to.ID() {
	case arrow.INT8:
		return numericCastTyped[F, int8]
	case arrow.INT16:
		return numericCastTyped[F, int16]
	case arrow.INT32:
		return numericCastTyped[F, int32]
	case arrow.INT64:
		return numericCastTyped[F, int64]
	case arrow.FLOAT32:
		return numericCastTyped[F, float32]
	case arrow.FLOAT64:
		return numericCastTyped[F, float64]
	}
	return nil
}

func floatCastFrom[F float](to arrow.DataType) castFn {
	switch to.ID() {
	case arrow.INT8:
		return floatToIntCast[F, int8]
	case arrow.INT16:
		return floatToIntCast[F, int16]
	case arrow.INT32:
		return floatToIntCast[F, int32]
	case arrow.INT64:
		return floatToIntCast[F, int64]
	case arrow.FLOAT32:
		return numericCastTyped[F, float32]
	case arrow.FLOAT64:
		return numericCastTyped[F, float64]
	}
	return nil
}

func numericCastTyped[F, T number](cc *castCtx, in arrow.Array) (arrow.Array, error) {
	n := in.Len()
	valid, nulls := andValidity(cc.mem, n, in)
	buf, out := allocFixed[T](cc.mem, n)
	src := values[F](in)
	for i := range out {
		out[i] = T(src[i])
	}
	return makeArray(cc.to, n, valid, nulls, buf), nil
}

// javaD2L is Java's (long) d.
func javaD2L(d float64) int64 {
	switch {
	case d != d:
		return 0
	case d >= 9.223372036854775807e18:
		return math.MaxInt64
	case d <= -9.223372036854775808e18:
		return math.MinInt64
	}
	return int64(d)
}

// javaD2I is Java's (int) d; (short) d and (byte) d narrow its result.
func javaD2I(d float64) int32 {
	switch {
	case d != d:
		return 0
	case d >= math.MaxInt32:
		return math.MaxInt32
	case d <= math.MinInt32:
		return math.MinInt32
	}
	return int32(d)
}

func floatToIntCast[F float, T integer](cc *castCtx, in arrow.Array) (arrow.Array, error) {
	n := in.Len()
	valid, nulls := andValidity(cc.mem, n, in)
	buf, out := allocFixed[T](cc.mem, n)
	src := values[F](in)
	wide := cc.to.ID() == arrow.INT64
	for i := range out {
		if wide {
			out[i] = T(javaD2L(float64(src[i])))
		} else {
			out[i] = T(javaD2I(float64(src[i])))
		}
	}
	return makeArray(cc.to, n, valid, nulls, buf), nil
}

// Flink: BooleanToNumericCastRule — TRUE is 1, FALSE is 0.
func boolToNumeric(cc *castCtx, in arrow.Array) (arrow.Array, error) {
	n := in.Len()
	valid, nulls := andValidity(cc.mem, n, in)
	bits := boolBits(in)
	switch cc.to.ID() {
	case arrow.INT8:
		return boolToNum[int8](cc, n, bits, valid, nulls), nil
	case arrow.INT16:
		return boolToNum[int16](cc, n, bits, valid, nulls), nil
	case arrow.INT32:
		return boolToNum[int32](cc, n, bits, valid, nulls), nil
	case arrow.INT64:
		return boolToNum[int64](cc, n, bits, valid, nulls), nil
	case arrow.FLOAT32:
		return boolToNum[float32](cc, n, bits, valid, nulls), nil
	case arrow.FLOAT64:
		return boolToNum[float64](cc, n, bits, valid, nulls), nil
	}
	// DECIMAL: via BIGINT
	tmp := boolToNum[int64](&castCtx{mem: cc.mem, to: tInt64}, n, bits, valid, nulls)
	defer tmp.Release()
	return toDecimalCast(tInt64)(cc, tmp)
}

func boolToNum[T number](cc *castCtx, n int, bits bitsView, valid *memory.Buffer, nulls int) arrow.Array {
	buf, out := allocFixed[T](cc.mem, n)
	for i := range out {
		if bits.get(i) {
			out[i] = 1
		} else {
			out[i] = 0
		}
	}
	return makeArray(cc.to, n, valid, nulls, buf)
}

// Flink: IntegerNumericToBooleanCastRule — any non-zero integer is TRUE.
func intToBool(from arrow.DataType) castFn {
	return func(cc *castCtx, in arrow.Array) (arrow.Array, error) {
		n := in.Len()
		valid, nulls := andValidity(cc.mem, n, in)
		buf, out := allocBits(cc.mem, n)
		switch from.ID() {
		case arrow.INT8:
			nonZeroBits(values[int8](in), out)
		case arrow.INT16:
			nonZeroBits(values[int16](in), out)
		case arrow.INT32:
			nonZeroBits(values[int32](in), out)
		case arrow.INT64:
			nonZeroBits(values[int64](in), out)
		}
		return makeArray(tBool, n, valid, nulls, buf), nil
	}
}

func nonZeroBits[T integer](v []T, out []byte) {
	for i, x := range v {
		if x != 0 {
			out[i>>3] |= 1 << (i & 7)
		}
	}
}

// --- DECIMAL ------------------------------------------------------------------

// toDecimalCast: Flink's NumericPrimitiveToDecimalCastRule and
// DecimalToDecimalCastRule round HALF_UP and give NULL when the value does
// not fit (DecimalData.fromBigDecimal returns null); a FLOAT/DOUBLE goes
// through BigDecimal.valueOf, i.e. its shortest decimal representation, and
// NaN/Infinity fail (NumberFormatException).
func toDecimalCast(from arrow.DataType) castFn {
	return func(cc *castCtx, in arrow.Array) (arrow.Array, error) {
		n := in.Len()
		p, s := decPS(cc.to)
		validBuf, vb := allocBits(cc.mem, n)
		inValid := validity(in)
		buf, out := allocFixed[decimal128.Num](cc.mem, n)
		var z big.Int
		if familyOf(from) == famInt {
			// integers: widen once per batch, then the 128-bit rescale
			ints := widenInts(from, in)
			if s <= 18 && p >= 19+s {
				// every BIGINT times 10^s fits 128 bits and p digits, so
				// the result is NULL exactly where the input is; NULL
				// rows hold garbage, as any value under a cleared bit
				validBuf.Release()
				valid, nulls := andValidity(cc.mem, n, in)
				if s == 0 {
					for i, v := range ints {
						out[i] = decimal128.New(v>>63, uint64(v))
					}
				} else {
					m := decimal128.FromU64(pow10U128[s].lo)
					for i, v := range ints {
						out[i] = decimal128.New(v>>63, uint64(v)).Mul(m)
					}
				}
				return makeArray(cc.to, n, valid, nulls, buf), nil
			}
			for i, v := range ints {
				if !inValid.get(i) {
					continue
				}
				if num, ok := rescaleDecimal(decimal128.FromI64(v), 0, p, s, &z); ok {
					out[i] = num
					bitutil.SetBit(vb, i)
				}
			}
			validBuf, nulls := finishValidity(validBuf, n)
			return makeArray(cc.to, n, validBuf, nulls, buf), nil
		}
		for i := 0; i < n; i++ {
			if !inValid.get(i) {
				continue
			}
			var num decimal128.Num
			ok := true
			switch familyOf(from) {
			case famInt:
				var v int64
				switch from.ID() {
				case arrow.INT8:
					v = int64(values[int8](in)[i])
				case arrow.INT16:
					v = int64(values[int16](in)[i])
				case arrow.INT32:
					v = int64(values[int32](in)[i])
				default:
					v = values[int64](in)[i]
				}
				num, ok = rescaleDecimal(decimal128.FromI64(v), 0, p, s, &z)
			case famDecimal:
				_, fs := decPS(from)
				num, ok = rescaleDecimal(values[decimal128.Num](in)[i], fs, p, s, &z)
			case famFloat:
				var f float64
				bits := 64
				if from.ID() == arrow.FLOAT32 {
					f = float64(values[float32](in)[i])
					bits = 32
				} else {
					f = values[float64](in)[i]
				}
				if math.IsNaN(f) || math.IsInf(f, 0) {
					if err := cc.invalid(javaDoubleString(f, bits)); err != nil {
						buf.Release()
						validBuf.Release()
						return nil, err
					}
					continue
				}
				var parsed bool
				num, parsed = parseDecimal(strconv.FormatFloat(f, 'e', -1, 64), p, s)
				ok = parsed
			}
			if ok {
				out[i] = num
				bitutil.SetBit(vb, i)
			}
		}
		validBuf, nulls := finishValidity(validBuf, n)
		return makeArray(cc.to, n, validBuf, nulls, buf), nil
	}
}

// decimalToNumeric: Flink's DecimalToNumericPrimitiveCastRule truncates
// toward zero to a long (BigDecimal.longValue) and then narrows like Java;
// to FLOAT/DOUBLE it takes the nearest value.
func decimalToNumeric(to arrow.DataType) castFn {
	return func(cc *castCtx, in arrow.Array) (arrow.Array, error) {
		n := in.Len()
		_, s := decPS(in.DataType())
		valid, nulls := andValidity(cc.mem, n, in)
		src := values[decimal128.Num](in)
		iv := validity(in)
		var z big.Int
		toLong := func(i int) int64 {
			if s <= 19 {
				u, neg := magnitude(src[i])
				q, _ := divmod64(u, pow10U128[s].lo)
				if neg {
					return -int64(q.lo) // wraps like the low bits of -q
				}
				return int64(q.lo)
			}
			setNum(&z, src[i])
			z.Quo(&z, pow10Big[s])
			// low 64 bits, like BigInteger.longValue
			u := new(big.Int).And(&z, new(big.Int).SetUint64(math.MaxUint64)).Uint64()
			return int64(u)
		}
		var zf big.Float
		toFloat := func(i int) float64 { return decimalToFloat64(src[i], s, &zf) }
		switch to.ID() {
		case arrow.BOOL:
			return nil, fmt.Errorf("cannot cast DECIMAL to BOOLEAN")
		case arrow.FLOAT32:
			// BigDecimal.floatValue rounds once, to 24 bits
			buf, out := allocFixed[float32](cc.mem, n)
			for i := range out {
				if iv.get(i) {
					out[i] = decimalToFloat32(src[i], s, &zf)
				}
			}
			return makeArray(to, n, valid, nulls, buf), nil
		case arrow.FLOAT64:
			buf, out := allocFixed[float64](cc.mem, n)
			if s <= 19 {
				// one loop with the scale's divisor bound once; rows
				// under a NULL bit convert whatever they hold
				toF := newDecimalToFloat64(s)
				for i, x := range src[:n] {
					out[i] = toF.convert(x)
				}
				return makeArray(tFloat64, n, valid, nulls, buf), nil
			}
			for i := range out {
				if iv.get(i) {
					out[i] = toFloat(i)
				}
			}
			return makeArray(tFloat64, n, valid, nulls, buf), nil
		}
		buf, out := allocFixed[int64](cc.mem, n)
		for i := range out {
			if iv.get(i) {
				out[i] = toLong(i)
			}
		}
		arr := makeArray(tInt64, n, valid, nulls, buf)
		if to.ID() == arrow.INT64 {
			return arr, nil
		}
		defer arr.Release()
		return numericCastFrom[int64](to)(cc, arr)
	}
}

// --- to STRING ------------------------------------------------------------

// castToString renders values as Flink's CAST(x AS STRING) does.
func castToString(cc *castCtx, in arrow.Array) (arrow.Array, error) {
	n := in.Len()
	if in.DataType().ID() == arrow.BINARY {
		// Flink: BinaryToStringCastRule decodes UTF-8 (malformed input is
		// replaced with U+FFFD, as new String(bytes, UTF_8) does).
		src := newStrIn(in)
		out := newStrOut(cc.mem, tString, n, len(src.data))
		for i := 0; i < n; i++ {
			if src.isNull(i) {
				out.AppendNull()
				continue
			}
			b := src.bytes(i)
			if utf8.Valid(b) {
				out.Append(b)
			} else {
				out.AppendString(strings.ToValidUTF8(string(b), "\uFFFD"))
			}
		}
		return out.finish(), nil
	}
	out := newStrOut(cc.mem, tString, n, n*8)
	iv := validity(in)
	var scratch []byte
	for i := 0; i < n; i++ {
		if !iv.get(i) {
			out.AppendNull()
			continue
		}
		scratch = appendValue(scratch[:0], in, i, cc.loc)
		out.Append(scratch)
	}
	return out.finish(), nil
}

// formatValue renders value i of a the way CAST(... AS STRING) does.
func formatValue(a arrow.Array, i int, loc *time.Location) string {
	if a.IsNull(i) {
		return "NULL"
	}
	return string(appendValue(nil, a, i, loc))
}

// appendValue appends the CAST(... AS STRING) text of value i of a.
func appendValue(b []byte, a arrow.Array, i int, loc *time.Location) []byte {
	dt := a.DataType()
	switch dt.ID() {
	case arrow.BOOL:
		// Flink: BooleanToStringCastRule writes TRUE / FALSE.
		if a.(*array.Boolean).Value(i) {
			return append(b, "TRUE"...)
		}
		return append(b, "FALSE"...)
	case arrow.INT8:
		return strconv.AppendInt(b, int64(values[int8](a)[i]), 10)
	case arrow.INT16:
		return strconv.AppendInt(b, int64(values[int16](a)[i]), 10)
	case arrow.INT32:
		return strconv.AppendInt(b, int64(values[int32](a)[i]), 10)
	case arrow.INT64:
		return strconv.AppendInt(b, values[int64](a)[i], 10)
	case arrow.FLOAT32:
		// Flink: NumericToStringCastRule is "" + value, i.e. Float.toString.
		return append(b, javaDoubleString(float64(values[float32](a)[i]), 32)...)
	case arrow.FLOAT64:
		return append(b, javaDoubleString(values[float64](a)[i], 64)...)
	case arrow.DECIMAL128:
		_, s := decPS(dt)
		return append(b, decimalString(values[decimal128.Num](a)[i], s)...)
	case arrow.STRING:
		return append(b, a.(*array.String).Value(i)...)
	case arrow.BINARY:
		return append(b, a.(*array.Binary).Value(i)...)
	case arrow.DATE32:
		return appendDate(b, int64(values[int32](a)[i]))
	case arrow.TIME32, arrow.TIME64:
		u := timeUnitOf(dt)
		var v int64
		if dt.ID() == arrow.TIME32 {
			v = int64(values[int32](a)[i])
		} else {
			v = values[int64](a)[i]
		}
		if u <= arrow.Millisecond {
			// Flink keeps TIME in milliseconds; unixTimeToString(time, 3)
			return appendFlinkTime(b, v*(nanosPerSecond/unitsPerSecond(u)), unitPrecision(u))
		}
		return appendTimeOfDay(b, v*(nanosPerSecond/unitsPerSecond(u)), unitPrecision(u))
	case arrow.TIMESTAMP:
		u := timeUnitOf(dt)
		v := values[int64](a)[i]
		var days, nanos int64
		if familyOf(dt) == famTimestampLTZ {
			// Flink: TimestampToStringCastRule renders TIMESTAMP_LTZ in the
			// session time zone.
			days, nanos = ltzToLocal(v, u, loc)
		} else {
			days, nanos = splitTicks(v, u)
		}
		return appendTimestamp(b, days, nanos, unitPrecision(u))
	case arrow.DURATION:
		return appendIntervalDT(b, convertTicks(values[int64](a)[i], timeUnitOf(dt), arrow.Millisecond))
	case arrow.INTERVAL_MONTHS:
		return appendIntervalYM(b, int64(values[int32](a)[i]))
	}
	return append(b, fmt.Sprint(a.GetOneForMarshal(i))...)
}

// appendIntervalDT renders milliseconds as Flink prints INTERVAL DAY TO
// SECOND(3): "+1 02:03:04.005".
func appendIntervalDT(b []byte, ms int64) []byte {
	if ms < 0 {
		b = append(b, '-')
		ms = -ms
	} else {
		b = append(b, '+')
	}
	b = strconv.AppendInt(b, ms/millisPerDay, 10)
	b = append(b, ' ')
	return appendTimeOfDay(b, (ms%millisPerDay)*1_000_000, 3)
}

// appendIntervalYM renders months as Flink prints INTERVAL YEAR TO MONTH:
// "+1-02".
func appendIntervalYM(b []byte, months int64) []byte {
	if months < 0 {
		b = append(b, '-')
		months = -months
	} else {
		b = append(b, '+')
	}
	b = strconv.AppendInt(b, months/12, 10)
	b = append(b, '-')
	return pad(b, months%12, 2)
}

// --- from STRING ------------------------------------------------------------

func castFromString(to arrow.DataType) castFn {
	switch familyOf(to) {
	case famBinary:
		// Flink: StringToBinaryCastRule takes the UTF-8 bytes.
		return func(cc *castCtx, in arrow.Array) (arrow.Array, error) {
			d := in.Data()
			out := array.NewData(tBinary, d.Len(), d.Buffers(), nil, d.NullN(), d.Offset())
			defer out.Release()
			return array.MakeFromData(out), nil
		}
	case famInt:
		switch to.ID() {
		case arrow.INT8:
			return stringToInt[int8]
		case arrow.INT16:
			return stringToInt[int16]
		case arrow.INT32:
			return stringToInt[int32]
		}
		return stringToInt[int64]
	case famFloat:
		if to.ID() == arrow.FLOAT32 {
			return stringToFloat[float32]
		}
		return stringToFloat[float64]
	case famDecimal:
		return stringToDecimal
	case famBool:
		return stringToBool
	case famDate, famTime, famTimestamp, famTimestampLTZ:
		return stringToTemporal
	}
	return nil
}

// parseJavaLong parses like Flink's BinaryStringDataUtil.toLong/toInt (from
// Hive's LazyLong): an optional sign and digits, no surrounding spaces; a
// fractional part of digits is allowed and truncated. ok is false for bad
// input; overflow is reported separately.
func parseJavaLong(s string, lo, hi int64) (v int64, ok, overflow bool) {
	if len(s) == 0 {
		return 0, false, false
	}
	i := 0
	neg := s[0] == '-'
	if neg || s[0] == '+' {
		i++
		if len(s) == 1 {
			return 0, false, false
		}
	}
	var acc uint64
	limit := uint64(hi)
	if neg {
		limit = uint64(-(lo + 1)) + 1
	}
	over := false
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			i++
			break
		}
		if c < '0' || c > '9' {
			return 0, false, false
		}
		if !over {
			acc = acc*10 + uint64(c-'0')
			if acc > limit {
				over = true
			}
		}
	}
	for ; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false, false
		}
	}
	if over {
		return 0, true, true
	}
	if neg {
		return -int64(acc-1) - 1, true, false
	}
	return int64(acc), true, false
}

func stringToInt[T integer](cc *castCtx, in arrow.Array) (arrow.Array, error) {
	n := in.Len()
	src := newStrIn(in)
	validBuf, _ := andValidity(cc.mem, n, in)
	if validBuf == nil {
		validBuf, _ = allocBits(cc.mem, n)
		bitutil.SetBitsTo(validBuf.Bytes(), 0, int64(n), true)
	}
	vb := validBuf.Bytes()
	buf, out := allocFixed[T](cc.mem, n)
	lo, hi := intRange(cc.to)
	// Flink: TINYINT and SMALLINT parse as INT and then range-check.
	plo, phi := lo, hi
	if cc.to.ID() == arrow.INT8 || cc.to.ID() == arrow.INT16 {
		plo, phi = math.MinInt32, math.MaxInt32
	}
	for i := 0; i < n; i++ {
		if !bitutil.BitIsSet(vb, i) {
			continue
		}
		s := src.str(i)
		// Flink trims spaces (only spaces) around the number
		v, ok, over := parseJavaLong(strings.Trim(s, " "), plo, phi)
		if ok && !over && (v < lo || v > hi) {
			over = true
		}
		if !ok || over {
			var err error
			if over {
				err = cc.fail(quoteSQL(s), quoteSQL(s)+" is out of range for "+SQLTypeName(cc.to))
			} else {
				err = cc.invalid(quoteSQL(s))
			}
			if err != nil {
				buf.Release()
				validBuf.Release()
				return nil, err
			}
			bitutil.ClearBit(vb, i)
			continue
		}
		out[i] = T(v)
	}
	validBuf, nulls := finishValidity(validBuf, n)
	return makeArray(cc.to, n, validBuf, nulls, buf), nil
}

// parseJavaDouble accepts what Java's Double.parseDouble accepts (Flink:
// BinaryStringDataUtil.toDouble): surrounding whitespace, an optional sign,
// NaN, Infinity, decimal digits with an optional point and exponent, an
// optional f/F/d/D suffix, and hexadecimal floating literals.
func parseJavaDouble(s string, bits int) (float64, bool) {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	if s == "" {
		return 0, false
	}
	body := s
	sign := ""
	if body[0] == '+' || body[0] == '-' {
		sign, body = body[:1], body[1:]
	}
	switch body {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		if sign == "-" {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	if n := len(body); n > 0 && strings.ContainsRune("fFdD", rune(body[n-1])) {
		body = body[:n-1]
	}
	if strings.HasPrefix(body, "0x") || strings.HasPrefix(body, "0X") {
		if !strings.ContainsAny(body, "pP") {
			return 0, false
		}
		f, err := strconv.ParseFloat(sign+body, bits)
		return f, err == nil || isRangeErr(err)
	}
	digits, i := 0, 0
	for ; i < len(body) && body[i] >= '0' && body[i] <= '9'; i++ {
		digits++
	}
	if i < len(body) && body[i] == '.' {
		i++
		for ; i < len(body) && body[i] >= '0' && body[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(body) && (body[i] == 'e' || body[i] == 'E') {
		i++
		if i < len(body) && (body[i] == '+' || body[i] == '-') {
			i++
		}
		start := i
		for ; i < len(body) && body[i] >= '0' && body[i] <= '9'; i++ {
		}
		if i == start {
			return 0, false
		}
	}
	if i != len(body) {
		return 0, false
	}
	f, err := strconv.ParseFloat(sign+body, bits)
	return f, err == nil || isRangeErr(err)
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func stringToFloat[T float](cc *castCtx, in arrow.Array) (arrow.Array, error) {
	n := in.Len()
	src := newStrIn(in)
	validBuf, _ := andValidity(cc.mem, n, in)
	if validBuf == nil {
		validBuf, _ = allocBits(cc.mem, n)
		bitutil.SetBitsTo(validBuf.Bytes(), 0, int64(n), true)
	}
	vb := validBuf.Bytes()
	buf, out := allocFixed[T](cc.mem, n)
	bits := 64
	if cc.to.ID() == arrow.FLOAT32 {
		bits = 32
	}
	for i := 0; i < n; i++ {
		if !bitutil.BitIsSet(vb, i) {
			continue
		}
		f, ok := parseJavaDouble(src.str(i), bits)
		if !ok {
			if err := cc.invalid(quoteSQL(src.str(i))); err != nil {
				buf.Release()
				validBuf.Release()
				return nil, err
			}
			bitutil.ClearBit(vb, i)
			continue
		}
		out[i] = T(f)
	}
	validBuf, nulls := finishValidity(validBuf, n)
	return makeArray(cc.to, n, validBuf, nulls, buf), nil
}

// stringToDecimal: Flink's StringToDecimalCastRule fails on malformed input
// and also on values that overflow the precision (toDecimal throws).
func stringToDecimal(cc *castCtx, in arrow.Array) (arrow.Array, error) {
	n := in.Len()
	p, s := decPS(cc.to)
	src := newStrIn(in)
	validBuf, _ := andValidity(cc.mem, n, in)
	if validBuf == nil {
		validBuf, _ = allocBits(cc.mem, n)
		bitutil.SetBitsTo(validBuf.Bytes(), 0, int64(n), true)
	}
	vb := validBuf.Bytes()
	buf, out := allocFixed[decimal128.Num](cc.mem, n)
	for i := 0; i < n; i++ {
		if !bitutil.BitIsSet(vb, i) {
			continue
		}
		num, ok := parseDecimal(strings.Trim(src.str(i), " "), p, s)
		if !ok {
			if err := cc.invalid(quoteSQL(src.str(i))); err != nil {
				buf.Release()
				validBuf.Release()
				return nil, err
			}
			bitutil.ClearBit(vb, i)
			continue
		}
		out[i] = num
	}
	validBuf, nulls := finishValidity(validBuf, n)
	return makeArray(cc.to, n, validBuf, nulls, buf), nil
}

// stringToBool: Flink's BinaryStringDataUtil.toBoolean accepts, ignoring
// case, t/true/y/yes/1 and f/false/n/no/0.
func stringToBool(cc *castCtx, in arrow.Array) (arrow.Array, error) {
	n := in.Len()
	src := newStrIn(in)
	validBuf, _ := andValidity(cc.mem, n, in)
	if validBuf == nil {
		validBuf, _ = allocBits(cc.mem, n)
		bitutil.SetBitsTo(validBuf.Bytes(), 0, int64(n), true)
	}
	vb := validBuf.Bytes()
	buf, out := allocBits(cc.mem, n)
	for i := 0; i < n; i++ {
		if !bitutil.BitIsSet(vb, i) {
			continue
		}
		switch strings.ToLower(src.str(i)) {
		case "t", "true", "y", "yes", "1":
			bitutil.SetBit(out, i)
		case "f", "false", "n", "no", "0":
		default:
			if err := cc.invalid(quoteSQL(src.str(i))); err != nil {
				buf.Release()
				validBuf.Release()
				return nil, err
			}
			bitutil.ClearBit(vb, i)
		}
	}
	validBuf, nulls := finishValidity(validBuf, n)
	return makeArray(tBool, n, validBuf, nulls, buf), nil
}

// stringToTemporal parses ISO-8601 text: yyyy-MM-dd for DATE, HH:mm:ss[.f]
// for TIME and "yyyy-MM-dd HH:mm:ss[.f]" (or with 'T') for TIMESTAMP; a
// TIMESTAMP_LTZ is read as a wall clock in the session time zone.
func stringToTemporal(cc *castCtx, in arrow.Array) (arrow.Array, error) {
	n := in.Len()
	src := newStrIn(in)
	validBuf, _ := andValidity(cc.mem, n, in)
	if validBuf == nil {
		validBuf, _ = allocBits(cc.mem, n)
		bitutil.SetBitsTo(validBuf.Bytes(), 0, int64(n), true)
	}
	vb := validBuf.Bytes()
	fam := familyOf(cc.to)
	u := timeUnitOf(cc.to)
	buf, out := allocFixed[int64](cc.mem, n)
	for i := 0; i < n; i++ {
		if !bitutil.BitIsSet(vb, i) {
			continue
		}
		s := src.str(i)
		var v int64
		var ok bool
		switch fam {
		case famDate:
			v, ok = parseDate(s)
		case famTime:
			var nanos int64
			nanos, ok = parseTimeOfDay(s)
			v = nanos / (nanosPerSecond / unitsPerSecond(u))
		case famTimestamp, famTimestampLTZ:
			var days, nanos int64
			days, nanos, ok = parseTimestamp(s)
			if fam == famTimestamp {
				v = joinTicks(days, nanos, u)
			} else {
				v = localToLTZ(days, nanos, u, cc.loc)
			}
		}
		if !ok {
			if err := cc.invalid(quoteSQL(s)); err != nil {
				buf.Release()
				validBuf.Release()
				return nil, err
			}
			bitutil.ClearBit(vb, i)
			continue
		}
		out[i] = v
	}
	validBuf, nulls := finishValidity(validBuf, n)
	return narrowTemporal(cc.mem, cc.to, n, validBuf, nulls, buf, out), nil
}

// narrowTemporal packs int64 results into the physical width of dt (DATE
// and TIME32 are 32-bit).
func narrowTemporal(mem memory.Allocator, dt arrow.DataType, n int, valid *memory.Buffer, nulls int, buf *memory.Buffer, vals []int64) arrow.Array {
	switch dt.ID() {
	case arrow.DATE32, arrow.TIME32, arrow.INTERVAL_MONTHS, arrow.INT32:
		b32, o32 := allocFixed[int32](mem, n)
		for i, v := range vals {
			o32[i] = int32(v)
		}
		buf.Release()
		return makeArray(dt, n, valid, nulls, b32)
	}
	return makeArray(dt, n, valid, nulls, buf)
}

// --- temporal <-> temporal ---------------------------------------------------

// temporalValue reads value i of a DATE, TIME or TIMESTAMP column widened to
// int64.
func temporalValues(a arrow.Array) func(i int) int64 {
	switch a.DataType().ID() {
	case arrow.DATE32, arrow.TIME32, arrow.INTERVAL_MONTHS, arrow.INT32:
		v := values[int32](a)
		return func(i int) int64 { return int64(v[i]) }
	}
	v := values[int64](a)
	return func(i int) int64 { return v[i] }
}

// temporalCast converts between DATE, TIME, TIMESTAMP and TIMESTAMP_LTZ.
// Flink: DateToTimestampCastRule (midnight), TimestampToDateCastRule and
// TimestampToTimeCastRule (the wall clock's date or time), TimeToTimestamp
// (on 1970-01-01), TimestampToTimestampCastRule (truncating precision;
// TIMESTAMP <-> TIMESTAMP_LTZ through the session time zone).
func temporalCast(from, to arrow.DataType) castFn {
	ff, ft := familyOf(from), familyOf(to)
	return func(cc *castCtx, in arrow.Array) (arrow.Array, error) {
		n := in.Len()
		valid, nulls := andValidity(cc.mem, n, in)
		iv := validity(in)
		get := temporalValues(in)
		uf, ut := timeUnitOf(from), timeUnitOf(to)
		buf, out := allocFixed[int64](cc.mem, n)
		for i := 0; i < n; i++ {
			if !iv.get(i) {
				continue
			}
			v := get(i)
			// split into the wall clock: days and nanoseconds of the day
			var days, nanos int64
			switch ff {
			case famDate:
				days = v
			case famTime:
				nanos = v * (nanosPerSecond / unitsPerSecond(uf))
			case famTimestamp:
				if ft == famTimestamp {
					out[i] = convertTicks(v, uf, ut)
					continue
				}
				days, nanos = splitTicks(v, uf)
			case famTimestampLTZ:
				if ft == famTimestampLTZ {
					out[i] = convertTicks(v, uf, ut)
					continue
				}
				days, nanos = ltzToLocal(v, uf, cc.loc)
			}
			switch ft {
			case famDate:
				out[i] = days
			case famTime:
				out[i] = nanos / (nanosPerSecond / unitsPerSecond(ut))
			case famTimestamp:
				out[i] = joinTicks(days, nanos, ut)
			case famTimestampLTZ:
				out[i] = localToLTZ(days, nanos, ut, cc.loc)
			}
		}
		return narrowTemporal(cc.mem, to, n, valid, nulls, buf, out), nil
	}
}
