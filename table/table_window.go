package table

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/planner"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
)

// This file is the Table API's group windows (Table.Window(TumbleOver(...)
// .On(...).As("w")).GroupBy("w, k").Select(...)) and over windows
// (Table.OverWindow(OverPartitionBy(...).OrderBy(...).Preceding(...)
// .As("w")).Select("v.sum over w")). Both are translated into the SQL the
// planner runs: a group window into Flink 1.10's group window aggregate
// (GROUP BY TUMBLE(ts, size), k with TUMBLE_START(ts, size) for w.start),
// an over window into agg OVER (PARTITION BY ... ORDER BY ... ROWS|RANGE
// BETWEEN ... AND CURRENT ROW). Window arguments are Exprs or PyFlink
// string expressions ("10.minutes", "2.rows", "unbounded_range").

type groupWindowKind int

const (
	tumbleWindow groupWindowKind = iota
	slideWindow
	sessionWindow
)

// GroupWindow is a Table API group window: TumbleOver(size),
// SlideOver(size).Every(slide) or SessionWithGap(gap), then On(time
// field) and As(alias). Builders return new windows.
type GroupWindow struct {
	kind  groupWindowKind
	size  any // the size of a tumble or slide, the gap of a session
	slide any
	on    any
	alias string
}

// TumbleOver is a tumbling window of the given size: a time interval
// (Lit(10).Minutes(), "10.minutes") or a row count (RowInterval(10),
// "10.rows").
func TumbleOver(size any) *GroupWindow { return &GroupWindow{kind: tumbleWindow, size: size} }

// SlideOver is a sliding window of the given size; Every sets the slide.
func SlideOver(size any) *GroupWindow { return &GroupWindow{kind: slideWindow, size: size} }

// SessionWithGap is a session window closed by a gap of inactivity.
func SessionWithGap(gap any) *GroupWindow { return &GroupWindow{kind: sessionWindow, size: gap} }

// Every sets the slide of a sliding window.
func (w *GroupWindow) Every(slide any) *GroupWindow { c := *w; c.slide = slide; return &c }

// On sets the time attribute the window groups by (a column).
func (w *GroupWindow) On(timeField any) *GroupWindow { c := *w; c.on = timeField; return &c }

// As names the window; GroupBy and the window properties refer to it.
func (w *GroupWindow) As(alias string) *GroupWindow {
	c := *w
	c.alias = strings.TrimSpace(alias)
	return &c
}

// Window properties and row intervals are calls the window translation
// recognizes and replaces; they mean nothing elsewhere.
const rowIntervalFn = "$row_interval"

var windowProperties = map[string]string{"start": "START", "end": "END", "rowtime": "ROWTIME", "proctime": "PROCTIME"}

// Start is the start of the group window e names (Col("w").Start()).
func (e Expr) Start() Expr { return Call("start", e) }

// End is the end of the group window e names.
func (e Expr) End() Expr { return Call("end", e) }

// Rowtime is the rowtime attribute of the event-time window e names (its
// end minus one millisecond).
func (e Expr) Rowtime() Expr { return Call("rowtime", e) }

// Proctime is the proctime attribute of the processing-time window e
// names.
func (e Expr) Proctime() Expr { return Call("proctime", e) }

// Over applies the aggregate e over the over window named window
// (Col("v").Sum().Over(Col("w"))).
func (e Expr) Over(window Expr) Expr {
	f, ok := e.n.(*sql.FuncCall)
	c, isCol := window.n.(*sql.ColumnRef)
	if !ok || !isCol || len(c.Parts) != 1 {
		// Left for Select to reject: only an aggregate call has an OVER.
		return Call("$over", e, window)
	}
	g := *f
	g.OverName = c.Parts[0]
	return Expr{&g}
}

// RowInterval is an interval of n rows: the size of a row-count window or
// the preceding bound of a ROWS over window.
func RowInterval(n int64) Expr { return Call(rowIntervalFn, Lit(n)) }

// Rows is RowInterval of the integer literal e (Lit(2).Rows()).
func (e Expr) Rows() Expr { return Call(rowIntervalFn, e) }

func (e Expr) interval(unit string) Expr {
	if n, ok := e.n.(*sql.NumberLit); ok && n.Kind == sql.IntegerNumber {
		return Expr{intervalLit(n.Value, unit)}
	}
	// A computed count: count * INTERVAL '1' unit.
	return Expr{&sql.BinaryExpr{Op: "*", Left: e.n, Right: intervalLit("1", unit)}}
}

func intervalLit(value, unit string) *sql.IntervalLit {
	return &sql.IntervalLit{Value: value, Qualifier: &sql.IntervalQualifier{From: unit, FromPrecision: -1, ToPrecision: -1}}
}

