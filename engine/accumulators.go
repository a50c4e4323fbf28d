package engine

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// accumulator is the state of one aggregate call for every group, updated
// a batch at a time by typed loops (one interface call per batch, not per
// value), and its result buffer.
type accumulator interface {
	// grow makes room for group ids < n; new groups start empty.
	grow(n int)
	// reset puts group g back in its initial state.
	reset(g uint32)
	// bind makes update read the argument column of a new batch (nil for
	// COUNT(*)): the type switch happens once per batch, not per value.
	bind(arg arrow.Array)
	// update applies rows [from, to) of the bound batch: row i goes to
	// group groups[i] with sign signs[i] (+1 accumulate, -1 retract, 0
	// skip); signs == nil means every row accumulates.
	update(groups []uint32, signs []int8, from, to int)
	// appendResult appends the current value of group g to the result
	// buffer.
	appendResult(g uint32)
	// resultEqual compares two rows of the result buffer.
	resultEqual(i, j int) bool
	// truncate drops result rows from n on.
	truncate(n int)
	// keep compacts the result buffer to the rows sel (increasing).
	keep(sel []int32)
	// stream applies rows [from, to) of the bound batch one at a time, in
	// order, as update does, appending results around each row as acts[i]
	// asks (streamPrev: the group's result before the row, streamNew:
	// after it; streamCmp: set changed[i] when the result after the row
	// differs from the one before; streamReset then puts the group back
	// in its initial state). A row with acts[i] == 0 is skipped. It is
	// the streaming aggregate's per-row changelog in one typed loop per
	// accumulator instead of one call per row and accumulator. Unlike
	// update's, signs is never nil.
	stream(groups []uint32, signs []int8, acts []uint8, changed []bool, from, to int)
	// dropPrev removes the next-to-last result, keeping the last.
	dropPrev()
	// flush builds the result buffer into an array and empties it.
	flush(mem memory.Allocator) (arrow.Array, error)
	// save appends group g's state to dst, for the keyed state backend
	// (accumulators_state.go has the encodings).
	save(dst []byte, g uint32) []byte
	// load sets group g, which must be in its initial state, from what
	// save wrote; errors stay in d.
	load(d *stateDecoder, g uint32)
}

// results is a typed result buffer.
type results[T comparable] struct {
	vals  []T
	valid []bool
}

func (r *results[T]) add(v T, ok bool) {
	r.vals = append(r.vals, v)
	r.valid = append(r.valid, ok)
}

func (r *results[T]) equal(i, j int) bool {
	return r.valid[i] == r.valid[j] && (!r.valid[i] || r.vals[i] == r.vals[j])
}

func (r *results[T]) truncate(n int) {
	r.vals, r.valid = r.vals[:n], r.valid[:n]
}

func (r *results[T]) dropPrev() {
	n := len(r.vals)
	r.vals[n-2], r.valid[n-2] = r.vals[n-1], r.valid[n-1]
	r.truncate(n - 1)
}

func (r *results[T]) keep(sel []int32) {
	for j, i := range sel {
		r.vals[j], r.valid[j] = r.vals[i], r.valid[i]
	}
	r.truncate(len(sel))
}

// What stream appends around one row.
const (
	streamPrev uint8 = 1 << iota
	streamNew
	streamCmp
	streamReset
	// streamUpdate marks the row of a group that had state (an update,
	// not an insert); accumulators ignore it.
	streamUpdate
)

// streamEach is stream through an accumulator's row-at-a-time methods,
// for the accumulators without a typed loop of their own.
func streamEach(a accumulator, groups []uint32, signs []int8, acts []uint8, changed []bool, from, to int) {
	k := 0 // results appended
	for i := from; i < to; i++ {
		act := acts[i]
		if act == 0 {
			continue
		}
		g := groups[i]
		cmp := act&streamCmp != 0
		if act&streamPrev != 0 || cmp {
			a.appendResult(g)
			k++
		}
		a.update(groups, signs, i, i+1)
		if act&streamNew != 0 {
			a.appendResult(g)
			k++
		}
		if cmp {
			// streamCmp comes with streamNew: the last two results
			if !a.resultEqual(k-2, k-1) {
				changed[i] = true
			}
			if act&streamPrev == 0 {
				a.dropPrev()
				k--
			}
		}
		if act&streamReset != 0 {
			a.reset(g)
		}
	}
}

// take returns the buffered results and empties the buffer, keeping its
// storage: the caller copies them out before the next add.
func (r *results[T]) take() ([]T, []bool) {
	v, ok := r.vals, r.valid
	r.vals, r.valid = r.vals[:0], r.valid[:0]
	return v, ok
}

func growTo[T any](s []T, n int) []T {
	for len(s) < n {
		var z T
		s = append(s, z)
	}
	return s
}

// validBits returns arr's validity bitmap and offset, or nil when it has
// no NULLs.
func validBits(arr arrow.Array) ([]byte, int) {
	if arr == nil || arr.NullN() == 0 {
		return nil, 0
	}
	return arr.NullBitmapBytes(), arr.Data().Offset()
}

func sign(signs []int8, i int) int64 {
	if signs == nil {
		return 1
	}
	return int64(signs[i])
}

// ---- COUNT(*) and COUNT(x) ----

// countAcc is Flink's CountAggFunction / Count1AggFunction: the count goes
// up on accumulate and down on retract; COUNT(x) skips NULLs. Its result
// is never NULL.
type countAcc struct {
	dt  arrow.DataType
	cnt []int64
	res results[int64]
	bm  []byte
	off int
}

