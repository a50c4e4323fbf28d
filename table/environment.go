package table

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/planner"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
)

// Settings choose how an Environment runs jobs.
type Settings struct {
	// Streaming selects unbounded (changelog) execution; false is batch
	// mode (final results at end of input), as Flink's runtime modes.
	Streaming bool
	// Config holds Flink-style options (parallelism.default,
	// table.exec.mini-batch.*, table.local-time-zone, ...).
	Config map[string]string
	// Allocator, when set, allocates every buffer the environment's jobs
	// create (engine.JobGraph.Mem); tests pass a checked allocator to
	// find leaks through the whole planner and runtime.
	Allocator memory.Allocator
}

// Environment is a table environment: a catalog, a configuration and the
// means to run SQL and Table API programs (Flink's TableEnvironment).
type Environment struct {
	mu        sync.Mutex
	catalog   *catalog.Catalog
	streaming bool
	config    engine.Config
	mem       memory.Allocator
}

// NewEnvironment makes an environment with an empty catalog.
func NewEnvironment(s Settings) *Environment {
	cfg := engine.Config{}
	for k, v := range s.Config {
		cfg[k] = v
	}
	return &Environment{catalog: catalog.New(), streaming: s.Streaming, config: cfg, mem: s.Allocator}
}

// Catalog is the environment's catalog.
func (e *Environment) Catalog() *catalog.Catalog { return e.catalog }

// Streaming reports the runtime mode.
func (e *Environment) Streaming() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.streaming
}

// Config returns a copy of the configuration: the process's options
// (SetProcessConfig) overlaid with the environment's.
func (e *Environment) Config() engine.Config {
	e.mu.Lock()
	defer e.mu.Unlock()
	return withProcessConfig(e.config)
}

// checkConfig rejects a value the engine could not use for a key it
// reads, when it is set rather than when a job starts.
func checkConfig(key, value string) error {
	c := engine.Config{key: value}
	switch key {
	case "parallelism.default", engine.ConfigMaxParallelism, engine.ConfigBatchSize:
		n, err := c.Int(key, 1)
		if err != nil {
			return err
		}
		if n < 1 {
			return fmt.Errorf("config %s = %q: must be at least 1", key, value)
		}
	case engine.ConfigChannelCapacity:
		n, err := c.Int(key, 0)
		if err != nil {
			return err
		}
		if n < 0 {
			return fmt.Errorf("config %s = %q: must not be negative", key, value)
		}
	case "table.exec.mini-batch.enabled":
		if _, err := c.Bool(key, false); err != nil {
			return err
		}
	case "table.exec.mini-batch.allow-latency":
		if _, err := c.Duration(key, 0); err != nil {
			return err
		}
	case engine.ConfigLocalTimeZone:
		if z := strings.TrimSpace(value); z != "default" && z != "" {
			if _, err := engine.LoadZone(z); err != nil {
				return fmt.Errorf("config %s = %q: %w", key, value, err)
			}
		}
	}
	return nil
}

// SetConfig sets one option (get_config().set in PyFlink).
func (e *Environment) SetConfig(key, value string) error {
	if err := checkConfig(key, value); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if key == "execution.runtime-mode" {
		switch strings.ToLower(value) {
		case "streaming":
			e.streaming = true
		case "batch":
			e.streaming = false
		default:
			return fmt.Errorf("execution.runtime-mode is 'streaming' or 'batch', not %q", value)
		}
	}
	e.config[key] = value
	return nil
}

func (e *Environment) planner(src string) *planner.Planner {
	return &planner.Planner{Catalog: e.catalog, Streaming: e.Streaming(), Config: e.Config(), Source: src}
}

// ExecuteSQL runs one statement. DDL changes the catalog; INSERT runs the
// job to its end (or until ctx is cancelled, for unbounded inputs); a
// query returns its rows in the result; EXPLAIN, SHOW and DESCRIBE return
// text rows.
func (e *Environment) ExecuteSQL(ctx context.Context, stmt string) (*Result, error) {
	st, err := sql.Parse(stmt)
	if err != nil {
		return nil, err
	}
	return e.execute(ctx, st, stmt)
}

