package expr

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-stream/sluice/vectorized"
)

func init() {
	// Flink: CURRENT_TIMESTAMP and NOW are TIMESTAMP_LTZ(3); LOCALTIMESTAMP is
	// TIMESTAMP(3), CURRENT_DATE a DATE and CURRENT_TIME/LOCALTIME TIME(0), all
	// in the session time zone. They are not deterministic.
	registerNondeterministic("CURRENT_TIMESTAMP", []string{"CURRENT_TIMESTAMP()"}, bindNow(TimestampLTZType(3)), "NOW")
	registerNondeterministic("LOCALTIMESTAMP", []string{"LOCALTIMESTAMP()"}, bindNow(TimestampType(3)))
	registerNondeterministic("CURRENT_DATE", []string{"CURRENT_DATE()"}, bindNow(tDate))
	registerNondeterministic("CURRENT_TIME", []string{"CURRENT_TIME()"}, bindNow(TimeType(0)), "LOCALTIME")
	register("DATE_FORMAT", []string{"DATE_FORMAT(TIMESTAMP, STRING)", "DATE_FORMAT(STRING, STRING)"}, bindDateFormat)
	register("EXTRACT", []string{"EXTRACT(unit STRING, DATETIME)", "EXTRACT(unit STRING, INTERVAL)"}, bindExtract)
	for name, unit := range map[string]string{
		"YEAR": "YEAR", "QUARTER": "QUARTER", "MONTH": "MONTH", "WEEK": "WEEK", "DAYOFYEAR": "DOY",
		"DAYOFMONTH": "DAY", "DAYOFWEEK": "DOW", "HOUR": "HOUR", "MINUTE": "MINUTE", "SECOND": "SECOND",
	} {
		register(name, []string{name + "(DATETIME)"}, bindExtractShorthand(unit))
	}
	register("TO_TIMESTAMP", []string{"TO_TIMESTAMP(STRING)", "TO_TIMESTAMP(STRING, format STRING)"}, bindParseTemporal(TimestampType(3), "yyyy-MM-dd HH:mm:ss"))
	register("TO_DATE", []string{"TO_DATE(STRING)", "TO_DATE(STRING, format STRING)"}, bindParseTemporal(tDate, "yyyy-MM-dd"))
	register("TO_TIMESTAMP_LTZ", []string{"TO_TIMESTAMP_LTZ(NUMERIC, precision INT)"}, bindToTimestampLTZ)
	registerNondeterministic("UNIX_TIMESTAMP", []string{"UNIX_TIMESTAMP()", "UNIX_TIMESTAMP(STRING)", "UNIX_TIMESTAMP(STRING, format STRING)"}, bindUnixTimestamp)
	register("FROM_UNIXTIME", []string{"FROM_UNIXTIME(INTEGER)", "FROM_UNIXTIME(INTEGER, format STRING)"}, bindFromUnixtime)
	register("TIMESTAMPADD", []string{"TIMESTAMPADD(unit STRING, INTEGER, DATETIME)"}, bindTimestampAdd)
	register("TIMESTAMPDIFF", []string{"TIMESTAMPDIFF(unit STRING, DATETIME, DATETIME)"}, bindTimestampDiff)
}

// --- CURRENT_TIMESTAMP and friends ---------------------------------------------

func bindNow(typ arrow.DataType) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		if len(args) != 0 {
			return nil, noMatch()
		}
		fn := func(kc *kctx, _ []arrow.Array) (arrow.Array, error) {
			now := time.Now()
			if kc.ec != nil && !kc.ec.Now.IsZero() {
				now = kc.ec.Now
			}
			local := now.In(kc.loc())
			days := civilDays(local.Year(), int(local.Month()), local.Day())
			nanos := int64(local.Hour())*3600e9 + int64(local.Minute())*60e9 + int64(local.Second())*1e9 + int64(local.Nanosecond())
			var v int64
			switch familyOf(typ) {
			case famTimestampLTZ:
				v = timeToTicks(now, timeUnitOf(typ))
			case famTimestamp:
				v = joinTicks(days, nanos, timeUnitOf(typ))
			case famDate:
				v = days
			case famTime:
				// CURRENT_TIME and LOCALTIME are TIME(0): whole seconds
				v = nanos / nanosPerSecond * unitsPerSecond(timeUnitOf(typ))
			}
			buf, out := allocFixed[int64](kc.mem, kc.n)
			for i := range out {
				out[i] = v
			}
			return narrowTemporal(kc.mem, typ, kc.n, nil, 0, buf, out), nil
		}
		return &callExpr{name: name, typ: typ, fn: fn, zoned: true}, nil
	}
}

