package pandas_udf

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/cdata"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/vectorized"
)

// UDF is one call of a vectorized Python function: the function is called
// once per batch with one pandas Series (or DataFrame, for a ROW) per
// argument column, and returns the whole result column.
type UDF struct {
	Name   string          // the name errors and metrics use
	Func   *cpython.Object // the callable; the evaluator takes its own reference
	Args   []int           // indexes of the argument columns in the input batch
	Result arrow.DataType  // the declared result type
}

// Evaluator evaluates several pandas UDFs over a batch in one GIL scope,
// converting each argument column to pandas once for all of them. It is
// safe for concurrent use.
type Evaluator struct {
	udfs   []UDF
	cols   []int // the distinct argument columns, in the order of their slots
	maxCol int   // the largest argument column index
	driver *cpython.Object
	eval   *cpython.Object // driver.evaluate, looked up once
	prep   *cpython.Object // driver.prepare
	// Per UDF: the value width of a result Python writes into a buffer (0
	// for the types that go through the C Data Interface), and the index of
	// its validity bitmap in the batch's block (-1 for integers: the
	// numpy arrays they come from have no missing values).
	width    []int
	bitmap   []int
	nbitmaps int
	labels   *cpython.Labels // what a crash report or os._exit names, per job
	// arrow: the functions take and return pyarrow Arrays (func_type
	// "arrow"): every column crosses through the C Data Interface and no
	// pandas conversion happens either way.
	arrow bool

	mu     sync.Mutex // guards the fields below; never held while Python runs
	closed bool
	inputs *inputTypes
}

// inputTypes are the Python-side types and converters of the argument
// columns for one batch schema, kept while batches keep that schema.
type inputTypes struct {
	types []arrow.DataType // one per slot
	obj   *cpython.Object  // _sluice_pandas.Inputs
}

var _ vectorized.FunctionEvaluator = (*Evaluator)(nil)

var errClosed = errors.New("pandas UDF: evaluator used after Close")

//go:embed driver.py
var driverSource string

// driverModule is _sluice_pandas, loaded by the first NewEvaluator.
var driverModule atomic.Pointer[cpython.Object]

func loadDriver(py *cpython.GIL) (*cpython.Object, error) {
	return loadOnce(py, &driverModule, "_sluice_pandas", "<sluice>/pandas_udf/driver.py", driverSource, "pandas UDF: loading the pandas driver")
}

// loadOnce loads a driver module the first time it is needed. The pointer
// is set with a compare-and-swap rather than under a mutex: loading runs
// Python, which may hand the GIL to a goroutine that would then wait on the
// mutex while holding the GIL.
func loadOnce(py *cpython.GIL, p *atomic.Pointer[cpython.Object], name, file, source, what string) (*cpython.Object, error) {
	if m := p.Load(); m != nil {
		return m, nil
	}
	m, err := py.LoadModule(name, file, source)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if !p.CompareAndSwap(nil, m) {
		py.DecRef(m)
	}
	return p.Load(), nil
}

// NewEvaluator prepares the calls. It takes a reference to each function;
// Close drops them. The interpreter must be started (cpython.Initialize).
func NewEvaluator(udfs []UDF) (*Evaluator, error) { return buildEvaluator(udfs, false) }

// NewArrowEvaluator is NewEvaluator for Arrow UDFs (func_type "arrow"):
// each function is called once per batch with one pyarrow.Array per
// argument, imported without a copy, and returns a pyarrow.Array (or what
// pyarrow.array() accepts) of the declared type.
func NewArrowEvaluator(udfs []UDF) (*Evaluator, error) { return buildEvaluator(udfs, true) }

