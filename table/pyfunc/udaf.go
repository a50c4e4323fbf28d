package pyfunc

import (
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/engine"
)

// AggKind says whether and how a Python function aggregates.
type AggKind int

const (
	// NotAggregate is a scalar or table function.
	NotAggregate AggKind = iota
	// GeneralAggregate is PyFlink's udaf over an AggregateFunction: the
	// engine calls accumulate/retract per row and get_value per result
	// (cpython.AggState), keeping each group's accumulator pickled in
	// keyed state.
	GeneralAggregate
	// PandasAggregate is udaf(func_type="pandas"): the function receives
	// all the rows of a group as pandas Series.
	PandasAggregate
)

// AggregateFunction implements planner.UserAggFunction: nil for a
// function that does not aggregate.
func (f *Function) AggregateFunction() engine.UserAggregate {
	switch f.Agg {
	case GeneralAggregate:
		return &pyAggregate{f: f}
	case PandasAggregate:
		if newPandasAggregate != nil {
			return newPandasAggregate(f)
		}
	}
	return nil
}

// newPandasAggregate makes the engine's side of a pandas aggregate (set by
// the file that implements it).
var newPandasAggregate func(f *Function) engine.UserAggregate

// pyAggregate is a Python AggregateFunction as the engine's
// UserAggregate.
type pyAggregate struct {
	f *Function
}

func (a *pyAggregate) Name() string { return a.f.Name }

// NewAccumulators implements engine.UserAggregate. The function is opened
// (its open(FunctionContext)) before its first accumulators; Sluice runs
// every subtask on the one object, as for scalar functions.
func (a *pyAggregate) NewAccumulators(args []arrow.DataType, result arrow.DataType, retract bool) (engine.UserAccumulators, error) {
	if err := a.f.openAggregate(); err != nil {
		return nil, err
	}
	return cpython.NewAggState(cpython.AggFunction{Name: a.f.Name, Func: a.f.fn, Args: args, Result: result})
}

// NewDistinctAccumulators implements engine.DistinctAggregate.
func (a *pyAggregate) NewDistinctAccumulators(args []arrow.DataType, result arrow.DataType, retract bool) (engine.UserAccumulators, error) {
	if err := a.f.openAggregate(); err != nil {
		return nil, err
	}
	return cpython.NewAggState(cpython.AggFunction{Name: a.f.Name, Func: a.f.fn, Args: args, Result: result, Distinct: true})
}

// openAggregate calls the udaf wrapper's _sluice_open once per function
// object, as a job's first operator using it starts; its close runs when
// the interpreter ends.
func (f *Function) openAggregate() error {
	if f.opener == nil {
		return nil
	}
	f.aggOpen.Do(func() {
		f.aggOpenErr = cpython.Do(func(py *cpython.GIL) error {
			params := py.List()
			defer py.DecRef(params)
			args := []*cpython.Object{params, py.Str(f.Name), py.Int(1), py.Int(int64(engine.DefaultMaxParallelism)), py.Int(0), py.Int(0)}
			defer func() {
				for _, o := range args[1:] {
					py.DecRef(o)
				}
			}()
			closer, err := py.Call(f.opener, args...)
			if err != nil {
				return fmt.Errorf("python aggregate function %s: open: %w", f.Name, err)
			}
			if !py.IsNone(closer) {
				registerAtExit(py, closer)
			}
			py.DecRef(closer)
			return nil
		})
	})
	return f.aggOpenErr
}

// registerAtExit makes Python call fn when the interpreter ends.
func registerAtExit(py *cpython.GIL, fn *cpython.Object) {
	atexit, err := py.Import("atexit")
	if err != nil {
		return
	}
	defer py.DecRef(atexit)
	reg, err := py.GetAttr(atexit, "register")
	if err != nil {
		return
	}
	defer py.DecRef(reg)
	if r, err := py.Call(reg, fn); err == nil {
		py.DecRef(r)
	}
}

// aggOnce is the per-function open state of aggregates.
type aggOnce struct {
	aggOpen    sync.Once
	aggOpenErr error
}
