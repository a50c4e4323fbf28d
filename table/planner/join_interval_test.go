package planner

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/sluice-stream/sluice/table/types"
)

// intervalBounds against the forms Flink's IntervalJoinUtil accepts and
// refuses, over a join row (id, ts rowtime, pt proctime | id, ts
// rowtime, pt proctime, x).
func TestIntervalBounds(t *testing.T) {
	rowtime := types.TIMESTAMP(3)
	rowtime.TimeAttr = types.Rowtime
	proctime := types.TIMESTAMP_LTZ(3)
	proctime.TimeAttr = types.Proctime
	row := Schema{{Name: "id", Type: types.INT()}, {Name: "ts", Type: rowtime}, {Name: "pt", Type: proctime},
		{Name: "id0", Type: types.INT()}, {Name: "ts0", Type: rowtime}, {Name: "pt0", Type: proctime}, {Name: "x", Type: types.TIMESTAMP(3)}}
	ref := func(i int) Rex { return &InputRef{Index: i, T: row[i].Type, Name: row[i].Name} }
	iv := func(d time.Duration) Rex { return &Literal{Value: d, T: types.INTERVAL_DAY_TIME()} }
	call := func(name string, args ...Rex) Rex { return &CallRex{Name: name, Args: args, T: types.BOOLEAN()} }
	plus := func(a Rex, d time.Duration) Rex {
		return &CallRex{Name: "+", Args: []Rex{a, iv(d)}, T: rowtime.Materialized()}
	}
	minus := func(a Rex, d time.Duration) Rex {
		return &CallRex{Name: "-", Args: []Rex{a, iv(d)}, T: rowtime.Materialized()}
	}
	and := func(cs ...Rex) Rex { return conjoin(cs) }
	lts, rts := ref(1), ref(4)
	keys := call("=", ref(0), ref(3))

	cases := []struct {
		name         string
		cond         Rex
		ok           bool
		lower, upper int64
		proc, rest   bool
	}{
		{"between", and(keys, call("BETWEEN", lts, minus(rts, 2*time.Minute), plus(rts, time.Minute))), true, -120000, 60000, false, true},
		{"closed pair", and(call(">=", lts, minus(rts, time.Second)), call("<=", lts, rts)), true, -1000, 0, false, false},
		{"strict pair", and(call(">", lts, rts), call("<", lts, plus(rts, time.Second))), true, 1, 999, false, false},
		{"right attribute first", and(call(">=", rts, minus(lts, time.Minute)), call("<=", rts, plus(lts, 2*time.Minute))), true, -120000, 60000, false, false},
		{"strict, right first", and(call(">", rts, lts), call("<", rts, plus(lts, time.Second))), true, -999, -1, false, false},
		{"upper bound first", and(call("<=", lts, rts), call(">=", lts, minus(rts, time.Second))), true, -1000, 0, false, false},
		{"equality", and(keys, call("=", lts, rts)), true, 0, 0, false, true},
		{"processing time", and(call(">=", ref(2), minus(ref(5), time.Hour)), call("<=", ref(2), ref(5))), true, -3600000, 0, true, false},
		{"negative window", and(call(">=", lts, plus(rts, time.Second)), call("<=", lts, minus(rts, time.Second))), true, 1000, -1000, false, false},
		{"one range only", and(keys, call(">=", lts, rts)), false, 0, 0, false, false},
		{"two lower bounds", and(call(">=", lts, rts), call(">", lts, minus(rts, time.Second))), false, 0, 0, false, false},
		{"mixed time kinds", and(call(">=", lts, ref(5)), call("<=", lts, plus(ref(5), time.Second))), false, 0, 0, false, false},
		{"one side's attributes only", and(call(">=", lts, ref(2)), call("<=", lts, plus(ref(2), time.Second))), false, 0, 0, false, false},
		{"a non-time column", and(call(">=", lts, ref(6)), call("<=", lts, plus(rts, time.Second))), false, 0, 0, false, false},
		{"three time predicates", and(call(">=", lts, rts), call("<=", lts, plus(rts, time.Second)), call("<", lts, plus(rts, time.Minute))), false, 0, 0, false, false},
		{"range and equality", and(call("=", lts, rts), call("<=", lts, plus(rts, time.Second))), false, 0, 0, false, false},
		{"no condition", nil, false, 0, 0, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lower, upper, lt, rt, proc, rest, ok := intervalBounds(c.cond, row, 3)
			assert.Equal(t, c.ok, ok)
			if !c.ok {
				return
			}
			assert.Equal(t, [2]int64{c.lower, c.upper}, [2]int64{lower, upper})
			wantIdx := 1
			if c.proc {
				wantIdx = 2
			}
			assert.Equal(t, [2]int{wantIdx, wantIdx}, [2]int{lt, rt})
			assert.Equal(t, c.proc, proc)
			assert.Equal(t, c.rest, rest != nil)
		})
	}
}
