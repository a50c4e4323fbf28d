package expr

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/sluice-stream/sluice/vectorized"
)

func init() {
	register("ABS", []string{"ABS(NUMERIC)"}, bindAbs)
	register("ROUND", []string{"ROUND(NUMERIC)", "ROUND(NUMERIC, INT)"}, bindRound(false))
	register("TRUNCATE", []string{"TRUNCATE(NUMERIC)", "TRUNCATE(NUMERIC, INT)"}, bindRound(true))
	register("FLOOR", []string{"FLOOR(NUMERIC)", "FLOOR(DATETIME, unit STRING)"}, bindFloorCeil(false))
	register("CEIL", []string{"CEIL(NUMERIC)", "CEIL(DATETIME, unit STRING)"}, bindFloorCeil(true), "CEILING")
	register("SIGN", []string{"SIGN(NUMERIC)"}, bindSign)
	register("POWER", []string{"POWER(NUMERIC, NUMERIC)"}, doubleFn2(math.Pow), "POW")
	register("ATAN2", []string{"ATAN2(NUMERIC, NUMERIC)"}, doubleFn2(math.Atan2))
	for name, f := range map[string]func(float64) float64{
		"SQRT": math.Sqrt, "LN": math.Log, "LOG10": math.Log10, "LOG2": math.Log2, "EXP": math.Exp,
		"SIN": math.Sin, "COS": math.Cos, "TAN": math.Tan, "ASIN": math.Asin, "ACOS": math.Acos, "ATAN": math.Atan,
		"SINH": math.Sinh, "COSH": math.Cosh, "TANH": math.Tanh,
		"COT":     func(x float64) float64 { return 1 / math.Tan(x) },
		"DEGREES": func(x float64) float64 { return x * 180 / math.Pi },
		"RADIANS": func(x float64) float64 { return x / 180 * math.Pi },
	} {
		register(name, []string{name + "(NUMERIC)"}, doubleFn1(f))
	}
	register("LOG", []string{"LOG(NUMERIC)", "LOG(base NUMERIC, NUMERIC)"}, bindLog)
	register("PI", []string{"PI()"}, constDouble(math.Pi))
	register("E", []string{"E()"}, constDouble(math.E))
	registerNondeterministic("RAND", []string{"RAND()", "RAND(seed INT)"}, bindRand)
	registerNondeterministic("RAND_INTEGER", []string{"RAND_INTEGER(bound INT)", "RAND_INTEGER(seed INT, bound INT)"}, bindRandInteger)
}

// doubleFn1 is a DOUBLE function of one numeric argument (java.lang.Math
// semantics: NaN and infinities instead of errors).
func doubleFn1(f func(float64) float64) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		a, ok := argKinds(args, "D")
		if !ok {
			return nil, noMatch()
		}
		fn := func(kc *kctx, in []arrow.Array) (arrow.Array, error) {
			valid, nulls := andValidity(kc.mem, kc.n, in...)
			buf, out := allocFixed[float64](kc.mem, kc.n)
			x := values[float64](in[0])
			for i := range out {
				out[i] = f(x[i])
			}
			return makeArray(tFloat64, kc.n, valid, nulls, buf), nil
		}
		return foldLiteral(&callExpr{name: name, args: a, typ: tFloat64, fn: fn}), nil
	}
}

func doubleFn2(f func(float64, float64) float64) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		a, ok := argKinds(args, "DD")
		if !ok {
			return nil, noMatch()
		}
		fn := fixedKernel(func(kc *kctx, in []arrow.Array) fixedRowFn[float64] {
			x, y := fAccOf(in[0], kc.n), fAccOf(in[1], kc.n)
			return func(i int) (float64, bool, error) { return f(x.at(i), y.at(i)), false, nil }
		})
		return foldLiteral(&callExpr{name: name, args: a, typ: tFloat64, fn: fn, scalarOK: true}), nil
	}
}