func buildEvaluator(udfs []UDF, arrowUDFs bool) (*Evaluator, error) {
	if len(udfs) == 0 {
		return nil, errors.New("pandas UDF: an evaluator needs at least one UDF")
	}
	e := &Evaluator{udfs: make([]UDF, len(udfs)), maxCol: -1, width: make([]int, len(udfs)), bitmap: make([]int, len(udfs)), arrow: arrowUDFs}
	for i, u := range udfs {
		e.udfs[i] = UDF{Name: u.Name, Args: append([]int(nil), u.Args...), Result: u.Result}
		e.bitmap[i] = -1
		if u.Result == nil || arrowUDFs {
			// An Arrow UDF's result is a pyarrow Array: it comes back
			// through the C Data Interface, never through a buffer view.
			continue // (a missing type is reported below)
		}
		e.width[i] = viewWidth(u.Result)
		if id := u.Result.ID(); id == arrow.FLOAT32 || id == arrow.FLOAT64 {
			e.bitmap[i] = e.nbitmaps
			e.nbitmaps++
		}
	}
	e.labels = cpython.NewLabels(e.names())
	slotOf := map[int]int{}
	slots := make([][]int, len(udfs))
	for i, u := range udfs {
		if u.Func == nil {
			return nil, fmt.Errorf("pandas UDF %s: no function", u.Name)
		}
		if u.Result == nil {
			return nil, fmt.Errorf("pandas UDF %s: no result type", u.Name)
		}
		for _, c := range u.Args {
			if c < 0 {
				return nil, fmt.Errorf("pandas UDF %s: negative argument column %d", u.Name, c)
			}
			s, ok := slotOf[c]
			if !ok {
				s = len(e.cols)
				slotOf[c] = s
				e.cols = append(e.cols, c)
				e.maxCol = max(e.maxCol, c)
			}
			slots[i] = append(slots[i], s)
		}
	}
	err := cpython.Do(func(py *cpython.GIL) error {
		for _, u := range udfs {
			if !py.Callable(u.Func) {
				return fmt.Errorf("pandas UDF %s: %s object is not callable", u.Name, py.TypeName(u.Func))
			}
		}
		mod, err := loadDriver(py)
		if err != nil {
			return err
		}
		fields := make([]arrow.Field, len(udfs))
		for i, u := range udfs {
			fields[i] = arrow.Field{Name: u.Name, Type: u.Result, Nullable: true}
		}
		driver, err := newDriver(py, mod, udfs, slots, arrow.NewSchema(fields, nil), arrowUDFs)
		if err != nil {
			return err
		}
		e.driver = driver
		if e.eval, err = py.GetAttr(driver, "evaluate"); err != nil {
			return err
		}
		if e.prep, err = py.GetAttr(driver, "prepare"); err != nil {
			return err
		}
		for i := range e.udfs {
			e.udfs[i].Func = py.NewRef(udfs[i].Func)
		}
		return nil
	})
	if err != nil {
		e.release()
		return nil, err
	}
	return e, nil
}

// newDriver builds the Python evaluator: the functions, each one's argument
// slots, and the result types, which cross as one exported schema so that
// pyarrow builds them once here rather than per batch.
func newDriver(py *cpython.GIL, mod *cpython.Object, udfs []UDF, slots [][]int, results *arrow.Schema, arrowUDFs bool) (*cpython.Object, error) {
	cls, err := py.GetAttr(mod, "Evaluator")
	if err != nil {
		return nil, err
	}
	defer py.DecRef(cls)
	var tmp []*cpython.Object
	defer func() {
		for _, o := range tmp {
			py.DecRef(o)
		}
	}()
	keep := func(o *cpython.Object) *cpython.Object { tmp = append(tmp, o); return o }
	funcs := make([]*cpython.Object, len(udfs))
	args := make([]*cpython.Object, len(udfs))
	for i, u := range udfs {
		funcs[i] = u.Func
		ints := make([]*cpython.Object, len(slots[i]))
		for j, s := range slots[i] {
			ints[j] = keep(py.Int(int64(s)))
		}
		args[i] = keep(py.List(ints...))
	}
	schema := (*cdata.CArrowSchema)(cBlock(schemaStructSize))
	defer cFree(unsafe.Pointer(schema))
	cdata.ExportArrowSchema(results, schema)
	// pyarrow moves the schema out of the struct; on failure it may not have.
	defer cdata.ReleaseCArrowSchema(schema)
	d, err := py.Call(cls, keep(py.List(funcs...)), keep(py.List(args...)),
		keep(py.Int(int64(uintptr(unsafe.Pointer(schema))))), keep(py.Int(int64(arrayStructSize))), keep(py.Bool(arrowUDFs)))
	if err != nil {
		return nil, fmt.Errorf("pandas UDF: preparing the result types %s: %w", results, err)
	}
	return d, nil
}

