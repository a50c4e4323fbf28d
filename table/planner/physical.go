package planner

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/vectorized"
)

// Job is a translated plan: the graph and what it holds that must be
// closed after it ran (UDF evaluators share one instance across subtasks).
type Job struct {
	Graph      *engine.JobGraph
	Evaluators []vectorized.FunctionEvaluator
}

// Close releases the job's evaluators.
func (j *Job) Close() error {
	var first error
	for _, e := range j.Evaluators {
		if err := e.Close(); err != nil && first == nil {
			first = err
		}
	}
	j.Evaluators = nil
	return first
}

// Terminal is where a query's rows go when it has no Sink node (SELECT).
type Terminal struct {
	Name        string
	Parallelism int
	Instance    func(subtask int) engine.Sink
}

type translator struct {
	p    *Planner
	job  *Job
	next int
	// noUB are the aggregates whose -U rows no consumer needs.
	noUB map[Node]bool
}

func (p *Planner) parallelism() int {
	n, err := p.Config.Int("parallelism.default", 1)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// Translate builds the engine job for an optimized plan. term receives the
// rows of a plan without a Sink node.
func (p *Planner) Translate(root Node, name string, term *Terminal) (*Job, error) {
	t := &translator{p: p, job: &Job{Graph: &engine.JobGraph{Name: name, Bounded: p.bounded(root), Batch: !p.Streaming}}, noUB: p.noUpdateBefore(root, true)}
	v, err := t.node(root)
	if err != nil {
		t.job.Close()
		return nil, err
	}
	if _, isSink := root.(*Sink); !isSink {
		if term == nil {
			t.job.Close()
			return nil, fmt.Errorf("planner: a query needs a destination")
		}
		// Flink's collect sink enforces the query's NOT NULL columns too.
		if err := t.enforceNotNull(v, root.Schema(), root); err != nil {
			t.job.Close()
			return nil, err
		}
		t.attachSink(v, term.Name, term.Parallelism, term.Instance, nil)
	}
	return t.job, nil
}

// bounded reports whether every source of the plan ends.
func (p *Planner) bounded(n Node) bool {
	if s, ok := n.(*Scan); ok {
		return s.Source.Bounded
	}
	for _, in := range n.Inputs() {
		if !p.bounded(in) {
			return false
		}
	}
	return true
}

func (t *translator) vertex(name string, par int, inputs ...engine.Edge) *engine.Vertex {
	v := &engine.Vertex{ID: t.next, Name: name, Parallelism: par, Inputs: inputs}
	t.next++
	t.job.Graph.Vertices = append(t.job.Graph.Vertices, v)
	return v
}

func chain(v *engine.Vertex, op func() engine.Operator) {
	v.Chain = append(v.Chain, op)
}

func (t *translator) node(n Node) (*engine.Vertex, error) {
	if x, ok := n.(extNode); ok {
		return x.translate(t)
	}
	switch n := n.(type) {
	case *Scan:
		par := n.Source.Parallelism
		if par <= 0 {
			par = t.p.parallelism()
		}
		src := n.Source
		v := t.vertex("Source: "+n.Table, par)
		v.Source = func(subtask int) engine.Source { return src.Instance(subtask, par) }
		if n.Cols != nil {
			exprs := make([]vectorized.Expr, len(n.Cols))
			names := make([]string, len(n.Cols))
			for i, c := range n.Cols {
				exprs[i] = vectorized.Col(c, n.Fields[i].Type.Arrow(), n.Fields[i].Name)
				names[i] = n.Fields[i].Name
			}
			chain(v, func() engine.Operator {
				return engine.WithName("Calc(select=["+strings.Join(names, ", ")+"])", engine.NewCalc(engine.Project{Exprs: exprs, Names: names}))
			})
		}
		return v, nil
	case *Values:
		batch, err := valuesBatch(n)
		if err != nil {
			return nil, err
		}
		v := t.vertex("Values", 1)
		v.Source = engine.NewValuesSource([]*vectorized.Batch{batch})
		return v, nil
	case *Project:
		return t.calc(&Calc{Input: n.Input, Exprs: n.Exprs, Names: n.Names})
	case *Filter:
		return t.calc(toCalc(n).(*Calc))
	case *Calc:
		return t.calc(n)
	case *Aggregate:
		return t.aggregate(n)
	case *WatermarkAssigner:
		return t.watermarkAssigner(n)
	case *WindowTVF:
		return t.windowTVF(n)
	case *WindowAggregate:
		return t.windowAggregate(n)
	case *Rank:
		return t.rank(n)
	case *OverAggregate:
		return t.over(n)
	case *Union:
		var edges []engine.Edge
		for _, in := range n.Ins {
			v, err := t.node(in)
			if err != nil {
				return nil, err
			}
			edges = append(edges, engine.Edge{From: v.ID, Partition: engine.Partitioning{Kind: engine.Rebalance}})
		}
		v := t.vertex("Union", t.p.parallelism(), edges...)
		chain(v, func() engine.Operator { return engine.NewUnion() })
		return v, nil
	case *Sort:
		in, err := t.node(n.Input)
		if err != nil {
			return nil, err
		}
		v := t.vertex("Sort", 1, engine.Edge{From: in.ID, Partition: engine.Partitioning{Kind: engine.Global}})
		keys := make([]engine.SortKey, len(n.Keys))
		for i, k := range n.Keys {
			keys[i] = engine.SortKey{Col: k.Col, Desc: k.Desc, NullsFirst: k.NullsFirst}
		}
		offset, limit := n.Offset, n.Limit
		if len(keys) == 0 {
			chain(v, func() engine.Operator { return engine.NewLimit(offset, limit) })
		} else {
			chain(v, func() engine.Operator { return engine.NewSort(keys, offset, limit) })
		}
		return v, nil
	case *Sink:
		in, err := t.node(n.Input)
		if err != nil {
			return nil, err
		}
		par := n.Target.Parallelism
		if par <= 0 {
			par = in.Parallelism
		}
		target := n.Target
		var key []int
		mode := ModeOf(n.Input, t.p.Streaming)
		if !target.Accepts.Contains(connector.KindUpdateBefore) && mode.Contains(connector.KindUpdateBefore) {
			// An upsert sink applies +U by key: -U rows carry nothing it needs
			// (Flink drops them before upsert sinks too).
			chain(in, func() engine.Operator { return &dropUpdateBefore{} })
		}
		if !mode.IsInsertOnly() {
			key = n.KeyCols
		}
		if err := t.enforceNotNull(in, n.Fields, n.Input); err != nil {
			return nil, err
		}
		t.attachSink(in, "Sink: "+n.Table, par, func(subtask int) engine.Sink { return target.Instance(subtask, par) }, key)
		return in, nil
	}
	return nil, fmt.Errorf("planner: cannot translate %T", n)
}

// attachSink ends the chain of v with a sink, or moves to a new vertex
// when the sink runs at another parallelism or needs rows by key.
func (t *translator) attachSink(v *engine.Vertex, name string, par int, inst func(int) engine.Sink, key []int) {
	if par <= 0 {
		par = v.Parallelism
	}
	if par == v.Parallelism && (par == 1 || len(key) == 0) {
		v.Sink = inst
		v.Name += " -> " + name
		return
	}
	part := engine.Partitioning{Kind: engine.Rebalance}
	if len(key) > 0 {
		// Updates of one key must reach the sink in order: one subtask per key.
		part = engine.Partitioning{Kind: engine.Hash, Keys: key}
	}
	sv := t.vertex(name, par, engine.Edge{From: v.ID, Partition: part})
	sv.Sink = inst
}

func (t *translator) calc(c *Calc) (*engine.Vertex, error) {
	in, err := t.node(c.Input)
	if err != nil {
		return nil, err
	}
	steps, err := t.lower(c, len(c.Input.Schema()))
	if err != nil {
		return nil, err
	}
	desc := c.describe()
	chain(in, func() engine.Operator { return engine.WithName(desc, engine.NewCalc(steps...)) })
	return in, nil
}

// lower turns a calc into engine steps: conditions without UDFs first (so
// fewer rows reach Python), then the UDF calls — innermost first, all calls
// of one runtime in one evaluator, so one crossing per batch — then the
// remaining condition and the projection.
func (t *translator) lower(c *Calc, width int) ([]engine.CalcStep, error) {
	exprs := append([]Rex(nil), c.Exprs...)
	cond := c.Cond
	var steps []engine.CalcStep
	if cond != nil {
		// Conjuncts without UDFs filter first, so rows a condition drops
		// never reach Python (and cannot make a UDF fail).
		var plain, rest []Rex
		for _, c := range conjuncts(cond) {
			if hasUDF(c) {
				rest = append(rest, c)
			} else {
				plain = append(plain, c)
			}
		}
		if len(plain) > 0 {
			e, err := Compile(conjoin(plain))
			if err != nil {
				return nil, err
			}
			steps = append(steps, engine.Filter{Cond: e})
		}
		cond = conjoin(rest)
	}
	for {
		order, byRuntime := nextUDFRound(exprs, cond)
		if len(order) == 0 {
			break
		}
		replaced := map[string]Rex{}
		for _, rt := range order {
			group := byRuntime[rt]
			var extra []vectorized.Expr
			var extraNames []string
			ccalls := make([]catalog.Call, len(group))
			for i, u := range group {
				args := make([]int, len(u.Args))
				for j, a := range u.Args {
					if ref, ok := a.(*InputRef); ok && ref.Alias == "" {
						args[j] = ref.Index
						continue
					}
					e, err := Compile(a)
					if err != nil {
						return nil, err
					}
					args[j] = width + len(extra)
					extra = append(extra, e)
					extraNames = append(extraNames, a.String())
				}
				ccalls[i] = catalog.Call{Function: u.Fn.Scalar, Name: u.Name, Args: args, Result: u.T}
			}
			if len(extra) > 0 {
				steps = append(steps, engine.AppendColumns{Exprs: extra, Names: extraNames})
				width += len(extra)
			}
			ev, err := group[0].Fn.Scalar.Runtime().NewEvaluator(ccalls)
			if err != nil {
				return nil, err
			}
			t.job.Evaluators = append(t.job.Evaluators, ev)
			names := make([]string, len(group))
			for i, u := range group {
				names[i] = u.String()
				replaced[udfKey(u)] = &InputRef{Index: width + i, T: u.T, Name: u.String()}
			}
			steps = append(steps, engine.AppendEvaluated{Evaluator: ev, Names: names})
			width += len(group)
		}
		cond = substituteUDFs(exprs, cond, replaced)
	}
	if cond != nil {
		e, err := Compile(cond)
		if err != nil {
			return nil, err
		}
		steps = append(steps, engine.Filter{Cond: e})
	}
	out := make([]vectorized.Expr, len(exprs))
	for i, r := range exprs {
		e, err := Compile(r)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	steps = append(steps, engine.Project{Exprs: out, Names: c.Names})
	return steps, nil
}

// udfKey identifies a UDF call within a calc: the function by identity (two
// functions may share a name: every lambda is <lambda>) and the arguments
// by structure. Calls with equal keys are evaluated once, as Flink's calc
// program (Calcite's RexProgramBuilder) keeps one copy of identical call
// expressions — for non-deterministic functions too: PyFlink's
// select(f(x), f(x)) gives equal values on each row.
func udfKey(u *UDFRex) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%p(", u.Fn)
	for i, a := range u.Args {
		if i > 0 {
			sb.WriteString(", ")
		}
		rexKey(&sb, a)
	}
	sb.WriteString(")")
	return sb.String()
}

// identityKey is r's rexKey: equal for expressions that compute the same
// thing from the same input.
func identityKey(r Rex) string {
	var sb strings.Builder
	rexKey(&sb, r)
	return sb.String()
}

// rexKey writes r unambiguously: input columns by index, literals with
// their type, functions by identity.
func rexKey(sb *strings.Builder, r Rex) {
	switch x := r.(type) {
	case *InputRef:
		fmt.Fprintf(sb, "$%d", x.Index)
	case *Literal:
		fmt.Fprintf(sb, "%s:%s", x.Text, x.T)
	case *CallRex:
		sb.WriteString(x.Name + "(")
		for i, a := range x.Args {
			if i > 0 {
				sb.WriteString(", ")
			}
			rexKey(sb, a)
		}
		sb.WriteString(")")
	case *CastRex:
		fmt.Fprintf(sb, "CAST[%v](", x.Try)
		rexKey(sb, x.Arg)
		fmt.Fprintf(sb, " AS %s)", x.T)
	case *UDFRex:
		sb.WriteString(udfKey(x))
	default:
		sb.WriteString(r.String())
	}
}

// innermostUDFs are the distinct UDF calls whose arguments call no UDF.
func innermostUDFs(rs []Rex) []*UDFRex {
	seen := map[string]bool{}
	var out []*UDFRex
	for _, r := range rs {
		if r == nil {
			continue
		}
		walkRex(r, func(x Rex) {
			u, ok := x.(*UDFRex)
			if !ok || seen[udfKey(u)] {
				return
			}
			for _, a := range u.Args {
				if hasUDF(a) {
					return
				}
			}
			seen[udfKey(u)] = true
			out = append(out, u)
		})
	}
	return out
}

func (t *translator) aggregate(a *Aggregate) (*engine.Vertex, error) {
	in, err := t.node(a.Input)
	if err != nil {
		return nil, err
	}
	insertOnly := ModeOf(a.Input, t.p.Streaming).IsInsertOnly()
	mode := engine.Batch
	if t.p.Streaming {
		mode = engine.Streaming
	}
	mb, err := t.miniBatch()
	if err != nil {
		return nil, err
	}
	for _, c := range a.Aggs {
		// A pandas aggregate needs all of a group's rows: not in a
		// streaming GROUP BY, as PyFlink.
		if s, ok := c.User.(interface{ StreamingGroupByError() error }); ok && t.p.Streaming {
			return nil, s.StreamingGroupByError()
		}
	}
	if t.p.Streaming && !mb.Enabled && hasUserAgg(a.Aggs) {
		if mb, err = t.pythonBundle(); err != nil {
			return nil, err
		}
	}
	par := t.p.parallelism()
	part := engine.Partitioning{Kind: engine.Hash, Keys: a.Keys}
	if len(a.Keys) == 0 {
		par, part = 1, engine.Partitioning{Kind: engine.Global}
	}
	desc := a.describe()
	v := t.vertex(strings.SplitN(desc, "(", 2)[0], par, engine.Edge{From: in.ID, Partition: part})
	if len(a.Aggs) == 0 && len(a.Keys) == len(a.Input.Schema()) {
		spec := engine.DistinctSpec{Mode: mode, MiniBatch: mb, InsertOnlyInput: insertOnly}
		chain(v, func() engine.Operator { return engine.WithName(desc, engine.NewDistinct(spec)) })
		return v, nil
	}
	spec := engine.GroupAggSpec{Keys: a.Keys, Mode: mode, MiniBatch: mb, InsertOnlyInput: insertOnly, OutputNames: a.Schema().Names(),
		NoUpdateBefore: t.noUB[a]}
	for _, c := range a.Aggs {
		spec.Aggs = append(spec.Aggs, c.engineCall())
	}
	chain(v, func() engine.Operator { return engine.WithName(desc, engine.NewGroupAggregate(spec)) })
	return v, nil
}

// miniBatch reads Flink's table.exec.mini-batch.* options.
func (t *translator) miniBatch() (engine.MiniBatch, error) {
	cfg := t.p.Config
	on, err := cfg.Bool("table.exec.mini-batch.enabled", false)
	if err != nil || !on {
		return engine.MiniBatch{}, err
	}
	lat, err := cfg.Duration("table.exec.mini-batch.allow-latency", 0)
	if err != nil {
		return engine.MiniBatch{}, err
	}
	size, err := cfg.Int("table.exec.mini-batch.size", -1)
	if err != nil {
		return engine.MiniBatch{}, err
	}
	if lat <= 0 && size <= 0 {
		return engine.MiniBatch{}, fmt.Errorf("table.exec.mini-batch.enabled needs table.exec.mini-batch.allow-latency or table.exec.mini-batch.size")
	}
	return engine.MiniBatch{Enabled: true, Size: size, Latency: lat}, nil
}

// valuesBatch evaluates the rows of a VALUES node into one batch.
func valuesBatch(n *Values) (*vectorized.Batch, error) {
	schemaFields := make([]arrow.Field, len(n.Fields))
	for i, f := range n.Fields {
		schemaFields[i] = arrow.Field{Name: f.Name, Type: f.Type.Arrow(), Nullable: !f.Type.NotNull}
	}
	schema := arrow.NewSchema(schemaFields, nil)
	empty := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
	defer empty.Release()
	cols := make([]arrow.Array, len(n.Fields))
	ec := vectorized.NewEvalContext(context.Background())
	for c := range n.Fields {
		parts := make([]arrow.Array, 0, len(n.Rows))
		for _, row := range n.Rows {
			e, err := Compile(row[c])
			if err == nil && !arrow.TypeEqual(e.DataType(), n.Fields[c].Type.Arrow()) {
				e, err = Compile(&CastRex{Arg: row[c], T: n.Fields[c].Type})
			}
			if err != nil {
				releaseAll(parts)
				releaseAll(cols)
				return nil, err
			}
			arr, err := e.Eval(ec, empty)
			if err != nil {
				releaseAll(parts)
				releaseAll(cols)
				return nil, err
			}
			parts = append(parts, arr)
		}
		col, err := array.Concatenate(parts, ec.Mem)
		releaseAll(parts)
		if err != nil {
			releaseAll(cols)
			return nil, err
		}
		cols[c] = col
	}
	rec := array.NewRecordBatch(schema, cols, int64(len(n.Rows)))
	releaseAll(cols)
	return vectorized.NewBatch(rec), nil
}

func releaseAll(as []arrow.Array) {
	for _, a := range as {
		if a != nil {
			a.Release()
		}
	}
}

// dropUpdateBefore removes -U rows ahead of an upsert sink.
type dropUpdateBefore struct{ mem memory.Allocator }

func (d *dropUpdateBefore) Open(_ context.Context, rt *engine.RuntimeContext) error {
	d.mem = rt.Mem
	if d.mem == nil {
		d.mem = memory.DefaultAllocator
	}
	return nil
}
func (d *dropUpdateBefore) EndInput(context.Context, engine.Collector) error { return nil }
func (d *dropUpdateBefore) Close() error                                     { return nil }

func (d *dropUpdateBefore) Process(ctx context.Context, _ int, b *vectorized.Batch, out engine.Collector) error {
	if b.Kinds == nil || !slices.Contains(b.Kinds, vectorized.UpdateBefore) {
		// The common case once aggregates drop -U themselves: no mask to build.
		return out.Collect(ctx, b)
	}
	keep := array.NewBooleanBuilder(d.mem)
	defer keep.Release()
	var kinds []vectorized.RowKind
	for _, k := range b.Kinds {
		keep.Append(k != vectorized.UpdateBefore)
		if k != vectorized.UpdateBefore {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == len(b.Kinds) {
		return out.Collect(ctx, b)
	}
	if len(kinds) == 0 {
		return nil
	}
	mask := keep.NewArray()
	defer mask.Release()
	rec, err := compute.FilterRecordBatch(ctx, b.Record, mask, compute.DefaultFilterOptions())
	if err != nil {
		return err
	}
	nb := &vectorized.Batch{Record: rec, Kinds: kinds}
	defer nb.Release()
	return out.Collect(ctx, nb)
}

// substituteUDFs replaces, in exprs (in place) and cond, every UDF call
// that an evaluator computes — replaced maps its udfKey to the column of
// the result — and returns the new cond. The translation and explain share
// it, so that explain shows the grouping the job runs.
func substituteUDFs(exprs []Rex, cond Rex, replaced map[string]Rex) Rex {
	sub := func(r Rex) Rex {
		if r == nil {
			return nil
		}
		return rewriteRex(r, func(x Rex) Rex {
			if u, ok := x.(*UDFRex); ok {
				if ref, ok := replaced[udfKey(u)]; ok {
					return ref
				}
			}
			return x
		})
	}
	for i := range exprs {
		exprs[i] = sub(exprs[i])
	}
	return sub(cond)
}

// nextUDFRound gives the UDF calls that can be evaluated next — the
// innermost ones of exprs and cond — grouped by runtime (one evaluator, one
// crossing, per runtime), runtimes in order of first appearance. Empty
// when no call is left. The translation and explain share it.
func nextUDFRound(exprs []Rex, cond Rex) (order []string, byRuntime map[string][]*UDFRex) {
	calls := innermostUDFs(append(append([]Rex(nil), exprs...), cond))
	byRuntime = map[string][]*UDFRex{}
	for _, u := range calls {
		rt := u.Fn.Scalar.Runtime().Name()
		if _, ok := byRuntime[rt]; !ok {
			order = append(order, rt)
		}
		byRuntime[rt] = append(byRuntime[rt], u)
	}
	return order, byRuntime
}