// bindLog: LOG(x) is the natural logarithm, LOG(b, x) the logarithm of x to
// base b (Flink's argument order).
func bindLog(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) == 1 {
		return doubleFn1(math.Log)(name, args)
	}
	return doubleFn2(func(b, x float64) float64 { return math.Log(x) / math.Log(b) })(name, args)
}

func constDouble(v float64) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		if len(args) != 0 {
			return nil, noMatch()
		}
		return Literal(v, tFloat64)
	}
}

// numArg accepts a numeric argument or an untyped NULL (as INT).
func numArg(e vectorized.Expr) (vectorized.Expr, bool) {
	if isNullLiteral(e) {
		return implicit(e, tInt32), true
	}
	return e, isNumeric(e.DataType())
}

// bindAbs keeps the argument type; ABS(MIN_VALUE) wraps like Java's
// Math.abs.
func bindAbs(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 1 {
		return nil, noMatch()
	}
	a, ok := numArg(args[0])
	if !ok {
		return nil, noMatch()
	}
	t := a.DataType()
	var fn kernelFn
	switch t.ID() {
	case arrow.INT8:
		fn = absKernel[int8]
	case arrow.INT16:
		fn = absKernel[int16]
	case arrow.INT32:
		fn = absKernel[int32]
	case arrow.INT64:
		fn = absKernel[int64]
	case arrow.FLOAT32:
		fn = absKernel[float32]
	case arrow.FLOAT64:
		fn = absKernel[float64]
	case arrow.DECIMAL128:
		fn = fixedKernel(func(kc *kctx, in []arrow.Array) fixedRowFn[decimal128.Num] {
			v := values[decimal128.Num](in[0])
			return func(i int) (decimal128.Num, bool, error) { return v[i].Abs(), false, nil }
		})
	}
	return foldLiteral(&callExpr{name: name, args: []vectorized.Expr{a}, typ: t, fn: fn}), nil
}

func absKernel[T number](kc *kctx, in []arrow.Array) (arrow.Array, error) {
	valid, nulls := andValidity(kc.mem, kc.n, in...)
	buf, out := allocFixed[T](kc.mem, kc.n)
	x := values[T](in[0])
	for i := range out {
		v := x[i]
		if v < 0 {
			v = -v
		}
		out[i] = v
	}
	return makeArray(kc.call.typ, kc.n, valid, nulls, buf), nil
}

// bindSign: SIGN keeps the argument's type (-1, 0 or 1).
func bindSign(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 1 {
		return nil, noMatch()
	}
	a, ok := numArg(args[0])
	if !ok {
		return nil, noMatch()
	}
	t := a.DataType()
	var fn kernelFn
	switch t.ID() {
	case arrow.INT8:
		fn = signKernel[int8]
	case arrow.INT16:
		fn = signKernel[int16]
	case arrow.INT32:
		fn = signKernel[int32]
	case arrow.INT64:
		fn = signKernel[int64]
	case arrow.FLOAT32:
		fn = signKernel[float32]
	case arrow.FLOAT64:
		fn = signKernel[float64]
	case arrow.DECIMAL128:
		_, s := decPS(t)
		fn = fixedKernel(func(kc *kctx, in []arrow.Array) fixedRowFn[decimal128.Num] {
			v := values[decimal128.Num](in[0])
			one := decimal128.FromI64(1).IncreaseScaleBy(int32(s))
			return func(i int) (decimal128.Num, bool, error) {
				switch v[i].Sign() {
				case 1:
					return one, false, nil
				case -1:
					return one.Negate(), false, nil
				}
				return decimal128.Num{}, false, nil
			}
		})
	}
	return foldLiteral(&callExpr{name: name, args: []vectorized.Expr{a}, typ: t, fn: fn}), nil
}

