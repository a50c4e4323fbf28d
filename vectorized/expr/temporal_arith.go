package expr

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-stream/sluice/vectorized"
)

// bindTemporalArith resolves + and - over dates, times, timestamps and
// intervals, and * and / of an interval by an integer. It returns nil, nil
// when the operands are not temporal.
func bindTemporalArith(name string, op byte, a, b vectorized.Expr) (vectorized.Expr, error) {
	ta, tb := a.DataType(), b.DataType()
	fa, fb := familyOf(ta), familyOf(tb)
	mk := func(typ arrow.DataType, fn kernelFn, args ...vectorized.Expr) (vectorized.Expr, error) {
		c := &callExpr{name: name, args: args, typ: typ, fn: fn, infix: true}
		c.zoned = fa == famTimestampLTZ || fb == famTimestampLTZ
		return foldLiteral(c), nil
	}
	switch op {
	case '+', '-':
		// interval + datetime is datetime + interval
		if op == '+' && isInterval(ta) && (isTemporal(tb)) {
			a, b, ta, tb, fa, fb = b, a, tb, ta, fb, fa
		}
		switch {
		case isTemporal(ta) && isInterval(tb):
			sign := int64(1)
			if op == '-' {
				sign = -1
			}
			return mk(ta, datetimePlusInterval(ta, tb, sign), a, b)
		case fa == fb && isInterval(ta):
			common := ta
			return mk(common, intervalArith(op), a, b)
		case op == '-' && isTimestampFam(ta) && isTimestampFam(tb):
			c := commonTimestamp(ta, tb)
			return mk(tIntervDT, timestampDiff(c), implicit(a, c), implicit(b, c))
		case op == '-' && fa == famDate && fb == famDate:
			return mk(tIntervDT, timestampDiff(ta), a, b)
		}
	case '*':
		if isInterval(tb) && familyOf(ta) == famInt {
			a, b, ta, tb = b, a, tb, ta
		}
		if isInterval(ta) && familyOf(tb) == famInt {
			return mk(ta, intervalScale('*'), a, implicit(b, tInt64))
		}
	case '/':
		if isInterval(ta) && familyOf(tb) == famInt {
			c := &callExpr{name: name, args: []vectorized.Expr{a, implicit(b, tInt64)}, typ: ta, fn: intervalScale('/'), infix: true, fails: true}
			return foldLiteral(c), nil
		}
	}
	return nil, nil
}

// addMonths adds months to a date, clamping the day to the end of the month
// (Flink: DateTimeUtils.addMonths, e.g. 2024-01-31 + 1 month = 2024-02-29).
func addMonths(days int64, months int64) int64 {
	y, m, d := civilFromDays(days)
	total := int64(y)*12 + int64(m-1) + months
	ny := int(floorDiv(total, 12))
	nm := int(floorMod(total, 12)) + 1
	if dm := daysInMonth(ny, nm); d > dm {
		d = dm
	}
	return civilDays(ny, nm, d)
}

