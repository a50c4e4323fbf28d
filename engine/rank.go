package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// RankSpec is a streaming Top-N:
//
//	SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY Keys ORDER BY
//	OrderBy) AS rn FROM t) WHERE rn BETWEEN RankStart AND RankEnd
//
// Output columns: the input's, then, when OutputRankNumber, the row
// number (BIGINT). Only ROW_NUMBER: Flink's streaming Top-N supports no
// other rank function.
type RankSpec struct {
	Keys    []int
	OrderBy []SortKey
	// RankStart and RankEnd are the constant rank range, 1-based and
	// inclusive (Flink's ConstantRankRange): rn <= N is [1, N].
	RankStart, RankEnd int64
	// OutputRankNumber: the query selects the row number (Flink's
	// outputRankNumber); then a row whose rank changes is updated.
	OutputRankNumber bool
	// UpdatingInput: the input has retractions (Flink then plans
	// RetractableTopNFunction); otherwise it must be insert-only.
	UpdatingInput bool
	// GenerateUpdateBefore: emit -U before +U (the downstream needs
	// update-before messages).
	GenerateUpdateBefore bool
	OutputNames          []string
}

// rank is Top-N, following Flink's AppendOnlyTopNFunction on insert-only
// input and RetractableTopNFunction otherwise. Per partition key it keeps,
// in keyed state, the rows ordered by their ORDER BY key (ties in arrival
// order): only the first RankEnd on insert-only input (a row past them can
// never come back), every row on updating input (a retracted top row lets
// the next one in; rank_retract.go). Each input row reads its partition's list, changes it
// and writes it back, so the state is current at every checkpoint barrier
// and needs no snapshot hook; key groups (rt.KeyGroupOf of the partition
// columns' hash, as the hash exchange) make restores into any parallelism
// work.
//
// Changes emitted, as Flink: with the row number (or RankStart > 1), an
// insert at rank r updates every rank from r to RankEnd (-U old, +U new;
// +I at the first rank that was empty) and a retraction at rank r shifts
// the following rows up (-U/+U) and deletes the last rank that became
// empty; without it, an insert into the top N deletes the row pushed out
// (-D) and inserts the new one (+I), a retraction deletes the row (-D) and
// inserts the row that moves up into rank N (+I). -U only with
// GenerateUpdateBefore; nothing outside [RankStart, RankEnd].
type rank struct {
	spec RankSpec
	rt   *RuntimeContext
	kv   rowStore // append-only: the partition's top rows; updating: its index
	rows rowStore // updating input: the rows of each (partition, order key)

	inSchema, outSchema *arrow.Schema
	kinds               []rowColKind
	dec                 *rowDecoder

	// Per batch.
	hashes []uint64
	key    []byte
	sk     []byte
	row    []byte
	outK   []vectorized.RowKind
	outRN  []int64
	ignore interface{ Add(int64) int64 }
}

// NewRank is a streaming Top-N (see RankSpec).
func NewRank(spec RankSpec) Operator { return &rank{spec: spec} }

func (r *rank) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Rank(strategy=[%s], rankType=[ROW_NUMBER], rankRange=[rankStart=%d, rankEnd=%d], partitionBy=%v, orderBy=[",
		map[bool]string{false: "AppendFastStrategy", true: "RetractStrategy"}[r.spec.UpdatingInput], r.spec.RankStart, r.spec.RankEnd, r.spec.Keys)
	for i, k := range r.spec.OrderBy {
		if i > 0 {
			b.WriteString(", ")
		}
		dir := "ASC"
		if k.Desc {
			dir = "DESC"
		}
		fmt.Fprintf(&b, "$%d %s", k.Col, dir)
	}
	fmt.Fprintf(&b, "], select=[*%s])", map[bool]string{true: ", w0$o0", false: ""}[r.spec.OutputRankNumber])
	return b.String()
}

func (r *rank) Open(_ context.Context, rt *RuntimeContext) error {
	if r.spec.RankStart < 1 || r.spec.RankEnd < r.spec.RankStart {
		return fmt.Errorf("Top-N: bad rank range [%d, %d]", r.spec.RankStart, r.spec.RankEnd)
	}
	r.rt = rt
	r.ignore = rt.Metrics.Counter("numRetractionsIgnored")
	var err error
	// State TTL on insert-only input, whose partition is one value; on
	// updating input the index and the row lists would expire apart.
	if r.kv, err = openRowStore(rt, "top-n", !r.spec.UpdatingInput); err != nil || !r.spec.UpdatingInput {
		return err
	}
	r.rows, err = openRowStore(rt, "top-n-rows", false)
	return err
}