// The leading arguments of the driver's evaluate; the views follow.
const (
	argRows = iota
	argBlock
	argInputs
	argViews
)

// Evaluate implements vectorized.FunctionEvaluator: one result array per
// UDF, as long as the batch; the caller releases them. The result arrays
// hold no Python objects, so releasing them never takes the GIL.
//
// A numeric argument column without NULLs crosses as a read-only view of
// its data buffer, and a numeric result is written by Python straight into
// a C buffer that becomes the result array: no pyarrow array, no C Data
// Interface export or import, no release callback into Go. Every other
// column and result crosses through the C Data Interface. Either way, the
// batch is one call into Python.
func (e *Evaluator) Evaluate(ctx context.Context, b *vectorized.Batch) ([]arrow.Array, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rec := b.Record
	if ncols := int(rec.NumCols()); e.maxCol >= ncols {
		return nil, fmt.Errorf("pandas UDF: argument column %d does not exist in a batch of %d columns", e.maxCol, ncols)
	}
	n := rec.NumRows()
	if n == 0 {
		e.mu.Lock()
		closed := e.closed
		e.mu.Unlock()
		if closed {
			return nil, errClosed
		}
		// No call for an empty batch, as in PyFlink: user functions need not
		// handle empty Series.
		return e.emptyResults(), nil
	}
	nslot, nudf := len(e.cols), len(e.udfs)
	// One C block: the ArrowArray structs (arguments, then results), one
	// status word per UDF (-1, or the NULL count of a result written into
	// its buffers), and the validity bitmaps of floating results.
	bitmapSize := uintptr(n+7) / 8
	statusAt := uintptr(nslot+nudf) * arrayStructSize
	bitmapsAt := statusAt + uintptr(nudf)*8
	blk := newSharedBlock(bitmapsAt + uintptr(e.nbitmaps)*bitmapSize)
	defer blk.release()
	block := blk.p
	// pyarrow moves every column it imports out of its struct; these release
	// the ones a failure left behind (releasing a moved struct does nothing).
	defer func() {
		for s := range nslot {
			cdata.ReleaseCArrowArray(cArray(block, s))
		}
	}()
	status := unsafe.Slice((*int64)(unsafe.Add(block, statusAt)), nudf)
	for i := range status {
		status[i] = -1
	}
	args := make([]cpython.Arg, argViews+nslot+2*nudf)
	defer cpython.ReleaseArgs(args)
	args[argRows] = cpython.IntArg(n)
	args[argBlock] = cpython.IntArg(int64(uintptr(block)))
	// args[argInputs], the prepared argument types, is set under the GIL.
	for s, c := range e.cols {
		col := rec.Column(c)
		if p, size, ok := dataView(col); ok && !e.arrow {
			args[argViews+s] = cpython.ViewArg(p, size, false)
			continue
		}
		args[argViews+s] = cpython.NoneArg()
		// A sliced struct is compacted first: arrow-go would export its
		// offset twice (see vectorized.ForExport).
		exp, err := vectorized.ForExport(col, memory.DefaultAllocator)
		if err != nil {
			return nil, fmt.Errorf("pandas UDF %s: column %d: %w", e.names(), c, err)
		}
		cdata.ExportArrowArray(exp, cArray(block, s), nil)
		exp.Release() // the export holds its own reference
	}
	// The result buffers; nil once they belong to a result array.
	data := make([][]byte, nudf)
	defer func() {
		for _, d := range data {
			if d != nil {
				resultMemory.Free(d)
			}
		}
	}()
	for i := range e.udfs {
		j := argViews + nslot + 2*i
		args[j], args[j+1] = cpython.NoneArg(), cpython.NoneArg()
		if e.width[i] == 0 {
			continue
		}
		data[i] = resultMemory.Allocate(int(n) * e.width[i])
		// fill() reports the NULL count into the status word, which stays
		// -1 when the result takes the general way.
		args[j] = cpython.FillViewArg(unsafe.Pointer(&data[i][0]), len(data[i]), &status[i])
		if k := e.bitmap[i]; k >= 0 {
			args[j+1] = cpython.ViewArg(unsafe.Add(block, bitmapsAt+uintptr(k)*bitmapSize), int(bitmapSize), true)
		}
	}
	out := unsafe.Add(block, uintptr(nslot)*arrayStructSize) // the driver's results follow
	// DoBatch: a cancelled job interrupts its running pandas UDFs.
	err := cpython.DoBatch(ctx, e.labels.For(vectorized.JobName(ctx)), func(py *cpython.GIL) error {
		dropUnusedViews(py)
		releaseDeferred(py)
		eval, inputs, err := e.acquire(py, rec)
		if err != nil {
			return err
		}
		defer py.DecRef(eval)
		defer py.DecRef(inputs)
		args[argInputs] = cpython.ObjectArg(inputs)
		res, err := py.CallArgs(eval, args)
		kept := e.keepViews(args, rec, data, blk)
		if err != nil {
			return fmt.Errorf("pandas UDF: evaluating %s: %w", e.names(), err)
		}
		defer py.DecRef(res)
		if !py.IsNone(res) {
			return e.failure(py, res, n)
		}
		return kept
	})
	if err != nil {
		for i := range nudf {
			cdata.ReleaseCArrowArray(cArray(out, i))
		}
		return nil, err
	}
	results := make([]arrow.Array, nudf)
	for i, u := range e.udfs {
		if nulls := status[i]; nulls >= 0 && data[i] != nil {
			var bitmap []byte
			if nulls > 0 {
				bitmap = unsafe.Slice((*byte)(unsafe.Add(block, bitmapsAt+uintptr(e.bitmap[i])*bitmapSize)), bitmapSize)
			}
			results[i] = fromBuffers(u.Result, n, data[i], bitmap, nulls)
			data[i] = nil
			continue
		}
		if e.arrow && !deferRelease(cArray(out, i)) {
			for j := i; j < nudf; j++ {
				cdata.ReleaseCArrowArray(cArray(out, j))
			}
			for _, a := range results[:i] {
				a.Release()
			}
			return nil, fmt.Errorf("arrow UDF %s: out of memory importing the result", u.Name)
		}
		arr, ierr := cdata.ImportCArrayWithType(cArray(out, i), u.Result)
		if ierr != nil {
			for j := i; j < nudf; j++ {
				cdata.ReleaseCArrowArray(cArray(out, j))
			}
			for _, a := range results[:i] {
				a.Release()
			}
			return nil, fmt.Errorf("pandas UDF %s: importing the result: %w", u.Name, ierr)
		}
		results[i] = arr
	}
	return results, nil
}

