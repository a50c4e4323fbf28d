package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/vectorized"
)

// LookupFunction reads a dimension table by key, as Flink's LookupFunction:
// the runtime of a lookup join (FROM t JOIN dim FOR SYSTEM_TIME AS OF
// t.proctime ON t.k = dim.id). Connectors implement it; each operator
// instance opens its own.
type LookupFunction interface {
	Open(ctx context.Context, rt *RuntimeContext) error
	// Lookup finds the rows of n keys at once: keys[c] holds lookup
	// column c of each key (n rows, no NULLs, no key twice). Rows has the
	// table's columns (LookupJoinSpec.Right); Keys[j] is the key row j
	// matched. Rows is nil when nothing matched; the caller releases it.
	Lookup(ctx context.Context, keys []arrow.Array) (LookupResult, error)
	Close() error
}

// LookupResult is what a LookupFunction found.
type LookupResult struct {
	Rows arrow.RecordBatch
	Keys []int32
}

// Lookup join metrics (OperatorMetrics.Counter), Flink's CacheMetricGroup
// names; they exist when the join has a cache. numCachedRecords counts
// cached keys (Guava's size, as Flink's gauge) and latestLoadTime is the
// duration of the last load in ms; both are current values, not sums.
const (
	CounterLookupHits         = "hitCount"
	CounterLookupMisses       = "missCount"
	CounterLookupLoads        = "loadCount"
	CounterLookupLoadFailures = "numLoadFailures"
	CounterLookupCachedKeys   = "numCachedRecords"
	CounterLookupLatestLoadMs = "latestLoadTime"
)

// LookupJoinSpec configures NewLookupJoin.
type LookupJoinSpec struct {
	// Type is InnerJoin or LeftOuterJoin (Flink's lookup join knows no
	// other).
	Type JoinType
	// Left is the input schema, Right the dimension table's columns as
	// the function returns them.
	Left, Right *arrow.Schema
	// Keys compute the lookup key of each input row, one per lookup
	// column, over the input (a column, or a constant for `dim.kind =
	// 'x'`); their types are the lookup columns' types. A row with a NULL
	// key matches nothing (as Flink's generated fetcher: `=` never
	// matches NULL).
	Keys []vectorized.Expr
	// Cond filters the joined rows (input columns, then Right's); nil is
	// TRUE. A left join pads an input row none of whose rows pass it.
	Cond vectorized.Expr
	// Function creates the instance's lookup function.
	Function func() LookupFunction
	// Cache, when set, keeps found rows per key (lookup.cache =
	// 'PARTIAL').
	Cache *LookupCacheSpec
	// Table names the dimension table in messages and the operator's name.
	Table string
}

// OutputSchema is the input's columns then Right's, nullable for a left
// join.
func (s LookupJoinSpec) OutputSchema() *arrow.Schema {
	fs := append([]arrow.Field(nil), s.Left.Fields()...)
	for _, f := range s.Right.Fields() {
		if s.Type == LeftOuterJoin {
			f.Nullable = true
		}
		fs = append(fs, f)
	}
	return arrow.NewSchema(fs, nil)
}

// NewLookupJoin is Flink's LookupJoinRunner (LookupJoinWithCalcRunner with
// a condition, CachingLookupFunction with a cache): every input row is
// joined with the rows the table has for its key when it arrives; the
// output row keeps the input row's kind. The table is not kept in state:
// a later change of the table does not change rows already emitted.
//
// One difference in shape, none in result: the distinct keys of a batch
// are looked up together, in one call of the function.
func NewLookupJoin(spec LookupJoinSpec) (Operator, error) {
	if spec.Type != InnerJoin && spec.Type != LeftOuterJoin {
		return nil, fmt.Errorf("lookup join: %s is not supported; a lookup join is an inner or a left join", spec.Type)
	}
	if spec.Left == nil || spec.Right == nil || spec.Function == nil {
		return nil, fmt.Errorf("lookup join: the schemas and the lookup function must be set")
	}
	if len(spec.Keys) == 0 {
		return nil, fmt.Errorf("lookup join of %s: no lookup key", spec.Table)
	}
	if spec.Cache != nil {
		if err := spec.Cache.Validate(); err != nil {
			return nil, fmt.Errorf("lookup join of %s: %w", spec.Table, err)
		}
	}
	kinds, err := rowColumnKinds("lookup join of "+spec.Table, spec.Right)
	if err != nil {
		return nil, err
	}
	return &lookupJoin{spec: spec, kinds: kinds, out: spec.OutputSchema()}, nil
}