// Days, Hours, Minutes, Seconds and Millis make an interval of e units
// (Lit(10).Minutes() is INTERVAL '10' MINUTE).
func (e Expr) Days() Expr    { return e.interval("DAY") }
func (e Expr) Hours() Expr   { return e.interval("HOUR") }
func (e Expr) Minutes() Expr { return e.interval("MINUTE") }
func (e Expr) Seconds() Expr { return e.interval("SECOND") }
func (e Expr) Millis() Expr {
	if n, ok := e.n.(*sql.NumberLit); ok && n.Kind == sql.IntegerNumber {
		if v, err := strconv.ParseInt(n.Value, 10, 64); err == nil && v >= 0 {
			return Expr{intervalLit(fmt.Sprintf("%d.%03d", v/1000, v%1000), "SECOND")}
		}
	}
	return Expr{&sql.BinaryExpr{Op: "*", Left: e.n, Right: intervalLit("0.001", "SECOND")}}
}

// WindowedTable is a table with a group window, waiting for GroupBy.
type WindowedTable struct {
	t *Table
	w *GroupWindow
}

// Window defines a group window on the table; GroupBy must group by its
// alias (and may add keys), Select then computes aggregates and window
// properties per window and key.
func (t *Table) Window(w *GroupWindow) *WindowedTable { return &WindowedTable{t: t, w: w} }

// WindowGroupedTable is a windowed table grouped by its window and keys.
type WindowGroupedTable struct {
	t    *Table
	w    *GroupWindow
	keys []sql.Expr // the keys other than the window alias
	err  error
}

// GroupBy groups by the window's alias and, optionally, keys. Exactly one
// of the fields is the window alias, as in Flink.
func (wt *WindowedTable) GroupBy(fields ...any) *WindowGroupedTable {
	g := &WindowGroupedTable{t: wt.t, w: wt.w}
	if wt.w == nil {
		g.err = fmt.Errorf("a window is required: Window(TumbleOver(...).On(...).As(\"w\"))")
		return g
	}
	if wt.w.alias == "" {
		g.err = fmt.Errorf("a group window needs an alias for GroupBy to refer to: .As(\"w\")")
		return g
	}
	es, err := exprArgs(fields)
	if err != nil {
		g.err = err
		return g
	}
	aliases := 0
	for _, e := range es {
		if isName(e, wt.w.alias) {
			aliases++
			continue
		}
		if a, ok := e.(*sql.AliasExpr); ok {
			// A named key ("k.upperCase as ku") groups by the value.
			e = a.Expr
		}
		g.keys = append(g.keys, e)
	}
	if aliases != 1 {
		g.err = fmt.Errorf("GroupBy must contain exactly one window alias.")
	}
	return g
}

// Err is the error of GroupBy (a missing window alias), reported when
// GroupBy is called, as Flink does.
func (g *WindowGroupedTable) Err() error { return g.err }

// isName reports whether e is the bare column reference name.
func isName(e sql.Expr, name string) bool {
	c, ok := e.(*sql.ColumnRef)
	return ok && len(c.Parts) == 1 && c.Parts[0].Name == name
}

// windowArg is a parsed size, slide, gap or over bound.
type windowArg struct {
	expr  sql.Expr // a time interval, or the count of a row interval
	rows  bool     // a row interval ("2.rows", RowInterval(2))
	bound string   // UNBOUNDED_ROW, UNBOUNDED_RANGE, CURRENT_ROW or CURRENT_RANGE
}

var rowsSuffix = regexp.MustCompile(`(?i)^\s*(\d+)\s*\.\s*rows\s*$`)

var overBounds = map[string]bool{"UNBOUNDED_ROW": true, "UNBOUNDED_RANGE": true, "CURRENT_ROW": true, "CURRENT_RANGE": true}