func signKernel[T number](kc *kctx, in []arrow.Array) (arrow.Array, error) {
	valid, nulls := andValidity(kc.mem, kc.n, in...)
	buf, out := allocFixed[T](kc.mem, kc.n)
	x := values[T](in[0])
	for i := range out {
		switch v := x[i]; {
		case v > 0:
			out[i] = 1
		case v < 0:
			out[i] = 0 - 1
		default:
			out[i] = v // keeps NaN and -0.0 like Math.signum
		}
	}
	return makeArray(kc.call.typ, kc.n, valid, nulls, buf), nil
}

// bindRound: ROUND(x[, d]) rounds HALF_UP and TRUNCATE(x[, d]) toward zero,
// keeping the type of x, except that a DECIMAL(p, s) becomes
// DECIMAL(1 + p - s + d, d) (Flink: LogicalTypeMerging.findRoundDecimalType;
// TRUNCATE uses the same derivation). DOUBLE goes through
// BigDecimal.valueOf(x).setScale(d, HALF_UP) (SqlFunctionUtils.sround), i.e.
// rounds the shortest decimal representation.
func bindRound(trunc bool) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		if len(args) != 1 && len(args) != 2 {
			return nil, noMatch()
		}
		x, ok := numArg(args[0])
		if !ok {
			return nil, noMatch()
		}
		d := int64(0)
		var dArg vectorized.Expr
		if len(args) == 2 {
			if v, ok := literalInt(args[1]); ok {
				d = v
			} else if familyOf(args[1].DataType()) == famInt || isNullLiteral(args[1]) {
				dArg = implicit(args[1], tInt64)
			} else {
				return nil, noMatch()
			}
		}
		t := x.DataType()
		typ := t
		if t.ID() == arrow.DECIMAL128 {
			if dArg != nil {
				return nil, noMatchf("the number of decimal places of a DECIMAL must be a literal")
			}
			p, s := decPS(t)
			switch {
			case int(d) >= s:
			case d < 0:
				typ = DecimalType(min(maxDecimalPrecision, 1+p-s), 0)
			default:
				typ = DecimalType(min(maxDecimalPrecision, 1+p-s+int(d)), int(d))
			}
		}
		cargs := []vectorized.Expr{x}
		if dArg != nil {
			cargs = append(cargs, dArg)
		}
		var fn kernelFn
		switch familyOf(t) {
		case famInt:
			fn = roundIntKernel(t, trunc, d)
		case famFloat:
			fn = roundFloatKernel(t, trunc, d)
		case famDecimal:
			fn = roundDecimalKernel(t, typ, trunc, d)
		}
		return foldLiteral(&callExpr{name: name, args: cargs, typ: typ, fn: fn}), nil
	}
}

// digitsArg returns the per-row number of places (a constant unless a
// column was given).
func digitsArg(in []arrow.Array, d int64) func(i int) int64 {
	if len(in) < 2 {
		return func(int) int64 { return d }
	}
	v := values[int64](in[1])
	return func(i int) int64 { return v[i] }
}

func roundIntKernel(t arrow.DataType, trunc bool, d int64) kernelFn {
	return fixedKernel(func(kc *kctx, in []arrow.Array) fixedRowFn[int64] {
		x := temporalValues(in[0]) // INT and BIGINT
		switch t.ID() {
		case arrow.INT8:
			v := values[int8](in[0])
			x = func(i int) int64 { return int64(v[i]) }
		case arrow.INT16:
			v := values[int16](in[0])
			x = func(i int) int64 { return int64(v[i]) }
		}
		digits := digitsArg(in, d)
		return func(i int) (int64, bool, error) {
			v, dd := x(i), digits(i)
			if dd >= 0 {
				return v, false, nil
			}
			if dd < -18 {
				return 0, false, nil
			}
			p := int64(math.Pow10(int(-dd)))
			q, r := v/p, v%p
			if !trunc {
				if r < 0 {
					r = -r
				}
				if 2*r >= p {
					if v < 0 {
						q--
					} else {
						q++
					}
				}
			}
			return q * p, false, nil
		}
	}).narrowTo(t)
}

