package cpython

/*
#cgo pkg-config: python3-embed
#cgo CFLAGS: -O2 -Wall -Wno-unused-function
#include <stdlib.h>
#include "sluice_py.h"
#include "builder.h"
*/
import "C"

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"unsafe"
)

// DefaultVenv is the virtual environment the interpreter uses when
// SLUICE_VENV is not set. The Makefile sets it at link time to the
// repository's .venv, so a built binary needs no environment variables.
var DefaultVenv = ""

// Options say how the interpreter starts.
type Options struct {
	// Venv is the directory of a Python virtual environment whose
	// site-packages the interpreter uses. Empty means: SLUICE_VENV, then
	// DefaultVenv, then a .venv found beside the executable or above the
	// working directory, then the base interpreter alone.
	Venv string
}

var (
	initOnce sync.Once
	initErr  error
	venvUsed string
)

//go:embed runtime.py
var runtimeSource string

// Initialize starts the interpreter with default options. It is safe to call
// from any goroutine, any number of times; only the first call starts it.
func Initialize() error { return InitializeWith(Options{}) }

// InitializeWith starts the interpreter once per process. Options of later
// calls are ignored.
func InitializeWith(opts Options) error {
	initOnce.Do(func() { initErr = start(opts) })
	return initErr
}

// Venv reports the virtual environment the running interpreter uses, or ""
// when it runs on the base installation.
func Venv() string { return venvUsed }

func start(opts Options) error {
	venv := findVenv(opts.Venv)
	var venvPython string
	if venv != "" {
		py, err := venvInterpreter(venv)
		if err != nil {
			return err
		}
		venvPython = py
	}
	// The thread that starts Python keeps the main thread state; pin it so
	// the C side can mark it as ready.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpy := C.CString(venvPython)
	defer C.free(unsafe.Pointer(cpy))
	var cerr *C.char
	if C.sl_init(cpy, &cerr) != 0 {
		msg := C.GoString(cerr)
		C.free(unsafe.Pointer(cerr))
		return fmt.Errorf("cpython: %s", msg)
	}
	venvUsed = venv
	return Do(installRuntime)
}

// findVenv resolves the virtual environment to use; "" means none.
func findVenv(explicit string) string {
	for _, dir := range []string{explicit, os.Getenv("SLUICE_VENV"), DefaultVenv} {
		if dir != "" {
			return dir
		}
	}
	var starts []string
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, s := range starts {
		for dir := s; ; dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, ".venv", "pyvenv.cfg")); err == nil {
				return filepath.Join(dir, ".venv")
			}
			if dir == filepath.Dir(dir) {
				break
			}
		}
	}
	return ""
}

// venvInterpreter checks that the venv was made by the same Python minor
// version the binary links against, and returns its python executable.
func venvInterpreter(venv string) (string, error) {
	cfg, err := os.ReadFile(filepath.Join(venv, "pyvenv.cfg"))
	if err != nil {
		return "", fmt.Errorf("cpython: %s is not a Python virtual environment (no pyvenv.cfg); run `make setup`", venv)
	}
	linked := fmt.Sprintf("%d.%d", C.PY_MAJOR_VERSION, C.PY_MINOR_VERSION)
	for _, line := range strings.Split(string(cfg), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if (k == "version" || k == "version_info") && v != linked && !strings.HasPrefix(v, linked+".") {
			return "", fmt.Errorf("cpython: virtual environment %s was made by Python %s but sluice links Python %s; recreate it with `make setup`", venv, v, linked)
		}
	}
	for _, name := range []string{"python" + linked, "python3", "python"} {
		p := filepath.Join(venv, "bin", name)
		if _, err := os.Stat(p); err == nil {
			abs, err := filepath.Abs(p)
			if err != nil {
				return "", err
			}
			return abs, nil
		}
	}
	return "", fmt.Errorf("cpython: virtual environment %s has no bin/python%s", venv, linked)
}

// runtimeModule is the embedded helper module (Row, decimal and traceback
// helpers); the Python API re-exports its Row.
var runtimeModule *Object

func installRuntime(py *GIL) error {
	mod, err := py.LoadModule("_sluice_runtime", "<sluice>/cpython/runtime.py", runtimeSource)
	if err != nil {
		return err
	}
	runtimeModule = mod
	names := []string{"make_row", "Decimal", "decimal_unscaled"}
	objs := make([]*Object, len(names))
	for i, n := range names {
		o, err := py.GetAttr(mod, n)
		if err != nil {
			return err
		}
		objs[i] = o
	}
	C.sl_runtime_set(objs[0].p, objs[1].p, objs[2].p)
	for _, o := range objs {
		py.DecRef(o)
	}
	if C.sl_from_python_init() != 0 || C.sl_view_init() != 0 {
		return py.fetchError()
	}
	cancelled, err := py.GetAttr(mod, "JobCancelled")
	if err != nil {
		return err
	}
	C.sl_set_cancel_type(cancelled.p)
	py.DecRef(cancelled)
	return nil
}

// GIL is the proof that the calling goroutine holds the GIL. It is valid only
// inside the Do callback that received it.
type GIL struct{ _ [0]func() }

var errNotStarted = errors.New("cpython: the interpreter is not started; call cpython.Initialize first")

// Do runs fn with the GIL held. The goroutine is pinned to its OS thread for
// the scope, because a Python thread state belongs to an OS thread. Scopes
// nest. Hold the GIL for a whole batch, not for a row.
func Do(fn func(py *GIL) error) error {
	if C.sl_is_initialized() == 0 {
		return errNotStarted
	}
	runtime.LockOSThread()
	state := C.sl_gil_acquire()
	defer func() {
		C.sl_gil_release(state)
		runtime.UnlockOSThread()
	}()
	return fn(&GIL{})
}
