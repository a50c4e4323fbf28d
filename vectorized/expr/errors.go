package expr

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// UnknownFunctionError says that no function of that name is registered.
type UnknownFunctionError struct {
	Name string
}

func (e *UnknownFunctionError) Error() string {
	return fmt.Sprintf("no function named %s", e.Name)
}

// SignatureError says that a registered function cannot take the given
// argument types, and lists what it accepts.
type SignatureError struct {
	Name       string
	Args       []arrow.DataType
	Signatures []string
	// Reason, when set, explains why no signature applies (for example
	// Flink's refusal to compare numbers with strings).
	Reason string
}

func (e *SignatureError) Error() string {
	args := make([]string, len(e.Args))
	for i, a := range e.Args {
		args[i] = SQLTypeName(a)
	}
	got := strings.Join(args, ", ")
	if len(args) == 0 {
		got = "no arguments"
	}
	msg := fmt.Sprintf("%s cannot take %s; expected %s", e.Name, got, strings.Join(e.Signatures, " or "))
	if e.Reason != "" {
		msg += " (" + e.Reason + ")"
	}
	return msg
}

// EvalError is a failure while evaluating a batch: a value the function
// cannot handle. Call renders the call with the offending values, e.g.
// CAST('abc' AS INT) or 10 / 0.
type EvalError struct {
	Function string
	Call     string
	Reason   string
}

func (e *EvalError) Error() string {
	return e.Call + ": " + e.Reason
}

// quoteSQL renders a string value the way SQL writes literals.
func quoteSQL(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
