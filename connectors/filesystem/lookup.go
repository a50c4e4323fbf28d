package filesystem

import (
	"context"
	"encoding/binary"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/connectors/internal/option"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/vectorized"
)

// OptionLookupCacheTTL is how long a lookup join keeps the table it
// loaded before reading the files again (Flink's
// FileSystemConnectorOptions.LOOKUP_JOIN_CACHE_TTL).
const OptionLookupCacheTTL = "lookup.join.cache.ttl"

// DefaultLookupCacheTTL is Flink's default for lookup.join.cache.ttl.
const DefaultLookupCacheTTL = 60 * time.Minute

// A failed load is retried this many times, the n-th retry after n times
// lookupRetryInterval (Flink's FileSystemLookupFunction).
const (
	lookupMaxRetries    = 3
	lookupRetryInterval = 10 * time.Second
)

// NewLookup implements connector.LookupFactory as Flink's
// FileSystemLookupFunction: each subtask reads the whole table into
// memory on its first lookup, indexed by the lookup columns, and reads it
// again on the first lookup after lookup.join.cache.ttl. The table's rows
// of a key come in file order.
func (Factory) NewLookup(ctx *connector.Context, keys []int) (*connector.LookupSource, error) {
	t, err := newTable(ctx)
	if err != nil {
		return nil, err
	}
	r := option.Reader{Connector: Identifier, Options: ctx.Options}
	ttl, err := r.Duration(OptionLookupCacheTTL, DefaultLookupCacheTTL)
	if err != nil {
		return nil, err
	}
	if ttl <= 0 {
		return nil, r.Errorf(OptionLookupCacheTTL, "must be positive")
	}
	if len(keys) == 0 {
		return nil, errorf("table %s: a lookup needs at least one key column", ctx.Table)
	}
	for _, k := range keys {
		if k < 0 || k >= len(ctx.Columns) {
			return nil, errorf("table %s: lookup key column %d does not exist", ctx.Table, k)
		}
	}
	if t.row != nil {
		// A bad format option fails the statement, not the job.
		if _, err := t.row.f.NewDecoder(t.row.ctx); err != nil {
			return nil, errorf("%w", err)
		}
	}
	keys = append([]int(nil), keys...)
	describe := t.describe() + ", lookup=("
	for i, k := range keys {
		if i > 0 {
			describe += ", "
		}
		describe += ctx.Columns[k].Name
	}
	describe += "), cache-ttl=" + ttl.String()
	return &connector.LookupSource{
		Function: func() engine.LookupFunction {
			return &fileLookup{t: t, keys: keys, ttl: ttl, now: time.Now, sleep: sleepCtx}
		},
		Describe: describe,
	}, nil
}

// fileLookup is one subtask's copy of the table.
type fileLookup struct {
	t     *fileTable
	keys  []int
	ttl   time.Duration
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	rt    *engine.RuntimeContext
	rows  arrow.RecordBatch  // the whole table, nil before the first load
	index map[string][]int32 // encoded key → rows of rows, in file order
	next  time.Time          // when the table is read again
	loads int                // completed loads, for tests
	enc   []byte
	take  []int32
	match []int32
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (f *fileLookup) Open(_ context.Context, rt *engine.RuntimeContext) error {
	f.rt = rt
	return nil
}

func (f *fileLookup) Close() error {
	if f.rows != nil {
		f.rows.Release()
		f.rows = nil
	}
	f.index = nil
	return nil
}

func (f *fileLookup) mem() memory.Allocator {
	if f.rt != nil && f.rt.Mem != nil {
		return f.rt.Mem
	}
	return memory.DefaultAllocator
}

// Lookup implements engine.LookupFunction.
func (f *fileLookup) Lookup(ctx context.Context, keys []arrow.Array) (engine.LookupResult, error) {
	if len(keys) != len(f.keys) {
		return engine.LookupResult{}, errorf("table %s: %d lookup keys given, %d expected", f.t.name, len(keys), len(f.keys))
	}
	if err := f.reloadIfDue(ctx); err != nil {
		return engine.LookupResult{}, err
	}
	n := 0
	if len(keys) > 0 {
		n = keys[0].Len()
	}
	f.take, f.match = f.take[:0], f.match[:0]
	for i := 0; i < n; i++ {
		f.enc = f.enc[:0]
		for _, k := range keys {
			f.enc = appendKey(f.enc, k, i)
		}
		for _, r := range f.index[string(f.enc)] {
			f.take = append(f.take, r)
			f.match = append(f.match, int32(i))
		}
	}
	if len(f.take) == 0 {
		return engine.LookupResult{}, nil
	}
	rows, err := takeRows(ctx, f.mem(), f.rows, f.take)
	if err != nil {
		return engine.LookupResult{}, errorf("table %s: %w", f.t.name, err)
	}
	return engine.LookupResult{Rows: rows, Keys: append([]int32(nil), f.match...)}, nil
}

// reloadIfDue reads the table on the first lookup and on the first after
// the TTL, retrying a failed read as Flink does; a read that still fails
// fails the job.
func (f *fileLookup) reloadIfDue(ctx context.Context) error {
	if f.rows != nil && f.now().Before(f.next) {
		return nil
	}
	for retry := 0; ; retry++ {
		err := f.load(ctx)
		if err == nil {
			f.next = f.now().Add(f.ttl)
			f.loads++
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if retry >= lookupMaxRetries {
			return errorf("table %s: failed to load the table into the lookup cache after %d retries: %w", f.t.name, retry, err)
		}
		engine.Logf("filesystem lookup of %s: failed to load the table, retrying in %s: %v", f.t.name, time.Duration(retry+1)*lookupRetryInterval, err)
		if err := f.sleep(ctx, time.Duration(retry+1)*lookupRetryInterval); err != nil {
			return err
		}
	}
}

// load reads every file of the table with the scan's reader (one subtask
// of one, no checkpoint state) and indexes the rows by their key; rows
// with a NULL key are kept out of the index: no lookup key is NULL.
func (f *fileLookup) load(ctx context.Context) error {
	mem := f.mem()
	var cfg engine.Config
	if f.rt != nil {
		cfg = f.rt.Config
	}
	src := &source{t: f.t, subtask: 0, parallelism: 1}
	if err := src.Open(ctx, &engine.RuntimeContext{Mem: mem, Config: cfg, Subtask: 0, Parallelism: 1}); err != nil {
		return err
	}
	var batches []arrow.RecordBatch
	release := func() {
		for _, b := range batches {
			b.Release()
		}
	}
	err := src.Run(ctx, engine.CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
		b.Record.Retain()
		batches = append(batches, b.Record)
		return nil
	}))
	if cerr := src.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		release()
		return err
	}
	rows, err := concatRows(mem, f.t.schema, batches)
	release()
	if err != nil {
		return err
	}
	index := make(map[string][]int32, rows.NumRows())
	cols := make([]arrow.Array, len(f.keys))
	for i, k := range f.keys {
		cols[i] = rows.Column(k)
	}
	var enc []byte
