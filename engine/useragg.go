package engine

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// UserAggregate is a user-defined aggregate function: a Python
// AggregateFunction (udaf) or a pandas aggregate. The engine knows nothing
// of its accumulators: it drives them a batch at a time through
// UserAccumulators, as it drives the built-in ones, and keeps the bytes
// they save in keyed state, so they are checkpointed and restored with
// the operator.
type UserAggregate interface {
	// Name is the function's name, for plans and errors.
	Name() string
	// NewAccumulators returns the accumulators of one call for all the
	// groups of an operator: the arguments are columns of types args, the
	// result is of type result; retract says rows may be retracted.
	NewAccumulators(args []arrow.DataType, result arrow.DataType, retract bool) (UserAccumulators, error)
}

// DistinctAggregate is a UserAggregate that also runs as f(DISTINCT ...):
// its accumulators see each distinct argument tuple of a group once.
type DistinctAggregate interface {
	NewDistinctAccumulators(args []arrow.DataType, result arrow.DataType, retract bool) (UserAccumulators, error)
}

// The acts of UserAccumulators.Stream: what to do around one row (the
// values of the built-in accumulators' stream).
const (
	AccPrev   = streamPrev   // append the group's result before the row
	AccNew    = streamNew    // append the result after it
	AccCmp    = streamCmp    // set changed[i] when the two differ (keeps only the new one unless AccPrev)
	AccReset  = streamReset  // then reset the group
	AccUpdate = streamUpdate // the row updates an existing group; ignored by accumulators
)

// UserAccumulators is the state of one user-defined aggregate call for
// every group (ids 0..n-1) of an operator, with a buffer of results. Its
// methods mirror the built-in accumulators' (accumulators.go), so the
// operators treat both alike. Methods without an error result record the
// first failure, which Err reports and Flush returns; an implementation
// may defer work (one crossing into Python per batch) as long as results
// and saves see every earlier call.
type UserAccumulators interface {
	// Grow makes room for group ids < n; new groups start empty.
	Grow(n int)
	// Reset puts group g back in its initial state.
	Reset(g uint32)
	// Bind makes Update and Stream read the argument columns of a new
	// batch.
	Bind(args []arrow.Array)
	// Update applies rows [from, to) of the bound batch: row i goes to
	// group groups[i] with sign signs[i] (+1 accumulate, -1 retract, 0
	// skip); signs == nil means every row accumulates.
	Update(groups []uint32, signs []int8, from, to int)
	// Stream applies rows [from, to) in order as Update does, appending
	// results around each row as acts[i] asks (AccPrev, AccNew, AccCmp,
	// AccReset; see the built-in accumulator's stream).
	Stream(groups []uint32, signs []int8, acts []uint8, changed []bool, from, to int)
	// AppendResult appends group g's current value to the result buffer.
	AppendResult(g uint32)
	// ResultEqual compares two buffered results.
	ResultEqual(i, j int) bool
	// Truncate drops buffered results from n on; Keep compacts them to the
	// rows sel (increasing); DropPrev removes the next-to-last.
	Truncate(n int)
	Keep(sel []int32)
	DropPrev()
	// Flush builds the buffered results into an array and empties the
	// buffer; it returns the first recorded failure.
	Flush(mem memory.Allocator) (arrow.Array, error)
	// Save appends group g's state; Load sets group g, which must be in
	// its initial state, from what Save wrote.
	Save(dst []byte, g uint32) []byte
	Load(b []byte, g uint32)
	// Err is the first failure recorded.
	Err() error
	// Close frees the accumulators.
	Close() error
}

// userAcc runs a UserAccumulators as an accumulator. Its argument columns
// are bound by bindAccs (bind's single argument is not enough).
type userAcc struct {
	u    UserAccumulators
	cols []arrow.Array
}