// --- DATE_FORMAT ---------------------------------------------------------------

// formatCache holds a format compiled at bind time or the last per-row one.
type formatCache struct {
	fixed   *dateFormat
	lastSrc string
	last    *dateFormat
}

func (c *formatCache) get(src string) (*dateFormat, error) {
	if c.fixed != nil {
		return c.fixed, nil
	}
	if c.last != nil && src == c.lastSrc {
		return c.last, nil
	}
	f, err := compileDateFormat(src)
	if err != nil {
		return nil, err
	}
	c.last, c.lastSrc = f, strings.Clone(src)
	return f, nil
}

func literalFormat(e vectorized.Expr) (*dateFormat, error) {
	if s, ok := literalString(e); ok {
		return compileDateFormat(s)
	}
	return nil, nil
}

// wallOf reads value i of a DATE/TIMESTAMP/TIMESTAMP_LTZ column as a wall
// clock (TIMESTAMP_LTZ in the session time zone).
func wallOf(a arrow.Array, loc *time.Location) func(i int) wallClock {
	get := temporalValues(a)
	dt := a.DataType()
	u := timeUnitOf(dt)
	switch familyOf(dt) {
	case famDate:
		return func(i int) wallClock { return wallClock{days: get(i), zone: "UTC"} }
	case famTime:
		return func(i int) wallClock {
			return wallClock{nanos: get(i) * (nanosPerSecond / unitsPerSecond(u)), zone: "UTC"}
		}
	case famTimestampLTZ:
		return func(i int) wallClock {
			v := get(i)
			days, nanos := ltzToLocal(v, u, loc)
			zone, off := time.Unix(floorDiv(v, unitsPerSecond(u)), 0).In(loc).Zone()
			return wallClock{days: days, nanos: nanos, offset: off, zone: zone}
		}
	}
	return func(i int) wallClock {
		days, nanos := splitTicks(get(i), u)
		return wallClock{days: days, nanos: nanos, zone: "UTC"}
	}
}

// bindDateFormat: DATE_FORMAT(timestamp, format) renders with a Java
// pattern; a STRING first argument is parsed as a timestamp first (Flink
// accepts both). TIMESTAMP_LTZ renders in the session time zone.
func bindDateFormat(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	a, ok := argKinds(args, "TS")
	if !ok {
		return nil, noMatch()
	}
	// Flink takes a TIMESTAMP (or TIMESTAMP_LTZ) or a STRING: a DATE or a
	// TIME needs a CAST first.
	if f := familyOf(a[0].DataType()); f == famDate || f == famTime {
		return nil, noMatch()
	}
	if familyOf(a[0].DataType()) == famString {
		a[0] = implicitTry(a[0], TimestampType(9))
	}
	fixed, err := literalFormat(a[1])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	fn := strKernel(func(kc *kctx, in []arrow.Array) rowFn {
		wall := wallOf(in[0], kc.loc())
		f := sAccOf(in[1], kc.n)
		cache := &formatCache{fixed: fixed}
		return func(i int, dst []byte) ([]byte, bool, error) {
			df, err := cache.get(f.at(i))
			if err != nil {
				return dst, false, kc.fail("DATE_FORMAT(..., "+quoteSQL(f.at(i))+")", err.Error())
			}
			return df.appendFormat(dst, wall(i)), false, nil
		}
	})
	c := &callExpr{name: name, args: a, typ: tString, fn: fn, scalarOK: true, fails: fixed == nil, zoned: true}
	return foldLiteral(c), nil
}

