// Package catalog holds the session's tables, views and functions, as
// Flink's default in-memory catalog does, with temporary objects
// shadowing permanent ones.
package catalog

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// ColumnKind says how a column gets its values.
type ColumnKind int

const (
	Physical ColumnKind = iota
	Computed
	Metadata
)

// Column is one column of a table.
type Column struct {
	Name    string
	Type    types.DataType // for computed columns: the inferred type
	Kind    ColumnKind
	Expr    sql.Expr // computed columns
	Comment string
}

// Watermark is WATERMARK FOR column AS expr, stored for event time.
type Watermark struct {
	Column string
	Expr   sql.Expr
	// ColumnPos is where the DDL names the column (for errors).
	ColumnPos sql.Pos
}

// Table is a table declared by DDL or registered through the API.
type Table struct {
	Name       string
	Columns    []Column
	PrimaryKey []string
	Watermark  *Watermark
	Options    map[string]string
	Comment    string
	Temporary  bool
}

// Physical returns the physical columns in order.
func (t *Table) Physical() []Column {
	var out []Column
	for _, c := range t.Columns {
		if c.Kind == Physical {
			out = append(out, c)
		}
	}
	return out
}

// View is a named query. Query is set for SQL views; Plan for views made
// from Table API objects (the planner's own node, opaque here).
type View struct {
	Name      string
	Query     sql.Query
	Columns   []string // optional column aliases
	Plan      any
	Temporary bool
}

// FunctionKind is the kind of a user-defined function.
type FunctionKind int

const (
	ScalarKind FunctionKind = iota
	TableKind
	AggregateKind
)

// Runtime runs the calls of one kind of user-defined function. All calls
// of one calc that share a runtime are evaluated together, in one
// evaluator — for Python, one crossing into the interpreter per batch.
type Runtime interface {
	Name() string
	NewEvaluator(calls []Call) (vectorized.FunctionEvaluator, error)
}

// Call is one call of a scalar function within a calc.
type Call struct {
	Function ScalarFunction
	Name     string // the name the query used
	Args     []int  // input column indexes
	Result   types.DataType
}

// ScalarFunction is a user-defined scalar function.
type ScalarFunction interface {
	// ResultType checks the argument types and returns the result type.
	ResultType(args []types.DataType) (types.DataType, error)
	Runtime() Runtime
	// Deterministic functions may be folded into constants.
	Deterministic() bool
}

// Function is a catalog entry for a user-defined function.
type Function struct {
	Name      string
	Kind      FunctionKind
	Scalar    ScalarFunction
	Temporary bool
	System    bool
	// Identifier and Language are as declared by CREATE FUNCTION.
	Identifier string
	Language   string
}

// Catalog is safe for concurrent use.
//
// Functions live in Flink's namespaces (FunctionCatalog): temporary system
// functions, temporary catalog functions and catalog functions are three
// maps, so a name may be taken in each at once; built-in functions are the
// planner's, which resolves an unqualified name in Flink's order (temporary
// system, built-in, temporary catalog, catalog). Inline functions are the
// Table API's function objects called directly (udf(...)(col('a'))): they
// have no name a query can use, only a key that stands for the object.
type Catalog struct {
	mu        sync.RWMutex
	tables    map[string]*Table
	views     map[string]*View
	system    map[string]*Function // temporary system functions; lower-cased names: function names are case-insensitive
	tempFuncs map[string]*Function // temporary catalog functions
	functions map[string]*Function // catalog functions (CREATE FUNCTION)
	inline    map[string]*Function // inline functions by object key
}

// New returns an empty catalog.
func New() *Catalog {
	return &Catalog{tables: map[string]*Table{}, views: map[string]*View{}, system: map[string]*Function{},
		tempFuncs: map[string]*Function{}, functions: map[string]*Function{}, inline: map[string]*Function{}}
}

// ErrExists and ErrNotFound are matched with errors.Is by callers that
// report positions.
type ObjectError struct {
	Kind, Name string
	Exists     bool
	Candidates []string
}

func (e *ObjectError) Error() string {
	if e.Exists {
		return fmt.Sprintf("%s %s already exists", e.Kind, e.Name)
	}
	msg := fmt.Sprintf("%s %s does not exist", e.Kind, e.Name)
	if s := Suggest(e.Name, e.Candidates); s != "" {
		msg += fmt.Sprintf("; did you mean %s?", s)
	}
	return msg
}

// CreateTable adds t; with ifNotExists an existing name is not an error.
func (c *Catalog) CreateTable(t *Table, ifNotExists bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tables[t.Name] != nil || c.views[t.Name] != nil {
		if ifNotExists {
			return nil
		}
		return &ObjectError{Kind: "table", Name: t.Name, Exists: true}
	}
	c.tables[t.Name] = t
	return nil
}

// CreateView adds v.
func (c *Catalog) CreateView(v *View, ifNotExists bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tables[v.Name] != nil || c.views[v.Name] != nil {
		if ifNotExists {
			return nil
		}
		return &ObjectError{Kind: "view", Name: v.Name, Exists: true}
	}
	c.views[v.Name] = v
	return nil
}