// datetimePlusInterval adds sign*interval to a DATE, TIME, TIMESTAMP or
// TIMESTAMP_LTZ. A day-time interval added to a DATE moves it by whole days
// and a TIME wraps around midnight (Flink's generated date/time arithmetic);
// year-month intervals move the calendar date, in the session time zone for
// TIMESTAMP_LTZ.
func datetimePlusInterval(dt, it arrow.DataType, sign int64) kernelFn {
	ym := familyOf(it) == famIntervalYM
	return func(kc *kctx, args []arrow.Array) (arrow.Array, error) {
		n := kc.n
		valid, nulls := andValidity(kc.mem, n, args[0], args[1])
		get := temporalValues(args[0])
		var iv func(i int) int64
		if ym {
			v := values[int32](args[1])
			iv = func(i int) int64 { return int64(v[i]) }
		} else {
			v := values[int64](args[1])
			iu := timeUnitOf(it)
			iv = func(i int) int64 { return convertTicks(v[i], iu, arrow.Millisecond) }
		}
		u := timeUnitOf(dt)
		per := unitsPerSecond(u)
		fam := familyOf(dt)
		loc := kc.loc()
		buf, out := allocFixed[int64](kc.mem, n)
		for i := 0; i < n; i++ {
			v, delta := get(i), sign*iv(i)
			switch fam {
			case famDate:
				if ym {
					out[i] = addMonths(v, delta)
				} else {
					out[i] = v + delta/millisPerDay
				}
			case famTime:
				if ym {
					out[i] = v
				} else {
					perDay := per * 86400
					out[i] = floorMod(v+delta*per/1000, perDay)
				}
			case famTimestamp, famTimestampLTZ:
				if !ym {
					if per >= 1000 {
						out[i] = v + delta*(per/1000)
					} else {
						out[i] = v + delta/1000
					}
					continue
				}
				var days, nanos int64
				if fam == famTimestamp {
					days, nanos = splitTicks(v, u)
					out[i] = joinTicks(addMonths(days, delta), nanos, u)
				} else {
					days, nanos = ltzToLocal(v, u, loc)
					out[i] = localToLTZ(addMonths(days, delta), nanos, u, loc)
				}
			}
		}
		return narrowTemporal(kc.mem, dt, n, valid, nulls, buf, out), nil
	}
}

// intervalArith adds or subtracts intervals of the same kind.
func intervalArith(op byte) kernelFn {
	return func(kc *kctx, args []arrow.Array) (arrow.Array, error) {
		n := kc.n
		valid, nulls := andValidity(kc.mem, n, args[0], args[1])
		if args[0].DataType().ID() == arrow.INTERVAL_MONTHS {
			buf, out := allocFixed[int32](kc.mem, n)
			arithLoop(op, out, values[int32](args[0]), values[int32](args[1]), false, false)
			return makeArray(kc.call.typ, n, valid, nulls, buf), nil
		}
		buf, out := allocFixed[int64](kc.mem, n)
		arithLoop(op, out, values[int64](args[0]), values[int64](args[1]), false, false)
		return makeArray(kc.call.typ, n, valid, nulls, buf), nil
	}
}

// intervalScale multiplies or divides an interval by a BIGINT.
func intervalScale(op byte) kernelFn {
	return func(kc *kctx, args []arrow.Array) (arrow.Array, error) {
		n := kc.n
		valid, nulls := andValidity(kc.mem, n, args[0], args[1])
		vb := bitsView{}
		if valid != nil {
			vb.buf = valid.Bytes()
		}
		get := temporalValues(args[0])
		k := values[int64](args[1])
		buf, out := allocFixed[int64](kc.mem, n)
		for i := 0; i < n; i++ {
			if op == '*' {
				out[i] = get(i) * k[i]
				continue
			}
			if k[i] == 0 {
				if vb.get(i) {
					buf.Release()
					if valid != nil {
						valid.Release()
					}
					return nil, kc.fail(formatValue(args[0], i, kc.loc())+" / 0", "division by zero")
				}
				continue
			}
			out[i] = get(i) / k[i]
		}
		return narrowTemporal(kc.mem, kc.call.typ, n, valid, nulls, buf, out), nil
	}
}

// timestampDiff is a - b as INTERVAL DAY TO SECOND (milliseconds).
func timestampDiff(dt arrow.DataType) kernelFn {
	return func(kc *kctx, args []arrow.Array) (arrow.Array, error) {
		n := kc.n
		valid, nulls := andValidity(kc.mem, n, args[0], args[1])
		ga, gb := temporalValues(args[0]), temporalValues(args[1])
		buf, out := allocFixed[int64](kc.mem, n)
		for i := 0; i < n; i++ {
			d := ga(i) - gb(i)
			if dt.ID() == arrow.DATE32 {
				out[i] = d * millisPerDay
			} else {
				out[i] = convertTicks(d, timeUnitOf(dt), arrow.Millisecond)
			}
		}
		return makeArray(tIntervDT, n, valid, nulls, buf), nil
	}
}