// --- EXTRACT -------------------------------------------------------------------

var extractUnits = map[string]bool{
	"YEAR": true, "QUARTER": true, "MONTH": true, "WEEK": true, "DAY": true, "DOY": true, "DOW": true,
	"ISODOW": true, "ISOYEAR": true, "HOUR": true, "MINUTE": true, "SECOND": true, "MILLISECOND": true,
	"MICROSECOND": true, "NANOSECOND": true, "EPOCH": true, "DECADE": true, "CENTURY": true, "MILLENNIUM": true,
}

func bindExtract(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 2 {
		return nil, noMatch()
	}
	unit, ok := literalString(args[0])
	if !ok {
		return nil, noMatchf("the unit must be a literal")
	}
	e, err := extractExpr(name, strings.ToUpper(unit), args[1])
	if err != nil {
		return nil, err
	}
	return e, nil
}

func bindExtractShorthand(unit string) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		if len(args) != 1 {
			return nil, noMatch()
		}
		return extractExpr(name, unit, args[0])
	}
}

// extractExpr: Calcite/Flink EXTRACT semantics, BIGINT results: DOW is 1
// (Sunday) to 7, ISODOW 1 (Monday) to 7, WEEK the ISO week, EPOCH counts
// seconds. MILLISECOND, MICROSECOND and NANOSECOND of a TIME or TIMESTAMP are
// the fraction of the second only, as Flink 2.3 returns (758 for
// 21:13:17.758; Calcite's own 17758 is not what Flink runs).
func extractExpr(name, unit string, v vectorized.Expr) (vectorized.Expr, error) {
	if !extractUnits[unit] {
		return nil, noMatchf("unknown unit %s", unit)
	}
	dt := v.DataType()
	if dt.ID() == arrow.NULL {
		v = implicit(v, TimestampType(3))
		dt = v.DataType()
	}
	f := familyOf(dt)
	if !isTemporal(dt) && f != famIntervalDT && f != famIntervalYM {
		return nil, noMatch()
	}
	timeUnit := map[string]bool{"HOUR": true, "MINUTE": true, "SECOND": true, "MILLISECOND": true, "MICROSECOND": true, "NANOSECOND": true}[unit]
	if f == famDate && timeUnit {
		return nil, noMatchf("a DATE has no %s", unit)
	}
	if f == famTime && !timeUnit && unit != "EPOCH" {
		return nil, noMatchf("a TIME has no %s", unit)
	}
	fn := fixedKernel(func(kc *kctx, in []arrow.Array) fixedRowFn[int64] {
		switch f {
		case famIntervalDT:
			get := temporalValues(in[0])
			u := timeUnitOf(dt)
			return func(i int) (int64, bool, error) {
				return extractInterval(unit, convertTicks(get(i), u, arrow.Millisecond)), false, nil
			}
		case famIntervalYM:
			get := temporalValues(in[0])
			return func(i int) (int64, bool, error) {
				m := get(i)
				switch unit {
				case "YEAR":
					return m / 12, false, nil
				case "MONTH":
					return m % 12, false, nil
				case "QUARTER":
					return (m%12)/3 + 1, false, nil
				}
				return 0, false, nil
			}
		}
		wall := wallOf(in[0], kc.loc())
		get := temporalValues(in[0])
		u := timeUnitOf(dt)
		return func(i int) (int64, bool, error) {
			w := wall(i)
			if unit == "EPOCH" {
				switch f {
				case famDate:
					return w.days * 86400, false, nil
				case famTime:
					return w.nanos / nanosPerSecond, false, nil
				case famTimestampLTZ:
					return floorDiv(get(i), unitsPerSecond(u)), false, nil
				}
				return w.days*86400 + w.nanos/nanosPerSecond, false, nil
			}
			return extractField(unit, w.days, w.nanos), false, nil
		}
	})
	c := &callExpr{name: name, args: []vectorized.Expr{v}, typ: tInt64, fn: fn, zoned: f == famTimestampLTZ}
	if name == "EXTRACT" {
		return &extractNode{callExpr: *c, unit: unit}, nil
	}
	return foldLiteral(c), nil
}

