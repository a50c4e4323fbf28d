package engine

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ---- VAR_POP, VAR_SAMP, STDDEV_POP, STDDEV_SAMP ----

// welfordAcc is Flink's reduction of the variance aggregates
// (AggregateReduceFunctionsRule.reduceStddev, a Flink modification of
// Calcite's): an internal WELFORD_M2 aggregate — count n, running mean and
// m2, all in DOUBLE, updated by Welford's online algorithm, with its
// retraction run backwards — and COUNT(x); the result is m2 / n (POP) or
// m2 / (n - 1), NULL when n = 1 (SAMP), the square root of that for
// STDDEV, cast to the result type: the argument's type (DECIMAL(p, s) →
// DECIMAL(38, max(6, s)), as AVG). M2 is NULL when n <= 0 or when rounding
// made it negative, and so is the result.
type welfordAcc struct {
	samp, sqrt bool
	dt         arrow.DataType // result type
	n          []int64
	mean, m2   []float64
	res        results[uint64] // float64 bits of the DOUBLE result
	read       func(i int) float64
	bm         []byte
	off        int
}

func newWelfordAcc(kind AggKind, argType, result arrow.DataType) (*welfordAcc, error) {
	id := argType.ID()
	if !isIntegerID(id) && id != arrow.FLOAT32 && id != arrow.FLOAT64 && id != arrow.DECIMAL128 {
		return nil, fmt.Errorf("%s of %s is not supported", kind, argType)
	}
	switch rid := result.ID(); {
	case isIntegerID(rid), rid == arrow.FLOAT32, rid == arrow.FLOAT64, rid == arrow.DECIMAL128:
	default:
		return nil, fmt.Errorf("%s cannot produce %s", kind, result)
	}
	return &welfordAcc{samp: kind == VarSamp || kind == StddevSamp, sqrt: kind == StddevPop || kind == StddevSamp, dt: result}, nil
}

func (a *welfordAcc) grow(n int) {
	a.n = growTo(a.n, n)
	a.mean = growTo(a.mean, n)
	a.m2 = growTo(a.m2, n)
}

func (a *welfordAcc) reset(g uint32) { a.n[g], a.mean[g], a.m2[g] = 0, 0, 0 }

func (a *welfordAcc) bind(arg arrow.Array) {
	a.bm, a.off = validBits(arg)
	d := arg.Data()
	switch arg.DataType().ID() {
	case arrow.INT8:
		a.read = floatReader(arrow.GetValues[int8](d, 1))
	case arrow.INT16:
		a.read = floatReader(arrow.GetValues[int16](d, 1))
	case arrow.INT32:
		a.read = floatReader(arrow.GetValues[int32](d, 1))
	case arrow.INT64:
		a.read = floatReader(arrow.GetValues[int64](d, 1))
	case arrow.UINT8:
		a.read = floatReader(arrow.GetValues[uint8](d, 1))
	case arrow.UINT16:
		a.read = floatReader(arrow.GetValues[uint16](d, 1))
	case arrow.UINT32:
		a.read = floatReader(arrow.GetValues[uint32](d, 1))
	case arrow.UINT64:
		a.read = floatReader(arrow.GetValues[uint64](d, 1))
	case arrow.FLOAT32:
		a.read = floatReader(arrow.GetValues[float32](d, 1))
	case arrow.FLOAT64:
		a.read = floatReader(arrow.GetValues[float64](d, 1))
	case arrow.DECIMAL128:
		vals := arrow.GetValues[decimal128.Num](d, 1)
		scale := arg.DataType().(*arrow.Decimal128Type).Scale
		a.read = func(i int) float64 { return decimalDouble(vals[i], scale) }
	}
}

func floatReader[T number](vals []T) func(i int) float64 {
	return func(i int) float64 { return float64(vals[i]) }
}

// decimalDouble is BigDecimal.doubleValue: the double nearest to the
// decimal. Unscaled values below 2^53 with scales up to 22 divide two
// exact doubles (one rounding); the rest go through the decimal text,
// which strconv rounds correctly.
func decimalDouble(v decimal128.Num, scale int32) float64 {
	if hi, lo := v.HighBits(), int64(v.LowBits()); scale >= 0 && scale <= 22 &&
		((hi == 0 && lo >= 0 && lo < 1<<53) || (hi == -1 && lo < 0 && lo > -(1<<53))) {
		return float64(lo) / math.Pow10(int(scale))
	}
	f, _ := strconv.ParseFloat(v.ToString(scale), 64)
	return f
}

func (a *welfordAcc) update(groups []uint32, signs []int8, from, to int) {
	read, bm, off := a.read, a.bm, a.off
	n, mean, m2 := a.n, a.mean, a.m2
	for i := from; i < to; i++ {
		if bm != nil && !bitutil.BitIsSet(bm, off+i) {
			continue
		}
		g := groups[i]
		switch s := sign(signs, i); {
		case s > 0:
			n[g]++
			// a group retracted below zero only counts until it is back
			if n[g] <= 0 {
				continue
			}
			x := read(i)
			delta := x - mean[g]
			mean[g] += delta / float64(n[g])
			m2[g] += delta * (x - mean[g])
		case s < 0:
			n[g]--
			if n[g] <= 0 {
				if n[g] == 0 {
					mean[g], m2[g] = 0, 0
				}
				continue
			}
			x := read(i)
			delta2 := x - mean[g]
			mean[g] -= delta2 / float64(n[g])
			m2[g] -= (x - mean[g]) * delta2
		}
	}
}