func (r *rank) init(schema *arrow.Schema) error {
	kinds, err := rowColumnKinds("Top-N", schema)
	if err != nil {
		return err
	}
	for _, k := range r.spec.Keys {
		if k < 0 || k >= schema.NumFields() {
			return fmt.Errorf("Top-N: partition column %d does not exist in the input (%d columns)", k, schema.NumFields())
		}
	}
	for _, k := range r.spec.OrderBy {
		if k.Col < 0 || k.Col >= schema.NumFields() {
			return fmt.Errorf("Top-N: ORDER BY column %d does not exist in the input (%d columns)", k.Col, schema.NumFields())
		}
	}
	fields := slicesClone(schema.Fields())
	if r.spec.OutputRankNumber {
		fields = append(fields, arrow.Field{Name: "w0$o0", Type: arrow.PrimitiveTypes.Int64})
	}
	if names := r.spec.OutputNames; len(names) > 0 {
		if len(names) != len(fields) {
			return fmt.Errorf("%d output names for %d output columns", len(names), len(fields))
		}
		for i := range fields {
			fields[i].Name = names[i]
		}
	}
	r.inSchema, r.kinds = schema, kinds
	r.outSchema = arrow.NewSchema(fields, nil)
	r.dec = newRowDecoder(r.rt.Mem, schema, kinds)
	return nil
}

func slicesClone[T any](s []T) []T { return append([]T(nil), s...) }

// rankEntry is one kept row: its ORDER BY key and the row.
type rankEntry struct{ sk, row []byte }

// A partition's list in state: uvarint count, then per row the uvarint
// length and bytes of its sort key, then of the row.
func encodeRankList(dst []byte, l []rankEntry) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(l)))
	for _, e := range l {
		dst = binary.AppendUvarint(dst, uint64(len(e.sk)))
		dst = append(dst, e.sk...)
		dst = binary.AppendUvarint(dst, uint64(len(e.row)))
		dst = append(dst, e.row...)
	}
	return dst
}

func decodeRankList(p []byte) ([]rankEntry, error) {
	n, k := binary.Uvarint(p)
	if k <= 0 || n > uint64(len(p)) {
		return nil, fmt.Errorf("%w: Top-N list header", errStateCorrupt)
	}
	p = p[k:]
	l := make([]rankEntry, n)
	next := func() ([]byte, error) {
		m, k := binary.Uvarint(p)
		if k <= 0 || uint64(len(p)-k) < m {
			return nil, fmt.Errorf("%w: Top-N list entry", errStateCorrupt)
		}
		v := p[k : k+int(m)]
		p = p[k+int(m):]
		return v, nil
	}
	for i := range l {
		var err error
		if l[i].sk, err = next(); err != nil {
			return nil, err
		}
		if l[i].row, err = next(); err != nil {
			return nil, err
		}
	}
	if len(p) != 0 {
		return nil, fmt.Errorf("%w: bytes after a Top-N list", errStateCorrupt)
	}
	return l, nil
}

func (r *rank) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	rec := b.Record
	if r.inSchema == nil {
		if err := r.init(rec.Schema()); err != nil {
			return err
		}
	}
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	if !r.spec.UpdatingInput {
		if err := insertOnly("Top-N on insert-only input", b); err != nil {
			return err
		}
	}
	cols := rec.Columns()
	keyCols := pickColumns(cols, r.spec.Keys)
	r.hashes = growUint64(r.hashes, n)
	vectorized.HashColumns(keyCols, r.hashes)
	r.outK, r.outRN = r.outK[:0], r.outRN[:0]
	for i := 0; i < n; i++ {
		r.key = appendRow(r.key[:0], keyCols, i)
		r.sk = r.sk[:0]
		for _, k := range r.spec.OrderBy {
			var err error
			if r.sk, err = appendSortKey(r.sk, cols[k.Col], i, k); err != nil {
				return err
			}
		}
		r.row = appendRow(r.row[:0], cols, i)
		kg := r.rt.KeyGroupOf(r.hashes[i])
		if err := r.processRow(kg, b.Kind(i), n); err != nil {
			return err
		}
	}
	return r.flush(ctx, out)
}

func growUint64(s []uint64, n int) []uint64 {
	if cap(s) < n {
		return make([]uint64, n)
	}
	return s[:n]
}

// processRow applies one row (r.key, r.sk, r.row) to its partition.
func (r *rank) processRow(kg uint16, kind vectorized.RowKind, _ int) error {
	if r.spec.UpdatingInput {
		return r.processRetractable(kg, kind)
	}
	// Insert-only: AppendOnlyTopNFunction keeps the first RankEnd rows.
	val, ok, err := r.kv.get(kg, r.key)
	if err != nil {
		return err
	}
	var l []rankEntry
	if ok {
		if l, err = decodeRankList(val); err != nil {
			return err
		}
	}
	end, withRN := int(r.spec.RankEnd), r.spec.OutputRankNumber || r.spec.RankStart > 1
	// Ties keep arrival order: a new row goes after its equals.
	p := sort.Search(len(l), func(j int) bool { return bytes.Compare(l[j].sk, r.sk) > 0 })
	if p >= end {
		return nil // past the top N: never kept
	}
	old := l
	l = make([]rankEntry, 0, len(old)+1)
	l = append(append(append(l, old[:p]...), rankEntry{sk: bytes.Clone(r.sk), row: bytes.Clone(r.row)}), old[p:]...)
	if withRN {
		for rk := p + 1; rk <= end && rk <= len(l); rk++ {
			if rk <= len(old) {
				r.updateBefore(old[rk-1].row, rk)
				r.emit(vectorized.UpdateAfter, l[rk-1].row, rk)
			} else {
				r.emit(vectorized.Insert, l[rk-1].row, rk)
			}
		}
	} else if len(l) <= end || !bytes.Equal(l[end].row, r.row) {
		// AppendOnlyTopNFunction emits nothing when the row pushed out
		// equals the new one (a duplicate row).
		if len(l) > end {
			r.emit(vectorized.Delete, l[end].row, end) // it held rank end
		}
		r.emit(vectorized.Insert, r.row, p+1)
	}
	if len(l) > end {
		l = l[:end]
	}
	return r.kv.put(kg, r.key, encodeRankList(nil, l))
}

