package expr

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/vectorized"
)

// binder resolves one call: it checks the argument types, inserts the
// implicit casts and returns the expression. It returns a *mismatch when
// the types do not fit; Call turns that into a *SignatureError.
type binder func(name string, args []vectorized.Expr) (vectorized.Expr, error)

type funcDef struct {
	name string
	// sigs are the accepted signatures as shown to users.
	sigs          []string
	deterministic bool
	bind          binder
}

// mismatch is a binder's "these argument types do not fit".
type mismatch struct{ reason string }

func (m *mismatch) Error() string { return m.reason }

func noMatch() error                    { return &mismatch{} }
func noMatchf(f string, a ...any) error { return &mismatch{reason: fmt.Sprintf(f, a...)} }

// registry is the one table from SQL names to kernels. It is filled by the
// init functions of this package and never changed afterwards.
var registry = map[string]*funcDef{}

func register(name string, sigs []string, bind binder, aliases ...string) {
	def := &funcDef{name: name, sigs: sigs, deterministic: true, bind: bind}
	for _, n := range append([]string{name}, aliases...) {
		if _, dup := registry[n]; dup {
			panic("expr: function registered twice: " + n)
		}
		registry[n] = def
	}
}

// registerNondeterministic registers a function the planner must not
// constant-fold (RAND, NOW, UUID, ...).
func registerNondeterministic(name string, sigs []string, bind binder, aliases ...string) {
	register(name, sigs, bind, aliases...)
	registry[name].deterministic = false
}

func normalizeName(name string) string {
	return strings.Join(strings.Fields(strings.ToUpper(name)), " ")
}

// Functions returns every registered function and operator name, sorted.
func Functions() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// IsDeterministic reports whether calls of name always give the same result
// for the same arguments. Unknown names are reported as not deterministic,
// so the planner never folds what it does not know.
func IsDeterministic(name string) bool {
	def, ok := registry[normalizeName(name)]
	return ok && def.deterministic
}

// Call resolves a function or operator by name (case-insensitive) for the
// argument types and returns the typed expression.
func Call(name string, args ...vectorized.Expr) (vectorized.Expr, error) {
	norm := normalizeName(name)
	def, ok := registry[norm]
	if !ok {
		return nil, &UnknownFunctionError{Name: name}
	}
	for i, a := range args {
		if a == nil {
			return nil, fmt.Errorf("%s: argument %d is nil", norm, i+1)
		}
	}
	e, err := def.bind(norm, args)
	if err != nil {
		var m *mismatch
		if errors.As(err, &m) {
			return nil, &SignatureError{Name: norm, Args: argTypes(args), Signatures: def.sigs, Reason: m.reason}
		}
		return nil, err
	}
	return e, nil
}

func argTypes(args []vectorized.Expr) []arrow.DataType {
	out := make([]arrow.DataType, len(args))
	for i, a := range args {
		out[i] = a.DataType()
	}
	return out
}

// implicit casts e to dt for an implicit conversion (widening); literals are
// folded at bind time so kernels keep their scalar fast paths.
func implicit(e vectorized.Expr, dt arrow.DataType) vectorized.Expr {
	if arrow.TypeEqual(e.DataType(), dt) {
		return e
	}
	c := &castExpr{arg: e, to: dt}
	c.fn = castFunc(e.DataType(), dt)
	c.fused = fuseDecimalToDouble(e, dt)
	return foldLiteral(c)
}

// implicitTry is implicit with TRY_CAST semantics (NULL when the value does
// not convert), used where Flink casts a string operand to a temporal type.
func implicitTry(e vectorized.Expr, dt arrow.DataType) vectorized.Expr {
	if arrow.TypeEqual(e.DataType(), dt) {
		return e
	}
	c := &castExpr{arg: e, to: dt, try: true}
	c.fn = castFunc(e.DataType(), dt)
	return foldLiteral(c)
}

// foldLiteral evaluates e once when all its inputs are literals and it is
// deterministic and succeeds; otherwise it returns e unchanged.
func foldLiteral(e vectorized.Expr) vectorized.Expr {
	n, ok := e.(node)
	if !ok {
		return e
	}
	for _, c := range n.children() {
		if _, lit := c.(*literalExpr); !lit {
			return e
		}
	}
	if c, ok := e.(*callExpr); ok {
		if def := registry[c.name]; (def != nil && !def.deterministic) || c.zoned {
			return e
		}
	}
	// Results that depend on the session time zone are computed per batch.
	if familyOf(e.DataType()) == famTimestampLTZ {
		return e
	}
	for _, c := range n.children() {
		if familyOf(c.DataType()) == famTimestampLTZ {
			return e
		}
	}
	rec := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
	defer rec.Release()
	arr, err := e.Eval(nil, rec)
	if err != nil {
		return e
	}
	l := &literalExpr{typ: e.DataType(), value: arr}
	l.text = literalText(arr)
	return l
}

func isNullLiteral(e vectorized.Expr) bool {
	return e.DataType().ID() == arrow.NULL
}

// literalString returns the value of a non-NULL string literal argument.
func literalString(e vectorized.Expr) (string, bool) {
	l, ok := e.(*literalExpr)
	if !ok || l.isNull() || familyOf(l.typ) != famString {
		return "", false
	}
	return l.value.(*array.String).Value(0), true
}

// literalInt returns the value of a non-NULL integer literal argument.
func literalInt(e vectorized.Expr) (int64, bool) {
	l, ok := e.(*literalExpr)
	if !ok || l.isNull() || familyOf(l.typ) != famInt {
		return 0, false
	}
	switch a := l.value.(type) {
	case *array.Int8:
		return int64(a.Value(0)), true
	case *array.Int16:
		return int64(a.Value(0)), true
	case *array.Int32:
		return int64(a.Value(0)), true
	case *array.Int64:
		return a.Value(0), true
	}
	return 0, false
}