func (a *countAcc) grow(n int)     { a.cnt = growTo(a.cnt, n) }
func (a *countAcc) reset(g uint32) { a.cnt[g] = 0 }

func (a *countAcc) bind(arg arrow.Array) { a.bm, a.off = validBits(arg) }

func (a *countAcc) update(groups []uint32, signs []int8, from, to int) {
	cnt := a.cnt
	bm, off := a.bm, a.off
	switch {
	case bm == nil && signs == nil:
		for _, g := range groups[from:to] {
			cnt[g]++
		}
	case bm == nil:
		for i := from; i < to; i++ {
			cnt[groups[i]] += int64(signs[i])
		}
	default:
		for i := from; i < to; i++ {
			if bitutil.BitIsSet(bm, off+i) {
				cnt[groups[i]] += sign(signs, i)
			}
		}
	}
}

func (a *countAcc) appendResult(g uint32)     { a.res.add(a.cnt[g], true) }
func (a *countAcc) resultEqual(i, j int) bool { return a.res.equal(i, j) }
func (a *countAcc) truncate(n int)            { a.res.truncate(n) }
func (a *countAcc) keep(sel []int32)          { a.res.keep(sel) }
func (a *countAcc) dropPrev()                 { a.res.dropPrev() }

func (a *countAcc) stream(groups []uint32, signs []int8, acts []uint8, changed []bool, from, to int) {
	cnt, bm, off := a.cnt, a.bm, a.off
	// at most two results a row: appends never reallocate in the loop
	vals, valid := slices.Grow(a.res.vals, 2*(to-from)), slices.Grow(a.res.valid, 2*(to-from))
	for i := from; i < to; i++ {
		act := acts[i]
		if act == 0 {
			continue
		}
		g := groups[i]
		prev := cnt[g]
		if act&streamPrev != 0 {
			vals, valid = append(vals, prev), append(valid, true)
		}
		if bm == nil || bitutil.BitIsSet(bm, off+i) {
			cnt[g] += int64(signs[i])
		}
		if act&streamNew != 0 {
			vals, valid = append(vals, cnt[g]), append(valid, true)
		}
		if act&streamCmp != 0 && cnt[g] != prev {
			changed[i] = true
		}
		if act&streamReset != 0 {
			cnt[g] = 0
		}
	}
	a.res.vals, a.res.valid = vals, valid
}
func (a *countAcc) flush(mem memory.Allocator) (arrow.Array, error) {
	v, ok := a.res.take()
	return buildInts(mem, a.dt, v, ok)
}

// ---- SUM and AVG ----

// The domain a SUM or AVG adds in: int64 for integer results (wrapping on
// overflow, as Java's long arithmetic in Flink's generated code), float64
// for FLOAT/DOUBLE results, decimal128 for DECIMAL results.
type sumDomain int

const (
	intDomain sumDomain = iota
	floatDomain
	decimalDomain
)

// sumAcc is Flink's SumWithRetractAggFunction and AvgAggFunction: a sum and
// a count of the non-NULL values; the result is NULL when the count is 0
// (all inputs NULL or retracted). For AVG the result is sum / count: integer
// division truncating toward zero for integer results (AVG(INT) is INT in
// Flink), HALF_UP rounding to the result scale for DECIMAL.
type sumAcc struct {
	avg      bool
	domain   sumDomain
	argType  arrow.DataType
	dt       arrow.DataType // result type
	argScale int32          // decimal domain: the scale sums are kept in
	cnt      []int64
	isum     []int64
	fsum     []float64
	dsum     []decimal128.Num
	ires     results[int64]
	fres     results[uint64] // float64 bits: equal results compare equal, NaN included
	dres     results[decimal128.Num]
	scaleMul decimal128.Num // decimal domain: 10^(sum scale - arg scale)
	argDown  int32          // decimal domain: digits to round away from arguments
	run      func(groups []uint32, signs []int8, from, to int)
	// streamRun is stream's typed loop for the bound batch; nil goes row
	// by row (streamEach).
	streamRun func(groups []uint32, signs []int8, acts []uint8, changed []bool, from, to int)
}

func newSumAcc(avg bool, argType, result arrow.DataType) (*sumAcc, error) {
	a := &sumAcc{avg: avg, argType: argType, dt: result}
	argID := argType.ID()
	argIsInt, argIsFloat, argIsDec := isIntegerID(argID), argID == arrow.FLOAT32 || argID == arrow.FLOAT64, argID == arrow.DECIMAL128
	if !argIsInt && !argIsFloat && !argIsDec {
		return nil, fmt.Errorf("%s of %s is not supported", aggName(avg), argType)
	}
	switch {
	case isIntegerID(result.ID()):
		if !argIsInt {
			return nil, fmt.Errorf("%s of %s cannot produce %s", aggName(avg), argType, result)
		}
		a.domain = intDomain
	case result.ID() == arrow.FLOAT32 || result.ID() == arrow.FLOAT64:
		a.domain = floatDomain
	case result.ID() == arrow.DECIMAL128:
		if argIsFloat {
			return nil, fmt.Errorf("%s of %s cannot produce %s", aggName(avg), argType, result)
		}
		a.domain = decimalDomain
		var argScale int32
		if argIsDec {
			argScale = argType.(*arrow.Decimal128Type).Scale
		}
		resScale := result.(*arrow.Decimal128Type).Scale
		// SUM keeps its sum at the result scale; AVG keeps the sum at the
		// argument's scale (Flink's sum buffer is DECIMAL(38, s)) and
		// rounds only the quotient.
		sumScale := resScale
		if avg {
			sumScale = argScale
		}
		a.argScale = sumScale
		if sumScale >= argScale {
			a.scaleMul = decimal128.GetScaleMultiplier(int(sumScale - argScale))
		} else {
			a.scaleMul = decimal128.FromI64(1)
			a.argDown = argScale - sumScale
		}
	default:
		return nil, fmt.Errorf("%s cannot produce %s", aggName(avg), result)
	}
	return a, nil
}