// extractNode renders EXTRACT(unit FROM v).
type extractNode struct {
	callExpr
	unit string
}

func (e *extractNode) String() string {
	return "EXTRACT(" + e.unit + " FROM " + e.args[0].String() + ")"
}

func extractField(unit string, days, nanos int64) int64 {
	y, m, d := civilFromDays(days)
	secs := nanos / nanosPerSecond
	switch unit {
	case "YEAR":
		return int64(y)
	case "QUARTER":
		return int64((m-1)/3 + 1)
	case "MONTH":
		return int64(m)
	case "DAY":
		return int64(d)
	case "DOY":
		return days - civilDays(y, 1, 1) + 1
	case "DOW":
		return floorMod(days+4, 7) + 1 // 1970-01-01 was a Thursday (5)
	case "ISODOW":
		return floorMod(days+3, 7) + 1
	case "WEEK":
		_, w := isoWeek(days)
		return w
	case "ISOYEAR":
		iy, _ := isoWeek(days)
		return iy
	case "DECADE":
		return floorDiv(int64(y), 10)
	case "CENTURY":
		if y > 0 {
			return int64((y + 99) / 100)
		}
		return -int64((-y + 99) / 100)
	case "MILLENNIUM":
		if y > 0 {
			return int64((y + 999) / 1000)
		}
		return -int64((-y + 999) / 1000)
	case "HOUR":
		return secs / 3600
	case "MINUTE":
		return secs / 60 % 60
	case "SECOND":
		return secs % 60
	case "MILLISECOND":
		return (nanos % nanosPerSecond) / 1_000_000
	case "MICROSECOND":
		return (nanos % nanosPerSecond) / 1_000
	case "NANOSECOND":
		return nanos % nanosPerSecond
	}
	return 0
}

func extractInterval(unit string, ms int64) int64 {
	switch unit {
	case "DAY":
		return ms / millisPerDay
	case "HOUR":
		return ms / 3_600_000 % 24
	case "MINUTE":
		return ms / 60_000 % 60
	case "SECOND":
		return ms / 1000 % 60
	case "MILLISECOND":
		return ms % 60_000
	case "MICROSECOND":
		return ms % 60_000 * 1000
	case "EPOCH":
		return ms / 1000
	}
	return 0
}

// isoWeek returns the ISO-8601 week-based year and week of a date.
func isoWeek(days int64) (int64, int64) {
	y, m, d := civilFromDays(days)
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	iy, w := t.ISOWeek()
	return int64(iy), int64(w)
}

// --- TO_TIMESTAMP / TO_DATE / UNIX_TIMESTAMP / FROM_UNIXTIME -----------------

