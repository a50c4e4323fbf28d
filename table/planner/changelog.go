package planner

import (
	"slices"

	"github.com/sluice-stream/sluice/table/connector"
)

// noUpdateBefore lists the streaming group aggregates of a plan whose -U
// rows nobody consumes: Flink's FlinkChangelogModeInferenceProgram, which
// asks each node, from the sink down, whether it needs UPDATE_BEFORE, and
// gives an aggregate that is not asked generateUpdateBefore = false. An
// aggregate emitting only +U halves the rows of a job whose keys are
// updated often, as the CDN job's.
//
// UPDATE_BEFORE is required by a sink accepting it (print, the collect
// sink of a SELECT: Flink's tableau prints -U rows), by an upsert sink
// whose primary key is not the query's upsert key (Flink fell back to
// before-and-after there; Flink 2 refuses such a query without ON
// CONFLICT), by a condition over columns outside the upsert key (a row
// leaving the filter needs its -U to be retracted), and by every other
// consumer of updates (aggregates, windows, sort). A projection and a
// union pass their parent's requirement through. need is what a root that
// is no Sink requires: the collect sink of a running SELECT takes -U rows
// (Flink's tableau prints them), while Flink's EXPLAIN of a bare query,
// having no sink, asks for none.
func (p *Planner) noUpdateBefore(root Node, need bool) map[Node]bool {
	if !p.Streaming {
		return nil
	}
	out := map[Node]bool{}
	if s, ok := root.(*Sink); ok {
		need = sinkNeedsUpdateBefore(s)
		root = s.Input
	}
	inferUpdateBefore(root, need, out)
	return out
}

func inferUpdateBefore(n Node, need bool, out map[Node]bool) {
	switch n := n.(type) {
	case *Aggregate:
		if !need {
			out[n] = true
		}
		inferUpdateBefore(n.Input, true, out)
	case *Rank:
		// A rank consumes its input's -U (RetractStrategy) and emits its
		// own only when its consumer needs them.
		if !need {
			out[n] = true
		}
		inferUpdateBefore(n.Input, true, out)
	case *Project:
		inferUpdateBefore(n.Input, need, out)
	case *Filter:
		inferUpdateBefore(n.Input, need || condNeedsUpdateBefore(n.Cond, n.Input), out)
	case *Calc:
		inferUpdateBefore(n.Input, need || condNeedsUpdateBefore(n.Cond, n.Input), out)
	case *Union:
		for _, in := range n.Ins {
			inferUpdateBefore(in, need, out)
		}
	case *Sink:
		inferUpdateBefore(n.Input, sinkNeedsUpdateBefore(n), out)
	case *TemporalJoin:
		// Left kinds pass through; the versions need no -U (Flink asks
		// the versioned side for ONLY_UPDATE_AFTER).
		inferUpdateBefore(n.Left, need, out)
		inferUpdateBefore(n.Right, false, out)
	default:
		for _, in := range n.Inputs() {
			inferUpdateBefore(in, true, out)
		}
	}
}

// sinkNeedsUpdateBefore is Flink's inferSinkRequiredTraits: a sink taking
// -U rows gets them; an upsert sink gets only +U when its key is the
// query's upsert key (or it has none, as Flink's blackhole).
func sinkNeedsUpdateBefore(s *Sink) bool {
	if s.Target == nil || s.Target.Accepts.Contains(connector.KindUpdateBefore) {
		return true
	}
	if s.KeyCols == nil {
		return false
	}
	return !sameColumns(UniqueKey(s.Input), s.KeyCols)
}

// condNeedsUpdateBefore is Flink's isNonUpsertKeyCondition: a condition
// reading only upsert key columns keeps or drops every change of a key
// alike, so +U alone suffices; any other column may drop a key's +U while
// the sink still holds its old row, which only the -U would remove.
func condNeedsUpdateBefore(cond Rex, in Node) bool {
	if cond == nil {
		return false
	}
	key := UniqueKey(in)
	if key == nil {
		return true
	}
	outside := false
	walkRex(cond, func(r Rex) {
		if ref, ok := r.(*InputRef); ok && !slices.Contains(key, ref.Index) {
			outside = true
		}
	})
	return outside
}

func sameColumns(a, b []int) bool {
	if len(a) == 0 || len(a) != len(b) {
		return false
	}
	for _, c := range a {
		if !slices.Contains(b, c) {
			return false
		}
	}
	return true
}

// inferredMode is ModeOf after the inference: an aggregate in noUB, and
// the projections, filters and unions above it, carry no -U (what Flink's
// EXPLAIN CHANGELOG_MODE shows, e.g. GroupAggregate changelogMode=[I,UA]).
func inferredMode(n Node, streaming bool, noUB map[Node]bool) connector.ChangelogMode {
	m := ModeOf(n, streaming)
	if !m.Contains(connector.KindUpdateBefore) || len(noUB) == 0 {
		return m
	}
	switch n := n.(type) {
	case *Aggregate, *Rank:
		if noUB[n] {
			return m &^ connector.KindUpdateBefore
		}
	case *Project, *Filter, *Calc, *Union, *Sink:
		for _, in := range n.Inputs() {
			if inferredMode(in, streaming, noUB).Contains(connector.KindUpdateBefore) {
				return m
			}
		}
		return m &^ connector.KindUpdateBefore
	}
	return m
}