func aggName(avg bool) string {
	if avg {
		return "AVG"
	}
	return "SUM"
}

func (a *sumAcc) grow(n int) {
	a.cnt = growTo(a.cnt, n)
	switch a.domain {
	case intDomain:
		a.isum = growTo(a.isum, n)
	case floatDomain:
		a.fsum = growTo(a.fsum, n)
	default:
		a.dsum = growTo(a.dsum, n)
	}
}

func (a *sumAcc) reset(g uint32) {
	a.cnt[g] = 0
	switch a.domain {
	case intDomain:
		a.isum[g] = 0
	case floatDomain:
		a.fsum[g] = 0
	default:
		a.dsum[g] = decimal128.Num{}
	}
}

func (a *sumAcc) update(groups []uint32, signs []int8, from, to int) { a.run(groups, signs, from, to) }

func (a *sumAcc) stream(groups []uint32, signs []int8, acts []uint8, changed []bool, from, to int) {
	if a.streamRun == nil {
		streamEach(a, groups, signs, acts, changed, from, to)
		return
	}
	a.streamRun(groups, signs, acts, changed, from, to)
}

func (a *sumAcc) dropPrev() {
	switch a.domain {
	case intDomain:
		a.ires.dropPrev()
	case floatDomain:
		a.fres.dropPrev()
	default:
		a.dres.dropPrev()
	}
}

// bind picks the typed loop for the argument's type and the domain.
func (a *sumAcc) bind(arg arrow.Array) {
	d := arg.Data()
	bm, off := validBits(arg)
	a.streamRun = nil
	switch a.domain {
	case intDomain:
		switch arg.DataType().ID() {
		case arrow.INT8:
			a.run = sumLoop(arrow.GetValues[int8](d, 1), bm, off, a.isum, a.cnt)
		case arrow.INT16:
			a.run = sumLoop(arrow.GetValues[int16](d, 1), bm, off, a.isum, a.cnt)
		case arrow.INT32:
			vals := arrow.GetValues[int32](d, 1)
			a.run = sumLoop(vals, bm, off, a.isum, a.cnt)
			if !a.avg {
				a.streamRun = intSumStream(a, vals, bm, off)
			}
		case arrow.INT64:
			vals := arrow.GetValues[int64](d, 1)
			a.run = sumLoop(vals, bm, off, a.isum, a.cnt)
			if !a.avg {
				a.streamRun = intSumStream(a, vals, bm, off)
			}
		case arrow.UINT8:
			a.run = sumLoop(arrow.GetValues[uint8](d, 1), bm, off, a.isum, a.cnt)
		case arrow.UINT16:
			a.run = sumLoop(arrow.GetValues[uint16](d, 1), bm, off, a.isum, a.cnt)
		case arrow.UINT32:
			a.run = sumLoop(arrow.GetValues[uint32](d, 1), bm, off, a.isum, a.cnt)
		case arrow.UINT64:
			a.run = sumLoop(arrow.GetValues[uint64](d, 1), bm, off, a.isum, a.cnt)
		}
	case floatDomain:
		switch arg.DataType().ID() {
		case arrow.INT8:
			a.run = sumLoop(arrow.GetValues[int8](d, 1), bm, off, a.fsum, a.cnt)
		case arrow.INT16:
			a.run = sumLoop(arrow.GetValues[int16](d, 1), bm, off, a.fsum, a.cnt)
		case arrow.INT32:
			a.run = sumLoop(arrow.GetValues[int32](d, 1), bm, off, a.fsum, a.cnt)
		case arrow.INT64:
			a.run = sumLoop(arrow.GetValues[int64](d, 1), bm, off, a.fsum, a.cnt)
		case arrow.UINT8:
			a.run = sumLoop(arrow.GetValues[uint8](d, 1), bm, off, a.fsum, a.cnt)
		case arrow.UINT16:
			a.run = sumLoop(arrow.GetValues[uint16](d, 1), bm, off, a.fsum, a.cnt)
		case arrow.UINT32:
			a.run = sumLoop(arrow.GetValues[uint32](d, 1), bm, off, a.fsum, a.cnt)
		case arrow.UINT64:
			a.run = sumLoop(arrow.GetValues[uint64](d, 1), bm, off, a.fsum, a.cnt)
		case arrow.FLOAT32:
			a.run = sumLoop(arrow.GetValues[float32](d, 1), bm, off, a.fsum, a.cnt)
		case arrow.FLOAT64:
			vals := arrow.GetValues[float64](d, 1)
			a.run = sumLoop(vals, bm, off, a.fsum, a.cnt)
			if !a.avg {
				a.streamRun = floatSumStream(a, vals, bm, off)
			}
		case arrow.DECIMAL128:
			scale := a.argType.(*arrow.Decimal128Type).Scale
			vals := arrow.GetValues[decimal128.Num](d, 1)
			fsum, cnt := a.fsum, a.cnt
			a.run = func(groups []uint32, signs []int8, from, to int) {
				for i := from; i < to; i++ {
					if bm != nil && !bitutil.BitIsSet(bm, off+i) {
						continue
					}
					s := sign(signs, i)
					if s == 0 {
						continue
					}
					g := groups[i]
					fsum[g] += float64(s) * vals[i].ToFloat64(scale)
					cnt[g] += s
				}
			}
		}
	default:
		value := decimalReader(arg)
		a.run = func(groups []uint32, signs []int8, from, to int) {
			a.updateDecimal(value, bm, off, groups, signs, from, to)
		}
	}
}