func (a *welfordAcc) stream(groups []uint32, signs []int8, acts []uint8, changed []bool, from, to int) {
	streamEach(a, groups, signs, acts, changed, from, to)
}

// value is the DOUBLE result of group g, before the cast to the result
// type; false means NULL.
func (a *welfordAcc) value(g uint32) (float64, bool) {
	n, m2 := a.n[g], a.m2[g]
	if n <= 0 || m2 < 0 {
		return 0, false
	}
	den := n
	if a.samp {
		if n == 1 {
			return 0, false
		}
		den = n - 1
	}
	v := m2 / float64(den)
	if a.sqrt {
		v = math.Sqrt(v)
	}
	return v, true
}

func (a *welfordAcc) appendResult(g uint32) {
	v, ok := a.value(g)
	a.res.add(math.Float64bits(v), ok)
}

func (a *welfordAcc) resultEqual(i, j int) bool { return a.res.equal(i, j) }
func (a *welfordAcc) truncate(n int)            { a.res.truncate(n) }
func (a *welfordAcc) keep(sel []int32)          { a.res.keep(sel) }
func (a *welfordAcc) dropPrev()                 { a.res.dropPrev() }

// flush casts the DOUBLE results to the result type as Flink's CAST does:
// to an integer type as Java's narrowing conversion (NaN → 0, saturating
// at the int or long range, then wrapping to the narrower width), to a
// DECIMAL through the double's shortest decimal text rounded HALF_UP
// (NULL when it does not fit).
func (a *welfordAcc) flush(mem memory.Allocator) (arrow.Array, error) {
	bits, ok := a.res.take()
	switch id := a.dt.ID(); {
	case id == arrow.FLOAT64 || id == arrow.FLOAT32:
		return buildFloats(mem, a.dt, bits, ok)
	case isIntegerID(id):
		vals := make([]int64, len(bits))
		for i, b := range bits {
			if !ok[i] {
				continue
			}
			f := math.Float64frombits(b)
			if id == arrow.INT64 || id == arrow.UINT64 {
				vals[i] = javaDoubleToLong(f)
			} else {
				vals[i] = int64(javaDoubleToInt(f))
			}
		}
		return buildInts(mem, a.dt, vals, ok)
	case id == arrow.DECIMAL128:
		dt := a.dt.(*arrow.Decimal128Type)
		vals := make([]decimal128.Num, len(bits))
		valid := make([]bool, len(bits))
		for i, b := range bits {
			if ok[i] {
				vals[i], valid[i] = doubleToDecimal(math.Float64frombits(b), dt.Precision, dt.Scale)
			}
		}
		return buildFixed(mem, a.dt, vals, valid), nil
	}
	return nil, fmt.Errorf("cannot build %s from a variance", a.dt)
}

// javaDoubleToLong is Java's (long) d.
func javaDoubleToLong(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

// javaDoubleToInt is Java's (int) d.
func javaDoubleToInt(f float64) int32 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt32:
		return math.MaxInt32
	case f <= math.MinInt32:
		return math.MinInt32
	}
	return int32(f)
}

// doubleToDecimal is Flink's DOUBLE → DECIMAL(p, s) cast
// (BigDecimal.valueOf, then HALF_UP to s digits); false when the value is
// not finite or does not fit p digits.
func doubleToDecimal(f float64, p, s int32) (decimal128.Num, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return decimal128.Num{}, false
	}
	// d.ddddde±x: the digits and the power of ten of the last one
	txt := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(txt, "e")
	e, _ := strconv.Atoi(exp)
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := intPart + frac
	e -= len(frac)
	var u big.Int
	u.SetString(digits, 10)
	ten := big.NewInt(10)
	if shift := int(s) + e; shift >= 0 {
		u.Mul(&u, new(big.Int).Exp(ten, big.NewInt(int64(shift)), nil))
	} else {
		div := new(big.Int).Exp(ten, big.NewInt(int64(-shift)), nil)
		var r big.Int
		u.QuoRem(&u, div, &r)
		if r.Lsh(&r, 1).Cmp(div) >= 0 {
			u.Add(&u, big.NewInt(1))
		}
	}
	if neg {
		u.Neg(&u)
	}
	if u.BitLen() > 127 {
		return decimal128.Num{}, false
	}
	v := decimal128.FromBigInt(&u)
	if !v.FitsInPrecision(p) {
		return decimal128.Num{}, false
	}
	return v, true
}

// State: the count, then the mean and m2 as IEEE bits.
func (a *welfordAcc) save(dst []byte, g uint32) []byte {
	dst = binary.AppendVarint(dst, a.n[g])
	dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(a.mean[g]))
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(a.m2[g]))
}

func (a *welfordAcc) load(d *stateDecoder, g uint32) {
	a.n[g] = d.varint()
	a.mean[g] = math.Float64frombits(d.uint64())
	a.m2[g] = math.Float64frombits(d.uint64())
}