rows:
	for r := 0; r < int(rows.NumRows()); r++ {
		enc = enc[:0]
		for _, c := range cols {
			if c.IsNull(r) {
				continue rows
			}
			enc = appendKey(enc, c, r)
		}
		index[string(enc)] = append(index[string(enc)], int32(r))
	}
	if f.rows != nil {
		f.rows.Release()
	}
	f.rows, f.index = rows, index
	return nil
}

// concatRows joins the batches of a read into one record.
func concatRows(mem memory.Allocator, schema *arrow.Schema, batches []arrow.RecordBatch) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, schema.NumFields())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	n := int64(0)
	for _, b := range batches {
		n += b.NumRows()
	}
	for i := range cols {
		if len(batches) == 0 {
			cols[i] = array.MakeArrayOfNull(mem, schema.Field(i).Type, 0)
			continue
		}
		parts := make([]arrow.Array, len(batches))
		for j, b := range batches {
			parts[j] = b.Column(i)
		}
		c, err := array.Concatenate(parts, mem)
		if err != nil {
			return nil, err
		}
		cols[i] = c
	}
	return array.NewRecordBatch(schema, cols, n), nil
}

// takeRows gathers rows idx of rec.
func takeRows(ctx context.Context, mem memory.Allocator, rec arrow.RecordBatch, idx []int32) (arrow.RecordBatch, error) {
	buf := memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(idx))
	data := array.NewData(arrow.PrimitiveTypes.Int32, len(idx), []*memory.Buffer{nil, buf}, nil, 0, 0)
	ia := array.MakeFromData(data)
	data.Release()
	defer ia.Release()
	cols := make([]arrow.Array, rec.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	cctx := compute.WithAllocator(ctx, mem)
	for i := range cols {
		c, err := compute.TakeArray(cctx, rec.Column(i), ia)
		if err != nil {
			return nil, err
		}
		cols[i] = c
	}
	return array.NewRecordBatch(rec.Schema(), cols, int64(len(idx))), nil
}

// appendKey appends value i of a to a key encoding. The lookup keys have
// the types of the table's key columns (the planner casts them), so one
// encoding per type suffices; values are equal when their encodings are,
// as Flink's external values are under equals (a float's bits: -0.0 is
// not 0.0, NaN is NaN). Each value is length-prefixed so that the columns
// of a composite key cannot run into each other.
func appendKey(dst []byte, a arrow.Array, i int) []byte {
	switch c := a.(type) {
	case *array.Int64:
		return binary.LittleEndian.AppendUint64(append(dst, 8), uint64(c.Value(i)))
	case *array.Int32:
		return binary.LittleEndian.AppendUint32(append(dst, 4), uint32(c.Value(i)))
	case *array.Int16:
		return binary.LittleEndian.AppendUint16(append(dst, 2), uint16(c.Value(i)))
	case *array.Int8:
		return append(dst, 1, byte(c.Value(i)))
	case *array.Boolean:
		b := byte(0)
		if c.Value(i) {
			b = 1
		}
		return append(dst, 1, b)
	case *array.Float64:
		return binary.LittleEndian.AppendUint64(append(dst, 8), math.Float64bits(c.Value(i)))
	case *array.Float32:
		return binary.LittleEndian.AppendUint32(append(dst, 4), math.Float32bits(c.Value(i)))
	case *array.String:
		return appendBytes(dst, []byte(c.Value(i)))
	case *array.LargeString:
		return appendBytes(dst, []byte(c.Value(i)))
	case *array.Binary:
		return appendBytes(dst, c.Value(i))
	case *array.LargeBinary:
		return appendBytes(dst, c.Value(i))
	}
	// Dates, times, timestamps, decimals (one scale per type): their text
	// is one-to-one.
	return appendBytes(dst, []byte(a.ValueStr(i)))
}

func appendBytes(dst, p []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(p)))
	return append(dst, p...)
}