// sumLoop binds the typed inner loop of SUM and AVG to one batch's values
// and to the state slices (grow happens before bind).
func sumLoop[A number, D int64 | float64](vals []A, bm []byte, off int, sum []D, cnt []int64) func(groups []uint32, signs []int8, from, to int) {
	return func(groups []uint32, signs []int8, from, to int) {
		addRows(vals, bm, off, groups, signs, from, to, sum, cnt)
	}
}

// intSumStream is stream for SUM with an integer result: the result is
// the sum, NULL while no value counts.
func intSumStream[A int32 | int64](a *sumAcc, vals []A, bm []byte, off int) func(groups []uint32, signs []int8, acts []uint8, changed []bool, from, to int) {
	return func(groups []uint32, signs []int8, acts []uint8, changed []bool, from, to int) {
		sum, cnt := a.isum, a.cnt
		rv, rok := slices.Grow(a.ires.vals, 2*(to-from)), slices.Grow(a.ires.valid, 2*(to-from))
		for i := from; i < to; i++ {
			act := acts[i]
			if act == 0 {
				continue
			}
			g := groups[i]
			pv, pok := sum[g], cnt[g] != 0
			if act&streamPrev != 0 {
				rv, rok = append(rv, pv), append(rok, pok)
			}
			if bm == nil || bitutil.BitIsSet(bm, off+i) {
				s := int64(signs[i])
				sum[g] += s * int64(vals[i])
				cnt[g] += s
			}
			nv, nok := sum[g], cnt[g] != 0
			if act&streamNew != 0 {
				rv, rok = append(rv, nv), append(rok, nok)
			}
			if act&streamCmp != 0 && (pok != nok || (nok && pv != nv)) {
				changed[i] = true
			}
			if act&streamReset != 0 {
				sum[g], cnt[g] = 0, 0
			}
		}
		a.ires.vals, a.ires.valid = rv, rok
	}
}

// floatSumStream is stream for SUM of DOUBLE.
func floatSumStream(a *sumAcc, vals []float64, bm []byte, off int) func(groups []uint32, signs []int8, acts []uint8, changed []bool, from, to int) {
	return func(groups []uint32, signs []int8, acts []uint8, changed []bool, from, to int) {
		sum, cnt := a.fsum, a.cnt
		for i := from; i < to; i++ {
			act := acts[i]
			if act == 0 {
				continue
			}
			g := groups[i]
			// results compare as bits, as resultEqual does
			pv, pok := math.Float64bits(sum[g]), cnt[g] != 0
			if act&streamPrev != 0 {
				a.fres.add(pv, pok)
			}
			if bm == nil || bitutil.BitIsSet(bm, off+i) {
				switch s := signs[i]; {
				case s > 0:
					sum[g] += vals[i]
					cnt[g]++
				case s < 0:
					sum[g] -= vals[i]
					cnt[g]--
				}
			}
			nv, nok := math.Float64bits(sum[g]), cnt[g] != 0
			if act&streamNew != 0 {
				a.fres.add(nv, nok)
			}
			if act&streamCmp != 0 && (pok != nok || (nok && pv != nv)) {
				changed[i] = true
			}
			if act&streamReset != 0 {
				sum[g], cnt[g] = 0, 0
			}
		}
	}
}

// decimalReader reads an integer or DECIMAL column as decimal128 values.
func decimalReader(arg arrow.Array) func(i int) decimal128.Num {
	d := arg.Data()
	switch arg.DataType().ID() {
	case arrow.DECIMAL128:
		vals := arrow.GetValues[decimal128.Num](d, 1)
		return func(i int) decimal128.Num { return vals[i] }
	case arrow.INT8:
		vals := arrow.GetValues[int8](d, 1)
		return func(i int) decimal128.Num { return decimal128.FromI64(int64(vals[i])) }
	case arrow.INT16:
		vals := arrow.GetValues[int16](d, 1)
		return func(i int) decimal128.Num { return decimal128.FromI64(int64(vals[i])) }
	case arrow.INT32:
		vals := arrow.GetValues[int32](d, 1)
		return func(i int) decimal128.Num { return decimal128.FromI64(int64(vals[i])) }
	case arrow.INT64:
		vals := arrow.GetValues[int64](d, 1)
		return func(i int) decimal128.Num { return decimal128.FromI64(vals[i]) }
	case arrow.UINT8:
		vals := arrow.GetValues[uint8](d, 1)
		return func(i int) decimal128.Num { return decimal128.FromU64(uint64(vals[i])) }
	case arrow.UINT16:
		vals := arrow.GetValues[uint16](d, 1)
		return func(i int) decimal128.Num { return decimal128.FromU64(uint64(vals[i])) }
	case arrow.UINT32:
		vals := arrow.GetValues[uint32](d, 1)
		return func(i int) decimal128.Num { return decimal128.FromU64(uint64(vals[i])) }
	default:
		vals := arrow.GetValues[uint64](d, 1)
		return func(i int) decimal128.Num { return decimal128.FromU64(vals[i]) }
	}
}