func parseWindowArg(a any, what string) (windowArg, error) {
	var e sql.Expr
	switch a := a.(type) {
	case nil:
		return windowArg{}, fmt.Errorf("%s is missing", what)
	case string:
		s := strings.TrimSpace(a)
		if m := rowsSuffix.FindStringSubmatch(s); m != nil {
			return windowArg{expr: &sql.NumberLit{Value: m[1], Kind: sql.IntegerNumber}, rows: true}, nil
		}
		if overBounds[strings.ToUpper(s)] {
			return windowArg{bound: strings.ToUpper(s)}, nil
		}
		x, err := sql.ParseLegacyExpression(s)
		if err != nil {
			return windowArg{}, fmt.Errorf("%s %q: %w", what, s, err)
		}
		e = x
	case Expr:
		e = a.n
	case sql.Expr:
		e = a
	default:
		return windowArg{}, fmt.Errorf("%s is a string or an Expr, not %T", what, a)
	}
	if c, ok := e.(*sql.ColumnRef); ok && len(c.Parts) == 1 && overBounds[strings.ToUpper(c.Parts[0].Name)] {
		return windowArg{bound: strings.ToUpper(c.Parts[0].Name)}, nil
	}
	if f, ok := e.(*sql.FuncCall); ok && len(f.Name.Parts) == 1 && f.Name.Parts[0].Name == rowIntervalFn {
		if n, ok := f.Args[0].(*sql.NumberLit); !ok || n.Kind != sql.IntegerNumber {
			return windowArg{}, fmt.Errorf("a row interval counts rows with an integer literal, got %s", f.Args[0])
		}
		return windowArg{expr: f.Args[0], rows: true}, nil
	}
	if _, ok := e.(*sql.IntervalLit); !ok {
		if _, ok := e.(*sql.BinaryExpr); !ok {
			return windowArg{}, fmt.Errorf("%s must be a time interval (10.minutes, lit(10).minutes) or a row interval (10.rows), got %s", what, e)
		}
	}
	return windowArg{expr: e}, nil
}

// timeField resolves the time attribute of On or OrderBy: a column of t.
func (t *Table) timeField(a any, what string) (*sql.ColumnRef, planner.Field, error) {
	var e sql.Expr
	switch a := a.(type) {
	case nil:
		return nil, planner.Field{}, fmt.Errorf("%s is missing", what)
	case string:
		x, err := sql.ParseLegacyExpression(strings.TrimSpace(a))
		if err != nil {
			return nil, planner.Field{}, fmt.Errorf("%s %q: %w", what, a, err)
		}
		e = x
	case Expr:
		e = a.n
	case sql.Expr:
		e = a
	default:
		return nil, planner.Field{}, fmt.Errorf("%s is a string or an Expr, not %T", what, a)
	}
	if o, ok := e.(*sql.OrderItem); ok {
		if o.Desc {
			return nil, planner.Field{}, fmt.Errorf("The window can only be ordered in ASCENDING mode.")
		}
		e = o.Expr
	}
	c, ok := e.(*sql.ColumnRef)
	if !ok || len(c.Parts) != 1 {
		return nil, planner.Field{}, fmt.Errorf("A group window expects a time attribute for grouping.")
	}
	schema := t.node.Schema()
	for _, f := range schema {
		if f.Name == c.Parts[0].Name {
			return c, f, nil
		}
	}
	return nil, planner.Field{}, fmt.Errorf("Cannot resolve field [%s], input field list:[%s].", c.Parts[0].Name, strings.Join(schema.Names(), ", "))
}

// groupWindowSQL is a resolved group window: the GROUP BY call and the
// prefix of its property functions (TUMBLE_START...).
type groupWindowSQL struct {
	call     *sql.FuncCall
	fn       string
	procTime bool
	// rows > 0: a batch row-count tumbling window of that many rows,
	// ordered by the field on (see rowCountSelect).
	rows int64
	on   sql.Expr
}