// dataView returns the data of a numeric column without NULLs, from its
// first row on, for Python to read in place; ok is false for any other
// column.
func dataView(col arrow.Array) (p unsafe.Pointer, size int, ok bool) {
	w := viewWidth(col.DataType())
	if w == 0 || col.NullN() != 0 {
		return nil, 0, false
	}
	d := col.Data()
	bufs := d.Buffers()
	if len(bufs) < 2 || bufs[1] == nil {
		return nil, 0, false
	}
	buf := bufs[1].Bytes()
	start, size := d.Offset()*w, d.Len()*w
	if size == 0 || start+size > len(buf) {
		return nil, 0, false
	}
	return unsafe.Pointer(&buf[start]), size, true
}

// viewWidth is the value width of the types whose columns and results cross
// as plain buffers, 0 for the others: the same list as _view_dtype in the
// driver. Booleans are bit-packed and FLOAT16 is no SQL type.
func viewWidth(dt arrow.DataType) int {
	switch dt.ID() {
	case arrow.INT8, arrow.UINT8:
		return 1
	case arrow.INT16, arrow.UINT16:
		return 2
	case arrow.INT32, arrow.UINT32, arrow.FLOAT32:
		return 4
	case arrow.INT64, arrow.UINT64, arrow.FLOAT64:
		return 8
	}
	return 0
}

