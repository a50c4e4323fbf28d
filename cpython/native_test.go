package cpython_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/cpython"
)

// The native module reaches a Go handler from Python; errors become the
// chosen Python exceptions; a handler can release the GIL while other
// goroutines run Python.
func TestNativeHandler(t *testing.T) {
	require.NoError(t, cpython.Initialize())
	var pyErr *cpython.Object
	require.NoError(t, cpython.SetNativeHandler(func(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
		op, err := py.AsString(args[0])
		if err != nil {
			return nil, err
		}
		switch op {
		case "sum":
			var total int64
			for _, a := range args[1:] {
				v, err := py.AsInt64(a)
				if err != nil {
					return nil, err
				}
				total += v
			}
			return py.Int(total), nil
		case "none":
			return nil, nil
		case "value-error":
			return nil, &cpython.Raise{Builtin: "ValueError", Msg: "bad value at line 1, column 2"}
		case "own-class":
			return nil, &cpython.Raise{Class: pyErr, Msg: "table not found"}
		case "plain":
			return nil, errors.New("something failed")
		case "panic":
			var m map[string]int
			m["x"]++
		case "panic-unlocked":
			py.Unlocked(func() { panic("while waiting") })
		case "call-back":
			// A Python exception further down comes back with its type.
			return py.Call(args[1])
		case "unlocked":
			var got int64
			py.Unlocked(func() {
				done := make(chan error)
				go func() {
					done <- cpython.Do(func(py *cpython.GIL) error {
						o, err := py.Call(args[1])
						if err != nil {
							return err
						}
						defer py.DecRef(o)
						got, err = py.AsInt64(o)
						return err
					})
				}()
				err = <-done
			})
			if err != nil {
				return nil, err
			}
			return py.Int(got), nil
		}
		return nil, &cpython.Raise{Builtin: "NotImplementedError", Msg: "no op " + op}
	}))
	err := cpython.Do(func(py *cpython.GIL) error {
		ns, err := py.Exec("native_test.py", `
import _sluice_native as n
class TableException(Exception):
    pass
`)
		if err != nil {
			return err
		}
		defer py.DecRef(ns)
		pyErr, err = py.GetItem(ns, "TableException")
		if err != nil {
			return err
		}
		res, err := py.Exec("native_test2.py", `
import _sluice_native as n
out = {}
out["sum"] = n.call("sum", 1, 2, 39)
out["none"] = n.call("none")
def catch(*args):
    try:
        n.call(*args)
    except Exception as e:
        return type(e).__name__ + ": " + str(e)
out["value-error"] = catch("value-error")
out["own-class"] = catch("own-class")
out["plain"] = catch("plain")
out["unknown"] = catch("nope")
out["panic"] = catch("panic")
out["panic-unlocked"] = catch("panic-unlocked")
out["after-panic"] = n.call("sum", 1)
def failing():
    return 1 // 0
out["call-back"] = catch("call-back", failing)
out["unlocked"] = n.call("unlocked", lambda: 7)
`)
		if err != nil {
			return err
		}
		defer py.DecRef(res)
		out, err := py.GetItem(res, "out")
		if err != nil {
			return err
		}
		defer py.DecRef(out)
		get := func(k string) string {
			o, err := py.GetItem(out, k)
			require.NoError(t, err)
			defer py.DecRef(o)
			return py.Repr(o)
		}
		assert.Equal(t, "42", get("sum"))
		assert.Equal(t, "None", get("none"))
		assert.Equal(t, "'ValueError: bad value at line 1, column 2'", get("value-error"))
		assert.Equal(t, "'TableException: table not found'", get("own-class"))
		assert.Equal(t, "'RuntimeError: something failed'", get("plain"))
		assert.Equal(t, "'NotImplementedError: no op nope'", get("unknown"))
		assert.Contains(t, get("call-back"), "ZeroDivisionError: Traceback")
		assert.Contains(t, get("call-back"), "in failing")
		assert.Equal(t, "7", get("unlocked"))
		// A Go panic in a handler is a RuntimeError with the panic and its
		// stack; the interpreter (and the GIL, even when the handler had
		// released it) is usable afterwards.
		assert.Contains(t, get("panic"), "RuntimeError: sluice: internal error (Go panic): assignment to entry in nil map")
		assert.Contains(t, get("panic"), "native_test.go")
		assert.Contains(t, get("panic-unlocked"), "RuntimeError: sluice: internal error (Go panic): while waiting")
		assert.Equal(t, "1", get("after-panic"))
		return nil
	})
	require.NoError(t, err)
}