func (t *Table) resolveGroupWindow(w *GroupWindow) (*groupWindowSQL, error) {
	ts, field, err := t.timeField(w.on, "the window's time field (On)")
	if err != nil {
		return nil, err
	}
	streaming := t.env.Streaming()
	ft := field.Type
	// In batch mode Flink also windows a BIGINT field, read as epoch
	// milliseconds (the properties are TIMESTAMP(3)s of UTC wall time).
	millis := !streaming && ft.Kind == types.BigInt
	if !millis && (ft.Kind != types.Timestamp && ft.Kind != types.TimestampLTZ || streaming && !ft.IsTimeAttr()) {
		env := map[bool]string{true: "stream", false: "batch"}[streaming]
		return nil, fmt.Errorf("A group window expects a time attribute for grouping in a %s environment.", env)
	}
	procTime := ft.TimeAttr == types.Proctime
	size, err := parseWindowArg(w.size, map[groupWindowKind]string{tumbleWindow: "the tumbling window's size", slideWindow: "the sliding window's size", sessionWindow: "the session window's gap"}[w.kind])
	if err != nil {
		return nil, err
	}
	var slide windowArg
	if w.kind == slideWindow {
		if slide, err = parseWindowArg(w.slide, "the sliding window's slide (Every)"); err != nil {
			return nil, err
		}
		if slide.rows != size.rows {
			return nil, fmt.Errorf("A sliding window's size and slide must be both time intervals or both row intervals.")
		}
	}
	if size.bound != "" || slide.bound != "" {
		return nil, fmt.Errorf("%s bounds an over window; a group window's size is an interval", size.bound+slide.bound)
	}
	name := ts.Parts[0].Name
	if w.kind == sessionWindow && size.rows {
		return nil, fmt.Errorf("A session window's gap is a time interval, not a row interval.")
	}
	if size.rows {
		switch {
		case !streaming && w.kind == tumbleWindow:
			// PyFlink 1.10's batch planner ran row-count tumbling windows
			// (Flink 2.3 refuses them): each key's rows in the order of
			// the time field, in windows of n rows.
			n, err := strconv.ParseInt(size.expr.String(), 10, 64)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("a row-count window's size is a positive number of rows, not %s", size.expr)
			}
			return &groupWindowSQL{rows: n, on: ts}, nil
		case !streaming:
			desc := fmt.Sprintf("TumblingGroupWindow('%s, %s, %s)", w.alias, name, size.expr)
			if w.kind == slideWindow {
				desc = fmt.Sprintf("SlidingGroupWindow('%s, %s, %s, %s)", w.alias, name, size.expr, slide.expr)
			}
			return nil, fmt.Errorf("Window %s is not supported right now.", desc)
		case !procTime:
			return nil, fmt.Errorf("Event-time grouping windows on row intervals are currently not supported.")
		default:
			return nil, fmt.Errorf("row-count group windows (processing-time windows over a row interval) are not supported by Sluice yet")
		}
	}
	if procTime && !streaming {
		return nil, fmt.Errorf("Window can not be defined over a proctime attribute column for batch mode")
	}
	// Flink 2.3's batch Table API refuses session windows ("Window
	// SessionGroupWindow(...) is not supported right now."); 1.10's ran
	// them, and so does Sluice: the engine's session aggregate works on a
	// bounded input.
	call := &sql.FuncCall{Name: &sql.QualifiedName{Parts: []*sql.Ident{{}}}}
	var timeExpr sql.Expr = ts
	if millis {
		x, err := sql.ParseExpression(fmt.Sprintf("TIMESTAMPADD(MILLISECOND, %s, TIMESTAMP '1970-01-01 00:00:00.000')", ts))
		if err != nil {
			return nil, err
		}
		timeExpr = x
	}
	var fn string
	switch w.kind {
	case tumbleWindow:
		fn, call.Args = "TUMBLE", []sql.Expr{timeExpr, size.expr}
	case slideWindow:
		fn, call.Args = "HOP", []sql.Expr{timeExpr, slide.expr, size.expr}
	default:
		fn, call.Args = "SESSION", []sql.Expr{timeExpr, size.expr}
	}
	call.Name.Parts[0].Name = fn
	return &groupWindowSQL{call: call, fn: fn, procTime: procTime}, nil
}

// intervalMillis prints a single-unit interval literal in milliseconds,
// as Flink's window descriptions do; other expressions as SQL.
func intervalMillis(e sql.Expr) string {
	l, ok := e.(*sql.IntervalLit)
	unit := map[string]float64{"DAY": 86400000, "HOUR": 3600000, "MINUTE": 60000, "SECOND": 1000}
	if ok && l.Qualifier != nil && l.Qualifier.To == "" {
		if u, known := unit[l.Qualifier.From]; known {
			if v, err := strconv.ParseFloat(l.Value, 64); err == nil {
				if l.Negative {
					v = -v
				}
				return strconv.FormatInt(int64(v*u), 10)
			}
		}
	}
	return e.String()
}

