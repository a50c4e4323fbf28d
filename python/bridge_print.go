package python

// TableResult.print() of a query: its rows printed as they arrive (Flink's
// tableau), so that an unbounded query prints until it is interrupted.

import (
	"context"
	"errors"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/vectorized"
)

func init() {
	ops["table.tableau"] = tableTableau
	ops["tableau.next"] = tableauNext
	ops["tableau.cancel"] = tableauCancel
}

// tableauState is a running query printed batch by batch.
type tableauState struct {
	s    *table.Stream
	tb   *table.Tableau
	done bool
}

// cancel stops the query and drops what is in flight.
func (st *tableauState) cancel() {
	if st.done {
		return
	}
	st.done = true
	st.s.Job.Cancel()
	go func() {
		for b := range st.s.C {
			b.Release()
		}
	}()
}

// tableTableau is table.tableau(table) -> handle: starts the query.
func tableTableau(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 1, "table.tableau(table)"); err != nil {
		return nil, err
	}
	t, err := lookup[*table.Table](py, args[0])
	if err != nil {
		return nil, err
	}
	tb, err := t.Tableau()
	if err != nil {
		return nil, err
	}
	s, err := t.Stream(context.Background())
	if err != nil {
		return nil, err
	}
	return py.Int(keep(&tableauState{s: s, tb: tb})), nil
}

// tableauNext is tableau.next(handle) -> str | None: waits (without the
// GIL) for the next rows and returns their lines (the header before the
// first), then the closing lines once the query has ended, then None.
func tableauNext(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 1, "tableau.next(handle)"); err != nil {
		return nil, err
	}
	st, err := lookup[*tableauState](py, args[0])
	if err != nil {
		return nil, err
	}
	for !st.done {
		b, _ := blocking(py, func() (*vectorized.Batch, error) { return <-st.s.C, nil })
		if b == nil {
			st.done = true
			if _, err := blocking(py, st.s.Job.Wait); err != nil && !errors.Is(err, context.Canceled) {
				return nil, err
			}
			return py.Str(st.tb.End()), nil
		}
		text, err := st.tb.Batch(b)
		b.Release()
		if err != nil {
			st.cancel()
			return nil, err
		}
		if text != "" {
			return py.Str(text), nil
		}
	}
	return nil, nil
}

// tableauCancel is tableau.cancel(handle): stops the query (Ctrl-C while
// an unbounded query prints).
func tableauCancel(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	st, err := lookup[*tableauState](py, args[0])
	if err != nil {
		return nil, err
	}
	st.cancel()
	return nil, nil
}