// bindParseTemporal: TO_TIMESTAMP(s[, fmt]) and TO_DATE(s[, fmt]) parse with
// a Java pattern (default 'yyyy-MM-dd HH:mm:ss' / 'yyyy-MM-dd'); text that
// does not parse gives NULL, as in Flink.
func bindParseTemporal(typ arrow.DataType, def string) binder {
	defFmt, _ := compileDateFormat(def)
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		a, ok := argKinds(args, "S?S")
		if !ok {
			return nil, noMatch()
		}
		fixed := defFmt
		if len(a) == 2 {
			f, err := literalFormat(a[1])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			fixed = f
		}
		fn := fixedKernel(func(kc *kctx, in []arrow.Array) fixedRowFn[int64] {
			s := sAccOf(in[0], kc.n)
			var f sAcc
			if len(in) == 2 {
				f = sAccOf(in[1], kc.n)
			}
			cache := &formatCache{fixed: fixed}
			u := timeUnitOf(typ)
			return func(i int) (int64, bool, error) {
				src := ""
				if len(in) == 2 {
					src = f.at(i)
				}
				df, err := cache.get(src)
				if err != nil {
					return 0, true, nil
				}
				w, ok := df.parse(s.at(i))
				if !ok {
					return 0, true, nil
				}
				if typ.ID() == arrow.DATE32 {
					return w.days, false, nil
				}
				return joinTicks(w.days, w.nanos, u), false, nil
			}
		})
		if typ.ID() == arrow.DATE32 {
			inner := fn
			fn = func(kc *kctx, in []arrow.Array) (arrow.Array, error) {
				wide := &kctx{ec: kc.ec, mem: kc.mem, n: kc.n, call: &callExpr{name: kc.call.name, typ: tInt64}}
				arr, err := inner(wide, in)
				if err != nil {
					return nil, err
				}
				defer arr.Release()
				return numericCastTyped[int64, int32](&castCtx{mem: kc.mem, to: tDate}, arr)
			}
		}
		return foldLiteral(&callExpr{name: name, args: a, typ: typ, fn: fn, scalarOK: true}), nil
	}
}

// bindToTimestampLTZ: TO_TIMESTAMP_LTZ(n, 0) reads epoch seconds,
// TO_TIMESTAMP_LTZ(n, 3) epoch milliseconds; the result is TIMESTAMP_LTZ(3).
func bindToTimestampLTZ(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 2 || (!isNumeric(args[0].DataType()) && !isNullLiteral(args[0])) {
		return nil, noMatch()
	}
	prec, ok := literalInt(args[1])
	if !ok || (prec != 0 && prec != 3) {
		return nil, noMatchf("the precision must be the literal 0 (seconds) or 3 (milliseconds)")
	}
	v := implicit(args[0], tFloat64)
	exact := familyOf(args[0].DataType()) == famInt
	if exact {
		v = implicit(args[0], tInt64)
	}
	typ := TimestampLTZType(3)
	fn := fixedKernel(func(kc *kctx, in []arrow.Array) fixedRowFn[int64] {
		if exact {
			x := values[int64](in[0])
			return func(i int) (int64, bool, error) {
				if prec == 0 {
					ms := x[i] * 1000
					if x[i] != 0 && ms/1000 != x[i] {
						return 0, true, nil
					}
					return ms, false, nil
				}
				return x[i], false, nil
			}
		}
		x := values[float64](in[0])
		return func(i int) (int64, bool, error) {
			ms := x[i]
			if prec == 0 {
				ms *= 1000
			}
			if math.IsNaN(ms) || math.IsInf(ms, 0) {
				return 0, true, nil
			}
			return int64(math.Floor(ms)), false, nil
		}
	})
	return foldLiteral(&callExpr{name: name, args: []vectorized.Expr{v}, typ: typ, fn: fn}), nil
}