// narrowTo adapts a kernel producing BIGINT to an integer result type.
func (k kernelFn) narrowTo(t arrow.DataType) kernelFn {
	if t.ID() == arrow.INT64 {
		return k
	}
	return func(kc *kctx, in []arrow.Array) (arrow.Array, error) {
		wide := &kctx{ec: kc.ec, mem: kc.mem, n: kc.n, call: &callExpr{name: kc.call.name, typ: tInt64}}
		arr, err := k(wide, in)
		if err != nil {
			return nil, err
		}
		defer arr.Release()
		return numericCastFrom[int64](t)(&castCtx{mem: kc.mem, to: t}, arr)
	}
}

func roundFloatKernel(t arrow.DataType, trunc bool, d int64) kernelFn {
	bits := 64
	if t.ID() == arrow.FLOAT32 {
		bits = 32
	}
	k := fixedKernel(func(kc *kctx, in []arrow.Array) fixedRowFn[float64] {
		var x func(i int) float64
		if bits == 32 {
			v := values[float32](in[0])
			x = func(i int) float64 { return float64(v[i]) }
		} else {
			v := values[float64](in[0])
			x = func(i int) float64 { return v[i] }
		}
		digits := digitsArg(in, d)
		var z big.Int
		return func(i int) (float64, bool, error) {
			v := x(i)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return v, false, nil
			}
			dd := digits(i)
			if dd > 300 {
				return v, false, nil
			}
			if dd < -330 {
				return 0, false, nil
			}
			// the shortest decimal representation, as BigDecimal.valueOf
			s := strconv.FormatFloat(v, 'e', -1, bits)
			mant, exp, _ := strings.Cut(s, "e")
			e, _ := strconv.Atoi(exp)
			neg := strings.HasPrefix(mant, "-")
			mant = strings.TrimPrefix(mant, "-")
			intPart, frac, _ := strings.Cut(mant, ".")
			z.SetString(intPart+frac, 10)
			scale := len(frac) - e // value = z * 10^-scale
			if int64(scale) > dd {
				if trunc {
					z.Quo(&z, pow10(int(int64(scale)-dd)))
				} else {
					var num big.Int
					num.Set(&z)
					roundDiv(&z, &num, pow10(int(int64(scale)-dd)))
				}
				scale = int(dd)
			}
			out := z.String()
			if neg {
				out = "-" + out
			}
			f, _ := strconv.ParseFloat(out+"e"+strconv.Itoa(-scale), 64)
			return f, false, nil
		}
	})
	if bits == 64 {
		return k
	}
	return func(kc *kctx, in []arrow.Array) (arrow.Array, error) {
		wide := &kctx{ec: kc.ec, mem: kc.mem, n: kc.n, call: &callExpr{name: kc.call.name, typ: tFloat64}}
		arr, err := k(wide, in)
		if err != nil {
			return nil, err
		}
		defer arr.Release()
		return numericCastTyped[float64, float32](&castCtx{mem: kc.mem, to: tFloat32}, arr)
	}
}

func pow10(k int) *big.Int {
	if k < len(pow10Big) {
		return pow10Big[k]
	}
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil)
}

func roundDecimalKernel(t, typ arrow.DataType, trunc bool, d int64) kernelFn {
	_, s := decPS(t)
	p2, _ := decPS(typ)
	return fixedKernel(func(kc *kctx, in []arrow.Array) fixedRowFn[decimal128.Num] {
		v := values[decimal128.Num](in[0])
		var z big.Int
		return func(i int) (decimal128.Num, bool, error) {
			setNum(&z, v[i])
			if int64(s) > d {
				dd := int(max(d, -38))
				k := s - dd // digits to drop
				if trunc {
					z.Quo(&z, pow10(k))
				} else {
					var num big.Int
					num.Set(&z)
					roundDiv(&z, &num, pow10(k))
				}
				if dd < 0 {
					z.Mul(&z, pow10(-dd)) // back to scale 0
				}
			}
			num, ok := toNum(&z, p2)
			return num, !ok, nil
		}
	})
}