func newUserAcc(c AggCall, argTypes []arrow.DataType, retract bool) (accumulator, arrow.DataType, error) {
	if c.User == nil {
		return nil, nil, fmt.Errorf("a user-defined aggregate call without a function")
	}
	if c.Result == nil {
		return nil, nil, fmt.Errorf("%s: a user-defined aggregate needs its result type", c.User.Name())
	}
	var u UserAccumulators
	var err error
	if c.Distinct {
		d, ok := c.User.(DistinctAggregate)
		if !ok {
			return nil, nil, fmt.Errorf("%s: DISTINCT is not supported for this aggregate function", c.User.Name())
		}
		u, err = d.NewDistinctAccumulators(argTypes, c.Result, retract)
	} else {
		u, err = c.User.NewAccumulators(argTypes, c.Result, retract)
	}
	if err != nil {
		return nil, nil, err
	}
	return &userAcc{u: u, cols: make([]arrow.Array, len(c.Args))}, c.Result, nil
}

func (a *userAcc) grow(n int)            { a.u.Grow(n) }
func (a *userAcc) reset(g uint32)        { a.u.Reset(g) }
func (a *userAcc) bind(arrow.Array)      {}
func (a *userAcc) appendResult(g uint32) { a.u.AppendResult(g) }
func (a *userAcc) resultEqual(i, j int) bool {
	return a.u.ResultEqual(i, j)
}
func (a *userAcc) truncate(n int)   { a.u.Truncate(n) }
func (a *userAcc) keep(sel []int32) { a.u.Keep(sel) }
func (a *userAcc) dropPrev()        { a.u.DropPrev() }
func (a *userAcc) err() error       { return a.u.Err() }
func (a *userAcc) close() error     { return a.u.Close() }

func (a *userAcc) bindArgs(rec arrow.RecordBatch, args []int) {
	for i, c := range args {
		a.cols[i] = rec.Column(c)
	}
	a.u.Bind(a.cols)
}

// bindCols binds argument columns given directly (operators that gather
// their rows into a work batch).
func (a *userAcc) bindCols(cols []arrow.Array) {
	copy(a.cols, cols)
	a.u.Bind(a.cols)
}

func (a *userAcc) update(groups []uint32, signs []int8, from, to int) {
	a.u.Update(groups, signs, from, to)
}

func (a *userAcc) stream(groups []uint32, signs []int8, acts []uint8, changed []bool, from, to int) {
	a.u.Stream(groups, signs, acts, changed, from, to)
}

func (a *userAcc) flush(mem memory.Allocator) (arrow.Array, error) { return a.u.Flush(mem) }

// save writes the user's bytes length-prefixed, so that the accumulators
// after it in the group's state decode from the right place.
func (a *userAcc) save(dst []byte, g uint32) []byte {
	b := a.u.Save(nil, g)
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

func (a *userAcc) load(d *stateDecoder, g uint32) {
	n := d.count(1)
	b := d.fixed(n)
	if d.err == nil {
		a.u.Load(b, g)
	}
}

// accsErr is the first failure a user-defined accumulator recorded: the
// built-in accumulators cannot fail once built, a Python one can at any
// call, so operators check after applying a batch and after saving state.
func accsErr(accs []accumulator) error {
	for _, acc := range accs {
		if e, ok := acc.(interface{ err() error }); ok {
			if err := e.err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// closeAccs frees user-defined accumulators (Python objects); the
// built-in ones are garbage collected.
func closeAccs(accs []accumulator) error {
	var first error
	for _, acc := range accs {
		if c, ok := acc.(interface{ close() error }); ok {
			if err := c.close(); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

// aggArgCols are the input columns call c reads (none for COUNT(*)).
func aggArgCols(c AggCall) []int {
	switch c.Func {
	case UserDefined:
		return c.Args
	case CountStar:
		return nil
	}
	return []int{c.Arg}
}

// bindAcc binds acc, the accumulator of call c (not wrapped by a FILTER),
// to its argument arrays, in aggArgCols order.
func bindAcc(acc accumulator, c AggCall, cols []arrow.Array) {
	if c.Func == UserDefined {
		acc.(*userAcc).bindCols(cols)
		return
	}
	var arg arrow.Array
	if len(cols) > 0 {
		arg = cols[0]
	}
	acc.bind(arg)
}

func (a *filterAcc) err() error {
	if e, ok := a.inner.(interface{ err() error }); ok {
		return e.err()
	}
	return nil
}

func (a *filterAcc) close() error {
	if c, ok := a.inner.(interface{ close() error }); ok {
		return c.close()
	}
	return nil
}