// Drop removes a table or view (kind "TABLE" or "VIEW").
func (c *Catalog) Drop(kind, name string, ifExists bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch strings.ToUpper(kind) {
	case "TABLE":
		if c.tables[name] == nil {
			if ifExists {
				return nil
			}
			return &ObjectError{Kind: "table", Name: name, Candidates: c.namesLocked()}
		}
		delete(c.tables, name)
	case "VIEW":
		if c.views[name] == nil {
			if ifExists {
				return nil
			}
			return &ObjectError{Kind: "view", Name: name, Candidates: c.namesLocked()}
		}
		delete(c.views, name)
	default:
		return fmt.Errorf("cannot drop a %s from the table namespace", kind)
	}
	return nil
}

// Lookup finds a table or a view by name.
func (c *Catalog) Lookup(name string) (*Table, *View, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if t := c.tables[name]; t != nil {
		return t, nil, nil
	}
	if v := c.views[name]; v != nil {
		return nil, v, nil
	}
	return nil, nil, &ObjectError{Kind: "table", Name: name, Candidates: c.namesLocked()}
}

// Names lists tables and views, sorted (SHOW TABLES).
func (c *Catalog) Names() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.namesLocked()
}

// ViewNames lists the views, sorted (SHOW VIEWS).
func (c *Catalog) ViewNames() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []string
	for n := range c.views {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (c *Catalog) namesLocked() []string {
	out := make([]string, 0, len(c.tables)+len(c.views))
	for n := range c.tables {
		out = append(out, n)
	}
	for n := range c.views {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// namespace is the map f belongs to: temporary system, temporary catalog
// or catalog functions.
func (c *Catalog) namespace(f *Function) map[string]*Function {
	switch {
	case f.System:
		return c.system
	case f.Temporary:
		return c.tempFuncs
	}
	return c.functions
}

// CreateFunction registers f in its namespace (f.System: temporary system
// functions; f.Temporary: temporary catalog functions; else catalog
// functions). A name taken in that namespace is an error unless
// ifNotExists, as Flink's registerTemporarySystemFunction and
// registerTemporaryCatalogFunction.
func (c *Catalog) CreateFunction(f *Function, ifNotExists bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	ns := c.namespace(f)
	key := strings.ToLower(f.Name)
	if ns[key] != nil {
		if ifNotExists {
			return nil
		}
		return &ObjectError{Kind: kindOf(f), Name: f.Name, Exists: true}
	}
	if !f.System && !f.Temporary && c.tempFuncs[key] != nil {
		// Flink: "Could not register catalog function. A temporary function
		// ... does already exist. Please drop the temporary function first."
		if ifNotExists {
			return nil
		}
		return &ObjectError{Kind: "temporary function", Name: f.Name, Exists: true}
	}
	ns[key] = f
	return nil
}

// ReplaceSystemFunction registers f as a temporary system function,
// replacing one of the same name: PyFlink's register_function (Flink's
// legacy registerTempSystemScalarFunction puts without checking).
func (c *Catalog) ReplaceSystemFunction(f *Function) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f.System, f.Temporary = true, true
	c.system[strings.ToLower(f.Name)] = f
}

func kindOf(f *Function) string {
	switch {
	case f.System:
		return "temporary system function"
	case f.Temporary:
		return "temporary function"
	}
	return "function"
}

// DropFunction removes a catalog function (DROP FUNCTION), or with
// temporary a temporary catalog function (DROP TEMPORARY FUNCTION).
func (c *Catalog) DropFunction(name string, ifExists bool) error {
	return c.dropFunction(c.functions, "function", name, ifExists)
}

// DropTemporaryFunction removes a temporary catalog function; system
// selects the temporary system functions instead.
func (c *Catalog) DropTemporaryFunction(name string, system, ifExists bool) error {
	if system {
		return c.dropFunction(c.system, "temporary system function", name, ifExists)
	}
	return c.dropFunction(c.tempFuncs, "temporary function", name, ifExists)
}

func (c *Catalog) dropFunction(ns map[string]*Function, kind, name string, ifExists bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := strings.ToLower(name)
	if ns[key] == nil {
		if ifExists {
			return nil
		}
		return &ObjectError{Kind: kind, Name: name, Candidates: c.functionNamesLocked()}
	}
	delete(ns, key)
	return nil
}

// SystemFunction finds a temporary system function (case-insensitive).
func (c *Catalog) SystemFunction(name string) *Function {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.system[strings.ToLower(name)]
}

// CatalogFunction finds a temporary catalog function, else a catalog
// function, by name (Flink's resolvePreciseFunctionReference order).
func (c *Catalog) CatalogFunction(name string) *Function {
	c.mu.RLock()
	defer c.mu.RUnlock()
	key := strings.ToLower(name)
	if f := c.tempFuncs[key]; f != nil {
		return f
	}
	return c.functions[key]
}

// Function finds the user-defined function an unqualified name reaches
// when no built-in function has that name: a temporary system function,
// else a temporary catalog function, else a catalog function.
func (c *Catalog) Function(name string) *Function {
	if f := c.SystemFunction(name); f != nil {
		return f
	}
	return c.CatalogFunction(name)
}

// CreateInlineFunction registers the function object behind key (the
// Table API calls it by object, never by name); registering a key again
// keeps the first entry, since a key stands for one object.
func (c *Catalog) CreateInlineFunction(key string, f *Function) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inline[key] == nil {
		c.inline[key] = f
	}
}

// InlineFunction finds an inline function by its key (exact).
func (c *Catalog) InlineFunction(key string) *Function {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.inline[key]
}

// FunctionNames lists the user-defined functions, sorted; a name taken in
// several namespaces is listed once for each, as Flink's
// listUserDefinedFunctions does. Inline functions have no name to list.
func (c *Catalog) FunctionNames() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.functionNamesLocked()
}

