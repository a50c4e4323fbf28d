package pyfunc

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/vectorized"
)

// openingEvaluator opens the Python functions of one evaluator when the
// calc that runs it opens, and closes them when the job's evaluators are
// closed — PyFlink's open(function_context)/close() around a task.
//
// PyFlink opens one copy of a function per subtask (each Python worker
// unpickles its own). Sluice runs every subtask's calls on the one
// function object the script made (thread mode, no pickling), so the object
// is opened once per evaluator — once per calc of a job run — by the first
// subtask that opens, with that subtask's runtime information (index,
// parallelism, task name); the other subtasks wait for it and share the
// result, and an error of open fails each of them. A function used by two
// jobs, or by two calcs of one job, is opened (and closed) once for each,
// as PyFlink's operators each open their own instance.
type openingEvaluator struct {
	vectorized.FunctionEvaluator
	openers []*Function // functions with an opener, deduplicated
	once    sync.Once
	err     error
	mu      sync.Mutex
	closers []*cpython.Object // what open returned, closed in Close
}

func withOpen(ev vectorized.FunctionEvaluator, calls []catalog.Call) vectorized.FunctionEvaluator {
	var fs []*Function
	seen := map[*Function]bool{}
	for _, c := range calls {
		if f, ok := c.Function.(*Function); ok && f.opener != nil && !seen[f] {
			seen[f] = true
			fs = append(fs, f)
		}
	}
	if len(fs) == 0 {
		return ev
	}
	return &openingEvaluator{FunctionEvaluator: ev, openers: fs}
}

// Open implements engine.OpenableEvaluator.
func (e *openingEvaluator) Open(ctx context.Context, rt *engine.RuntimeContext) error {
	e.once.Do(func() { e.err = e.open(rt) })
	return e.err
}

func (e *openingEvaluator) open(rt *engine.RuntimeContext) error {
	maxPar, err := rt.Config.Int(engine.ConfigMaxParallelism, engine.DefaultMaxParallelism)
	if err != nil {
		return err
	}
	params := JobParameters(rt.Config.String("pipeline.global-job-parameters", ""))
	return cpython.Do(func(py *cpython.GIL) error {
		var pairs []*cpython.Object
		for _, kv := range params {
			k, v := py.Str(kv[0]), py.Str(kv[1])
			pairs = append(pairs, py.Tuple(k, v))
			py.DecRef(k)
			py.DecRef(v)
		}
		plist := py.List(pairs...)
		for _, p := range pairs {
			py.DecRef(p)
		}
		defer py.DecRef(plist)
		args := []*cpython.Object{plist, py.Str(taskName(rt)), py.Int(int64(rt.Parallelism)),
			py.Int(int64(maxPar)), py.Int(int64(rt.Subtask)), py.Int(0)}
		defer func() {
			for _, a := range args[1:] {
				py.DecRef(a)
			}
		}()
		for _, f := range e.openers {
			closer, err := py.Call(f.opener, args...)
			if err != nil {
				return fmt.Errorf("open() of python function %s: %w", f.Name, err)
			}
			if py.IsNone(closer) {
				py.DecRef(closer)
				continue
			}
			e.mu.Lock()
			e.closers = append(e.closers, closer)
			e.mu.Unlock()
		}
		return nil
	})
}

// Close closes the evaluator, then calls close() of the functions it
// opened.
func (e *openingEvaluator) Close() error {
	err := e.FunctionEvaluator.Close()
	e.mu.Lock()
	closers := e.closers
	e.closers = nil
	e.mu.Unlock()
	if len(closers) == 0 {
		return err
	}
	cerr := cpython.Do(func(py *cpython.GIL) error {
		var first error
		for _, c := range closers {
			r, err := py.Call(c)
			if err != nil && first == nil {
				first = fmt.Errorf("close() of a python function: %w", err)
			}
			if r != nil {
				py.DecRef(r)
			}
			py.DecRef(c)
		}
		return first
	})
	if err == nil {
		err = cerr
	}
	return err
}

// JobParameters reads Flink's pipeline.global-job-parameters, a map option
// written key:value,key:value (a part may be quoted with ' or ").
func JobParameters(s string) [][2]string {
	var out [][2]string
	for _, part := range splitTop(s, ',') {
		kv := splitTop(part, ':')
		if len(kv) < 2 {
			continue
		}
		k := unquote(strings.TrimSpace(kv[0]))
		v := unquote(strings.TrimSpace(strings.Join(kv[1:], ":")))
		out = append(out, [2]string{k, v})
	}
	return out
}

// splitTop splits s at sep outside quotes.
func splitTop(s string, sep byte) []string {
	if s == "" {
		return nil
	}
	var parts []string
	var q byte
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '\'' || c == '"':
			q = c
		case c == sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		q := string(s[0])
		return strings.ReplaceAll(s[1:len(s)-1], q+q, q)
	}
	return s
}

func taskName(rt *engine.RuntimeContext) string {
	if rt.TaskName != "" {
		return rt.TaskName
	}
	return rt.OperatorName
}
