package sql

import (
	"strconv"
	"strings"
)

// This file parses PyFlink's string expressions: the syntax of Flink's
// legacy ExpressionParser (PlannerExpressionParserImpl, a Scala
// parser-combinator grammar) that PyFlink 1.10 jobs pass to Table.select,
// group_by, where, order_by... until string expressions left the Table API:
//
//	"uuid, ip_to_province(client_ip) as province, response_size"
//	"a.sum as total, b.count.distinct, c.cast(STRING), d === 'x' && !e.isNull"
//
// The result is the same expression tree the SQL parser builds, so that
// "a.sum" is SUM(a) and "a === 1" is a = 1. The grammar, loosest first:
//
//	expression = logic [ as name | as ( name, ... ) ]
//	logic      = comparison { (&& | '||') comparison }    -- one level, left to right
//	comparison = term [ (=== == = !== != <> > >= < <=) term ]
//	term       = product { (+ | -) product }
//	product    = unary { (* | / | %) unary }
//	unary      = ! unary | - unary | + unary | composite
//	composite  = atom { . name [ ( args ) ] } [ over name ]
//	atom       = ( expression ) | literal | Null(type) | name ( args ) | name | *
//
// As in Flink, && and || share one precedence level and apply left to
// right: "a || b && c" is (a OR b) AND c.