// bindUnixTimestamp: UNIX_TIMESTAMP() is the current epoch second;
// UNIX_TIMESTAMP(s[, fmt]) parses s in the session time zone. Flink's
// DateTimeUtils.unixTimestamp returns Long.MIN_VALUE for text that does not
// parse, and so does this.
func bindUnixTimestamp(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) == 0 {
		fn := func(kc *kctx, _ []arrow.Array) (arrow.Array, error) {
			now := time.Now()
			if kc.ec != nil && !kc.ec.Now.IsZero() {
				now = kc.ec.Now
			}
			buf, out := allocFixed[int64](kc.mem, kc.n)
			for i := range out {
				out[i] = now.Unix()
			}
			return makeArray(tInt64, kc.n, nil, 0, buf), nil
		}
		return &callExpr{name: name, typ: tInt64, fn: fn}, nil
	}
	a, ok := argKinds(args, "S?S")
	if !ok {
		return nil, noMatch()
	}
	defFmt, _ := compileDateFormat("yyyy-MM-dd HH:mm:ss")
	fixed := defFmt
	if len(a) == 2 {
		f, err := literalFormat(a[1])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		fixed = f
	}
	fn := fixedKernel(func(kc *kctx, in []arrow.Array) fixedRowFn[int64] {
		s := sAccOf(in[0], kc.n)
		var f sAcc
		if len(in) == 2 {
			f = sAccOf(in[1], kc.n)
		}
		cache := &formatCache{fixed: fixed}
		loc := kc.loc()
		return func(i int) (int64, bool, error) {
			src := ""
			if len(in) == 2 {
				src = f.at(i)
			}
			df, err := cache.get(src)
			if err != nil {
				return math.MinInt64, false, nil
			}
			w, ok := df.parse(s.at(i))
			if !ok {
				return math.MinInt64, false, nil
			}
			return floorDiv(localToLTZ(w.days, w.nanos, arrow.Second, loc), 1), false, nil
		}
	})
	// deterministic given its arguments, but registered with the no-argument
	// form; the session zone also makes it unfoldable
	return &callExpr{name: name, args: a, typ: tInt64, fn: fn, scalarOK: true, zoned: true}, nil
}

// bindFromUnixtime: FROM_UNIXTIME(seconds[, fmt]) renders in the session
// time zone, by default as 'yyyy-MM-dd HH:mm:ss'.
func bindFromUnixtime(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	a, ok := argKinds(args, "I?S")
	if !ok {
		return nil, noMatch()
	}
	fixed, _ := compileDateFormat("yyyy-MM-dd HH:mm:ss")
	if len(a) == 2 {
		f, err := literalFormat(a[1])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		fixed = f
	}
	fn := strKernel(func(kc *kctx, in []arrow.Array) rowFn {
		secs := iAccOf(in[0], kc.n)
		var f sAcc
		if len(in) == 2 {
			f = sAccOf(in[1], kc.n)
		}
		cache := &formatCache{fixed: fixed}
		loc := kc.loc()
		return func(i int, dst []byte) ([]byte, bool, error) {
			src := ""
			if len(in) == 2 {
				src = f.at(i)
			}
			df, err := cache.get(src)
			if err != nil {
				return dst, true, nil
			}
			v := secs.at(i)
			days, nanos := ltzToLocal(v, arrow.Second, loc)
			zone, off := time.Unix(v, 0).In(loc).Zone()
			return df.appendFormat(dst, wallClock{days: days, nanos: nanos, offset: off, zone: zone}), false, nil
		}
	})
	return &callExpr{name: name, args: a, typ: tString, fn: fn, scalarOK: true, zoned: true}, nil
}

// --- TIMESTAMPADD / TIMESTAMPDIFF ----------------------------------------------

var unitNanos = map[string]int64{
	"WEEK": 7 * nanosPerDay, "DAY": nanosPerDay, "HOUR": 3600 * nanosPerSecond, "MINUTE": 60 * nanosPerSecond,
	"SECOND": nanosPerSecond, "MILLISECOND": 1_000_000, "MICROSECOND": 1_000, "NANOSECOND": 1,
}

var unitMonths = map[string]int64{"YEAR": 12, "QUARTER": 3, "MONTH": 1}

func normUnit(u string) string {
	u = strings.ToUpper(u)
	switch u {
	case "SQL_TSI_YEAR":
		return "YEAR"
	case "SQL_TSI_QUARTER":
		return "QUARTER"
	case "SQL_TSI_MONTH":
		return "MONTH"
	case "SQL_TSI_WEEK":
		return "WEEK"
	case "SQL_TSI_DAY":
		return "DAY"
	case "SQL_TSI_HOUR":
		return "HOUR"
	case "SQL_TSI_MINUTE":
		return "MINUTE"
	case "SQL_TSI_SECOND":
		return "SECOND"
	}
	return u
}

