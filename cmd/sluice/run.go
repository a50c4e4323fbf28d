package main

import (
	"errors"
	"fmt"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/python"
)

// exitCode is a failure whose message was already shown (the Python
// traceback): main exits with the code and prints nothing more.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// runShell is `sluice shell`: a Python REPL with s_env, st_env, b_env and
// bt_env ready, as pyflink-shell.
func runShell() error {
	if err := python.Install(true); err != nil {
		return err
	}
	return cpython.Do(func(py *cpython.GIL) error {
		m, err := py.Import("sluice._shell")
		if err != nil {
			return err
		}
		defer py.DecRef(m)
		fn, err := py.GetAttr(m, "main")
		if err != nil {
			return err
		}
		defer py.DecRef(fn)
		r, err := py.Call(fn)
		if err != nil {
			return err
		}
		py.DecRef(r)
		return nil
	})
}

// runPython runs a job script (or, with -m, a module) as __main__ in the
// embedded interpreter, with `import pyflink` resolving to Sluice's API.
func runPython(args []string) error {
	module := false
	if len(args) > 0 && args[0] == "-m" {
		module = true
		args = args[1:]
	}
	if len(args) == 0 {
		return errors.New("run: usage: sluice run job.py [args...] | sluice run -m module [args...]")
	}
	if err := python.Install(true); err != nil {
		return err
	}
	code := 0
	err := cpython.Do(func(py *cpython.GIL) error {
		m, err := py.Import("sluice._main")
		if err != nil {
			return err
		}
		defer py.DecRef(m)
		fn, err := py.GetAttr(m, "run")
		if err != nil {
			return err
		}
		defer py.DecRef(fn)
		items := make([]*cpython.Object, len(args))
		for i, a := range args {
			items[i] = py.Str(a)
		}
		argv := py.List(items...)
		for _, o := range items {
			py.DecRef(o)
		}
		defer py.DecRef(argv)
		mod := py.Bool(module)
		defer py.DecRef(mod)
		res, err := py.Call(fn, argv, mod)
		if err != nil {
			return err
		}
		defer py.DecRef(res)
		c, err := py.AsInt64(res)
		code = int(c)
		return err
	})
	if err != nil {
		return err
	}
	if code != 0 {
		return exitCode(code)
	}
	return nil
}