func (a *sumAcc) updateDecimal(value func(int) decimal128.Num, bm []byte, off int, groups []uint32, signs []int8, from, to int) {
	one := decimal128.FromI64(1)
	scale := a.scaleMul != one
	for i := from; i < to; i++ {
		if bm != nil && !bitutil.BitIsSet(bm, off+i) {
			continue
		}
		s := sign(signs, i)
		if s == 0 {
			continue
		}
		v := value(i)
		if scale {
			v = v.Mul(a.scaleMul)
		} else if a.argDown > 0 {
			v = v.ReduceScaleBy(a.argDown, true)
		}
		g := groups[i]
		if s > 0 {
			a.dsum[g] = a.dsum[g].Add(v)
		} else {
			a.dsum[g] = a.dsum[g].Sub(v)
		}
		a.cnt[g] += s
	}
}

// number is what addRows reads and adds in.
type number interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

// addRows is the typed inner loop of SUM and AVG.
func addRows[A number, D int64 | float64](vals []A, bm []byte, off int, groups []uint32, signs []int8, from, to int, sum []D, cnt []int64) {
	if bm == nil && signs == nil {
		for i := from; i < to; i++ {
			g := groups[i]
			sum[g] += D(vals[i])
			cnt[g]++
		}
		return
	}
	for i := from; i < to; i++ {
		if bm != nil && !bitutil.BitIsSet(bm, off+i) {
			continue
		}
		s := sign(signs, i)
		g := groups[i]
		switch {
		case s > 0:
			sum[g] += D(vals[i])
			cnt[g]++
		case s < 0:
			sum[g] -= D(vals[i])
			cnt[g]--
		}
	}
}

func (a *sumAcc) appendResult(g uint32) {
	n := a.cnt[g]
	switch a.domain {
	case intDomain:
		v := a.isum[g]
		if a.avg && n != 0 {
			v /= n // Java's long division: truncates toward zero, like Go's
		}
		a.ires.add(v, n != 0)
	case floatDomain:
		v := a.fsum[g]
		if a.avg && n != 0 {
			v /= float64(n)
		}
		a.fres.add(math.Float64bits(v), n != 0)
	default:
		v, ok := a.dsum[g], n != 0
		prec := a.dt.(*arrow.Decimal128Type).Precision
		if ok && a.avg {
			v, ok = avgDecimal(v, a.argScale, n, a.dt.(*arrow.Decimal128Type).Scale)
		}
		// Flink: a decimal that does not fit its precision becomes NULL.
		if ok && !v.FitsInPrecision(prec) {
			ok = false
		}
		if !ok {
			v = decimal128.Num{}
		}
		a.dres.add(v, ok)
	}
}