func (c *Catalog) functionNamesLocked() []string {
	out := make([]string, 0, len(c.system)+len(c.tempFuncs)+len(c.functions))
	for _, ns := range []map[string]*Function{c.system, c.tempFuncs, c.functions} {
		for _, f := range ns {
			out = append(out, f.Name)
		}
	}
	sort.Strings(out)
	return out
}

// Suggest returns the candidate closest to name when it is close enough to
// be a likely typo, or "".
func Suggest(name string, candidates []string) string {
	best, bestD := "", len([]rune(name))/3+2
	for _, c := range candidates {
		d := editDistance(strings.ToLower(name), strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// AlterTableOptions changes the options of a table (ALTER TABLE ... SET /
// RESET): set adds or overwrites keys, reset removes them. The table is
// replaced by a copy, so plans made before keep the options they read.
// A missing table is an error unless ifExists.
func (c *Catalog) AlterTableOptions(name string, set [][2]string, reset []string, ifExists bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tables[name]
	if t == nil {
		if ifExists {
			return nil
		}
		return &ObjectError{Kind: "table", Name: name, Candidates: c.namesLocked()}
	}
	nt := *t
	nt.Options = make(map[string]string, len(t.Options)+len(set))
	for k, v := range t.Options {
		nt.Options[k] = v
	}
	for _, kv := range set {
		nt.Options[kv[0]] = kv[1]
	}
	for _, k := range reset {
		delete(nt.Options, k)
	}
	c.tables[name] = &nt
	return nil
}

// Rename renames a table (kind "TABLE") or a view ("VIEW"); the new name
// must be free in the table namespace (tables and views). A missing
// object is an error unless ifExists.
func (c *Catalog) Rename(kind, name, newName string, ifExists bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch strings.ToUpper(kind) {
	case "TABLE":
		t := c.tables[name]
		if t == nil {
			if ifExists {
				return nil
			}
			return &ObjectError{Kind: "table", Name: name, Candidates: c.namesLocked()}
		}
		if c.tables[newName] != nil || c.views[newName] != nil {
			return &ObjectError{Kind: "table", Name: newName, Exists: true}
		}
		nt := *t
		nt.Name = newName
		delete(c.tables, name)
		c.tables[newName] = &nt
	case "VIEW":
		v := c.views[name]
		if v == nil {
			if ifExists {
				return nil
			}
			return &ObjectError{Kind: "view", Name: name, Candidates: c.namesLocked()}
		}
		if c.tables[newName] != nil || c.views[newName] != nil {
			return &ObjectError{Kind: "view", Name: newName, Exists: true}
		}
		nv := *v
		nv.Name = newName
		delete(c.views, name)
		c.views[newName] = &nv
	default:
		return fmt.Errorf("cannot rename a %s in the table namespace", kind)
	}
	return nil
}

// ReplaceViewQuery gives a view a new query (ALTER VIEW ... AS); the view
// keeps its name and temporariness, and drops its column aliases.
func (c *Catalog) ReplaceViewQuery(name string, q sql.Query) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.views[name]
	if v == nil {
		return &ObjectError{Kind: "view", Name: name, Candidates: c.namesLocked()}
	}
	c.views[name] = &View{Name: name, Query: q, Temporary: v.Temporary}
	return nil
}

// ReplaceFunction replaces a function that exists in f's namespace (ALTER
// FUNCTION); a missing one is an error unless ifExists.
func (c *Catalog) ReplaceFunction(f *Function, ifExists bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	ns := c.namespace(f)
	key := strings.ToLower(f.Name)
	if ns[key] == nil {
		if ifExists {
			return nil
		}
		return &ObjectError{Kind: kindOf(f), Name: f.Name, Candidates: c.functionNamesLocked()}
	}
	ns[key] = f
	return nil
}

// ReplaceTable replaces the table of t's name (ALTER TABLE's column
// changes); the table must exist.
func (c *Catalog) ReplaceTable(t *Table) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tables[t.Name] == nil {
		return &ObjectError{Kind: "table", Name: t.Name, Candidates: c.namesLocked()}
	}
	c.tables[t.Name] = t
	return nil
}