// Select computes, per window and key, the select items: keys,
// aggregates and window properties (w.start, w.end, w.rowtime,
// w.proctime) and expressions of them. Unnamed aggregates and properties
// are EXPR$n, numbered in order of first appearance; other unnamed
// expressions _c<position>, as Flink names them.
func (g *WindowGroupedTable) Select(fields ...any) *Table {
	t := g.t
	if t.err != nil {
		return t
	}
	if g.err != nil {
		return &Table{env: t.env, err: g.err}
	}
	gw, err := t.resolveGroupWindow(g.w)
	if err != nil {
		return &Table{env: t.env, err: err}
	}
	items, err := exprArgs(fields)
	if err != nil {
		return &Table{env: t.env, err: err}
	}
	if gw.rows > 0 {
		return g.rowCountSelect(gw, items)
	}
	alias := g.w.alias
	// A windowed select reads the grouping keys only outside aggregates,
	// as Flink resolves its fields against the keys and aggregates; a key
	// that is an expression is not a field of its own.
	keyNames := map[string]bool{}
	var keyList []string
	for _, k := range g.keys {
		if c, ok := k.(*sql.ColumnRef); ok && len(c.Parts) == 1 {
			keyNames[c.Parts[0].Name] = true
			keyList = append(keyList, c.Parts[0].Name)
		}
	}
	var props []int // the output columns that read the window's start or end
	var rowtimes []int
	numbers := map[string]int{}
	out := make([]sql.Expr, len(items))
	for i, it := range items {
		it = copyExpr(it)
		name := ""
		if a, ok := it.(*sql.AliasExpr); ok {
			name = a.Names[0].Name
		}
		inner := it
		if a, ok := it.(*sql.AliasExpr); ok {
			inner = a.Expr
		}
		var werr error
		sql.Inspect(it, func(n sql.Node) bool {
			if werr != nil || n == nil {
				return false
			}
			switch x := n.(type) {
			case *sql.ColumnRef:
				switch {
				case len(x.Parts) == 1 && x.Parts[0].Name == alias:
					werr = fmt.Errorf("Cannot resolve field [%s]: a window alias is not a column; select its properties %s.start, %s.end, %s.rowtime or %s.proctime", alias, alias, alias, alias, alias)
				case !keyNames[x.Parts[0].Name]:
					werr = fmt.Errorf("Cannot resolve field [%s], input field list:[%s]: outside aggregates a windowed select reads the grouping keys only", x.Parts[0].Name, strings.Join(keyList, ", "))
				}
			case *sql.FuncCall:
				if prop, ok := windowProperty(x, alias); ok {
					if err := windowPropertyAllowed(prop, gw.procTime, x, alias); err != nil {
						werr = err
						return false
					}
					x.Name = &sql.QualifiedName{Parts: []*sql.Ident{{Start: x.Name.Pos(), Name: gw.fn + "_" + prop}}}
					x.Args = append([]sql.Expr(nil), gw.call.Args...)
					x.Builtin = nil
					numberOf(numbers, x)
					return false
				}
				if isPropertyCall(x) {
					werr = fmt.Errorf("Reference to a rowtime or proctime window required: %s() applies to the window alias %s", strings.ToLower(x.Name.Unqualified()), alias)
					return false
				}
				if isAggregateCall(x) || t.env.isUserAggregate(x) {
					// Its arguments read the rows, any column.
					numberOf(numbers, x)
					return false
				}
			}
			return true
		})
		if werr != nil {
			return &Table{env: t.env, err: werr}
		}
		if f, ok := inner.(*sql.FuncCall); ok && name == "" {
			if n, numbered := numbers[f.String()]; numbered {
				it = &sql.AliasExpr{Expr: f, Names: []*sql.Ident{{Name: fmt.Sprintf("EXPR$%d", n)}}}
			}
		}
		if f, ok := inner.(*sql.FuncCall); ok && strings.EqualFold(f.Name.Unqualified(), gw.fn+"_ROWTIME") {
			rowtimes = append(rowtimes, i)
		}
		if _, isTest := inner.(*sql.IsExpr); !isTest && readsWindowTime(inner, gw.fn) {
			props = append(props, i)
		}
		out[i] = it
	}
	keys := append([]sql.Expr{gw.call}, g.keys...)
	res := t.derive(func(from func(*Table) sql.TableRef) (sql.Query, error) {
		return &sql.Select{Items: out, From: from(t), GroupBy: keys}, nil
	})
	if res.err != nil {
		return res
	}
	return res.retype(props, rowtimes)
}

// rowCountSelect is a batch row-count tumbling window: every key's rows,
// ordered by the window's field, are numbered (ROW_NUMBER) and cut into
// windows of n rows; a last window with fewer rows is left out, as a count
// window only fires when it is full. A row-count window has no start, end
// or time.
func (g *WindowGroupedTable) rowCountSelect(gw *groupWindowSQL, items []sql.Expr) *Table {
	t := g.t
	alias := g.w.alias
	for _, it := range items {
		var werr error
		sql.Inspect(it, func(n sql.Node) bool {
			if f, ok := n.(*sql.FuncCall); ok && werr == nil {
				if prop, ok := windowProperty(f, alias); ok {
					werr = fmt.Errorf("%s.%s: a row-count window has no start, end or time", alias, strings.ToLower(prop))
				}
			}
			if c, ok := n.(*sql.ColumnRef); ok && werr == nil && len(c.Parts) == 1 && c.Parts[0].Name == alias {
				werr = fmt.Errorf("Cannot resolve field [%s]: a window alias is not a column", alias)
			}
			return werr == nil
		})
		if werr != nil {
			return &Table{env: t.env, err: werr}
		}
	}
	keys := make([]string, len(g.keys))
	for i, k := range g.keys {
		keys[i] = k.String()
	}
	partition := ""
	if len(keys) > 0 {
		partition = "PARTITION BY " + strings.Join(keys, ", ") + " "
	}
	const idCol = "w$rows"
	numbered := t.derive(func(from func(*Table) sql.TableRef) (sql.Query, error) {
		return sql.ParseQuery(fmt.Sprintf("SELECT *, (ROW_NUMBER() OVER (%sORDER BY %s) - 1) / %d AS `%s` FROM %s",
			partition, gw.on, gw.rows, idCol, from(t)))
	})
	if numbered.err != nil {
		return numbered
	}
	out := make([]sql.Expr, len(items))
	for i, it := range items {
		out[i] = copyExpr(it)
	}
	having, err := sql.ParseExpression(fmt.Sprintf("COUNT(*) = %d", gw.rows))
	if err != nil {
		return &Table{env: t.env, err: err}
	}
	groupBy := append(append([]sql.Expr(nil), g.keys...), &sql.ColumnRef{Parts: []*sql.Ident{{Name: idCol}}})
	return numbered.derive(func(from func(*Table) sql.TableRef) (sql.Query, error) {
		return &sql.Select{Items: out, From: from(numbered), GroupBy: groupBy, Having: having}, nil
	})
}