// ParseExpressionList parses a comma-separated PyFlink expression string such
// as "province, count(uuid) as access_count". Aliased items are *AliasExpr,
// "a.desc" is an *OrderItem and "*" is a *Star.
func ParseExpressionList(src string) ([]Expr, error) {
	p, err := newParser(src, modeLegacy)
	if err != nil {
		return nil, err
	}
	var out []Expr
	err = p.run(func() {
		if p.peek().Kind == EOF {
			p.failf(p.peek().Pos, "empty expression")
		}
		for {
			out = append(out, p.lTop())
			if !p.acceptPunct(",") {
				break
			}
		}
		p.expectEOF(`"," or end of expression`)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ParseLegacyExpression parses a single PyFlink expression string, such as
// the predicate of Table.where("a > 1 && b.isNotNull").
func ParseLegacyExpression(src string) (Expr, error) {
	p, err := newParser(src, modeLegacy)
	if err != nil {
		return nil, err
	}
	var out Expr
	err = p.run(func() {
		out = p.lTop()
		p.expectEOF("end of expression")
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// lTop parses one list item and checks what Flink's parser lets appear
// anywhere but only makes sense in one place: an alias or an ordering wraps
// the whole item, and * stands alone or as the sole argument of a call,
// count(*).
func (p *parser) lTop() Expr {
	e := p.lExpression()
	var stack []Node
	Inspect(e, func(n Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		var parent Node
		if len(stack) > 0 {
			parent = stack[len(stack)-1]
		}
		stack = append(stack, n)
		switch n := n.(type) {
		case *AliasExpr:
			if parent != nil {
				p.failf(n.Pos(), "an alias applies to a whole expression: write it last, e.g. \"a + 1 as b\"")
			}
		case *OrderItem:
			if _, isAlias := parent.(*AliasExpr); parent != nil && !isAlias {
				p.failf(n.Pos(), "asc and desc order by a whole expression: write them last")
			}
		case *Star:
			f, isCall := parent.(*FuncCall)
			if parent != nil && (!isCall || len(f.Args) != 1) {
				p.failf(n.Pos(), "* stands alone or as the only argument of a call, as in count(*)")
			}
		}
		return true
	})
	return e
}

func (p *parser) lExpression() Expr {
	p.enter()
	defer p.leave()
	if t := p.peek(); t.upper() == "CURRENT_ROW" || t.upper() == "CURRENT_RANGE" ||
		t.upper() == "UNBOUNDED_ROW" || t.upper() == "UNBOUNDED_RANGE" {
		p.failf(t.Pos, "%s bounds an over window; it is not an expression of its own", t.Value)
	}
	e := p.lLogic()
	if p.isWord("AS") {
		p.next()
		a := &AliasExpr{Expr: e}
		if p.acceptPunct("(") {
			for {
				a.Names = append(a.Names, p.lName())
				if !p.listSep(")", `"," or ")"`) {
					break
				}
			}
			p.expectPunct(")", "")
		} else {
			a.Names = []*Ident{p.lName()}
		}
		return a
	}
	return e
}

// lName reads a field name: any identifier, keywords included (the legacy
// syntax has no reserved words).
func (p *parser) lName() *Ident {
	t := p.peek()
	if t.Kind != Word && t.Kind != QuotedIdent {
		p.unexpected("a name")
	}
	p.next()
	return &Ident{Start: t.Pos, Name: t.Value}
}

func (p *parser) lLogic() Expr {
	e := p.lComparison()
	for p.isPunct("&&") || p.isPunct("||") {
		t := p.next()
		op := "AND"
		if t.Value == "||" {
			op = "OR"
		}
		e = p.binary(op, t, e, p.lComparison())
	}
	return e
}

var legacyComparisons = map[string]string{
	"===": "=", "==": "=", "=": "=", "!==": "<>", "!=": "<>", "<>": "<>",
	">": ">", ">=": ">=", "<": "<", "<=": "<=",
}

func (p *parser) lComparison() Expr {
	e := p.lTerm()
	if t := p.peek(); t.Kind == Punct {
		if op, ok := legacyComparisons[t.Value]; ok {
			p.next()
			return p.binary(op, t, e, p.lTerm())
		}
	}
	return e
}

func (p *parser) lTerm() Expr {
	e := p.lProduct()
	for p.isPunct("+") || p.isPunct("-") {
		t := p.next()
		e = p.binary(t.Value, t, e, p.lProduct())
	}
	return e
}

func (p *parser) lProduct() Expr {
	e := p.lUnary()
	for p.isPunct("*") || p.isPunct("/") || p.isPunct("%") {
		t := p.next()
		e = p.binary(t.Value, t, e, p.lUnary())
	}
	return e
}

func (p *parser) lUnary() Expr {
	t := p.peek()
	switch {
	case p.isPunct("!"):
		p.next()
		p.enter()
		defer p.leave()
		return &UnaryExpr{Start: t.Pos, Op: "NOT", Expr: p.lUnary()}
	case p.isPunct("-"), p.isPunct("+"):
		p.next()
		p.enter()
		defer p.leave()
		return &UnaryExpr{Start: t.Pos, Op: t.Value, Expr: p.lUnary()}
	}
	return p.lComposite()
}

func (p *parser) lComposite() Expr {
	e := p.lAtom()
	for p.isPunct(".") {
		p.next()
		e = p.lSuffix(e)
	}
	if t := p.peek(); p.isWord("OVER") {
		p.next()
		f, ok := e.(*FuncCall)
		if !ok || f.Over != nil || f.OverName != nil {
			p.failf(t.Pos, "over applies to an aggregate call, e.g. \"a.sum over w\"")
		}
		f.OverName = p.lName()
	}
	return e
}

// lArgs reads "(" args ")" and returns the arguments.
func (p *parser) lArgs() []Expr {
	p.expectPunct("(", "\"(\"")
	var args []Expr
	if p.acceptPunct(")") {
		return args
	}
	for {
		args = append(args, p.lLogic())
		if !p.listSep(")", `"," or ")"`) {
			break
		}
	}
	p.expectPunct(")", "")
	return args
}

// lOptParens skips the optional "()" after a suffix that takes no
// arguments ("a.isNull" and "a.isNull()" are the same).
func (p *parser) lOptParens() {
	if p.isPunct("(") && p.isPunctAt(1, ")") {
		p.next()
		p.next()
	}
}

func (p *parser) lAtom() Expr {
	p.enter()
	defer p.leave()
	t := p.peek()
	switch t.Kind {
	case Number:
		p.next()
		return p.lNumber(t)
	case String:
		p.next()
		return &StringLit{Start: t.Pos, Value: t.Value}
	case QuotedIdent:
		p.next()
		return &ColumnRef{Parts: []*Ident{{Start: t.Pos, Name: t.Value}}}
	case Punct:
		switch t.Value {
		case "(":
			p.next()
			e := p.lLogic()
			p.expectPunct(")", "\")\"")
			return e
		case "*":
			p.next()
			return &Star{Start: t.Pos}
		case "?":
			if p.isPunctAt(1, "(") {
				p.next()
				return p.lCall(t, "IF", p.lArgs())
			}
		}
		p.unexpected("an expression")
	case Word:
		switch u := t.upper(); {
		case u == "TRUE" || u == "FALSE":
			p.next()
			return &BoolLit{Start: t.Pos, Value: u}
		case (u == "NULL" || u == "NULLOF") && p.isPunctAt(1, "("):
			p.next()
			p.next()
			typ := p.lType()
			p.expectPunct(")", "\")\"")
			return &CastExpr{Start: t.Pos, Expr: &NullLit{Start: t.Pos}, Type: typ}
		}
		p.next()
		if p.isPunct("(") {
			return p.lPrefixCall(t)
		}
		return &ColumnRef{Parts: []*Ident{{Start: t.Pos, Name: t.Value}}}
	}
	p.unexpected("an expression")
	return nil
}

// lNumber maps Flink's number literals to SQL: an integer is INT, 12L is
// BIGINT, 1.5 and 1.5d are DOUBLE (the SQL literal 1.5E0), 1.5f is FLOAT
// and 1.5p is an exact DECIMAL.
func (p *parser) lNumber(t Token) Expr {
	lit := numberLit(t)
	isInt := lit.Kind == IntegerNumber
	double := func() *NumberLit {
		if lit.Kind != ApproxNumber {
			lit.Value += "E0"
			lit.Kind = ApproxNumber
		}
		return lit
	}
	cast := func(e Expr, typ *DataType) Expr {
		typ.Start = t.Pos
		return &CastExpr{Start: t.Pos, Expr: e, Type: typ}
	}
	switch t.Suffix {
	case "L":
		if !isInt {
			p.failf(t.Pos, "the L suffix makes a BIGINT; %s is not an integer", t.Value)
		}
		if _, err := strconv.ParseInt(t.Value, 10, 64); err != nil {
			p.failf(t.Pos, "%sL is out of the BIGINT range", t.Value)
		}
		return cast(lit, &DataType{Name: TypeBigInt})
	case "P":
		if isInt {
			return cast(lit, &DataType{Name: TypeDecimal, Params: []int{max(len(strings.TrimLeft(t.Value, "0")), 1), 0}})
		}
		if lit.Kind == ApproxNumber {
			p.failf(t.Pos, "the p suffix makes an exact DECIMAL; write it without an exponent")
		}
		return lit
	case "F":
		return cast(double(), &DataType{Name: TypeFloat})
	case "D":
		return double()
	}
	if isInt {
		if _, err := strconv.ParseInt(t.Value, 10, 32); err != nil {
			p.failf(t.Pos, "integer %s is out of the INT range; write %sL for a BIGINT", t.Value, t.Value)
		}
		return lit
	}
	return double()
}

// lPrefixCall parses name(args) where name has been read: the special forms
// of Flink's ExpressionParser (cast, as, trim, extract, floor, ceil,
// timestampDiff, get, toDate, ...) and plain function calls.
func (p *parser) lPrefixCall(name Token) Expr {
	switch strings.ToLower(name.Value) {
	case "cast":
		p.expectPunct("(", "")
		e := p.lLogic()
		p.expectPunct(",", "\",\" and a type: cast(expr, STRING)")
		typ := p.lType()
		p.expectPunct(")", "\")\"")
		return &CastExpr{Start: name.Pos, Expr: e, Type: typ}
	case "as":
		p.expectPunct("(", "")
		e := p.lLogic()
		a := &AliasExpr{Expr: e}
		for p.acceptPunct(",") {
			a.Names = append(a.Names, p.lName())
		}
		if len(a.Names) == 0 {
			p.unexpected("\",\" and a name: as(expr, name)")
		}
		p.expectPunct(")", "\")\"")
		return a
	case "trim":
		p.expectPunct("(", "")
		if mode := p.peek().upper(); (mode == "BOTH" || mode == "LEADING" || mode == "TRAILING") && p.isPunctAt(1, ",") {
			p.next()
			p.next()
			chars := p.lLogic()
			p.expectPunct(",", "\",\"")
			str := p.lLogic()
			p.expectPunct(")", "\")\"")
			return &TrimExpr{Start: name.Pos, Mode: mode, Chars: chars, Expr: str}
		}
		str := p.lLogic()
		p.expectPunct(")", "\")\"")
		return &TrimExpr{Start: name.Pos, Expr: str}
	case "extract":
		p.expectPunct("(", "")
		e := p.lLogic()
		p.expectPunct(",", "\",\" and a time unit: extract(expr, DAY)")
		unit := p.lIntervalUnit()
		p.expectPunct(")", "\")\"")
		return &ExtractExpr{Start: name.Pos, Unit: unit, Expr: e}
	case "floor", "ceil":
		p.expectPunct("(", "")
		e := p.lLogic()
		if p.acceptPunct(",") {
			unit := p.lIntervalUnit()
			p.expectPunct(")", "\")\"")
			return &FloorCeilExpr{Start: name.Pos, Ceil: strings.EqualFold(name.Value, "ceil"), Expr: e, Unit: unit}
		}
		p.expectPunct(")", "\")\"")
		return p.lCall(name, name.Value, []Expr{e})
	case "timestampdiff":
		p.expectPunct("(", "")
		ut := p.peek()
		unit := p.lPointUnit()
		p.expectPunct(",", "\",\"")
		a := p.lLogic()
		p.expectPunct(",", "\",\"")
		b := p.lLogic()
		p.expectPunct(")", "\")\"")
		return p.lCall(name, "TIMESTAMPDIFF", []Expr{&TimeUnitExpr{Start: ut.Pos, Unit: unit}, a, b})
	case "get":
		p.expectPunct("(", "")
		e := p.lComposite()
		p.expectPunct(",", "\",\" and a field name")
		return p.lGet(e)
	case "flatten":
		p.failf(name.Pos, "flatten() is not supported; select the fields of the composite value by name")
	case "todate", "totime", "totimestamp":
		args := p.lArgs()
		if len(args) != 1 {
			p.failf(name.Pos, "%s takes one argument", name.Value)
		}
		return p.lTemporalCast(name, args[0])
	}
	args := p.lArgs()
	if p.isPunct(".") && p.isWordAt(1, "DISTINCT") && p.isPunctAt(2, "(") {
		p.failf(p.peek().Pos, "write a distinct aggregate as \"a.count.distinct\" or \"count(distinct a)\"")
	}
	return p.lCall(name, name.Value, args)
}

// lSuffix parses what follows "." after operand: a special suffix of Flink's
// ExpressionParser or a method-style call, where "a.f(b)" is f(a, b) and
// "a.f" is f(a).
func (p *parser) lSuffix(operand Expr) Expr {
	name := p.peek()
	if name.Kind != Word && !(name.Kind == Punct && name.Value == "?") {
		p.unexpected("a function name after \".\"")
	}
	p.next()
	lower := strings.ToLower(name.Value)
	if units, ok := legacyIntervalSuffixes[lower]; ok {
		return p.lIntervalSuffix(name, operand, units)
	}
	switch lower {
	case "cast":
		p.expectPunct("(", "\"(\" and a type: a.cast(STRING)")
		typ := p.lType()
		p.expectPunct(")", "\")\"")
		return &CastExpr{Start: operand.Pos(), Expr: operand, Type: typ}
	case "as":
		p.expectPunct("(", "\"(\" and a name: a.as(b)")
		a := &AliasExpr{Expr: operand}
		for {
			a.Names = append(a.Names, p.lName())
			if !p.listSep(")", `"," or ")"`) {
				break
			}
		}
		p.expectPunct(")", "")
		return a
	case "asc", "desc":
		p.lOptParens()
		return &OrderItem{Expr: operand, Desc: lower == "desc"}
	case "nullsfirst", "nullslast":
		p.lOptParens()
		o, ok := operand.(*OrderItem)
		if !ok {
			o = &OrderItem{Expr: operand}
		}
		o = &OrderItem{Expr: o.Expr, Desc: o.Desc, Nulls: NullsFirst}
		if lower == "nullslast" {
			o.Nulls = NullsLast
		}
		return o
	case "distinct":
		p.lOptParens()
		f, ok := operand.(*FuncCall)
		if !ok || f.Niladic {
			if c, isCol := operand.(*ColumnRef); isCol && len(c.Parts) == 1 && p.isPunct("(") {
				// count.distinct(a): Flink's prefix form of a distinct aggregate.
				return p.lDistinctCall(c.Parts[0], p.lArgs())
			}
			p.failf(name.Pos, "distinct applies to an aggregate call: write \"a.count.distinct\"")
		}
		if p.isPunct("(") {
			p.failf(p.peek().Pos, "unexpected \"(\" after distinct")
		}
		return &FuncCall{Name: f.Name, Distinct: true, Args: f.Args, Filter: f.Filter, Over: f.Over, OverName: f.OverName}
	case "trim":
		if p.isPunct("(") && !p.isPunctAt(1, ")") {
			p.next()
			mode := p.peek().upper()
			if mode != "BOTH" && mode != "LEADING" && mode != "TRAILING" {
				p.unexpected("BOTH, LEADING or TRAILING")
			}
			p.next()
			p.expectPunct(",", "\",\" and the characters to trim")
			chars := p.lLogic()
			p.expectPunct(")", "\")\"")
			return &TrimExpr{Start: operand.Pos(), Mode: mode, Chars: chars, Expr: operand}
		}
		p.lOptParens()
		return &TrimExpr{Start: operand.Pos(), Expr: operand}
	case "?":
		args := p.lArgs()
		return p.lCall(name, "IF", append([]Expr{operand}, args...))
	case "extract":
		p.expectPunct("(", "\"(\" and a time unit: a.extract(DAY)")
		unit := p.lIntervalUnit()
		p.expectPunct(")", "\")\"")
		return &ExtractExpr{Start: operand.Pos(), Unit: unit, Expr: operand}
	case "floor", "ceil":
		if p.isPunct("(") && !p.isPunctAt(1, ")") {
			p.next()
			unit := p.lIntervalUnit()
			p.expectPunct(")", "\")\"")
			return &FloorCeilExpr{Start: operand.Pos(), Ceil: lower == "ceil", Expr: operand, Unit: unit}
		}
	case "log":
		if p.isPunct("(") && !p.isPunctAt(1, ")") {
			// a.log(base) is LOG(base, a): the operand is the argument.
			args := p.lArgs()
			if len(args) != 1 {
				p.failf(name.Pos, "log takes one base argument: a.log(2)")
			}
			return p.lCall(name, name.Value, []Expr{args[0], operand})
		}
	case "todate", "totime", "totimestamp":
		p.lOptParens()
		return p.lTemporalCast(name, operand)
	case "rows":
		p.failf(name.Pos, "a row-count interval (\"2.rows\") bounds an over window; it is not an expression of its own")
	case "get":
		p.expectPunct("(", "\"(\" and a field name: a.get('field')")
		return p.lGet(operand)
	case "flatten":
		p.failf(name.Pos, "flatten() is not supported; select the fields of the composite value by name")
	}
	var args []Expr
	if p.isPunct("(") {
		args = p.lArgs()
	}
	return p.lCall(name, name.Value, append([]Expr{operand}, args...))
}

// lDistinctCall builds f(DISTINCT args) for "count.distinct(a)".
func (p *parser) lDistinctCall(name *Ident, args []Expr) Expr {
	e := p.lCall(Token{Pos: name.Start, Value: name.Name}, name.Name, args)
	f, ok := e.(*FuncCall)
	if ok && f.Builtin != nil {
		f, ok = f.Builtin.(*FuncCall)
	}
	if !ok {
		p.failf(name.Start, "distinct applies to an aggregate call")
	}
	f.Distinct = true
	return f
}

// lGet reads the rest of get(expr, 'field') / expr.get('field') after the
// comma or "(": a field access by name.
func (p *parser) lGet(operand Expr) Expr {
	t := p.peek()
	if t.Kind != String || t.Value == "" {
		p.failf(t.Pos, "get takes a field name string, e.g. get('name'); access by position is not supported")
	}
	p.next()
	p.expectPunct(")", "\")\"")
	field := &Ident{Start: t.Pos, Name: t.Value}
	if c, ok := operand.(*ColumnRef); ok {
		parts := append(append([]*Ident{}, c.Parts...), field)
		return &ColumnRef{Parts: parts}
	}
	return &FieldAccess{Expr: operand, Field: field}
}

func (p *parser) lTemporalCast(name Token, e Expr) Expr {
	typ := &DataType{Start: name.Pos}
	switch strings.ToLower(name.Value) {
	case "todate":
		typ.Name = TypeDate
	case "totime":
		typ.Name, typ.Params = TypeTime, []int{0}
	default:
		typ.Name, typ.Params = TypeTimestamp, []int{3}
	}
	return &CastExpr{Start: e.Pos(), Expr: e, Type: typ}
}

// legacyIntervalSuffixes maps the time-interval suffixes of "10.minutes" to
// an SQL interval unit and a multiplier (Flink turns weeks into days and
// quarters into months, and millis into seconds with a fraction).
var legacyIntervalSuffixes = map[string]struct {
	unit   string
	factor int
}{
	"years": {"YEAR", 1}, "year": {"YEAR", 1},
	"quarters": {"MONTH", 3}, "quarter": {"MONTH", 3},
	"months": {"MONTH", 1}, "month": {"MONTH", 1},
	"weeks": {"DAY", 7}, "week": {"DAY", 7},
	"days": {"DAY", 1}, "day": {"DAY", 1},
	"hours": {"HOUR", 1}, "hour": {"HOUR", 1},
	"minutes": {"MINUTE", 1}, "minute": {"MINUTE", 1},
	"seconds": {"SECOND", 1}, "second": {"SECOND", 1},
	"millis": {"SECOND", 0}, "milli": {"SECOND", 0},
}

func (p *parser) lIntervalSuffix(name Token, operand Expr, u struct {
	unit   string
	factor int
}) Expr {
	p.lOptParens()
	n, ok := operand.(*NumberLit)
	if !ok || n.Kind != IntegerNumber {
		p.failf(name.Pos, "a time interval suffix applies to an integer literal, e.g. 10.%s", strings.ToLower(name.Value))
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		p.failf(n.Start, "interval %s is out of range", n.Value)
	}
	value := strconv.FormatInt(v*int64(u.factor), 10)
	if u.factor == 0 {
		value = strconv.FormatInt(v/1000, 10) + "." + strconv.FormatInt(1000+v%1000, 10)[1:]
	}
	return &IntervalLit{Start: n.Start, Value: value,
		Qualifier: &IntervalQualifier{Start: name.Pos, From: u.unit, FromPrecision: -1, ToPrecision: -1}}
}

// lIntervalUnit reads a TimeIntervalUnit of extract, floor and ceil. Flink
// also has YEAR_TO_MONTH-style units; SQL's EXTRACT has no equivalent.
func (p *parser) lIntervalUnit() string {
	t := p.peek()
	u := t.upper()
	switch u {
	case "YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND":
		p.next()
		return u
	}
	p.unexpected("a time unit: YEAR, QUARTER, MONTH, WEEK, DAY, HOUR, MINUTE or SECOND")
	return ""
}

// lPointUnit reads a TimePointUnit of timestampDiff.
func (p *parser) lPointUnit() string {
	u := p.peek().upper()
	switch u {
	case "YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND", "MICROSECOND":
		p.next()
		return u
	}
	p.unexpected("a time unit: YEAR, QUARTER, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND, MILLISECOND or MICROSECOND")
	return ""
}

// lType reads a type of the legacy syntax (Flink's TypeInformation names:
// LONG, SQL_TIMESTAMP, PRIMITIVE_ARRAY(INT), ...) mapped to the SQL type
// that Flink's LegacyTypeInfoDataTypeConverter gives it. Any other text is
// read as a SQL data type, so "a.cast(VARCHAR(10))" works too.
func (p *parser) lType() *DataType {
	t := p.peek()
	typ := &DataType{Start: t.Pos}
	paren := p.isPunctAt(1, "(")
	switch t.upper() {
	case "PRIMITIVE_ARRAY", "OBJECT_ARRAY":
		p.next()
		p.expectPunct("(", "\"(\"")
		elem := p.lType()
		p.expectPunct(")", "\")\"")
		// Elements of primitive arrays (int[]) cannot be null.
		elem.NotNull = t.upper() == "PRIMITIVE_ARRAY"
		typ.Name, typ.Elem = TypeArray, elem
		return typ
	case "MAP":
		if !paren {
			break
		}
		p.next()
		p.next()
		typ.Name = TypeMap
		typ.Key = p.lType()
		p.expectPunct(",", "\",\"")
		typ.Value = p.lType()
		p.expectPunct(")", "\")\"")
		return typ
	case "BYTE":
		typ.Name = TypeTinyInt
	case "SHORT":
		typ.Name = TypeSmallInt
	case "LONG":
		typ.Name = TypeBigInt
	case "SQL_DATE":
		typ.Name = TypeDate
	case "SQL_TIME":
		typ.Name, typ.Params = TypeTime, []int{0}
	case "SQL_TIMESTAMP":
		typ.Name, typ.Params = TypeTimestamp, []int{3}
	case "INTERVAL_MONTHS":
		typ.Name = TypeInterval
		typ.Interval = &IntervalQualifier{Start: t.Pos, From: "MONTH", FromPrecision: -1, ToPrecision: -1}
	case "INTERVAL_MILLIS":
		typ.Name = TypeInterval
		typ.Interval = &IntervalQualifier{Start: t.Pos, From: "SECOND", FromPrecision: 3, ToPrecision: -1}
	case "DECIMAL":
		if paren {
			break
		}
		// Types.DECIMAL is BigDecimal, which Flink maps to DECIMAL(38, 18).
		typ.Name, typ.Params = TypeDecimal, []int{38, 18}
	}
	if typ.Name != "" {
		p.next()
		return typ
	}
	return p.parseDataType()
}

// legacyNames maps the method names of Flink's expression DSL that differ
// from their SQL function names (BuiltInFunctionDefinitions / the legacy
// FunctionCatalog) to the SQL name.
var legacyNames = map[string]string{
	"uppercase": "UPPER", "lowercase": "LOWER", "charlength": "CHAR_LENGTH",
	"initcap": "INITCAP", "stddevpop": "STDDEV_POP", "stddevsamp": "STDDEV_SAMP",
	"varpop": "VAR_POP", "varsamp": "VAR_SAMP", "regexpreplace": "REGEXP_REPLACE",
	"regexpextract": "REGEXP_EXTRACT", "frombase64": "FROM_BASE64", "tobase64": "TO_BASE64",
	"randinteger": "RAND_INTEGER", "dateformat": "DATE_FORMAT", "concat_ws": "CONCAT_WS",
	"firstvalue": "FIRST_VALUE", "lastvalue": "LAST_VALUE",
}

// legacyNiladic are the DSL's zero-argument temporal functions.
var legacyNiladic = map[string]string{
	"currentdate": "CURRENT_DATE", "currenttime": "CURRENT_TIME",
	"currenttimestamp": "CURRENT_TIMESTAMP", "localtime": "LOCALTIME",
	"localtimestamp": "LOCALTIMESTAMP",
}

var legacyBinary = map[string]string{
	"plus": "+", "minus": "-", "times": "*", "divide": "/", "mod": "%",
	"equals": "=", "notequals": "<>", "greaterthan": ">", "greaterthanorequal": ">=",
	"lessthan": "<", "lessthanorequal": "<=", "and": "AND", "or": "OR",
}

var legacyIs = map[string]struct {
	not  bool
	what string
}{
	"isnull": {false, "NULL"}, "isnotnull": {true, "NULL"},
	"istrue": {false, "TRUE"}, "isnottrue": {true, "TRUE"},
	"isfalse": {false, "FALSE"}, "isnotfalse": {true, "FALSE"},
}

// lCall maps a DSL call to the node the equivalent SQL produces: "a.isNull"
// is a IS NULL, "a.like('x%')" is a LIKE 'x%', "a.upperCase()" is UPPER(a);
// other names become plain calls (user functions keep their spelling).
// A rewritten call stays a call of its own name with the rewrite as its
// Builtin: Flink resolves these names (BuiltInFunctionDefinitions' "plus",
// "isNull", ...) like any other, so a temporary system function named
// plus is called instead of the built-in.
func (p *parser) lCall(at Token, name string, args []Expr) Expr {
	e := p.lBuiltin(at, name, args)
	if f, ok := e.(*FuncCall); ok && len(f.Name.Parts) == 1 && strings.EqualFold(f.Name.Parts[0].Name, name) {
		return e
	}
	return &FuncCall{Name: &QualifiedName{Parts: []*Ident{{Start: at.Pos, Name: name}}}, Args: args, Builtin: e}
}

func (p *parser) lBuiltin(at Token, name string, args []Expr) Expr {
	lower := strings.ToLower(name)
	arity := func(n ...int) {
		for _, k := range n {
			if len(args) == k {
				return
			}
		}
		p.failf(at.Pos, "%s takes %s argument(s) (counting the value before the dot), found %d", name, joinInts(n), len(args))
	}
	if op, ok := legacyBinary[lower]; ok {
		arity(2)
		return &BinaryExpr{Op: op, OpPos: at.Pos, Left: args[0], Right: args[1]}
	}
	if is, ok := legacyIs[lower]; ok {
		arity(1)
		return &IsExpr{Expr: args[0], Not: is.not, What: is.what}
	}
	if n, ok := legacyNiladic[lower]; ok {
		arity(0)
		return &FuncCall{Name: &QualifiedName{Parts: []*Ident{{Start: at.Pos, Name: n}}}, Niladic: true}
	}
	switch lower {
	case "not":
		arity(1)
		return &UnaryExpr{Start: args[0].Pos(), Op: "NOT", Expr: args[0]}
	case "like", "similar":
		arity(2)
		return &LikeExpr{Expr: args[0], Pattern: args[1], Similar: lower == "similar"}
	case "in":
		if len(args) < 2 {
			arity(2)
		}
		return &InExpr{Expr: args[0], List: args[1:]}
	case "between", "notbetween":
		arity(3)
		return &BetweenExpr{Expr: args[0], Not: lower == "notbetween", Low: args[1], High: args[2]}
	case "substring":
		arity(2, 3)
		s := &SubstringExpr{Start: args[0].Pos(), Expr: args[0], From: args[1]}
		if len(args) == 3 {
			s.Length = args[2]
		}
		return s
	case "position":
		arity(2)
		return &PositionExpr{Start: args[0].Pos(), Sub: args[0], Str: args[1]}
	case "overlay":
		arity(3, 4)
		o := &OverlayExpr{Start: args[0].Pos(), Expr: args[0], Placing: args[1], From: args[2]}
		if len(args) == 4 {
			o.Length = args[3]
		}
		return o
	case "at":
		arity(2)
		return &Index{Expr: args[0], Index: args[1]}
	case "array":
		if len(args) == 0 {
			arity(1)
		}
		return &ArrayExpr{Start: at.Pos, Items: args}
	case "map":
		if len(args) == 0 || len(args)%2 != 0 {
			p.failf(at.Pos, "map takes key, value pairs")
		}
		return &MapExpr{Start: at.Pos, Items: args}
	case "row":
		if len(args) == 0 {
			arity(1)
		}
		return &RowExpr{Start: at.Pos, Items: args}
	}
	if n, ok := legacyNames[lower]; ok {
		name = n
	} else if up := strings.ToUpper(name); reservedFunctions[up] {
		name = up
	}
	return &FuncCall{Name: &QualifiedName{Parts: []*Ident{{Start: at.Pos, Name: name}}}, Args: args}
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, " or ")
}
