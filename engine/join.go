package engine

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-stream/sluice/vectorized"
)

// JoinType is the kind of a regular join.
type JoinType int

const (
	InnerJoin JoinType = iota
	LeftOuterJoin
	RightOuterJoin
	FullOuterJoin
	// LeftSemiJoin emits each left row that has at least one matching
	// right row, once (IN / EXISTS subqueries); output: the left columns.
	LeftSemiJoin
	// LeftAntiJoin emits each left row that has no matching right row
	// (NOT IN / NOT EXISTS); output: the left columns.
	LeftAntiJoin
)

func (t JoinType) String() string {
	switch t {
	case InnerJoin:
		return "InnerJoin"
	case LeftOuterJoin:
		return "LeftOuterJoin"
	case RightOuterJoin:
		return "RightOuterJoin"
	case FullOuterJoin:
		return "FullOuterJoin"
	case LeftSemiJoin:
		return "LeftSemiJoin"
	case LeftAntiJoin:
		return "LeftAntiJoin"
	}
	return fmt.Sprintf("JoinType(%d)", int(t))
}

// Projects reports whether the output has only the left columns.
func (t JoinType) Projects() bool { return t == LeftSemiJoin || t == LeftAntiJoin }

// JoinSpec configures NewJoin, a regular (unwindowed) equi-join with an
// optional non-equi remainder. Input 0 is the left side, input 1 the
// right; the planner routes both by their keys (Hash edges on LeftKeys and
// RightKeys), or everything to one subtask when there are no keys.
//
// Output columns are the left's then the right's (only the left's for semi
// and anti joins). Columns of the side an outer join pads are NULL there.
type JoinSpec struct {
	Type JoinType
	// Mode: Streaming keeps both sides in keyed state and emits a changelog
	// as rows arrive (Flink's StreamingJoinOperator); Batch emits the final
	// result once both inputs ended (a hash join that spills to disk
	// beyond MemoryBudget).
	Mode AggMode
	// LeftKeys[i] = RightKeys[i] are the equi-join conditions, column
	// indexes of each input. Paired columns have the same Arrow type. Empty
	// keys put every row under one key (a nested-loop join on Cond).
	LeftKeys, RightKeys []int
	// FilterNulls[i] false makes key pair i match NULL with NULL (IS NOT
	// DISTINCT FROM); true (the `=` of SQL) never matches a NULL key.
	// Nil means true for every key.
	FilterNulls []bool
	// Cond is the rest of the join condition, evaluated over the joined
	// row (left columns, then right columns, as in the inner join's output)
	// of pairs whose keys matched; nil is TRUE. A pair matches only where
	// Cond is TRUE (NULL is no match, as in SQL).
	Cond vectorized.Expr
	// Left and Right are the input schemas: outer joins pad a side with
	// NULLs before any batch of it arrived.
	Left, Right *arrow.Schema
	// LeftInsertOnly and RightInsertOnly say an input carries only +I rows
	// (streaming); the state then need not find rows to retract.
	LeftInsertOnly, RightInsertOnly bool
	// MemoryBudget is the bytes a batch join holds in memory before it
	// spills to disk (Flink's table.exec.resource.hash-join.memory); 0
	// means the default.
	MemoryBudget int64
	// SpillDir is where a batch join spills; "" is the system temp dir.
	SpillDir string
}

// OutputSchema is the join's output schema: every column nullable on a
// padded side.
func (s JoinSpec) OutputSchema() *arrow.Schema {
	var fs []arrow.Field
	for _, f := range s.Left.Fields() {
		if s.Type == RightOuterJoin || s.Type == FullOuterJoin {
			f.Nullable = true
		}
		fs = append(fs, f)
	}
	if !s.Type.Projects() {
		for _, f := range s.Right.Fields() {
			if s.Type == LeftOuterJoin || s.Type == FullOuterJoin {
				f.Nullable = true
			}
			fs = append(fs, f)
		}
	}
	return arrow.NewSchema(fs, nil)
}

func (s JoinSpec) validate() error {
	if s.Left == nil || s.Right == nil {
		return fmt.Errorf("join: the input schemas are not set")
	}
	if len(s.LeftKeys) != len(s.RightKeys) {
		return fmt.Errorf("join: %d left keys and %d right keys", len(s.LeftKeys), len(s.RightKeys))
	}
	if s.FilterNulls != nil && len(s.FilterNulls) != len(s.LeftKeys) {
		return fmt.Errorf("join: %d null filters for %d keys", len(s.FilterNulls), len(s.LeftKeys))
	}
	for i := range s.LeftKeys {
		l, r := s.LeftKeys[i], s.RightKeys[i]
		if l < 0 || l >= s.Left.NumFields() || r < 0 || r >= s.Right.NumFields() {
			return fmt.Errorf("join: key %d (%d = %d) is out of range", i, l, r)
		}
		if !arrow.TypeEqual(s.Left.Field(l).Type, s.Right.Field(r).Type) {
			return fmt.Errorf("join: key %d compares %s with %s; the planner casts keys to one type", i, s.Left.Field(l).Type, s.Right.Field(r).Type)
		}
	}
	return nil
}

// filterNull reports whether key pair i never matches NULLs.
func (s JoinSpec) filterNull(i int) bool { return s.FilterNulls == nil || s.FilterNulls[i] }

// NewJoin is a regular join (see JoinSpec).
func NewJoin(spec JoinSpec) (Operator, error) {
	if err := spec.validate(); err != nil {
		return nil, err
	}
	// The two runtimes land in join_stream.go and join_batch.go.
	if spec.Mode == Batch {
		return newBatchJoin(spec), nil
	}
	return newStreamJoin(spec), nil
}