// bindFloorCeil: FLOOR(x)/CEIL(x) on numbers (integers unchanged, DECIMAL(p,
// s) to DECIMAL(p, 0) as Calcite's ARG0_OR_EXACT_NO_SCALE) and FLOOR(t TO
// unit)/CEIL(t TO unit) on dates and timestamps, which arrive as FLOOR(t,
// unit).
func bindFloorCeil(ceil bool) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		if len(args) == 2 {
			return bindTemporalFloor(name, ceil, args)
		}
		if len(args) != 1 {
			return nil, noMatch()
		}
		x, ok := numArg(args[0])
		if !ok {
			return nil, noMatch()
		}
		t := x.DataType()
		switch familyOf(t) {
		case famInt:
			return x, nil
		case famFloat:
			f := math.Floor
			if ceil {
				f = math.Ceil
			}
			if t.ID() == arrow.FLOAT32 {
				return foldLiteral(&callExpr{name: name, args: []vectorized.Expr{x}, typ: t,
					fn: fixedKernel(func(kc *kctx, in []arrow.Array) fixedRowFn[float32] {
						v := values[float32](in[0])
						return func(i int) (float32, bool, error) { return float32(f(float64(v[i]))), false, nil }
					})}), nil
			}
			return foldLiteral(&callExpr{name: name, args: []vectorized.Expr{x}, typ: t,
				fn: fixedKernel(func(kc *kctx, in []arrow.Array) fixedRowFn[float64] {
					v := values[float64](in[0])
					return func(i int) (float64, bool, error) { return f(v[i]), false, nil }
				})}), nil
		}
		p, s := decPS(t)
		typ := DecimalType(p, 0)
		fn := fixedKernel(func(kc *kctx, in []arrow.Array) fixedRowFn[decimal128.Num] {
			v := values[decimal128.Num](in[0])
			var z, r big.Int
			return func(i int) (decimal128.Num, bool, error) {
				setNum(&z, v[i])
				z.QuoRem(&z, pow10Big[s], &r)
				if r.Sign() != 0 {
					if ceil && r.Sign() > 0 {
						z.Add(&z, big.NewInt(1))
					} else if !ceil && r.Sign() < 0 {
						z.Sub(&z, big.NewInt(1))
					}
				}
				num, ok := toNum(&z, p)
				return num, !ok, nil
			}
		})
		return foldLiteral(&callExpr{name: name, args: []vectorized.Expr{x}, typ: typ, fn: fn}), nil
	}
}

var floorUnits = map[string]bool{
	"YEAR": true, "QUARTER": true, "MONTH": true, "WEEK": true, "DAY": true, "HOUR": true,
	"MINUTE": true, "SECOND": true, "MILLISECOND": true, "MICROSECOND": true, "DECADE": true, "CENTURY": true, "MILLENNIUM": true,
}

// floorWall truncates a wall clock to a unit. Weeks start on Sunday
// (Calcite's DateTimeUtils.julianDateFloor).
func floorWall(unit string, days, nanos int64) (int64, int64) {
	y, m, _ := civilFromDays(days)
	switch unit {
	case "MILLENNIUM":
		return civilDays(int(floorDiv(int64(y-1), 1000))*1000+1, 1, 1), 0
	case "CENTURY":
		return civilDays(int(floorDiv(int64(y-1), 100))*100+1, 1, 1), 0
	case "DECADE":
		return civilDays(int(floorDiv(int64(y), 10))*10, 1, 1), 0
	case "YEAR":
		return civilDays(y, 1, 1), 0
	case "QUARTER":
		return civilDays(y, (m-1)/3*3+1, 1), 0
	case "MONTH":
		return civilDays(y, m, 1), 0
	case "WEEK":
		return days - floorMod(days+4, 7), 0
	case "DAY":
		return days, 0
	}
	return days, nanos - nanos%unitNanos[unit]
}