// retype gives window start, end and rowtime columns Flink's Table API
// types: nullable (SQL's TUMBLE_START is NOT NULL), and in batch mode the
// rowtime a plain TIMESTAMP(3) (batch has no time attributes).
func (t *Table) retype(nullable, rowtimes []int) *Table {
	schema := t.node.Schema()
	change := map[int]types.DataType{}
	for _, i := range nullable {
		if !schema[i].Type.NotNull {
			continue
		}
		change[i] = schema[i].Type.Nullable()
	}
	if !t.env.Streaming() {
		for _, i := range rowtimes {
			change[i] = schema[i].Type.Materialized().Nullable()
		}
	}
	if len(change) == 0 {
		return t
	}
	exprs := make([]planner.Rex, len(schema))
	for i, f := range schema {
		typ := f.Type
		if c, ok := change[i]; ok {
			typ = c
		}
		exprs[i] = &planner.InputRef{Index: i, T: typ, Name: f.Name}
	}
	return &Table{env: t.env, node: &planner.Project{Input: t.node, Exprs: exprs, Names: schema.Names(), TableAPI: true}}
}

// readsWindowTime reports whether e reads the start, end or rowtime of
// the window (TUMBLE_START...), whose values are nullable in Flink's Table
// API, and so are expressions of them.
func readsWindowTime(e sql.Expr, fn string) bool {
	found := false
	sql.Inspect(e, func(n sql.Node) bool {
		if f, ok := n.(*sql.FuncCall); ok {
			name := strings.ToUpper(f.Name.Unqualified())
			found = found || name == fn+"_START" || name == fn+"_END" || name == fn+"_ROWTIME"
		}
		return !found
	})
	return found
}

// windowProperty reports whether f is start/end/rowtime/proctime of the
// window alias, and which.
func windowProperty(f *sql.FuncCall, alias string) (string, bool) {
	if !isPropertyCall(f) || !isName(f.Args[0], alias) {
		return "", false
	}
	return windowProperties[strings.ToLower(f.Name.Unqualified())], true
}

func isPropertyCall(f *sql.FuncCall) bool {
	if len(f.Name.Parts) != 1 || len(f.Args) != 1 || f.Over != nil || f.OverName != nil {
		return false
	}
	_, ok := windowProperties[strings.ToLower(f.Name.Unqualified())]
	return ok
}

func windowPropertyAllowed(prop string, procTime bool, f *sql.FuncCall, alias string) error {
	switch {
	case prop == "ROWTIME" && procTime:
		return fmt.Errorf("A proctime window cannot provide a rowtime attribute: %s.rowtime", alias)
	case prop == "PROCTIME" && !procTime:
		return fmt.Errorf("Reference to a rowtime or proctime window required: %s is an event-time window, which has no proctime (use %s.rowtime)", alias, alias)
	}
	return nil
}

// The Table API's built-in aggregates (those the engine runs).
var aggregateNames = map[string]bool{"COUNT": true, "SUM": true, "AVG": true, "MIN": true, "MAX": true}

func isAggregateCall(f *sql.FuncCall) bool {
	return len(f.Name.Parts) == 1 && aggregateNames[strings.ToUpper(f.Name.Unqualified())] && f.Over == nil && f.OverName == nil
}