// bindTimestampAdd: TIMESTAMPADD(unit, n, t) keeps t's type; a DATE moved by
// a unit below a day becomes TIMESTAMP(3) (Calcite's
// SqlTimestampAddFunction). Month-based units clamp the day to the month's
// end.
func bindTimestampAdd(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 3 {
		return nil, noMatch()
	}
	us, ok := literalString(args[0])
	if !ok {
		return nil, noMatchf("the unit must be a literal")
	}
	unit := normUnit(us)
	months, isMonth := unitMonths[unit]
	nanos, isNano := unitNanos[unit]
	if !isMonth && !isNano {
		return nil, noMatchf("unknown unit %s", unit)
	}
	a, ok := argKinds(args[1:], "IT")
	if !ok || familyOf(a[1].DataType()) == famString {
		return nil, noMatch()
	}
	t := a[1]
	typ := t.DataType()
	if familyOf(typ) == famDate && isNano && nanos < nanosPerDay {
		typ = TimestampType(3)
		t = implicit(t, typ)
	}
	if ts, ok := typ.(*arrow.TimestampType); ok && isNano && nanos < nanosPerSecond {
		// Calcite's TIMESTAMPADD: a MILLISECOND (MICROSECOND, NANOSECOND)
		// step on a coarser timestamp gives a TIMESTAMP(3) (6, 9), not a
		// result truncated to the argument's precision.
		want := arrow.Millisecond
		switch {
		case nanos < 1000:
			want = arrow.Nanosecond
		case nanos < 1_000_000:
			want = arrow.Microsecond
		}
		if ts.Unit < want {
			typ = &arrow.TimestampType{Unit: want, TimeZone: ts.TimeZone}
			t = implicit(t, typ)
		}
	}
	fam := familyOf(typ)
	fn := fixedKernel(func(kc *kctx, in []arrow.Array) fixedRowFn[int64] {
		n := iAccOf(in[0], kc.n)
		get := temporalValues(in[1])
		if in[1].Len() == 1 && kc.n != 1 {
			// A literal timestamp is one value for every row.
			one := get
			get = func(int) int64 { return one(0) }
		}
		u := timeUnitOf(typ)
		loc := kc.loc()
		return func(i int) (int64, bool, error) {
			k, v := n.at(i), get(i)
			switch fam {
			case famDate:
				if isMonth {
					return addMonths(v, k*months), false, nil
				}
				return v + k*nanos/nanosPerDay, false, nil
			case famTime:
				if isMonth {
					return v, false, nil
				}
				per := unitsPerSecond(u)
				return floorMod(v+k*nanos/(nanosPerSecond/per), per*86400), false, nil
			}
			if isMonth {
				var days, ns int64
				if fam == famTimestampLTZ {
					days, ns = ltzToLocal(v, u, loc)
					return localToLTZ(addMonths(days, k*months), ns, u, loc), false, nil
				}
				days, ns = splitTicks(v, u)
				return joinTicks(addMonths(days, k*months), ns, u), false, nil
			}
			per := unitsPerSecond(u)
			step := nanos / (nanosPerSecond / per)
			if step == 0 {
				return v + k*nanos/(nanosPerSecond/per), false, nil
			}
			return v + k*step, false, nil
		}
	})
	wrapped := func(kc *kctx, in []arrow.Array) (arrow.Array, error) {
		wide := &kctx{ec: kc.ec, mem: kc.mem, n: kc.n, call: &callExpr{name: kc.call.name, typ: typ}}
		if typ.ID() == arrow.DATE32 || typ.ID() == arrow.TIME32 {
			wide.call.typ = tInt64
			arr, err := fn(wide, in)
			if err != nil {
				return nil, err
			}
			defer arr.Release()
			return numericCastTyped[int64, int32](&castCtx{mem: kc.mem, to: typ}, arr)
		}
		return fn(wide, in)
	}
	c := &callExpr{name: name, args: []vectorized.Expr{a[0], t}, typ: typ, fn: wrapped, scalarOK: true, zoned: fam == famTimestampLTZ}
	return &unitCall{callExpr: *c, unit: unit}, nil
}