func bindTemporalFloor(name string, ceil bool, args []vectorized.Expr) (vectorized.Expr, error) {
	us, ok := literalString(args[1])
	if !ok {
		return nil, noMatchf("the unit must be a literal")
	}
	unit := strings.ToUpper(us)
	if !floorUnits[unit] {
		return nil, noMatchf("unknown unit %s", unit)
	}
	t := args[0]
	dt := t.DataType()
	fam := familyOf(dt)
	if fam != famDate && !isTimestampFam(dt) {
		return nil, noMatch()
	}
	if fam == famDate && unitNanos[unit] != 0 && unitNanos[unit] < nanosPerDay {
		return nil, noMatchf("a DATE cannot be rounded to %s", unit)
	}
	fn := fixedKernel(func(kc *kctx, in []arrow.Array) fixedRowFn[int64] {
		get := temporalValues(in[0])
		u := timeUnitOf(dt)
		loc := kc.loc()
		return func(i int) (int64, bool, error) {
			v := get(i)
			var days, nanos int64
			switch fam {
			case famDate:
				days = v
			case famTimestamp:
				days, nanos = splitTicks(v, u)
			default:
				days, nanos = ltzToLocal(v, u, loc)
			}
			fd, fn := floorWall(unit, days, nanos)
			if ceil && (fd != days || fn != nanos) {
				// the next boundary
				switch unit {
				case "YEAR", "DECADE", "CENTURY", "MILLENNIUM", "QUARTER", "MONTH":
					months := map[string]int64{"YEAR": 12, "DECADE": 120, "CENTURY": 1200, "MILLENNIUM": 12000, "QUARTER": 3, "MONTH": 1}[unit]
					fd = addMonths(fd, months)
				case "WEEK":
					fd += 7
				case "DAY":
					fd++
				default:
					fn += unitNanos[unit]
					if fn >= nanosPerDay {
						fd, fn = fd+1, fn-nanosPerDay
					}
				}
			}
			switch fam {
			case famDate:
				return fd, false, nil
			case famTimestamp:
				return joinTicks(fd, fn, u), false, nil
			}
			return localToLTZ(fd, fn, u, loc), false, nil
		}
	})
	wrapped := fn
	if fam == famDate {
		wrapped = func(kc *kctx, in []arrow.Array) (arrow.Array, error) {
			wide := &kctx{ec: kc.ec, mem: kc.mem, n: kc.n, call: &callExpr{name: kc.call.name, typ: tInt64}}
			arr, err := fn(wide, in)
			if err != nil {
				return nil, err
			}
			defer arr.Release()
			return numericCastTyped[int64, int32](&castCtx{mem: kc.mem, to: tDate}, arr)
		}
	}
	c := &callExpr{name: name, args: []vectorized.Expr{t}, typ: dt, fn: wrapped, zoned: fam == famTimestampLTZ}
	return &floorNode{callExpr: *c, unit: unit}, nil
}

// floorNode renders FLOOR(t TO unit).
type floorNode struct {
	callExpr
	unit string
}

func (f *floorNode) String() string { return f.name + "(" + f.args[0].String() + " TO " + f.unit + ")" }

// --- RAND -------------------------------------------------------------------------

// javaRandom is java.util.Random, so RAND(seed) and RAND_INTEGER(seed, n)
// produce the same sequences as Flink.
type javaRandom struct{ seed int64 }

func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (seed ^ 0x5DEECE66D) & (1<<48 - 1)}
}

func (r *javaRandom) next(bits uint) int32 {
	r.seed = (r.seed*0x5DEECE66D + 0xB) & (1<<48 - 1)
	return int32(r.seed >> (48 - bits))
}

func (r *javaRandom) nextDouble() float64 {
	return float64(int64(r.next(26))<<27+int64(r.next(27))) * (1.0 / float64(int64(1)<<53))
}

func (r *javaRandom) nextInt(bound int32) int32 {
	rr := r.next(31)
	m := bound - 1
	if bound&m == 0 {
		return int32((int64(bound) * int64(rr)) >> 31)
	}
	u := rr
	for {
		rr = u % bound
		if u-rr+m >= 0 {
			break
		}
		u = r.next(31)
	}
	return rr
}