// fromBuffers makes the result array of a numeric result Python wrote into
// data (C memory, owned by the array from now on) and, when it has NULLs,
// into bitmap (in the batch's block, so copied).
func fromBuffers(dt arrow.DataType, n int64, data, bitmap []byte, nulls int64) arrow.Array {
	bufs := []*memory.Buffer{nil, memory.NewBufferWithAllocator(data, resultMemory)}
	if nulls > 0 {
		bufs[0] = memory.NewBufferBytes(bytes.Clone(bitmap))
	}
	d := array.NewData(dt, int(n), bufs, nil, int(nulls), 0)
	bufs[1].Release() // d holds it
	arr := array.MakeFromData(d)
	d.Release()
	return arr
}

// keepViews hands the views Python still refers to after the call to
// keepView, with what keeps their memory valid. An argument view keeps its
// column. The driver never keeps the views of result buffers or of the
// block; should it, their memory is left to the kept view rather than freed
// under it, and the batch fails.
func (e *Evaluator) keepViews(args []cpython.Arg, rec arrow.RecordBatch, data [][]byte, blk *sharedBlock) error {
	for s, c := range e.cols {
		if v := args[argViews+s].Kept(); v != nil {
			col := rec.Column(c)
			col.Retain()
			a := &args[argViews+s]
			keepView(v, func() { a.Unpin(); col.Release() })
		}
	}
	var kept []int
	nslot := len(e.cols)
	for i := range e.udfs {
		j := argViews + nslot + 2*i
		if v := args[j].Kept(); v != nil {
			// Its fill() would also write into the block.
			d := data[i]
			data[i] = nil
			blk.retain()
			a := &args[j]
			keepView(v, func() { a.Unpin(); resultMemory.Free(d); blk.release() })
			kept = append(kept, j)
		}
		if v := args[j+1].Kept(); v != nil {
			blk.retain()
			a := &args[j+1]
			keepView(v, func() { a.Unpin(); blk.release() })
			kept = append(kept, j+1)
		}
	}
	if kept != nil {
		return fmt.Errorf("pandas UDF: evaluating %s: the driver kept the views of arguments %v", e.names(), kept)
	}
	return nil
}

// sharedBlock is the C block of a batch. Evaluate frees it when the batch
// is done, unless a view of it outlived the call (see keepViews).
type sharedBlock struct {
	p    unsafe.Pointer
	refs atomic.Int32
}

func newSharedBlock(n uintptr) *sharedBlock {
	b := &sharedBlock{p: cBlock(n)}
	b.refs.Store(1)
	return b
}

func (b *sharedBlock) retain() { b.refs.Add(1) }

func (b *sharedBlock) release() {
	if b.refs.Add(-1) == 0 {
		cFree(b.p)
	}
}

// acquire returns new references to the driver's evaluate method and to the
// argument types of rec's schema, preparing those when the schema changed.
// Both are taken under the mutex so that a concurrent Close cannot drop them
// first; the mutex is released before any Python code runs.
func (e *Evaluator) acquire(py *cpython.GIL, rec arrow.RecordBatch) (eval, inputs *cpython.Object, err error) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, nil, errClosed
	}
	eval = py.NewRef(e.eval)
	if in := e.inputs; in != nil && e.sameTypes(in.types, rec) {
		inputs = py.NewRef(in.obj)
		e.mu.Unlock()
		return eval, inputs, nil
	}
	prep := py.NewRef(e.prep)
	e.mu.Unlock()
	defer py.DecRef(prep)
	fresh, err := e.prepare(py, prep, rec)
	if err != nil {
		py.DecRef(eval)
		return nil, nil, err
	}
	e.mu.Lock()
	old := e.inputs
	if e.closed {
		old = fresh // Close ran meanwhile: keep nothing behind
	} else {
		e.inputs = fresh
	}
	e.mu.Unlock()
	inputs = py.NewRef(fresh.obj)
	if old != nil {
		py.DecRef(old.obj)
	}
	return eval, inputs, nil
}

func (e *Evaluator) sameTypes(types []arrow.DataType, rec arrow.RecordBatch) bool {
	for s, c := range e.cols {
		if !arrow.TypeEqual(types[s], rec.Column(c).DataType()) {
			return false
		}
	}
	return true
}