func (r *rank) updateBefore(row []byte, rk int) {
	if r.spec.GenerateUpdateBefore {
		r.emit(vectorized.UpdateBefore, row, rk)
	}
}

// emit queues an output row when its rank is in range.
func (r *rank) emit(kind vectorized.RowKind, row []byte, rk int) {
	if int64(rk) < r.spec.RankStart || int64(rk) > r.spec.RankEnd {
		return
	}
	if err := r.dec.add(row); err != nil {
		panic(err) // rows are the operator's own encoding
	}
	r.outK = append(r.outK, kind)
	r.outRN = append(r.outRN, int64(rk))
}

// flush sends the queued rows as one batch.
func (r *rank) flush(ctx context.Context, out Collector) error {
	if len(r.outK) == 0 {
		return nil
	}
	cols := r.dec.finish()
	if r.spec.OutputRankNumber {
		b := array.NewInt64Builder(r.rt.Mem)
		b.AppendValues(r.outRN, nil)
		cols = append(cols, b.NewArray())
		b.Release()
	}
	return emitRows(ctx, out, r.outSchema, cols, r.outK)
}

// emitRows sends cols (owned; released here) with kinds.
func emitRows(ctx context.Context, out Collector, schema *arrow.Schema, cols []arrow.Array, kinds []vectorized.RowKind) error {
	n := int64(len(kinds))
	rec := array.NewRecordBatch(schema, cols, n)
	for _, c := range cols {
		c.Release()
	}
	defer rec.Release()
	var ks []vectorized.RowKind
	for _, k := range kinds {
		if k != vectorized.Insert {
			ks = slicesClone(kinds)
			break
		}
	}
	return out.Collect(ctx, &vectorized.Batch{Record: rec, Kinds: ks})
}

func (r *rank) EndInput(context.Context, Collector) error { return nil }

func (r *rank) Close() error {
	if r.dec != nil {
		r.dec.release()
	}
	return nil
}

// rowStore is where Top-N and deduplication keep their per-key values:
// the keyed state backend in a job, a map when the operator runs by hand
// without one.
type rowStore interface {
	get(kg uint16, key []byte) ([]byte, bool, error)
	put(kg uint16, key, val []byte) error
	del(kg uint16, key []byte) error
}

// openRowStore opens the store of one state name; with ttl,
// table.exec.state.ttl expires a key's value when it was not written for
// that long (Flink's StateTtlConfig, OnCreateAndWrite, never returning an
// expired value).
func openRowStore(rt *RuntimeContext, name string, ttl bool) (rowStore, error) {
	if rt.ckpt == nil {
		return mapStore{}, nil
	}
	var d time.Duration
	if ttl {
		var err error
		if d, err = rt.Config.Duration(ConfigStateTTL, 0); err != nil {
			return nil, err
		}
		if d < 0 {
			return nil, fmt.Errorf("%s = %v: must not be negative", ConfigStateTTL, d)
		}
	}
	be, err := rt.KeyedState()
	if err != nil {
		return nil, err
	}
	vs, err := state.NewValueState(be, state.Descriptor[[]byte]{Name: name, Codec: state.BytesCodec{}, TTL: d})
	if err != nil {
		return nil, err
	}
	return keyedStore{vs}, nil
}

type keyedStore struct{ vs *state.ValueState[[]byte] }

func (s keyedStore) get(kg uint16, key []byte) ([]byte, bool, error) { return s.vs.Value(kg, key) }
func (s keyedStore) put(kg uint16, key, val []byte) error            { return s.vs.Update(kg, key, val) }
func (s keyedStore) del(kg uint16, key []byte) error                 { return s.vs.Clear(kg, key) }

type mapStore map[string][]byte

func (s mapStore) get(_ uint16, key []byte) ([]byte, bool, error) {
	v, ok := s[string(key)]
	return v, ok, nil
}
func (s mapStore) put(_ uint16, key, val []byte) error { s[string(key)] = val; return nil }
func (s mapStore) del(_ uint16, key []byte) error      { delete(s, string(key)); return nil }