type lookupJoin struct {
	spec  LookupJoinSpec
	kinds []rowColKind
	out   *arrow.Schema
	rt    *RuntimeContext
	fn    LookupFunction
	cache *lookupCache
	dec   *rowDecoder

	hits, misses, loads, failures, cached, latest interface{ Add(int64) int64 }
	setCached, setLatest                          func(int64)
}

func (j *lookupJoin) String() string {
	return "LookupJoin(table=[" + j.spec.Table + "], joinType=[" + j.spec.Type.String() + "])"
}

func (j *lookupJoin) Open(ctx context.Context, rt *RuntimeContext) error {
	j.rt = rt
	j.fn = j.spec.Function()
	if err := j.fn.Open(ctx, rt); err != nil {
		return err
	}
	j.dec = newRowDecoder(rt.Mem, j.spec.Right, j.kinds)
	if j.spec.Cache != nil {
		j.cache = newLookupCache(*j.spec.Cache)
		m := rt.Metrics
		if m == nil {
			m = &OperatorMetrics{}
		}
		j.hits = m.Counter(CounterLookupHits)
		j.misses = m.Counter(CounterLookupMisses)
		j.loads = m.Counter(CounterLookupLoads)
		j.failures = m.Counter(CounterLookupLoadFailures)
		cached, latest := m.Counter(CounterLookupCachedKeys), m.Counter(CounterLookupLatestLoadMs)
		j.setCached, j.setLatest = cached.Store, latest.Store
	}
	return nil
}

// keyRows is the per-batch bookkeeping of distinct keys.
type keyRows struct {
	slot  []int32 // per input row: its distinct key, -1 for a NULL key
	rows  [][][]byte
	first []int32 // per distinct key: the first input row that has it
}

func (j *lookupJoin) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	ec := j.rt.EvalContext()
	keys, err := evalAll(ec, j.spec.Keys, b.Record)
	if err != nil {
		return fmt.Errorf("lookup join of %s: lookup key: %w", j.spec.Table, err)
	}
	defer releaseAll(keys)
	kr, err := j.find(ctx, keys, n)
	if err != nil {
		return err
	}
	res, err := j.join(ctx, ec, b, kr)
	if err != nil || res == nil {
		return err
	}
	defer res.Release()
	return out.Collect(ctx, res)
}