// prepare exports the argument columns' types as a schema for the driver,
// which builds their pyarrow types and pandas converters once.
func (e *Evaluator) prepare(py *cpython.GIL, prep *cpython.Object, rec arrow.RecordBatch) (*inputTypes, error) {
	types := make([]arrow.DataType, len(e.cols))
	fields := make([]arrow.Field, len(e.cols))
	for s, c := range e.cols {
		types[s] = rec.Column(c).DataType()
		fields[s] = arrow.Field{Name: rec.Schema().Field(c).Name, Type: types[s], Nullable: true}
	}
	schema := (*cdata.CArrowSchema)(cBlock(schemaStructSize))
	defer cFree(unsafe.Pointer(schema))
	cdata.ExportArrowSchema(arrow.NewSchema(fields, nil), schema)
	defer cdata.ReleaseCArrowSchema(schema)
	ptr := py.Int(int64(uintptr(unsafe.Pointer(schema))))
	defer py.DecRef(ptr)
	obj, err := py.Call(prep, ptr)
	if err != nil {
		return nil, fmt.Errorf("pandas UDF: argument types of %s: %w", e.names(), err)
	}
	return &inputTypes{types: types, obj: obj}, nil
}

// failure turns the driver's Failure into a UDFError.
func (e *Evaluator) failure(py *cpython.GIL, f *cpython.Object, n int64) error {
	attrs := map[string]string{}
	for _, name := range []string{"phase", "detail", "type", "message", "traceback"} {
		o, err := py.GetAttr(f, name)
		if err != nil {
			return err
		}
		s, err := py.AsString(o)
		py.DecRef(o)
		if err != nil {
			return err
		}
		attrs[name] = s
	}
	ints := map[string]int64{}
	for _, name := range []string{"udf", "slot"} {
		o, err := py.GetAttr(f, name)
		if err != nil {
			return err
		}
		v, err := py.AsInt64(o)
		py.DecRef(o)
		if err != nil {
			return err
		}
		ints[name] = v
	}
	ue := &UDFError{Kind: e.kind(), UDF: e.udfs[ints["udf"]].Name, FirstRow: 0, EndRow: n, Column: -1, Detail: attrs["detail"]}
	if attrs["type"] != "" {
		ue.Cause = &cpython.Error{Type: attrs["type"], Message: attrs["message"], Traceback: attrs["traceback"]}
	}
	switch attrs["phase"] {
	case "call":
		ue.Phase = cpython.PhaseCall
	case "result":
		ue.Phase = cpython.PhaseResult
	case "argument":
		ue.Phase = cpython.PhaseArgument
		ue.Column = e.cols[ints["slot"]]
	default:
		return fmt.Errorf("pandas UDF: the driver reported an unknown phase %q", attrs["phase"])
	}
	return ue
}

// kind is how errors name the evaluator's functions.
func (e *Evaluator) kind() string {
	if e.arrow {
		return "arrow"
	}
	return "pandas"
}

func (e *Evaluator) emptyResults() []arrow.Array {
	out := make([]arrow.Array, len(e.udfs))
	for i, u := range e.udfs {
		out[i] = array.MakeArrayOfNull(memory.DefaultAllocator, u.Result, 0)
	}
	return out
}

func (e *Evaluator) names() string {
	if len(e.udfs) == 1 {
		return e.udfs[0].Name
	}
	s := ""
	for i, u := range e.udfs {
		if i > 0 {
			s += ", "
		}
		s += u.Name
	}
	return s
}

// Close drops the references the evaluator holds. Evaluate calls still in
// flight keep their own references and finish normally.
func (e *Evaluator) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	err := e.release()
	e.labels.Free()
	return err
}

func (e *Evaluator) release() error {
	return cpython.Do(func(py *cpython.GIL) error {
		e.mu.Lock()
		in := e.inputs
		e.inputs = nil
		e.mu.Unlock()
		if in != nil {
			py.DecRef(in.obj)
		}
		dropUnusedViews(py)
		releaseDeferred(py)
		py.DecRef(e.eval)
		py.DecRef(e.prep)
		py.DecRef(e.driver)
		for i := range e.udfs {
			if e.udfs[i].Func != nil {
				py.DecRef(e.udfs[i].Func)
			}
		}
		return nil
	})
}