// isUserAggregate says whether f calls a user-defined aggregate function
// (a Python udaf), found as the planner resolves names.
func (e *Environment) isUserAggregate(f *sql.FuncCall) bool {
	if f.Over != nil || f.OverName != nil {
		return false
	}
	name := f.Name.Unqualified()
	for _, fn := range []*catalog.Function{e.catalog.InlineFunction(name), e.catalog.SystemFunction(name), e.catalog.CatalogFunction(name)} {
		if fn == nil || fn.Scalar == nil {
			continue
		}
		u, ok := fn.Scalar.(planner.UserAggFunction)
		return ok && u.AggregateFunction() != nil
	}
	return false
}

// numberOf gives f the next EXPR$ number unless an equal call has one.
func numberOf(numbers map[string]int, f *sql.FuncCall) {
	k := f.String()
	if _, ok := numbers[k]; !ok {
		numbers[k] = len(numbers)
	}
}

// copyExpr deep-copies an expression tree, so that the translation can
// rewrite calls in place without changing the caller's Exprs (which may
// be used again).
func copyExpr(e sql.Expr) sql.Expr {
	v := deepCopy(reflect.ValueOf(e))
	return v.Interface().(sql.Expr)
}

func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		c := reflect.New(v.Elem().Type())
		c.Elem().Set(v.Elem())
		copyFields(c.Elem())
		return c
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		c := reflect.New(v.Type()).Elem()
		c.Set(deepCopy(v.Elem()))
		return c
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			c.Index(i).Set(deepCopy(v.Index(i)))
		}
		return c
	}
	return v
}

// copyFields replaces the pointers, interfaces and slices of a struct
// (already copied shallowly) by copies.
func copyFields(s reflect.Value) {
	if s.Kind() != reflect.Struct {
		return
	}
	for i := 0; i < s.NumField(); i++ {
		f := s.Field(i)
		if !f.CanSet() {
			continue
		}
		switch f.Kind() {
		case reflect.Pointer, reflect.Interface, reflect.Slice:
			f.Set(deepCopy(f))
		case reflect.Struct:
			copyFields(f)
		}
	}
}

// OverWindow is a Table API over window: OverPartitionBy(keys...) or
// OverOrderBy(time field), then OrderBy, Preceding, Following and As.
type OverWindow struct {
	partitionBy []any
	orderBy     any
	preceding   any
	following   any
	alias       string
}

// OverPartitionBy starts an over window partitioned by keys.
func OverPartitionBy(keys ...any) *OverWindow { return &OverWindow{partitionBy: keys} }

// OverOrderBy starts an unpartitioned over window ordered by a time
// attribute.
func OverOrderBy(field any) *OverWindow { return &OverWindow{orderBy: field} }

// OrderBy sets the time attribute the window orders rows by.
func (o *OverWindow) OrderBy(field any) *OverWindow { c := *o; c.orderBy = field; return &c }

// Preceding sets the start of the frame: UnboundedRange (the default),
// UnboundedRow, a row interval (RowInterval(2), "2.rows") or a time
// interval (Lit(10).Minutes(), "10.minutes"). Flink rejects CurrentRow
// and CurrentRange here, and so does Select.
func (o *OverWindow) Preceding(bound any) *OverWindow { c := *o; c.preceding = bound; return &c }

// Following sets the end of the frame: CurrentRow or CurrentRange (the
// default matches the preceding bound's kind).
func (o *OverWindow) Following(bound any) *OverWindow { c := *o; c.following = bound; return &c }

// As names the window; aggregates refer to it with Over.
func (o *OverWindow) As(alias string) *OverWindow {
	c := *o
	c.alias = strings.TrimSpace(alias)
	return &c
}

// The bounds of over windows without an offset, as PyFlink's constants.
var (
	UnboundedRow   = Col("UNBOUNDED_ROW")
	UnboundedRange = Col("UNBOUNDED_RANGE")
	CurrentRow     = Col("CURRENT_ROW")
	CurrentRange   = Col("CURRENT_RANGE")
)

// OverWindowedTable is a table with over windows, waiting for Select.
type OverWindowedTable struct {
	t       *Table
	windows []*OverWindow
}

// OverWindow defines over windows on the table; Select's aggregates refer
// to one with "agg over alias" (Col("v").Sum().Over(Col("w"))).
func (t *Table) OverWindow(windows ...*OverWindow) *OverWindowedTable {
	return &OverWindowedTable{t: t, windows: windows}
}