// unitCall renders a call whose first SQL argument is a unit keyword.
type unitCall struct {
	callExpr
	unit string
}

func (u *unitCall) String() string {
	return u.name + "(" + u.unit + ", " + strings.Join(mapStrings(u.args), ", ") + ")"
}

// bindTimestampDiff: TIMESTAMPDIFF(unit, a, b) is the number of whole units
// from a to b as INT. Month-based units count complete months, as Calcite's
// SqlFunctions.subtractMonths does.
func bindTimestampDiff(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 3 {
		return nil, noMatch()
	}
	us, ok := literalString(args[0])
	if !ok {
		return nil, noMatchf("the unit must be a literal")
	}
	unit := normUnit(us)
	months, isMonth := unitMonths[unit]
	nanos, isNano := unitNanos[unit]
	if !isMonth && !isNano {
		return nil, noMatchf("unknown unit %s", unit)
	}
	a, b := args[1], args[2]
	ta, tb := a.DataType(), b.DataType()
	if !(isTemporal(ta) || ta.ID() == arrow.NULL) || !(isTemporal(tb) || tb.ID() == arrow.NULL) {
		return nil, noMatch()
	}
	var common arrow.DataType
	switch {
	case familyOf(ta) == famTime || familyOf(tb) == famTime:
		return nil, noMatch()
	case familyOf(ta) == famDate && familyOf(tb) == famDate:
		common = TimestampType(0)
	default:
		var ok bool
		common = commonType([]arrow.DataType{ta, tb})
		if common == nil || !isTimestampFam(common) {
			p := 0
			for _, t := range []arrow.DataType{ta, tb} {
				if isTimestampFam(t) {
					p = max(p, unitPrecision(timeUnitOf(t)))
					ok = ok || familyOf(t) == famTimestampLTZ
				}
			}
			if ok {
				common = TimestampLTZType(p)
			} else {
				common = TimestampType(p)
			}
		}
	}
	a, b = implicit(a, common), implicit(b, common)
	u := timeUnitOf(common)
	ltz := familyOf(common) == famTimestampLTZ
	fn := fixedKernel(func(kc *kctx, in []arrow.Array) fixedRowFn[int32] {
		ga, gb := temporalValues(in[0]), temporalValues(in[1])
		loc := kc.loc()
		return func(i int) (int32, bool, error) {
			va, vb := ga(i), gb(i)
			if isNano {
				d := (vb - va) * (nanosPerSecond / unitsPerSecond(u))
				return int32(d / nanos), false, nil
			}
			var da, na, db, nb int64
			if ltz {
				da, na = ltzToLocal(va, u, loc)
				db, nb = ltzToLocal(vb, u, loc)
			} else {
				da, na = splitTicks(va, u)
				db, nb = splitTicks(vb, u)
			}
			return int32(monthsBetween(da, na, db, nb) / months), false, nil
		}
	})
	c := &callExpr{name: name, args: []vectorized.Expr{a, b}, typ: tInt32, fn: fn, zoned: ltz}
	return &unitCall{callExpr: *c, unit: unit}, nil
}

// monthsBetween counts whole months from (da, na) to (db, nb) by Calcite's
// subtractMonths (which Flink runs): a month from a day past the end of a
// shorter month ends on its last day (2024-01-31 to 2024-02-29 is one
// month), and on the exact day the time of day decides.
func monthsBetween(da, na, db, nb int64) int64 {
	m := subtractMonthDays(db, da)
	if addMonths(da, m) == db && nb < na {
		m--
	}
	return m
}

// subtractMonthDays is the number of months from date d1 to date d0: the
// largest m with addMonths(d1, m) <= d0 (negated when d0 < d1).
func subtractMonthDays(d0, d1 int64) int64 {
	if d0 < d1 {
		return -subtractMonthDays(d1, d0)
	}
	// no month is longer than 31 days, so this never overshoots
	m := (d0 - d1) / 31
	for addMonths(d1, m+1) <= d0 {
		m++
	}
	return m
}
