package engine

import (
	"fmt"
	"runtime/debug"
)

// PanicError is a Go panic recovered at a task's boundary: an operator,
// source or sink that panics fails its job with a *TaskError wrapping this
// (naming job, operator and subtask), and the process goes on — as
// CockroachDB's vectorized engine turns runtime panics into query errors.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("panic: %v\n\n%s", e.Value, e.Stack)
}

// Unwrap gives the panic's value when it is an error (a runtime error, a
// panic(err)), so errors.As finds it.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// recoverInto, deferred, turns a panic of the component kind/name into the
// task error *err. The innermost component of a chain recovers first, so
// the error names the operator that panicked, not the chain's head.
func (t *task) recoverInto(err *error, kind, name string) {
	if r := recover(); r != nil {
		*err = t.taskError(kind, name, &PanicError{Value: r, Stack: debug.Stack()})
	}
}

// guard runs f, turning a panic into a *PanicError that the caller wraps
// in the task error naming its component, as it wraps f's own errors.
func guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return f()
}

// guardTask runs a part of the task that no one component owns (opening
// the chain, running its body, closing it): a panic that escaped every
// component is named after the task itself.
func (t *task) guardTask(f func() error) (err error) {
	defer t.recoverInto(&err, "task", t.taskName())
	return f()
}

// taskName names the task itself for a panic outside any one component.
func (t *task) taskName() string {
	if t.v.Name != "" {
		return t.v.Name
	}
	return fmt.Sprintf("vertex %d", t.v.ID)
}