// resolveOver makes the SQL window of an over window.
func (t *Table) resolveOver(o *OverWindow) (*sql.WindowSpec, error) {
	if o.alias == "" {
		return nil, fmt.Errorf("an over window needs an alias for its aggregates to refer to: .As(\"w\")")
	}
	if o.orderBy == nil {
		return nil, fmt.Errorf("an over window is ordered by a time attribute: OrderBy(\"rowtime\")")
	}
	ts, field, err := t.timeField(o.orderBy, "the over window's order (OrderBy)")
	if err != nil {
		if strings.HasPrefix(err.Error(), "A group window") {
			return nil, fmt.Errorf("an over window is ordered by a time attribute column, got %v", o.orderBy)
		}
		return nil, err
	}
	ft := field.Type
	if !ft.IsTimeAttr() || !t.env.Streaming() && ft.TimeAttr != types.Proctime {
		// In batch mode a rowtime column is a plain TIMESTAMP(3), as in
		// Flink: only a proctime orders a Table API over window there.
		return nil, fmt.Errorf("Second argument in OVER window must be a TIME ATTRIBUTE, but is: %s", ft.Materialized())
	}
	keys, err := exprArgs(o.partitionBy)
	if err != nil {
		return nil, err
	}
	pre := windowArg{bound: "UNBOUNDED_RANGE"}
	if o.preceding != nil {
		if pre, err = parseWindowArg(o.preceding, "the over window's preceding bound"); err != nil {
			return nil, err
		}
	}
	if pre.bound == "CURRENT_ROW" || pre.bound == "CURRENT_RANGE" {
		// Flink's message for a frame that starts at the current row.
		return nil, fmt.Errorf("OVER RANGE FOLLOWING windows are not supported yet.")
	}
	rows := pre.rows || pre.bound == "UNBOUNDED_ROW"
	if o.following != nil {
		fol, err := parseWindowArg(o.following, "the over window's following bound")
		if err != nil {
			return nil, err
		}
		if fol.bound != "CURRENT_ROW" && fol.bound != "CURRENT_RANGE" {
			if fol.bound == "" && (fol.rows != rows) {
				return nil, fmt.Errorf("Preceding and following must be of same interval type.")
			}
			return nil, fmt.Errorf("OVER RANGE FOLLOWING windows are not supported yet.")
		}
		if (fol.bound == "CURRENT_ROW") != rows {
			return nil, fmt.Errorf("Preceding and following must be of same interval type.")
		}
	}
	frame := &sql.WindowFrame{Unit: "RANGE", To: &sql.FrameBound{Kind: sql.CurrentRow}}
	if rows {
		frame.Unit = "ROWS"
	}
	switch {
	case pre.bound != "":
		frame.From = &sql.FrameBound{Kind: sql.UnboundedPreceding}
	default:
		frame.From = &sql.FrameBound{Kind: sql.Preceding, Offset: pre.expr}
	}
	for i, k := range keys {
		if a, ok := k.(*sql.AliasExpr); ok {
			keys[i] = a.Expr
		}
	}
	return &sql.WindowSpec{PartitionBy: keys, OrderBy: []*sql.OrderItem{{Expr: ts}}, Frame: frame}, nil
}

// Select computes the select items, whose aggregates run over the
// window ("v.sum over w"); other columns are the row's own.
func (ot *OverWindowedTable) Select(fields ...any) *Table {
	t := ot.t
	if t.err != nil {
		return t
	}
	fail := func(err error) *Table { return &Table{env: t.env, err: err} }
	if len(ot.windows) == 0 {
		return fail(fmt.Errorf("OverWindow needs at least one over window"))
	}
	if len(ot.windows) > 1 {
		return fail(fmt.Errorf("Currently, only a single over window is supported."))
	}
	o := ot.windows[0]
	spec, err := t.resolveOver(o)
	if err != nil {
		return fail(err)
	}
	items, err := exprArgs(fields)
	if err != nil {
		return fail(err)
	}
	out := make([]sql.Expr, len(items))
	for i, it := range items {
		it = copyExpr(it)
		var werr error
		sql.Inspect(it, func(n sql.Node) bool {
			if werr != nil || n == nil {
				return false
			}
			f, ok := n.(*sql.FuncCall)
			if !ok {
				return true
			}
			if f.Name.Unqualified() == "$over" {
				werr = fmt.Errorf("over applies to an aggregate call, e.g. \"a.sum over w\"")
				return false
			}
			if f.OverName == nil {
				return true
			}
			if f.OverName.Name != o.alias {
				werr = fmt.Errorf("Could not resolve over call: no over window is named %s", f.OverName.Name)
				return false
			}
			f.OverName = nil
			f.Over = deepCopy(reflect.ValueOf(spec)).Interface().(*sql.WindowSpec)
			return true
		})
		if werr != nil {
			return fail(werr)
		}
		out[i] = it
	}
	return t.derive(func(from func(*Table) sql.TableRef) (sql.Query, error) {
		return &sql.Select{Items: out, From: from(t)}, nil
	})
}