// seededRand is the state of one RAND(seed) call site: like Flink's
// generated code it keeps one java.util.Random for the life of the
// expression, so consecutive batches continue the sequence.
type seededRand struct {
	mu sync.Mutex
	r  *javaRandom
}

func randSource(ec *vectorized.EvalContext) func() float64 {
	if ec != nil && ec.Rand != nil {
		return ec.Rand.Float64
	}
	return rand.Float64
}

func bindRand(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	switch len(args) {
	case 0:
		fn := func(kc *kctx, _ []arrow.Array) (arrow.Array, error) {
			src := randSource(kc.ec)
			buf, out := allocFixed[float64](kc.mem, kc.n)
			for i := range out {
				out[i] = src()
			}
			return makeArray(tFloat64, kc.n, nil, 0, buf), nil
		}
		return &callExpr{name: name, typ: tFloat64, fn: fn}, nil
	case 1:
		seed, ok := literalInt(args[0])
		if !ok {
			return nil, noMatchf("the seed must be an integer literal")
		}
		st := &seededRand{r: newJavaRandom(seed)}
		fn := func(kc *kctx, _ []arrow.Array) (arrow.Array, error) {
			st.mu.Lock()
			defer st.mu.Unlock()
			buf, out := allocFixed[float64](kc.mem, kc.n)
			for i := range out {
				out[i] = st.r.nextDouble()
			}
			return makeArray(tFloat64, kc.n, nil, 0, buf), nil
		}
		return &seededCall{callExpr{name: name, typ: tFloat64, fn: fn}, seed}, nil
	}
	return nil, noMatch()
}

// bindRandInteger: RAND_INTEGER([seed,] bound) is in [0, bound).
func bindRandInteger(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 1 && len(args) != 2 {
		return nil, noMatch()
	}
	boundArg := args[len(args)-1]
	a, ok := argKinds([]vectorized.Expr{boundArg}, "I")
	if !ok {
		return nil, noMatch()
	}
	var st *seededRand
	var seed int64
	if len(args) == 2 {
		s, ok := literalInt(args[0])
		if !ok {
			return nil, noMatchf("the seed must be an integer literal")
		}
		seed = s
		st = &seededRand{r: newJavaRandom(s)}
	}
	fn := func(kc *kctx, in []arrow.Array) (arrow.Array, error) {
		valid, nulls := andValidity(kc.mem, kc.n, in...)
		vb := bitsView{}
		if valid != nil {
			vb.buf = valid.Bytes()
		}
		bound := iAccOf(in[0], kc.n)
		buf, out := allocFixed[int32](kc.mem, kc.n)
		if st != nil {
			st.mu.Lock()
			defer st.mu.Unlock()
		}
		src := randSource(kc.ec)
		for i := range out {
			if !vb.get(i) {
				continue
			}
			b := bound.at(i)
			if b <= 0 || b > math.MaxInt32 {
				buf.Release()
				if valid != nil {
					valid.Release()
				}
				return nil, kc.fail("RAND_INTEGER("+strconv.FormatInt(b, 10)+")", "bound must be positive")
			}
			if st != nil {
				out[i] = st.r.nextInt(int32(b))
			} else {
				out[i] = int32(src() * float64(b))
			}
		}
		return makeArray(tInt32, kc.n, valid, nulls, buf), nil
	}
	c := callExpr{name: name, args: a, typ: tInt32, fn: fn, scalarOK: true, fails: true}
	if st != nil {
		return &seededCall{c, seed}, nil
	}
	return &c, nil
}

// seededCall renders the literal seed that the kernel keeps internally.
type seededCall struct {
	callExpr
	seed int64
}

func (s *seededCall) String() string {
	args := append([]string{strconv.FormatInt(s.seed, 10)}, mapStrings(s.args)...)
	return s.name + "(" + strings.Join(args, ", ") + ")"
}
