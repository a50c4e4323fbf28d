package engine

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// filterAcc is an aggregate call with FILTER (WHERE p): the planner
// projects p as a BOOLEAN column and only the rows where it is TRUE reach
// the wrapped accumulator (Flink's filterArg). NULL and FALSE rows neither
// accumulate nor retract, so a retraction un-accumulates exactly what its
// insert accumulated (p is computed from the same row both times). The
// wrapper sits outside DISTINCT: values are deduplicated among the rows
// that pass.
type filterAcc struct {
	inner accumulator
	pass  *array.Boolean
}

// bindFilter makes update read the filter column of a new batch.
func (a *filterAcc) bindFilter(col arrow.Array) { a.pass = col.(*array.Boolean) }

func (a *filterAcc) passes(i int) bool { return a.pass.IsValid(i) && a.pass.Value(i) }

func (a *filterAcc) grow(n int)                { a.inner.grow(n) }
func (a *filterAcc) reset(g uint32)            { a.inner.reset(g) }
func (a *filterAcc) bind(arg arrow.Array)      { a.inner.bind(arg) }
func (a *filterAcc) appendResult(g uint32)     { a.inner.appendResult(g) }
func (a *filterAcc) resultEqual(i, j int) bool { return a.inner.resultEqual(i, j) }
func (a *filterAcc) truncate(n int)            { a.inner.truncate(n) }
func (a *filterAcc) keep(sel []int32)          { a.inner.keep(sel) }
func (a *filterAcc) dropPrev()                 { a.inner.dropPrev() }
func (a *filterAcc) flush(mem memory.Allocator) (arrow.Array, error) {
	return a.inner.flush(mem)
}
func (a *filterAcc) save(dst []byte, g uint32) []byte { return a.inner.save(dst, g) }
func (a *filterAcc) load(d *stateDecoder, g uint32)   { a.inner.load(d, g) }

// update hands the inner accumulator the runs of passing rows, so that
// its typed loops stay as they are and need not know about filters.
func (a *filterAcc) update(groups []uint32, signs []int8, from, to int) {
	for i := from; i < to; {
		if !a.passes(i) {
			i++
			continue
		}
		j := i + 1
		for j < to && a.passes(j) {
			j++
		}
		a.inner.update(groups, signs, i, j)
		i = j
	}
}

func (a *filterAcc) stream(groups []uint32, signs []int8, acts []uint8, changed []bool, from, to int) {
	streamEach(a, groups, signs, acts, changed, from, to)
}