// ExecuteScript runs the statements of a script in order and returns the
// result of each; it stops at the first error.
func (e *Environment) ExecuteScript(ctx context.Context, script string) ([]*Result, error) {
	sts, err := sql.ParseScript(script)
	if err != nil {
		return nil, err
	}
	var out []*Result
	for _, st := range sts {
		r, err := e.execute(ctx, st, script)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// ExecuteStatement runs one parsed statement; src is the text it was
// parsed from (a whole script), so errors point into it.
func (e *Environment) ExecuteStatement(ctx context.Context, st sql.Statement, src string) (*Result, error) {
	return e.execute(ctx, st, src)
}

func (e *Environment) execute(ctx context.Context, st sql.Statement, src string) (*Result, error) {
	p := e.planner(src)
	switch s := st.(type) {
	case *sql.CreateTable:
		return okResult(), e.createTable(p, s)
	case *sql.CreateView:
		if s.Comment != nil {
			_ = s.Comment // comments are documentation only
		}
		// Bind now so a broken view fails at CREATE, as in Flink.
		if _, err := p.BindQuery(s.Query); err != nil {
			return nil, err
		}
		cols := make([]string, len(s.Columns))
		for i, c := range s.Columns {
			cols[i] = c.Name
		}
		v := &catalog.View{Name: s.Name.Unqualified(), Query: s.Query, Columns: cols, Temporary: s.Temporary}
		if err := e.catalog.CreateView(v, s.IfNotExists); err != nil {
			return nil, &sql.Error{Pos: s.Name.Pos(), Msg: err.Error(), Source: src}
		}
		return okResult(), nil
	case *sql.CreateFunction:
		return okResult(), e.createFunction(s, src)
	case *sql.Drop:
		var err error
		if s.Kind == "FUNCTION" {
			if s.Temporary {
				err = e.catalog.DropTemporaryFunction(s.Name.Unqualified(), s.System, s.IfExists)
			} else {
				err = e.catalog.DropFunction(s.Name.Unqualified(), s.IfExists)
			}
		} else {
			err = e.catalog.Drop(string(s.Kind), s.Name.Unqualified(), s.IfExists)
		}
		if err != nil {
			return nil, &sql.Error{Pos: s.Name.Pos(), Msg: err.Error(), Source: src}
		}
		return okResult(), nil
	case *sql.AlterTable, *sql.AlterView, *sql.AlterFunction:
		if err := e.alter(p, st, src); err != nil {
			return nil, err
		}
		return okResult(), nil
	case *sql.Insert:
		return e.insert(ctx, p, s)
	case sql.Query:
		t, err := e.tableFromQuery(p, s)
		if err != nil {
			return nil, err
		}
		return t.Execute(ctx)
	case *sql.Explain:
		return e.explain(p, s)
	case *sql.Show:
		return e.show(s)
	case *sql.Describe:
		return e.describe(p, s)
	case *sql.Set:
		if s.Key == nil {
			cfg := e.Config()
			keys := make([]string, 0, len(cfg))
			for k := range cfg {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			r := &Result{Columns: []string{"key", "value"}}
			for _, k := range keys {
				r.Rows = append(r.Rows, Row{Kind: "+I", Values: []any{k, cfg[k]}})
			}
			return r, nil
		}
		if err := e.SetConfig(s.Key.Value, s.Value.Value); err != nil {
			return nil, &sql.Error{Pos: s.Value.Start, Msg: err.Error(), Source: src}
		}
		return okResult(), nil
	case *sql.Reset:
		e.mu.Lock()
		if s.Key == nil {
			e.config = engine.Config{}
		} else {
			delete(e.config, s.Key.Value)
		}
		e.mu.Unlock()
		return okResult(), nil
	}
	return nil, &sql.Error{Pos: st.Pos(), Msg: fmt.Sprintf("%s statements are not supported yet", sql.Kind(st)), Source: src}
}

func (e *Environment) createTable(p *planner.Planner, s *sql.CreateTable) error {
	if s.AsQuery != nil || s.Like != nil {
		return p.ErrAt(s.Pos(), "CREATE TABLE ... AS / LIKE is not supported yet")
	}
	t := &catalog.Table{Name: s.Name.Unqualified(), Options: map[string]string{}, Temporary: s.Temporary}
	if s.Comment != nil {
		t.Comment = s.Comment.Value
	}
	seen := map[string]bool{}
	for _, c := range s.Columns {
		if seen[c.Name.Name] {
			return p.ErrAt(c.Name.Start, "column %s is declared twice", c.Name.Name)
		}
		seen[c.Name.Name] = true
		col, err := columnOf(p, c)
		if err != nil {
			return err
		}
		t.Columns = append(t.Columns, col)
	}
	if s.PrimaryKey != nil {
		for _, k := range s.PrimaryKey.Columns {
			found := false
			for i, c := range t.Columns {
				if c.Name == k.Name {
					found = true
					// Flink: primary key columns are NOT NULL.
					t.Columns[i].Type = c.Type.NotNullable()
				}
			}
			if !found {
				return p.ErrAt(k.Start, "primary key column %s is not a column of %s", k.Name, t.Name)
			}
			t.PrimaryKey = append(t.PrimaryKey, k.Name)
		}
	}
	if s.Watermark != nil {
		t.Watermark = &catalog.Watermark{Column: s.Watermark.Column.Unqualified(), Expr: s.Watermark.Expr, ColumnPos: s.Watermark.Column.Pos()}
	}
	for _, o := range s.Options {
		t.Options[o.Key.Value] = o.Value.Value
	}
	// Computed columns must bind against the physical ones now.
	if _, err := p.SchemaOfTable(t); err != nil {
		return withSource(err, p.Source)
	}
	if err := e.catalog.CreateTable(t, s.IfNotExists); err != nil {
		return p.ErrAt(s.Name.Pos(), "%v", err)
	}
	return nil
}

// columnOf is the catalog column a DDL column definition declares.
func columnOf(p *planner.Planner, c *sql.ColumnDef) (catalog.Column, error) {
	col := catalog.Column{Name: c.Name.Name}
	if c.Comment != nil {
		col.Comment = c.Comment.Value
	}
	switch c.Kind {
	case sql.PhysicalColumn:
		ty, err := planner.TypeFromAST(c.Type)
		if err != nil {
			return col, withSource(err, p.Source)
		}
		col.Type = ty
	case sql.ComputedColumn:
		col.Kind, col.Expr = catalog.Computed, c.Expr
	default:
		col.Kind = catalog.Metadata
		ty, err := planner.TypeFromAST(c.Type)
		if err != nil {
			return col, withSource(err, p.Source)
		}
		col.Type = ty
	}
	return col, nil
}

// alterColumns applies ALTER TABLE's ADD / MODIFY / DROP / RENAME column
// changes to a copy of t, with Flink's checks and messages
// (SchemaAddConverter, SchemaModifyConverter, SchemaReferencesManager).
func alterColumns(p *planner.Planner, t *catalog.Table, s *sql.AlterTable) (*catalog.Table, error) {
	fail := func(pos sql.Pos, format string, args ...any) error {
		return p.ErrAt(pos, "Failed to execute ALTER TABLE statement. "+format, args...)
	}
	nt := *t
	nt.Columns = append([]catalog.Column(nil), t.Columns...)
	nt.PrimaryKey = append([]string(nil), t.PrimaryKey...)
	index := func(name string) int {
		for i, c := range nt.Columns {
			if c.Name == name {
				return i
			}
		}
		return -1
	}
	// references reports what refers to column name: a computed column,
	// the watermark.
	references := func(name string, pos sql.Pos) error {
		uses := func(e sql.Expr) bool {
			found := false
			sql.Inspect(e, func(n sql.Node) bool {
				if r, ok := n.(*sql.ColumnRef); ok && r.Parts[len(r.Parts)-1].Name == name {
					found = true
				}
				return !found
			})
			return found
		}
		for _, c := range nt.Columns {
			if c.Kind == catalog.Computed && c.Name != name && uses(c.Expr) {
				return fail(pos, "The column `%s` is referenced by computed column `%s`.", name, c.Name)
			}
		}
		if w := nt.Watermark; w != nil && (w.Column == name || uses(w.Expr)) {
			return fail(pos, "The column `%s` is referenced by watermark expression.", name)
		}
		return nil
	}
	place := func(c catalog.Column, ac *sql.AlterColumn, pos int) error {
		switch {
		case ac.First:
			nt.Columns = append([]catalog.Column{c}, nt.Columns...)
		case ac.After != nil:
			at := index(ac.After.Name)
			if at < 0 {
				return fail(ac.After.Start, "Referenced column `%s` by 'AFTER' does not exist in the table.", ac.After.Name)
			}
			nt.Columns = append(nt.Columns[:at+1], append([]catalog.Column{c}, nt.Columns[at+1:]...)...)
		case pos >= 0:
			nt.Columns = append(nt.Columns[:pos], append([]catalog.Column{c}, nt.Columns[pos:]...)...)
		default:
			nt.Columns = append(nt.Columns, c)
		}
		return nil
	}
	switch {
	case s.Add != nil:
		seen := map[string]bool{}
		for _, ac := range s.Add {
			name := ac.Column.Name.Name
			if seen[name] {
				return nil, fail(ac.Column.Name.Start, "Encounter duplicate column `%s`.", name)
			}
			if index(name) >= 0 {
				return nil, fail(ac.Column.Name.Start, "Column `%s` already exists in the table.", name)
			}
			seen[name] = true
			col, err := columnOf(p, ac.Column)
			if err != nil {
				return nil, err
			}
			if err := place(col, ac, -1); err != nil {
				return nil, err
			}
		}
	case s.Modify != nil:
		for _, ac := range s.Modify {
			name := ac.Column.Name.Name
			at := index(name)
			if at < 0 {
				return nil, fail(ac.Column.Name.Start, "Column `%s` does not exist in the table.", name)
			}
			col, err := columnOf(p, ac.Column)
			if err != nil {
				return nil, err
			}
			if slices.Contains(nt.PrimaryKey, name) {
				col.Type = col.Type.NotNullable()
			}
			nt.Columns = append(nt.Columns[:at], nt.Columns[at+1:]...)
			if err := place(col, ac, at); err != nil {
				return nil, err
			}
		}
	case s.Drop != nil:
		for _, id := range s.Drop {
			if index(id.Name) < 0 {
				return nil, fail(id.Start, "The column `%s` does not exist in the base table.", id.Name)
			}
		}
		for _, id := range s.Drop {
			if err := references(id.Name, id.Start); err != nil {
				return nil, err
			}
			if slices.Contains(nt.PrimaryKey, id.Name) {
				return nil, fail(id.Start, "The column `%s` is used as the primary key.", id.Name)
			}
			at := index(id.Name)
			nt.Columns = append(nt.Columns[:at], nt.Columns[at+1:]...)
		}
		if len(nt.Columns) == 0 {
			return nil, fail(s.Drop[0].Start, "Cannot drop every column of a table.")
		}
	case s.DropPrimaryKey:
		if len(nt.PrimaryKey) == 0 {
			return nil, fail(s.Pos(), "The current table does not define any primary key.")
		}
		nt.PrimaryKey = nil
	case s.DropWatermark:
		if nt.Watermark == nil {
			return nil, fail(s.Pos(), "The current table does not define any watermark strategy.")
		}
		nt.Watermark = nil
	case s.RenameColumn != nil:
		from, to := s.RenameColumn.Name, s.RenameColumnTo.Name
		at := index(from)
		if at < 0 {
			return nil, fail(s.RenameColumn.Start, "The column `%s` does not exist in the base table.", from)
		}
		if index(to) >= 0 {
			return nil, fail(s.RenameColumnTo.Start, "The column `%s` already existed in table schema.", to)
		}
		if err := references(from, s.RenameColumn.Start); err != nil {
			return nil, err
		}
		nt.Columns[at].Name = to
		for i, k := range nt.PrimaryKey {
			if k == from {
				nt.PrimaryKey[i] = to
			}
		}
	}
	// Computed columns must still bind.
	if _, err := p.SchemaOfTable(&nt); err != nil {
		return nil, withSource(err, p.Source)
	}
	return &nt, nil
}

func withSource(err error, src string) error {
	var se *sql.Error
	if errors.As(err, &se) && se.Source == "" {
		c := *se
		c.Source = src
		return &c
	}
	return err
}

func (e *Environment) createFunction(s *sql.CreateFunction, src string) error {
	lang := strings.ToUpper(s.Language)
	if lang != "PYTHON" {
		return &sql.Error{Pos: s.Pos(), Msg: fmt.Sprintf("CREATE FUNCTION ... LANGUAGE %s is not supported: Sluice runs Python functions (LANGUAGE PYTHON) and Go functions registered through the API", orJava(lang)), Source: src}
	}
	if pythonFunctionLoader == nil {
		return &sql.Error{Pos: s.Pos(), Msg: "Python functions are not available in this build", Source: src}
	}
	fn, err := pythonFunctionLoader(s.Identifier.Value)
	if err != nil {
		return &sql.Error{Pos: s.Identifier.Start, Msg: fmt.Sprintf("function %s AS '%s': %v", s.Name.Unqualified(), s.Identifier.Value, err), Source: src}
	}
	f := &catalog.Function{Name: s.Name.Unqualified(), Kind: catalog.ScalarKind, Scalar: fn, Temporary: s.Temporary, System: s.System,
		Identifier: s.Identifier.Value, Language: lang}
	if err := e.catalog.CreateFunction(f, s.IfNotExists); err != nil {
		return &sql.Error{Pos: s.Name.Pos(), Msg: err.Error(), Source: src}
	}
	return nil
}

// alter runs Flink's ALTER TABLE ... SET/RESET/RENAME TO, ALTER VIEW ...
// RENAME TO/AS and ALTER FUNCTION ... AS, with Flink's messages: ALTER
// TABLE and ALTER VIEW change catalog (permanent) objects only, and ALTER
// FUNCTION catalog functions only.
func (e *Environment) alter(p *planner.Planner, st sql.Statement, src string) error {
	const explainCatalog, explainDatabase = "default_catalog", "default_database"
	fail := func(pos sql.Pos, format string, args ...any) error {
		return &sql.Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Source: src}
	}
	path := func(n *sql.QualifiedName) string {
		return "`" + explainCatalog + "`.`" + explainDatabase + "`.`" + n.Unqualified() + "`"
	}
	switch s := st.(type) {
	case *sql.AlterTable:
		name := s.Name.Unqualified()
		t, _, _ := e.catalog.Lookup(name)
		if t == nil || t.Temporary {
			if s.IfExists {
				return nil
			}
			return fail(s.Name.Pos(), "Table %s doesn't exist or is a temporary table.", path(s.Name))
		}
		if s.RenameTo != nil {
			to := s.RenameTo.Unqualified()
			if err := e.catalog.Rename("TABLE", name, to, false); err != nil {
				return fail(s.RenameTo.Pos(), "Could not execute ALTER TABLE %s.%s.%s RENAME TO %s.%s.%s: %v",
					explainCatalog, explainDatabase, name, explainCatalog, explainDatabase, to, err)
			}
			return nil
		}
		if s.Add != nil || s.Modify != nil || s.Drop != nil || s.DropPrimaryKey || s.DropWatermark || s.RenameColumn != nil {
			nt, err := alterColumns(p, t, s)
			if err != nil {
				return err
			}
			if err := e.catalog.ReplaceTable(nt); err != nil {
				return fail(s.Name.Pos(), "%v", err)
			}
			return nil
		}
		var set [][2]string
		for _, o := range s.Set {
			set = append(set, [2]string{o.Key.Value, o.Value.Value})
		}
		var reset []string
		for _, k := range s.Reset {
			reset = append(reset, k.Value)
		}
		if err := e.catalog.AlterTableOptions(name, set, reset, s.IfExists); err != nil {
			return fail(s.Name.Pos(), "%v", err)
		}
		return nil
	case *sql.AlterView:
		name := s.Name.Unqualified()
		_, v, _ := e.catalog.Lookup(name)
		if v == nil || v.Temporary {
			return fail(s.Name.Pos(), "View %s doesn't exist or is a temporary view.", path(s.Name))
		}
		if s.RenameTo != nil {
			to := s.RenameTo.Unqualified()
			if err := e.catalog.Rename("VIEW", name, to, false); err != nil {
				return fail(s.RenameTo.Pos(), "Could not execute ALTER VIEW %s.%s.%s RENAME TO %s.%s.%s: %v",
					explainCatalog, explainDatabase, name, explainCatalog, explainDatabase, to, err)
			}
			return nil
		}
		// Bind now so a broken query fails here, as at CREATE VIEW.
		if _, err := p.BindQuery(s.Query); err != nil {
			return err
		}
		if err := e.catalog.ReplaceViewQuery(name, s.Query); err != nil {
			return fail(s.Name.Pos(), "%v", err)
		}
		return nil
	case *sql.AlterFunction:
		if s.System {
			return fail(s.Pos(), "Alter temporary system function is not supported")
		}
		if s.Temporary {
			return fail(s.Pos(), "Alter temporary catalog function is not supported")
		}
		name := s.Name.Unqualified()
		if e.catalog.CatalogFunction(name) == nil || e.catalog.CatalogFunction(name).Temporary {
			if s.IfExists {
				return nil
			}
			return fail(s.Name.Pos(), "Function %s.%s does not exist in Catalog %s.", explainDatabase, name, explainCatalog)
		}
		lang := strings.ToUpper(s.Language)
		if lang != "PYTHON" {
			return fail(s.Pos(), "ALTER FUNCTION ... LANGUAGE %s is not supported: Sluice runs Python functions (LANGUAGE PYTHON) and Go functions registered through the API", orJava(lang))
		}
		if pythonFunctionLoader == nil {
			return fail(s.Pos(), "Python functions are not available in this build")
		}
		fn, err := pythonFunctionLoader(s.Identifier.Value)
		if err != nil {
			return fail(s.Identifier.Start, "function %s AS '%s': %v", name, s.Identifier.Value, err)
		}
		f := &catalog.Function{Name: name, Kind: catalog.ScalarKind, Scalar: fn, Identifier: s.Identifier.Value, Language: lang}
		if err := e.catalog.ReplaceFunction(f, s.IfExists); err != nil {
			return fail(s.Name.Pos(), "%v", err)
		}
		return nil
	}
	return fail(st.Pos(), "%s statements are not supported yet", sql.Kind(st))
}

func orJava(l string) string {
	if l == "" {
		return "JAVA"
	}
	return l
}

// pythonFunctionLoader resolves CREATE FUNCTION ... AS 'module.function'
// LANGUAGE PYTHON. The package that binds Python (pyfunc) installs it, so
// this package stays free of the interpreter.
var pythonFunctionLoader func(identifier string) (catalog.ScalarFunction, error)

// RegisterPythonFunctionLoader installs the loader of Python functions.
func RegisterPythonFunctionLoader(f func(identifier string) (catalog.ScalarFunction, error)) {
	pythonFunctionLoader = f
}

// CreateTemporaryFunction registers a user-defined scalar function as a
// temporary catalog function. As in Flink, an unqualified call of a name
// that is also a built-in function's still reaches the built-in.
func (e *Environment) CreateTemporaryFunction(name string, fn catalog.ScalarFunction) error {
	return e.catalog.CreateFunction(&catalog.Function{Name: name, Kind: catalog.ScalarKind, Scalar: fn, Temporary: true}, false)
}

// CreateTemporarySystemFunction registers a temporary system function,
// which shadows a built-in function of the same name (Flink resolves
// temporary system functions first).
func (e *Environment) CreateTemporarySystemFunction(name string, fn catalog.ScalarFunction) error {
	return e.catalog.CreateFunction(&catalog.Function{Name: name, Kind: catalog.ScalarKind, Scalar: fn, Temporary: true, System: true}, false)
}

// RegisterFunction is Flink's legacy registerFunction (PyFlink's
// register_function): a temporary system function that replaces one of
// the same name.
func (e *Environment) RegisterFunction(name string, fn catalog.ScalarFunction) {
	e.catalog.ReplaceSystemFunction(&catalog.Function{Name: name, Kind: catalog.ScalarKind, Scalar: fn})
}

// DropTemporaryFunction drops a temporary system function (system) or a
// temporary catalog function and reports whether one was dropped, as
// Flink's dropTemporarySystemFunction / dropTemporaryFunction.
func (e *Environment) DropTemporaryFunction(name string, system bool) bool {
	return e.catalog.DropTemporaryFunction(name, system, false) == nil
}

// CreateInlineFunction registers a function object that the Table API
// calls directly (not by name) under key, the reference its call
// expressions use. The function's Name is what plans and errors show.
func (e *Environment) CreateInlineFunction(key, name string, fn catalog.ScalarFunction) {
	e.catalog.CreateInlineFunction(key, &catalog.Function{Name: name, Kind: catalog.ScalarKind, Scalar: fn, Temporary: true})
}

// CreateTemporaryView registers a Table API table under a name.
func (e *Environment) CreateTemporaryView(name string, t *Table) error {
	if t.err != nil {
		return t.err
	}
	return e.catalog.CreateView(&catalog.View{Name: name, Plan: t.node, Temporary: true}, false)
}

// Submit plans an INSERT statement and starts its job without waiting
// for it, as Flink's TableEnvironment.executeSql does: the Job tells when
// it runs and ends, and gives its metrics meanwhile. Cancelling ctx or
// calling Job.Cancel stops it.
func (e *Environment) Submit(ctx context.Context, stmt string) (*Job, error) {
	st, err := sql.Parse(stmt)
	if err != nil {
		return nil, err
	}
	ins, ok := st.(*sql.Insert)
	if !ok {
		return nil, &sql.Error{Pos: st.Pos(), Msg: fmt.Sprintf("Submit runs INSERT statements, not %s; use ExecuteSQL", sql.Kind(st)), Source: stmt}
	}
	return e.SubmitStatement(ctx, ins, stmt)
}

// SubmitStatement starts a parsed INSERT (from a script src) as Submit.
func (e *Environment) SubmitStatement(ctx context.Context, ins *sql.Insert, src string) (*Job, error) {
	p := e.planner(src)
	n, name, err := e.bindInsert(p, ins)
	if err != nil {
		return nil, err
	}
	return e.submit(ctx, p, n, name)
}

// Result waits for the job and reports it as ExecuteSQL reports an INSERT.
func (j *Job) Result() (*Result, error) { return j.result() }

// Job is a submitted INSERT job.
type Job struct {
	*engine.Job
	release func()
	once    sync.Once
}

// Wait blocks until the job ends, releases what its plan holds (Python
// functions' evaluators) and returns its result.
func (j *Job) Wait() (*engine.JobResult, error) {
	res, err := j.Job.Wait()
	j.once.Do(j.release)
	return res, err
}

func (e *Environment) submit(ctx context.Context, p *planner.Planner, n planner.Node, name string) (*Job, error) {
	return e.submitTerminal(ctx, p, planner.Optimize(n), name, nil)
}

// submitTerminal translates an optimized plan (ending in a sink, or in
// term) and starts its job.
func (e *Environment) submitTerminal(ctx context.Context, p *planner.Planner, opt planner.Node, name string, term *planner.Terminal) (*Job, error) {
	job, err := p.Translate(opt, name, term)
	if err != nil {
		return nil, err
	}
	job.Graph.Mem = e.mem
	ej, err := engine.Submit(ctx, job.Graph, p.Config)
	if err != nil {
		job.Close()
		return nil, err
	}
	tj := &Job{Job: ej, release: func() { _ = job.Close() }}
	trackRunning(tj, p.Config)
	return tj, nil
}

func (e *Environment) bindInsert(p *planner.Planner, s *sql.Insert) (planner.Node, string, error) {
	if s.Overwrite || len(s.Partition) > 0 {
		return nil, "", p.ErrAt(s.Pos(), "INSERT OVERWRITE and PARTITION are not supported yet")
	}
	q, err := p.BindQuery(s.Query)
	if err != nil {
		return nil, "", err
	}
	if len(s.Columns) > 0 {
		return nil, "", p.ErrAt(s.Columns[0].Start, "INSERT with a column list is not supported yet; select the columns in the table's order")
	}
	sink, err := p.BindSink(s.Table.Unqualified(), q, s.Table.Pos())
	if err != nil {
		return nil, "", err
	}
	return sink, "insert-into_" + s.Table.Unqualified(), nil
}

func (e *Environment) insert(ctx context.Context, p *planner.Planner, s *sql.Insert) (*Result, error) {
	n, name, err := e.bindInsert(p, s)
	if err != nil {
		return nil, err
	}
	return e.run(ctx, p, n, name)
}

// run optimizes, translates and executes a plan ending in a sink.
func (e *Environment) run(ctx context.Context, p *planner.Planner, n planner.Node, name string) (*Result, error) {
	job, err := e.submit(ctx, p, n, name)
	if err != nil {
		return nil, err
	}
	return job.result()
}

// result waits for the job and reports it as INSERT's result.
func (j *Job) result() (*Result, error) {
	res, err := j.Wait()
	if err != nil {
		return nil, err
	}
	return &Result{Columns: []string{"job"}, Rows: []Row{{Kind: "+I", Values: []any{j.Name()}}}, Job: res}, nil
}

func (e *Environment) explain(p *planner.Planner, s *sql.Explain) (*Result, error) {
	var ns []planner.Node
	switch st := s.Statement.(type) {
	case sql.Query:
		n, err := p.BindQuery(st)
		if err != nil {
			return nil, err
		}
		ns = append(ns, n)
	case *sql.Insert:
		n, err := e.bindExplainedInsert(p, st)
		if err != nil {
			return nil, err
		}
		ns = append(ns, n)
	case *sql.StatementSet:
		// Every INSERT of the set, one tree each per section, as Flink's.
		for _, ins := range st.Inserts {
			n, err := e.bindExplainedInsert(p, ins)
			if err != nil {
				return nil, err
			}
			ns = append(ns, n)
		}
	default:
		return nil, p.ErrAt(s.Pos(), "EXPLAIN takes a query, an INSERT or a statement set")
	}
	text := p.ExplainPlans(ns, s.Details)
	// One row in a "result" column, as Flink's EXPLAIN.
	return &Result{Columns: []string{"result"}, Rows: []Row{{Kind: "+I", Values: []any{text}}}}, nil
}

// ExplainText is EXPLAIN's output for a bound plan, in Flink's sections
// (planner.ExplainPlan).
func ExplainText(n planner.Node, streaming bool, details ...string) string {
	p := &planner.Planner{Streaming: streaming}
	return p.ExplainPlan(n, details)
}

// checkExplainDetails refuses a detail Flink does not have.
func checkExplainDetails(details []string) error {
	for _, d := range details {
		switch d {
		case planner.DetailEstimatedCost, planner.DetailChangelogMode, planner.DetailJSONPlan, planner.DetailPlanAdvice:
		default:
			return fmt.Errorf("unknown explain detail %q; Flink's are ESTIMATED_COST, CHANGELOG_MODE, JSON_EXECUTION_PLAN and PLAN_ADVICE", d)
		}
	}
	return nil
}

func (e *Environment) show(s *sql.Show) (*Result, error) {
	var names []string
	col := "table name"
	switch s.Kind {
	case sql.ShowTables:
		names = e.catalog.Names()
	case sql.ShowViews:
		names, col = e.catalog.ViewNames(), "view name"
	case sql.ShowFunctions, sql.ShowUserFunctions:
		col = "function name"
		names = e.catalog.FunctionNames()
		if s.Kind == sql.ShowFunctions {
			names = append(names, builtinFunctionNames()...)
			sort.Strings(names)
		}
	default:
		return nil, fmt.Errorf("SHOW %s is not supported yet", s.Kind)
	}
	r := &Result{Columns: []string{col}}
	for _, n := range names {
		r.Rows = append(r.Rows, Row{Kind: "+I", Values: []any{n}})
	}
	return r, nil
}

func (e *Environment) describe(p *planner.Planner, s *sql.Describe) (*Result, error) {
	name := s.Name.Unqualified()
	t, v, err := e.catalog.Lookup(name)
	if err != nil {
		return nil, p.ErrAt(s.Name.Pos(), "%v", err)
	}
	r := &Result{Columns: []string{"name", "type", "null", "key", "extras", "watermark"}}
	if v != nil {
		n, err := p.BindQuery(v.Query)
		if err != nil {
			return nil, err
		}
		for _, f := range n.Schema() {
			r.Rows = append(r.Rows, Row{Kind: "+I", Values: []any{f.Name, f.Type.Nullable().String(), !f.Type.NotNull, nil, nil, nil}})
		}
		return r, nil
	}
	schema, err := p.SchemaOfTable(t)
	if err != nil {
		return nil, err
	}
	for i, f := range schema {
		var key, extras, wm any
		for _, k := range t.PrimaryKey {
			if k == f.Name {
				key = "PRI(" + strings.Join(t.PrimaryKey, ", ") + ")"
			}
		}
		if t.Columns[i].Kind == catalog.Computed {
			extras = "AS " + t.Columns[i].Expr.String()
		}
		if t.Watermark != nil && t.Watermark.Column == f.Name {
			wm = t.Watermark.Expr.String()
		}
		r.Rows = append(r.Rows, Row{Kind: "+I", Values: []any{f.Name, f.Type.Nullable().String(), !f.Type.NotNull, key, extras, wm}})
	}
	return r, nil
}

// connectorColumns is for API-registered tables.
func connectorColumns(s planner.Schema) []connector.Column {
	out := make([]connector.Column, len(s))
	for i, f := range s {
		out[i] = connector.Column{Name: f.Name, Type: f.Type}
	}
	return out
}

var _ = connectorColumns
var _ = types.STRING

// bindExplainedInsert binds an INSERT for EXPLAIN: its query and sink.
func (e *Environment) bindExplainedInsert(p *planner.Planner, st *sql.Insert) (planner.Node, error) {
	q, err := p.BindQuery(st.Query)
	if err != nil {
		return nil, err
	}
	return p.BindSink(st.Table.Unqualified(), q, st.Table.Pos())
}

// ExplainStatementSet explains a statement set's INSERTs together: SQL
// statements, and tables with the sink they go to (Table API inserts).
func (e *Environment) ExplainStatementSet(stmts []string, tables []*Table, targets []string, details ...string) (string, error) {
	if err := checkExplainDetails(details); err != nil {
		return "", err
	}
	var ns []planner.Node
	for _, src := range stmts {
		st, err := sql.Parse(src)
		if err != nil {
			return "", err
		}
		ins, ok := st.(*sql.Insert)
		if !ok {
			return "", fmt.Errorf("a statement set holds INSERT statements, not %s", sql.Kind(st))
		}
		n, err := e.bindExplainedInsert(e.planner(src), ins)
		if err != nil {
			return "", err
		}
		ns = append(ns, n)
	}
	p := e.planner("")
	for i, t := range tables {
		if t.err != nil {
			return "", t.err
		}
		n, err := p.BindSink(targets[i], t.node, sql.Pos{})
		if err != nil {
			return "", err
		}
		ns = append(ns, n)
	}
	if len(ns) == 0 {
		return "", fmt.Errorf("no statement to explain: add an INSERT to the statement set")
	}
	return p.ExplainPlans(ns, details), nil
}
