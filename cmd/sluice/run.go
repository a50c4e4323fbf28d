package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/python"
)

// exitCode is a failure whose message was already shown (the Python
// traceback): main exits with the code and prints nothing more.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// runShell is `sluice shell`: a Python REPL with s_env, st_env, b_env and
// bt_env ready, as pyflink-shell.
func runShell(stop *stopSignals) error {
	if err := python.Install(true); err != nil {
		return err
	}
	return callPython(stop, "sluice._shell", "main", pyExecutable())
}

// runPython runs a job script (or, with -m, a module) as __main__ in the
// embedded interpreter, with `import pyflink` resolving to Sluice's API.
func runPython(args []string, stop *stopSignals) error {
	var opts jobOptions
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-m" {
		n, err := opts.parseJobOption(args)
		if err != nil {
			return fmt.Errorf("run: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("run: unknown option %s\n%s", args[0], jobOptionsUsage)
		}
		args = args[n:]
	}
	if err := opts.apply(); err != nil {
		return fmt.Errorf("run: %w", err)
	}
	module := false
	if len(args) > 0 && args[0] == "-m" {
		module = true
		args = args[1:]
	}
	if len(args) == 0 {
		return errors.New("run: usage: sluice run [job options] job.py [args...] | sluice run [job options] -m module [args...]")
	}
	if err := python.Install(true); err != nil {
		return err
	}
	return callPython(stop, "sluice._main", "run", args, module, pyExecutable())
}

// interpreterCommand is a command line of the Python interpreter:
// `[options] -c code [args...]` or `[options] -m module [args...]`.
type interpreterCommand struct {
	code, module string
	args         []string
}

// parseInterpreterArgs recognizes the command lines multiprocessing gives
// the "Python executable" it starts: spawn and forkserver children and the
// resource tracker run `exe [flags from sys.flags] -c code [args]`. The
// flags are accepted and ignored: they are what the parent interpreter
// ran with, which is this same configuration.
func parseInterpreterArgs(args []string) (*interpreterCommand, bool) {
	if len(args) == 0 || !strings.HasPrefix(args[0], "-") || args[0] == "-h" || args[0] == "--help" || args[0] == "-" {
		return nil, false
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" || strings.HasPrefix(a, "--") {
			return nil, false
		}
		for j := 1; j < len(a); j++ {
			switch c := a[j]; c {
			case 'c', 'm', 'X', 'W':
				val := a[j+1:]
				if val == "" {
					if i+1 >= len(args) {
						return nil, false
					}
					i++
					val = args[i]
				}
				switch c {
				case 'c':
					return &interpreterCommand{code: val, args: args[i+1:]}, true
				case 'm':
					return &interpreterCommand{module: val, args: args[i+1:]}, true
				}
				j = len(a) // -X/-W take the rest of the argument
			case 'b', 'B', 'd', 'E', 'I', 'O', 'P', 'q', 's', 'S', 'u', 'v', 'R', 'x':
			default:
				return nil, false
			}
		}
	}
	return nil, false
}

// runInterpreter is the binary standing in for the Python interpreter,
// with the embedded `sluice` package and the `pyflink` alias importable:
// what multiprocessing's children need to unpickle a job's functions and
// import its script.
func runInterpreter(cmd *interpreterCommand, stop *stopSignals) error {
	if err := python.Install(true); err != nil {
		return err
	}
	if cmd.module != "" {
		return callPython(stop, "sluice._main", "run", append([]string{cmd.module}, cmd.args...), true, pyExecutable())
	}
	return callPython(stop, "sluice._main", "run_command", cmd.code, cmd.args, pyExecutable())
}

// optionalString is a string argument that is None in Python when empty.
type optionalString string

// pyExecutable is the path of this binary, for the children Python
// starts; None when the system cannot tell (they then start the venv's
// python, as before).
func pyExecutable() optionalString {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	return optionalString(exe)
}

// callPython calls module.fn(args...) — strings, string lists and bools
// become their Python values — which returns the exit code. A stop signal
// that came meanwhile decides the exit instead.
func callPython(stop *stopSignals, module, fn string, args ...any) error {
	code := 0
	err := cpython.Do(func(py *cpython.GIL) error {
		m, err := py.Import(module)
		if err != nil {
			return err
		}
		defer py.DecRef(m)
		f, err := py.GetAttr(m, fn)
		if err != nil {
			return err
		}
		defer py.DecRef(f)
		objs := make([]*cpython.Object, len(args))
		for i, a := range args {
			objs[i] = pyValue(py, a)
		}
		defer func() {
			for _, o := range objs {
				py.DecRef(o)
			}
		}()
		res, err := py.Call(f, objs...)
		if err != nil {
			return err
		}
		defer py.DecRef(res)
		c, err := py.AsInt64(res)
		code = int(c)
		return err
	})
	if stop.report && stop.received() != 0 {
		stop.exit()
	}
	if err != nil {
		return err
	}
	if code != 0 {
		return exitCode(code)
	}
	return nil
}

func pyValue(py *cpython.GIL, v any) *cpython.Object {
	switch v := v.(type) {
	case string:
		return py.Str(v)
	case optionalString:
		if v == "" {
			return py.None()
		}
		return py.Str(string(v))
	case bool:
		return py.Bool(v)
	case []string:
		items := make([]*cpython.Object, len(v))
		for i, s := range v {
			items[i] = py.Str(s)
		}
		l := py.List(items...)
		for _, o := range items {
			py.DecRef(o)
		}
		return l
	}
	panic(fmt.Sprintf("pyValue: %T", v))
}
