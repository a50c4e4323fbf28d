package python

// Function operations: registering Python functions in Flink's namespaces
// (temporary system, temporary catalog, inline objects of the Table API),
// dropping and listing them.

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/pyfunc"
	"github.com/sluice-stream/sluice/vectorized/expr"
)

func init() {
	ops["env.register_function"] = envRegisterFunction
	ops["env.register_inline_function"] = envRegisterInlineFunction
	ops["env.has_function"] = envHasFunction
	ops["env.drop_function"] = envDropFunction
	ops["env.list_functions"] = envListFunctions
	ops["env.list_user_defined_functions"] = envListUserDefinedFunctions
}

// envRegisterFunction is env.register_function(env, name, function[, scope])
// for a udf wrapper (or any object with the _sluice_* attributes). scope is
// "legacy" (the default: PyFlink's register_function, a temporary system
// function replacing one of the same name), "system"
// (create_temporary_system_function) or "catalog"
// (create_temporary_function); the last two refuse a taken name with
// Flink's messages.
func envRegisterFunction(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 3, "env.register_function(env, name, function[, scope])"); err != nil {
		return nil, err
	}
	env, name, err := envAndText(py, args, "env.register_function(env, name, function[, scope])")
	if err != nil {
		return nil, err
	}
	scope := "legacy"
	if len(args) > 3 {
		if scope, err = py.AsString(args[3]); err != nil {
			return nil, err
		}
	}
	f, err := pyfunc.FromObject(py, name, args[2])
	if err != nil {
		return nil, &cpython.Raise{Builtin: "TypeError", Msg: err.Error()}
	}
	switch scope {
	case "legacy":
		env.RegisterFunction(name, f)
		return nil, nil
	case "system":
		err = env.CreateTemporarySystemFunction(name, f)
	case "catalog":
		err = env.CreateTemporaryFunction(name, f)
	default:
		return nil, &cpython.Raise{Builtin: "ValueError", Msg: fmt.Sprintf("env.register_function: scope %q is not legacy, system or catalog", scope)}
	}
	var oe *catalog.ObjectError
	if errors.As(err, &oe) && oe.Exists {
		// Flink's ValidationException texts (FunctionCatalog).
		msg := fmt.Sprintf("Could not register temporary system function. A function named '%s' does already exist.", name)
		if scope == "catalog" {
			msg = fmt.Sprintf("Could not register temporary catalog function. A function '%s' does already exist.", name)
		}
		return nil, &cpython.Raise{Builtin: "ValueError", Msg: msg}
	}
	return nil, err
}

// envRegisterInlineFunction is env.register_inline_function(env, key, name,
// function): a udf object called directly in a Table API expression, under
// the key its call expressions use; name is what plans and errors show.
func envRegisterInlineFunction(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 4, "env.register_inline_function(env, key, name, function)"); err != nil {
		return nil, err
	}
	env, key, err := envAndText(py, args, "env.register_inline_function(env, key, name, function)")
	if err != nil {
		return nil, err
	}
	if env.Catalog().InlineFunction(key) != nil {
		return nil, nil
	}
	name, err := py.AsString(args[2])
	if err != nil {
		return nil, err
	}
	f, err := pyfunc.FromObject(py, name, args[3])
	if err != nil {
		return nil, &cpython.Raise{Builtin: "TypeError", Msg: err.Error()}
	}
	env.CreateInlineFunction(key, name, f)
	return nil, nil
}

// envHasFunction is env.has_function(env, name) -> bool: whether a
// user-defined function of that name exists in any namespace.
func envHasFunction(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	env, name, err := envAndText(py, args, "env.has_function(env, name)")
	if err != nil {
		return nil, err
	}
	return py.Bool(env.Catalog().Function(name) != nil), nil
}

// envDropFunction is env.drop_function(env, name, system) -> bool: drops a
// temporary system function (system true: drop_temporary_system_function)
// or a temporary catalog function (drop_temporary_function) and reports
// whether one existed, as Flink's methods do.
func envDropFunction(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 3, "env.drop_function(env, name, system)"); err != nil {
		return nil, err
	}
	env, name, err := envAndText(py, args, "env.drop_function(env, name, system)")
	if err != nil {
		return nil, err
	}
	system, err := py.AsBool(args[2])
	if err != nil {
		return nil, err
	}
	return py.Bool(env.DropTemporaryFunction(name, system)), nil
}

// envListUserDefinedFunctions is env.list_user_defined_functions(env) ->
// list[str]: the names in every namespace (once per namespace, as Flink),
// sorted; inline function objects have no name to list.
func envListUserDefinedFunctions(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 1, "env.list_user_defined_functions(env)"); err != nil {
		return nil, err
	}
	env, err := lookup[*table.Environment](py, args[0])
	if err != nil {
		return nil, err
	}
	return strList(py, env.Catalog().FunctionNames()), nil
}

// envListFunctions is env.list_functions(env) -> list[str]: user-defined
// and built-in functions, built-ins in lower case as Flink lists them,
// sorted, each name once.
func envListFunctions(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 1, "env.list_functions(env)"); err != nil {
		return nil, err
	}
	env, err := lookup[*table.Environment](py, args[0])
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var names []string
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, n := range env.Catalog().FunctionNames() {
		add(n)
	}
	for _, n := range expr.Functions() {
		if strings.IndexFunc(n, func(r rune) bool { return !(r == '_' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') }) < 0 {
			add(strings.ToLower(n)) // operators (+, IS NULL) are not functions to list
		}
	}
	for _, n := range []string{"count", "sum", "avg", "min", "max"} {
		add(n)
	}
	sort.Strings(names)
	return strList(py, names), nil
}
