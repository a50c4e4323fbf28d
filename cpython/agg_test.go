package cpython_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/cpython"
)

const aggPrelude = `
class Sum:
    def create_accumulator(self):
        return [0, 0]   # sum, count

    def accumulate(self, acc, x, w=1):
        if x is not None:
            acc[0] += x * w
            acc[1] += 1

    def retract(self, acc, x, w=1):
        if x is not None:
            acc[0] -= x * w
            acc[1] -= 1

    def get_value(self, acc):
        return acc[0] if acc[1] else None

class NoRetract:
    def create_accumulator(self):
        return None   # a legal accumulator: only "created" tells it apart

    def accumulate(self, acc, x):
        pass

    def get_value(self, acc):
        return acc is None

class Unpicklable(Sum):
    def create_accumulator(self):
        return [0, 0, lambda: 0]

sum_fn = Sum()
no_retract = NoRetract()
unpicklable = Unpicklable()
`

func newAgg(t *testing.T, name string, args []arrow.DataType, result arrow.DataType) *cpython.AggState {
	fn := pyFunc(t, aggPrelude, name)
	st, err := cpython.NewAggState(cpython.AggFunction{Name: name, Func: fn, Args: args, Result: result})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	return st
}

func flushJSON(t *testing.T, st *cpython.AggState) string {
	arr, err := st.Flush(memory.DefaultAllocator)
	require.NoError(t, err)
	defer arr.Release()
	b, err := arr.MarshalJSON()
	require.NoError(t, err)
	return string(b)
}

var i64 = arrow.PrimitiveTypes.Int64

// The logged calls apply in order: accumulate, retract, results between
// them, reset; NULL arguments reach Python as None.
func TestAggStateUpdateAndResults(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	// Cleanups run last first: after the states close and drop their exports.
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	st := newAgg(t, "sum_fn", []arrow.DataType{i64}, i64)
	xs := fromJSON(t, mem, i64, `[1, 2, null, 4, 5]`)
	defer xs.Release()
	st.Bind([]arrow.Array{xs})
	groups := []uint32{0, 1, 0, 0, 2}
	st.Update(groups, nil, 0, 3)
	st.AppendResult(0)
	st.AppendResult(1)
	st.AppendResult(2) // never updated: the empty accumulator's value
	st.Update(groups, []int8{0, 0, 0, 1, -1}, 0, 5)
	st.AppendResult(0)
	st.AppendResult(2)
	st.Reset(0)
	st.AppendResult(0)
	assert.Equal(t, `[1,2,null,5,-5,null]`, flushJSON(t, st))
	assert.NoError(t, st.Err())
}

// Several arguments, and the streaming loop: results before and after a
// row, the comparison that marks changed rows, reset after the row.
func TestAggStateStream(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	// Cleanups run last first: after the states close and drop their exports.
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	st := newAgg(t, "sum_fn", []arrow.DataType{i64, i64}, i64)
	xs := fromJSON(t, mem, i64, `[1, 2, 0, 3]`)
	ws := fromJSON(t, mem, i64, `[10, 1, 1, 1]`)
	defer xs.Release()
	defer ws.Release()
	st.Bind([]arrow.Array{xs, ws})
	groups := []uint32{0, 0, 0, 0}
	signs := []int8{1, 1, 1, -1}
	acts := []uint8{cpython.AccNew, cpython.AccPrev | cpython.AccNew | cpython.AccCmp, cpython.AccNew | cpython.AccCmp,
		cpython.AccPrev | cpython.AccReset}
	changed := make([]bool, 4)
	st.Stream(groups, signs, acts, changed, 0, 4)
	require.NoError(t, st.Err())
	assert.Equal(t, []bool{false, true, false, false}, changed)
	// row 0: 10; row 1: 10 then 12; row 2: 12 (equal, the previous one
	// dropped); row 3: 12 before the retraction, then the group resets.
	assert.Equal(t, `[10,10,12,12,12]`, flushJSON(t, st))
	st.AppendResult(0)
	assert.Equal(t, `[null]`, flushJSON(t, st))
}

// Save pickles a group's accumulator; Load brings it back into another
// state (a restore), and the buffer operations edit the results.
func TestAggStateSaveLoadAndBuffer(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	// Cleanups run last first: after the states close and drop their exports.
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	a := newAgg(t, "sum_fn", []arrow.DataType{i64}, i64)
	xs := fromJSON(t, mem, i64, `[5, 6, 7]`)
	defer xs.Release()
	a.Bind([]arrow.Array{xs})
	a.Update([]uint32{3, 3, 1}, nil, 0, 3)
	saved3, saved1 := a.Save(nil, 3), a.Save(nil, 1)
	require.NoError(t, a.Err())
	require.NotEmpty(t, saved3)

	b := newAgg(t, "sum_fn", []arrow.DataType{i64}, i64)
	b.Load(saved3, 0)
	b.Load(saved1, 1)
	for _, g := range []uint32{0, 1, 0, 1} {
		b.AppendResult(g)
	}
	assert.True(t, b.ResultEqual(0, 2))
	assert.False(t, b.ResultEqual(0, 1))
	b.Keep([]int32{0, 1, 3})
	b.DropPrev()
	b.AppendResult(1)
	b.Truncate(2)
	assert.Equal(t, `[11,7]`, flushJSON(t, b))
	require.NoError(t, b.Err())
}

// An accumulator may be None; a retraction needs retract; a failure
// sticks and Flush returns it, naming the function and method.
func TestAggStateErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	// Cleanups run last first: after the states close and drop their exports.
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	xs := fromJSON(t, mem, i64, `[1, 2]`)
	defer xs.Release()

	st := newAgg(t, "no_retract", []arrow.DataType{i64}, arrow.FixedWidthTypes.Boolean)
	st.Bind([]arrow.Array{xs})
	st.Update([]uint32{0, 0}, nil, 0, 2)
	st.AppendResult(0)
	assert.Equal(t, `[true]`, flushJSON(t, st))
	st.Update([]uint32{0, 0}, []int8{1, -1}, 0, 2)
	_, err := st.Flush(memory.DefaultAllocator)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no_retract received a retraction but does not implement retract()")
	var ae *cpython.AggError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "retract", ae.Method)
	assert.Equal(t, int64(1), ae.Row)
	assert.Equal(t, []string{"2"}, ae.Args)

	u := newAgg(t, "unpicklable", []arrow.DataType{i64}, i64)
	u.Bind([]arrow.Array{xs})
	u.Update([]uint32{0, 0}, nil, 0, 2)
	u.Save(nil, 0)
	require.Error(t, u.Err())
	assert.Contains(t, u.Err().Error(), "pickling the accumulator")

	// A result the declared type cannot hold.
	r := newAgg(t, "sum_fn", []arrow.DataType{i64}, arrow.BinaryTypes.String)
	r.Bind([]arrow.Array{xs})
	r.Update([]uint32{0, 0}, nil, 0, 2)
	r.AppendResult(0)
	_, err = r.Flush(memory.DefaultAllocator)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "get_value")

	// Bytes that are no pickle.
	l := newAgg(t, "sum_fn", []arrow.DataType{i64}, i64)
	l.Load([]byte("not a pickle"), 0)
	l.AppendResult(0)
	_, err = l.Flush(memory.DefaultAllocator)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "restoring a saved accumulator")
}