// find resolves every distinct non-NULL key of the batch, from the cache
// or with one call of the function for the rest.
func (j *lookupJoin) find(ctx context.Context, keys []arrow.Array, n int) (*keyRows, error) {
	kr := &keyRows{slot: make([]int32, n)}
	index := map[string]int32{}
	var enc []byte
	var missing []int32 // distinct keys to load
	var missEnc [][]byte
rows:
	for i := 0; i < n; i++ {
		for _, k := range keys {
			if k.IsNull(i) {
				kr.slot[i] = -1
				continue rows
			}
		}
		enc = enc[:0]
		for _, k := range keys {
			enc = appendKeyValue(enc, k, i)
		}
		if s, ok := index[string(enc)]; ok {
			// Served without a load, as a cache hit would be in Flink,
			// which looks up row by row.
			kr.slot[i] = s
			if j.cache != nil {
				j.hits.Add(1)
			}
			continue
		}
		s := int32(len(kr.first))
		index[string(enc)] = s
		kr.slot[i] = s
		kr.first = append(kr.first, int32(i))
		kr.rows = append(kr.rows, nil)
		if j.cache != nil {
			if rows, ok := j.cache.get(enc); ok {
				j.hits.Add(1)
				kr.rows[s] = rows
				continue
			}
			j.misses.Add(1)
		}
		missing = append(missing, s)
		missEnc = append(missEnc, append([]byte(nil), enc...))
	}
	if len(missing) == 0 {
		return kr, nil
	}
	// The keys to load, gathered from the first row of each.
	at := make([]int32, len(missing))
	for m, s := range missing {
		at[m] = kr.first[s]
	}
	cols := make([]arrow.Array, 0, len(keys))
	defer func() { releaseAll(cols) }()
	for _, k := range keys {
		c, err := takeArray(ctx, j.rt.Mem, k, at)
		if err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	start := time.Now()
	if j.cache != nil {
		j.loads.Add(int64(len(missing)))
	}
	res, err := j.fn.Lookup(ctx, cols)
	if j.cache != nil {
		j.setLatest(time.Since(start).Milliseconds())
	}
	if err != nil {
		if j.cache != nil && !errors.Is(err, context.Canceled) {
			j.failures.Add(1)
		}
		return nil, err
	}
	if res.Rows != nil {
		defer res.Rows.Release()
		if !res.Rows.Schema().Equal(j.spec.Right) {
			return nil, fmt.Errorf("lookup join of %s: the lookup returned rows of %s, the plan expects %s", j.spec.Table, res.Rows.Schema(), j.spec.Right)
		}
		if len(res.Keys) != int(res.Rows.NumRows()) {
			return nil, fmt.Errorf("lookup join of %s: %d rows but %d key indexes", j.spec.Table, res.Rows.NumRows(), len(res.Keys))
		}
		rc := res.Rows.Columns()
		for r, m := range res.Keys {
			if m < 0 || int(m) >= len(missing) {
				return nil, fmt.Errorf("lookup join of %s: a row matched key %d of %d", j.spec.Table, m, len(missing))
			}
			s := missing[m]
			kr.rows[s] = append(kr.rows[s], appendRow(nil, rc, r))
		}
	}
	if j.cache != nil {
		for m, s := range missing {
			j.cache.put(missEnc[m], kr.rows[s])
		}
		j.setCached(int64(j.cache.len()))
	}
	return kr, nil
}

// join builds the output: per input row, in input order, its matches that
// pass Cond, or (left join) one padded row when none does.
func (j *lookupJoin) join(ctx context.Context, ec *vectorized.EvalContext, b *vectorized.Batch, kr *keyRows) (*vectorized.Batch, error) {
	left := j.spec.Type == LeftOuterJoin
	// Candidates: each match, then for a left join one pad per input row
	// (chosen only when no match of the row passes).
	var li []int32
	var pad []bool
	nullRow := make([]byte, len(j.kinds)) // every column's NULL marker
	for i, s := range kr.slot {
		if s >= 0 {
			for _, r := range kr.rows[s] {
				li = append(li, int32(i))
				pad = append(pad, false)
				if err := j.dec.add(r); err != nil {
					return nil, err
				}
			}
		}
		if left {
			li = append(li, int32(i))
			pad = append(pad, true)
			if err := j.dec.add(nullRow); err != nil {
				return nil, err
			}
		}
	}
	right := j.dec.finish()
	defer releaseAll(right)
	if len(li) == 0 {
		return nil, nil
	}
	cols := make([]arrow.Array, 0, len(j.out.Fields()))
	defer func() { releaseAll(cols) }()
	for c := 0; c < int(b.Record.NumCols()); c++ {
		a, err := takeArray(ctx, j.rt.Mem, b.Record.Column(c), li)
		if err != nil {
			return nil, err
		}
		cols = append(cols, a)
	}
	for _, a := range right {
		a.Retain()
		cols = append(cols, a)
	}
	cand := array.NewRecordBatch(j.out, cols, int64(len(li)))
	defer cand.Release()
	keep := make([]int32, 0, len(li))
	if j.spec.Cond == nil && !left {
		for c := range li {
			keep = append(keep, int32(c))
		}
	} else {
		pass := make([]bool, len(li))
		if j.spec.Cond != nil {
			m, err := j.spec.Cond.Eval(ec, cand)
			if err != nil {
				return nil, fmt.Errorf("lookup join of %s: condition %s: %w", j.spec.Table, j.spec.Cond, err)
			}
			bm, ok := m.(*array.Boolean)
			if !ok {
				m.Release()
				return nil, fmt.Errorf("lookup join of %s: condition %s is %s, not BOOLEAN", j.spec.Table, j.spec.Cond, m.DataType())
			}
			for c := range pass {
				pass[c] = !pad[c] && bm.IsValid(c) && bm.Value(c)
			}
			m.Release()
		} else {
			for c := range pass {
				pass[c] = !pad[c]
			}
		}
		matched := false
		for c := range li {
			if pad[c] {
				if !matched {
					keep = append(keep, int32(c))
				}
				matched = false
				continue
			}
			if pass[c] {
				keep = append(keep, int32(c))
				matched = true
			}
		}
	}
	if len(keep) == 0 {
		return nil, nil
	}
	res, err := takeBatch(ctx, j.rt.Mem, &vectorized.Batch{Record: cand}, keep)
	if err != nil {
		return nil, err
	}
	if b.Kinds != nil {
		res.Kinds = make([]vectorized.RowKind, len(keep))
		for o, c := range keep {
			res.Kinds[o] = b.Kinds[li[c]]
		}
	}
	return res, nil
}

func (j *lookupJoin) EndInput(context.Context, Collector) error { return nil }

func (j *lookupJoin) Close() error {
	if j.dec != nil {
		j.dec.release()
		j.dec = nil
	}
	if j.fn != nil {
		err := j.fn.Close()
		j.fn = nil
		return err
	}
	return nil
}