// avgDecimal is sum/count, sum at scale sumScale, rounded HALF_UP to
// resScale (Flink's decimal division rounds HALF_UP).
func avgDecimal(sum decimal128.Num, sumScale int32, count int64, resScale int32) (decimal128.Num, bool) {
	num := sum.BigInt()
	den := big.NewInt(count)
	if d := resScale - sumScale; d > 0 {
		num.Mul(num, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d)), nil))
	} else if d < 0 {
		den.Mul(den, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-d)), nil))
	}
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	r.Abs(r).Lsh(r, 1)
	if r.Cmp(new(big.Int).Abs(den)) >= 0 {
		if (num.Sign() < 0) != (den.Sign() < 0) {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	if q.BitLen() > 126 {
		return decimal128.Num{}, false
	}
	return decimal128.FromBigInt(q), true
}

func (a *sumAcc) resultEqual(i, j int) bool {
	switch a.domain {
	case intDomain:
		return a.ires.equal(i, j)
	case floatDomain:
		return a.fres.equal(i, j)
	}
	return a.dres.equal(i, j)
}

func (a *sumAcc) keep(sel []int32) {
	switch a.domain {
	case intDomain:
		a.ires.keep(sel)
	case floatDomain:
		a.fres.keep(sel)
	default:
		a.dres.keep(sel)
	}
}

func (a *sumAcc) truncate(n int) {
	switch a.domain {
	case intDomain:
		a.ires.truncate(n)
	case floatDomain:
		a.fres.truncate(n)
	default:
		a.dres.truncate(n)
	}
}

func (a *sumAcc) flush(mem memory.Allocator) (arrow.Array, error) {
	switch a.domain {
	case intDomain:
		v, ok := a.ires.take()
		return buildInts(mem, a.dt, v, ok)
	case floatDomain:
		v, ok := a.fres.take()
		return buildFloats(mem, a.dt, v, ok)
	}
	v, ok := a.dres.take()
	return buildFixed(mem, a.dt, v, ok), nil
}

// ---- MIN and MAX ----

// minMaxAcc keeps the extreme per group. With retraction it is Flink's
// MinWithRetractAggFunction / MaxWithRetractAggFunction: a count per
// distinct value, so retracting the current extreme finds the next one
// among the values still counted. NULLs are ignored; no values → NULL.
type minMaxAcc[T comparable] struct {
	max     bool
	retract bool
	less    func(a, b T) bool
	read    func(arg arrow.Array) func(i int) T
	build   func(mem memory.Allocator, vals []T, valid []bool) (arrow.Array, error)
	ext     []T
	size    []int64 // distinct values with a positive count (retract) or 0/1
	counts  []map[T]int64
	res     results[T]
	value   func(i int) T // bound
	bm      []byte
	off     int
	codec   valCodec[T] // state encoding, picked on first use
}

func (a *minMaxAcc[T]) bind(arg arrow.Array) {
	a.value = a.read(arg)
	a.bm, a.off = validBits(arg)
}

func (a *minMaxAcc[T]) grow(n int) {
	a.ext = growTo(a.ext, n)
	a.size = growTo(a.size, n)
	if a.retract {
		a.counts = growTo(a.counts, n)
	}
}

func (a *minMaxAcc[T]) reset(g uint32) {
	var z T
	a.ext[g], a.size[g] = z, 0
	if a.retract {
		a.counts[g] = nil
	}
}

func (a *minMaxAcc[T]) better(v, cur T) bool {
	if a.max {
		return a.less(cur, v)
	}
	return a.less(v, cur)
}

func (a *minMaxAcc[T]) update(groups []uint32, signs []int8, from, to int) {
	value, bm, off := a.value, a.bm, a.off
	for i := from; i < to; i++ {
		if bm != nil && !bitutil.BitIsSet(bm, off+i) {
			continue
		}
		s := sign(signs, i)
		if s == 0 {
			continue
		}
		g := groups[i]
		v := value(i)
		if !a.retract {
			if a.size[g] == 0 || a.better(v, a.ext[g]) {
				a.ext[g], a.size[g] = v, 1
			}
			continue
		}
		m := a.counts[g]
		if m == nil {
			m = make(map[T]int64)
			a.counts[g] = m
		}
		c := m[v] + s
		if c == 0 {
			delete(m, v)
		} else {
			m[v] = c
		}
		switch {
		case s > 0 && c == 1:
			// a value that starts counting
			if a.size[g] == 0 || a.better(v, a.ext[g]) {
				a.ext[g] = v
			}
			a.size[g]++
		case s < 0 && c == 0:
			// the last copy of a value went away
			a.size[g]--
			if a.size[g] > 0 && v == a.ext[g] {
				a.recompute(g)
			}
		}
	}
}

// recompute finds the extreme among the values still counted, as
// MinWithRetractAggFunction.updateMin iterates its map view.
func (a *minMaxAcc[T]) recompute(g uint32) {
	first := true
	for v, c := range a.counts[g] {
		if c <= 0 {
			continue
		}
		if first || a.better(v, a.ext[g]) {
			a.ext[g] = v
			first = false
		}
	}
	if first {
		a.size[g] = 0
	}
}

func (a *minMaxAcc[T]) appendResult(g uint32) {
	if a.size[g] > 0 {
		a.res.add(a.ext[g], true)
	} else {
		var z T
		a.res.add(z, false)
	}
}

func (a *minMaxAcc[T]) resultEqual(i, j int) bool { return a.res.equal(i, j) }
func (a *minMaxAcc[T]) truncate(n int)            { a.res.truncate(n) }
func (a *minMaxAcc[T]) keep(sel []int32)          { a.res.keep(sel) }
func (a *minMaxAcc[T]) stream(groups []uint32, signs []int8, acts []uint8, changed []bool, from, to int) {
	streamEach(a, groups, signs, acts, changed, from, to)
}
func (a *minMaxAcc[T]) dropPrev() { a.res.dropPrev() }
func (a *minMaxAcc[T]) flush(mem memory.Allocator) (arrow.Array, error) {
	v, ok := a.res.take()
	return a.build(mem, v, ok)
}

// newMinMax builds MIN/MAX for an argument type; the result type is the
// argument type.
func newMinMax(isMax, retract bool, argType arrow.DataType) (accumulator, error) {
	switch argType.ID() {
	case arrow.INT8:
		return minMaxOrdered[int8](isMax, retract, argType), nil
	case arrow.INT16:
		return minMaxOrdered[int16](isMax, retract, argType), nil
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		return minMaxOrdered[int32](isMax, retract, argType), nil
	case arrow.INT64, arrow.DATE64, arrow.TIME64, arrow.TIMESTAMP, arrow.DURATION:
		return minMaxOrdered[int64](isMax, retract, argType), nil
	case arrow.UINT8:
		return minMaxOrdered[uint8](isMax, retract, argType), nil
	case arrow.UINT16:
		return minMaxOrdered[uint16](isMax, retract, argType), nil
	case arrow.UINT32:
		return minMaxOrdered[uint32](isMax, retract, argType), nil
	case arrow.UINT64:
		return minMaxOrdered[uint64](isMax, retract, argType), nil
	case arrow.FLOAT32:
		// Kept as bits so a map can count NaN; ordered as Java's
		// Float.compareTo, which MinWithRetractAggFunction uses.
		a := &minMaxAcc[uint32]{max: isMax, retract: retract,
			less: func(x, y uint32) bool {
				return javaCompare(float64(math.Float32frombits(x)), float64(math.Float32frombits(y))) < 0
			},
			read: fixedReader[uint32],
			build: func(mem memory.Allocator, v []uint32, ok []bool) (arrow.Array, error) {
				return buildFixed(mem, argType, v, ok), nil
			}}
		return a, nil
	case arrow.FLOAT64:
		a := &minMaxAcc[uint64]{max: isMax, retract: retract,
			less: func(x, y uint64) bool { return javaCompare(math.Float64frombits(x), math.Float64frombits(y)) < 0 },
			read: fixedReader[uint64],
			build: func(mem memory.Allocator, v []uint64, ok []bool) (arrow.Array, error) {
				return buildFixed(mem, argType, v, ok), nil
			}}
		return a, nil
	case arrow.DECIMAL128:
		return &minMaxAcc[decimal128.Num]{max: isMax, retract: retract,
			less: func(x, y decimal128.Num) bool { return x.Less(y) },
			read: fixedReader[decimal128.Num],
			build: func(mem memory.Allocator, v []decimal128.Num, ok []bool) (arrow.Array, error) {
				return buildFixed(mem, argType, v, ok), nil
			}}, nil
	case arrow.BOOL:
		// false < true, as Boolean.compareTo.
		return &minMaxAcc[bool]{max: isMax, retract: retract,
			less: func(x, y bool) bool { return !x && y },
			read: func(arg arrow.Array) func(int) bool { return arg.(*array.Boolean).Value },
			build: func(mem memory.Allocator, v []bool, ok []bool) (arrow.Array, error) {
				b := array.NewBooleanBuilder(mem)
				defer b.Release()
				b.AppendValues(v, ok)
				return b.NewArray(), nil
			}}, nil
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY, arrow.FIXED_SIZE_BINARY,
		arrow.STRING_VIEW, arrow.BINARY_VIEW:
		// Byte order: Flink's BinaryStringData.compareTo compares UTF-8
		// bytes, which is code point order.
		return &minMaxAcc[string]{max: isMax, retract: retract,
			less: func(x, y string) bool { return x < y },
			read: func(arg arrow.Array) func(int) string {
				c := newBinaryColumn(arg)
				return func(i int) string { return string(c.value(i)) }
			},
			build: func(mem memory.Allocator, v []string, ok []bool) (arrow.Array, error) {
				return buildStrings(mem, argType, v, ok)
			}}, nil
	}
	return nil, fmt.Errorf("MIN/MAX of %s is not supported", argType)
}

type ordered interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

func minMaxOrdered[T ordered](isMax, retract bool, dt arrow.DataType) accumulator {
	return &minMaxAcc[T]{max: isMax, retract: retract,
		less: func(x, y T) bool { return x < y },
		read: orderedReader[T],
		build: func(mem memory.Allocator, v []T, ok []bool) (arrow.Array, error) {
			return buildOrdered(mem, dt, v, ok), nil
		}}
}

func orderedReader[T ordered](arg arrow.Array) func(int) T {
	vals := arrow.GetValues[T](arg.Data(), 1)
	return func(i int) T { return vals[i] }
}

func fixedReader[T fixedWidth](arg arrow.Array) func(int) T {
	vals := arrow.GetValues[T](arg.Data(), 1)
	return func(i int) T { return vals[i] }
}

// buildOrdered builds an integer-backed array of type dt from values of
// the same width.
func buildOrdered[T ordered](mem memory.Allocator, dt arrow.DataType, vals []T, valid []bool) arrow.Array {
	switch v := any(vals).(type) {
	case []int8:
		return buildFixed(mem, dt, reinterpret[int8, uint8](v), valid)
	case []uint8:
		return buildFixed(mem, dt, v, valid)
	case []int16:
		return buildFixed(mem, dt, reinterpret[int16, uint16](v), valid)
	case []uint16:
		return buildFixed(mem, dt, v, valid)
	case []int32:
		return buildFixed(mem, dt, reinterpret[int32, uint32](v), valid)
	case []uint32:
		return buildFixed(mem, dt, v, valid)
	case []int64:
		return buildFixed(mem, dt, reinterpret[int64, uint64](v), valid)
	case []uint64:
		return buildFixed(mem, dt, v, valid)
	}
	panic("unreachable")
}

func reinterpret[From, To ordered](v []From) []To {
	out := make([]To, len(v))
	for i, x := range v {
		out[i] = To(x)
	}
	return out
}

// javaCompare is Double.compare: -0.0 < 0.0 and NaN above everything.
func javaCompare(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	xb, yb := int64(math.Float64bits(x)), int64(math.Float64bits(y))
	if math.IsNaN(x) {
		xb = 0x7ff8000000000000
	}
	if math.IsNaN(y) {
		yb = 0x7ff8000000000000
	}
	switch {
	case xb < yb:
		return -1
	case xb > yb:
		return 1
	}
	return 0
}

// ---- DISTINCT ----

// distinctAcc feeds an inner aggregate only the first arrival and the last
// departure of each value, per group: Flink's distinct aggregates keep a
// MapView value → count and accumulate/retract the inner function when a
// count leaves or reaches 0. NULLs never reach the inner aggregate.
type distinctAcc[K comparable] struct {
	inner  accumulator
	read   func(arg arrow.Array) func(i int) K
	counts []map[K]int64
	signs  []int8
	value  func(i int) K // bound
	bm     []byte
	off    int
	codec  valCodec[K] // state encoding, picked on first use
}

func (a *distinctAcc[K]) bind(arg arrow.Array) {
	a.value = a.read(arg)
	a.bm, a.off = validBits(arg)
	a.signs = grow(a.signs, arg.Len())
	a.inner.bind(arg)
}

func (a *distinctAcc[K]) grow(n int) {
	a.counts = growTo(a.counts, n)
	a.inner.grow(n)
}

func (a *distinctAcc[K]) reset(g uint32) {
	a.counts[g] = nil
	a.inner.reset(g)
}

func (a *distinctAcc[K]) update(groups []uint32, signs []int8, from, to int) {
	value, bm, off := a.value, a.bm, a.off
	for i := from; i < to; i++ {
		a.signs[i] = 0
		if bm != nil && !bitutil.BitIsSet(bm, off+i) {
			continue
		}
		s := sign(signs, i)
		if s == 0 {
			continue
		}
		g := groups[i]
		m := a.counts[g]
		if m == nil {
			m = make(map[K]int64)
			a.counts[g] = m
		}
		v := value(i)
		c := m[v] + s
		if c == 0 {
			delete(m, v)
		} else {
			m[v] = c
		}
		switch {
		case s > 0 && c == 1:
			a.signs[i] = 1
		case s < 0 && c == 0:
			a.signs[i] = -1
		}
	}
	a.inner.update(groups, a.signs, from, to)
}

func (a *distinctAcc[K]) appendResult(g uint32)     { a.inner.appendResult(g) }
func (a *distinctAcc[K]) resultEqual(i, j int) bool { return a.inner.resultEqual(i, j) }
func (a *distinctAcc[K]) truncate(n int)            { a.inner.truncate(n) }
func (a *distinctAcc[K]) keep(sel []int32)          { a.inner.keep(sel) }
func (a *distinctAcc[K]) stream(groups []uint32, signs []int8, acts []uint8, changed []bool, from, to int) {
	streamEach(a, groups, signs, acts, changed, from, to)
}
func (a *distinctAcc[K]) dropPrev() { a.inner.dropPrev() }
func (a *distinctAcc[K]) flush(mem memory.Allocator) (arrow.Array, error) {
	return a.inner.flush(mem)
}

func newDistinct(inner accumulator, argType arrow.DataType) (accumulator, error) {
	switch argType.ID() {
	case arrow.BOOL:
		return &distinctAcc[bool]{inner: inner, read: func(arg arrow.Array) func(int) bool { return arg.(*array.Boolean).Value }}, nil
	case arrow.INT8, arrow.UINT8:
		return &distinctAcc[uint8]{inner: inner, read: fixedReader[uint8]}, nil
	case arrow.INT16, arrow.UINT16, arrow.FLOAT16:
		return &distinctAcc[uint16]{inner: inner, read: fixedReader[uint16]}, nil
	case arrow.INT32, arrow.UINT32, arrow.FLOAT32, arrow.DATE32, arrow.TIME32, arrow.DECIMAL32:
		return &distinctAcc[uint32]{inner: inner, read: fixedReader[uint32]}, nil
	case arrow.INT64, arrow.UINT64, arrow.FLOAT64, arrow.DATE64, arrow.TIME64, arrow.TIMESTAMP, arrow.DURATION, arrow.DECIMAL64:
		return &distinctAcc[uint64]{inner: inner, read: fixedReader[uint64]}, nil
	case arrow.DECIMAL128:
		return &distinctAcc[decimal128.Num]{inner: inner, read: fixedReader[decimal128.Num]}, nil
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY, arrow.FIXED_SIZE_BINARY,
		arrow.STRING_VIEW, arrow.BINARY_VIEW:
		return &distinctAcc[string]{inner: inner, read: func(arg arrow.Array) func(int) string {
			c := newBinaryColumn(arg)
			return func(i int) string { return string(c.value(i)) }
		}}, nil
	}
	return nil, fmt.Errorf("DISTINCT over %s is not supported", argType)
}

// ---- result arrays ----

func isIntegerID(id arrow.Type) bool {
	switch id {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return true
	}
	return false
}

// buildInts narrows int64 results to an integer type dt (wrapping, as a
// Java cast does).
func buildInts(mem memory.Allocator, dt arrow.DataType, vals []int64, valid []bool) (arrow.Array, error) {
	switch dt.ID() {
	case arrow.INT64, arrow.UINT64:
		// same width: the bits as they are, without a converted copy
		return buildFixed(mem, dt, unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(vals))), len(vals)), valid), nil
	case arrow.INT32, arrow.UINT32:
		return buildFixed(mem, dt, reinterpret[int64, uint32](vals), valid), nil
	case arrow.INT16, arrow.UINT16:
		return buildFixed(mem, dt, reinterpret[int64, uint16](vals), valid), nil
	case arrow.INT8, arrow.UINT8:
		return buildFixed(mem, dt, reinterpret[int64, uint8](vals), valid), nil
	}
	return nil, fmt.Errorf("cannot build %s from integers", dt)
}

// buildFloats builds FLOAT or DOUBLE from float64 bits.
func buildFloats(mem memory.Allocator, dt arrow.DataType, bits []uint64, valid []bool) (arrow.Array, error) {
	switch dt.ID() {
	case arrow.FLOAT64:
		return buildFixed(mem, dt, bits, valid), nil
	case arrow.FLOAT32:
		out := make([]uint32, len(bits))
		for i, b := range bits {
			out[i] = math.Float32bits(float32(math.Float64frombits(b)))
		}
		return buildFixed(mem, dt, out, valid), nil
	}
	return nil, fmt.Errorf("cannot build %s from floats", dt)
}
