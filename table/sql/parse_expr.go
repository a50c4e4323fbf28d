package sql

import (
	"strings"
)

// Expression grammar, loosest binding first (Calcite's operator table):
//
//	expr       = or
//	or         = and { OR and }
//	and        = not { AND not }
//	not        = NOT not | is
//	is         = comparison { IS [NOT] (NULL|TRUE|FALSE|UNKNOWN|DISTINCT FROM comparison) }
//	comparison = predicate { (=|<>|!=|<|<=|>|>=) predicate }
//	predicate  = additive [ [NOT] (BETWEEN ...|IN ...|LIKE ...|SIMILAR TO ...) ]
//	additive   = multiply { (+|-) multiply }
//	multiply   = unary { (*|/|%|'||') unary }
//	unary      = (+|-) unary | postfix
//	postfix    = primary { [ expr ] | . name }
func (p *parser) parseExpr() Expr {
	p.enter()
	defer p.leave()
	return p.parseOr()
}

func (p *parser) binary(op string, opTok Token, l, r Expr) Expr {
	return &BinaryExpr{Op: op, OpPos: opTok.Pos, Left: l, Right: r}
}

func (p *parser) parseOr() Expr {
	e := p.parseAnd()
	for p.isWord("OR") {
		t := p.next()
		e = p.binary("OR", t, e, p.parseAnd())
	}
	return e
}

func (p *parser) parseAnd() Expr {
	e := p.parseNot()
	for p.isWord("AND") {
		t := p.next()
		e = p.binary("AND", t, e, p.parseNot())
	}
	return e
}

func (p *parser) parseNot() Expr {
	if t := p.peek(); p.isWord("NOT") {
		p.next()
		p.enter()
		defer p.leave()
		return &UnaryExpr{Start: t.Pos, Op: "NOT", Expr: p.parseNot()}
	}
	return p.parseIs()
}

func (p *parser) parseIs() Expr {
	e := p.parseComparison()
	for p.isWord("IS") {
		p.next()
		not := p.acceptWord("NOT")
		switch w := p.peek().upper(); w {
		case "NULL", "TRUE", "FALSE", "UNKNOWN":
			p.next()
			e = &IsExpr{Expr: e, Not: not, What: w}
		case "JSON":
			// x IS [NOT] JSON [VALUE | SCALAR | ARRAY | OBJECT]
			p.next()
			what := "JSON"
			switch k := p.peek().upper(); k {
			case "VALUE", "SCALAR", "ARRAY", "OBJECT":
				p.next()
				what += " " + k
			}
			e = &IsExpr{Expr: e, Not: not, What: what}
		case "DISTINCT":
			p.next()
			p.expectWord("FROM")
			e = &IsDistinctFrom{Left: e, Not: not, Right: p.parseComparison()}
		default:
			p.unexpected("NULL, TRUE, FALSE, UNKNOWN, JSON or DISTINCT FROM after IS")
		}
	}
	return e
}

func (p *parser) parseComparison() Expr {
	e := p.parsePredicate()
	for {
		t := p.peek()
		if t.Kind != Punct {
			return e
		}
		switch t.Value {
		case "=", "<>", "<", "<=", ">", ">=":
			p.next()
			e = p.binary(t.Value, t, e, p.parsePredicate())
		case "!=":
			// An extension: Flink's FlinkSqlConformance.isBangEqualAllowed()
			// is false, so Flink rejects != (FLINK-24536 asks for it). It is
			// unambiguous, so Sluice reads it as <>.
			p.next()
			e = p.binary("<>", t, e, p.parsePredicate())
		case "==":
			p.failf(t.Pos, "Flink SQL compares with =, not ==")
		default:
			return e
		}
	}
}

func (p *parser) parsePredicate() Expr {
	e := p.parseAdditive()
	not := false
	if p.isWord("NOT") {
		switch p.peekAt(1).upper() {
		case "BETWEEN", "IN", "LIKE", "SIMILAR":
			p.next()
			not = true
		default:
			return e
		}
	}
	switch p.peek().upper() {
	case "BETWEEN":
		p.next()
		b := &BetweenExpr{Expr: e, Not: not}
		if p.acceptWord("SYMMETRIC") {
			b.Symmetric = true
		} else {
			p.acceptWord("ASYMMETRIC")
		}
		b.Low = p.parseAdditive()
		p.expectWord("AND")
		b.High = p.parseAdditive()
		return b
	case "IN":
		p.next()
		in := &InExpr{Expr: e, Not: not}
		p.expectPunct("(", "\"(\" after IN")
		if p.isQueryStart() && !p.isPunct("(") {
			in.Query = p.parseQuery()
		} else {
			in.List = p.parseExprList(")")
		}
		p.expectPunct(")", "")
		return in
	case "LIKE":
		p.next()
		return p.finishLike(&LikeExpr{Expr: e, Not: not})
	case "SIMILAR":
		p.next()
		p.expectWord("TO")
		return p.finishLike(&LikeExpr{Expr: e, Not: not, Similar: true})
	}
	return e
}

func (p *parser) finishLike(l *LikeExpr) Expr {
	l.Pattern = p.parseAdditive()
	if p.acceptWord("ESCAPE") {
		l.Escape = p.parseAdditive()
	}
	return l
}

func (p *parser) parseAdditive() Expr {
	e := p.parseMultiply()
	for p.isPunct("+") || p.isPunct("-") {
		t := p.next()
		e = p.binary(t.Value, t, e, p.parseMultiply())
	}
	return e
}

// parseMultiply reads * / % and ||, which Calcite gives one precedence. %
// is an extension: Flink's conformance rejects it in favour of MOD(a, b).
func (p *parser) parseMultiply() Expr {
	e := p.parseUnary()
	for p.isPunct("*") || p.isPunct("/") || p.isPunct("%") || p.isPunct("||") {
		t := p.next()
		e = p.binary(t.Value, t, e, p.parseUnary())
	}
	if p.isPunct("&&") {
		p.failf(p.peek().Pos, "Flink SQL writes AND, not &&")
	}
	return e
}

func (p *parser) parseUnary() Expr {
	if t := p.peek(); p.isPunct("-") || p.isPunct("+") {
		p.next()
		p.enter()
		defer p.leave()
		return &UnaryExpr{Start: t.Pos, Op: t.Value, Expr: p.parseUnary()}
	}
	if t := p.peek(); p.isPunct("!") {
		p.failf(t.Pos, "Flink SQL negates with NOT, not !")
	}
	return p.parsePostfix(p.parsePrimary())
}

func (p *parser) parsePostfix(e Expr) Expr {
	for {
		t := p.peek()
		switch {
		case p.isPunct("["):
			p.next()
			idx := p.parseExpr()
			p.expectPunct("]", "\"]\"")
			e = &Index{Expr: e, Index: idx}
		case p.isPunct(".") && isIdentToken(p.peekAt(1)):
			p.next()
			e = &FieldAccess{Expr: e, Field: p.parseIdent("")}
		case p.isPunct(".") && p.peekAt(1).Kind == Word:
			p.next()
			p.failReserved(p.peek())
		case p.isPunct("::"):
			p.failf(t.Pos, "Flink SQL has no :: cast operator; write CAST(expr AS type)")
		default:
			return e
		}
	}
}

// timeUnits are the units accepted by EXTRACT, FLOOR/CEIL ... TO,
// TIMESTAMPADD and TIMESTAMPDIFF.
var timeUnits = makeSet(`
MILLENNIUM CENTURY DECADE YEAR QUARTER MONTH WEEK DAY HOUR MINUTE SECOND
MILLISECOND MICROSECOND NANOSECOND DOW DOY ISODOW ISOYEAR EPOCH
SQL_TSI_YEAR SQL_TSI_QUARTER SQL_TSI_MONTH SQL_TSI_WEEK SQL_TSI_DAY
SQL_TSI_HOUR SQL_TSI_MINUTE SQL_TSI_SECOND SQL_TSI_MICROSECOND
SQL_TSI_FRAC_SECOND
`)

func (p *parser) parseTimeUnit(what string) string {
	u := p.peek().upper()
	if !timeUnits[u] {
		p.unexpected(what)
	}
	p.next()
	return u
}

func (p *parser) parsePrimary() Expr {
	t := p.peek()
	switch t.Kind {
	case Number:
		p.next()
		return numberLit(t)
	case String:
		return p.parseString("")
	case BinaryString:
		p.next()
		return &BinaryLit{Start: t.Pos, Hex: t.Value}
	case QuotedIdent:
		return p.parseIdentExpr()
	case Punct:
		switch t.Value {
		case "(":
			return p.parseParenExpr()
		case "?":
			p.failf(t.Pos, "dynamic parameters (?) are not supported")
		}
		p.failExpected()
	case EOF:
		p.failExpected()
	}
	// A word.
	u := t.upper()
	next := p.peekAt(1)
	nextIs := func(s string) bool { return next.Kind == Punct && next.Value == s }
	switch u {
	case "TRUE", "FALSE", "UNKNOWN":
		p.next()
		return &BoolLit{Start: t.Pos, Value: u}
	case "NULL":
		p.next()
		return &NullLit{Start: t.Pos}
	case "DATE", "TIME", "TIMESTAMP":
		p.next()
		if p.peek().Kind != String {
			p.failf(t.Pos, "%s literals are written %s '...'; to convert a value use CAST(x AS %s)", u, u, u)
		}
		return &TypedLit{Start: t.Pos, Type: u, Value: p.parseString("").Value}
	case "TIMESTAMP_LTZ":
		p.failf(t.Pos, "TIMESTAMP_LTZ has no literal form; use CAST('...' AS TIMESTAMP_LTZ(3)) or TO_TIMESTAMP_LTZ(...)")
	case "INTERVAL":
		return p.parseInterval()
	case "CASE":
		return p.parseCase()
	case "CAST", "TRY_CAST":
		p.next()
		p.expectPunct("(", "\"(\" after "+u)
		e := p.parseExpr()
		if !p.isWord("AS") {
			p.unexpected("AS and a data type")
		}
		p.next()
		typ := p.parseDataType()
		p.expectPunct(")", "\")\" to close "+u)
		return &CastExpr{Start: t.Pos, Try: u == "TRY_CAST", Expr: e, Type: typ}
	case "EXTRACT":
		p.next()
		p.expectPunct("(", "\"(\" after EXTRACT")
		unit := p.parseTimeUnit("a time unit such as YEAR, MONTH, DAY or HOUR")
		p.expectWord("FROM")
		e := p.parseExpr()
		p.expectPunct(")", "")
		return &ExtractExpr{Start: t.Pos, Unit: unit, Expr: e}
	case "POSITION":
		if !nextIs("(") {
			break
		}
		p.next()
		p.next()
		sub := p.parseAdditive()
		p.expectWord("IN")
		str := p.parseExpr()
		p.expectPunct(")", "")
		return &PositionExpr{Start: t.Pos, Sub: sub, Str: str}
	case "TRIM":
		return p.parseTrim()
	case "SUBSTRING":
		return p.parseSubstring()
	case "OVERLAY":
		p.next()
		p.expectPunct("(", "\"(\" after OVERLAY")
		o := &OverlayExpr{Start: t.Pos, Expr: p.parseExpr()}
		p.expectWord("PLACING")
		o.Placing = p.parseExpr()
		p.expectWord("FROM")
		o.From = p.parseExpr()
		if p.acceptWord("FOR") {
			o.Length = p.parseExpr()
		}
		p.expectPunct(")", "")
		return o
	case "FLOOR", "CEIL", "CEILING":
		if !nextIs("(") {
			break
		}
		return p.parseFloorCeil()
	case "EXISTS":
		p.next()
		p.expectPunct("(", "\"(\" after EXISTS")
		q := p.parseQuery()
		p.expectPunct(")", "")
		return &ExistsExpr{Start: t.Pos, Query: q}
	case "ROW":
		p.next()
		p.expectPunct("(", "\"(\" after ROW")
		r := &RowExpr{Start: t.Pos, Items: p.parseExprList(")")}
		p.expectPunct(")", "")
		return r
	case "ARRAY":
		p.next()
		if p.isPunct("(") {
			p.failf(p.peek().Pos, "ARRAY(subquery) is not supported; use ARRAY[...]")
		}
		p.expectPunct("[", "\"[\" after ARRAY")
		a := &ArrayExpr{Start: t.Pos, Items: p.parseExprList("]")}
		p.expectPunct("]", "")
		return a
	case "MAP":
		if !nextIs("[") {
			break
		}
		p.next()
		p.next()
		m := &MapExpr{Start: t.Pos, Items: p.parseExprList("]")}
		if len(m.Items)%2 != 0 {
			p.failf(t.Pos, "MAP[...] takes key, value pairs; found %d items", len(m.Items))
		}
		p.expectPunct("]", "")
		return m
	case "DESCRIPTOR":
		if !nextIs("(") {
			break
		}
		p.next()
		return &Descriptor{Start: t.Pos, Columns: p.parseIdentList("a column name")}
	}
	if niladicFunctions[u] {
		p.next()
		name := &QualifiedName{Parts: []*Ident{{Start: t.Pos, Name: u}}}
		if niladicWithPrecision[u] && p.isPunct("(") {
			return p.finishCall(&FuncCall{Name: name})
		}
		return &FuncCall{Name: name, Niladic: true}
	}
	if reservedFunctions[u] && nextIs("(") {
		p.next()
		name := &QualifiedName{Parts: []*Ident{{Start: t.Pos, Name: u}}}
		return p.finishCall(&FuncCall{Name: name})
	}
	if reserved[u] {
		if structural[u] {
			p.failExpected()
		}
		p.failReserved(t)
	}
	return p.parseIdentExpr()
}

// failExpected reports a missing expression.
func (p *parser) failExpected() {
	p.unexpected("an expression")
}

func numberLit(t Token) *NumberLit {
	n := &NumberLit{Start: t.Pos, Value: t.Value, Kind: IntegerNumber}
	if i := strings.IndexAny(t.Value, "eE"); i >= 0 {
		n.Kind = ApproxNumber
		n.Value = t.Value[:i] + "E" + t.Value[i+1:]
	} else if strings.Contains(t.Value, ".") {
		n.Kind = DecimalNumber
	}
	return n
}

// parseIdentExpr reads a column reference a.b.c, a qualified star t.*, or a
// (possibly qualified) function call.
func (p *parser) parseIdentExpr() Expr {
	parts := []*Ident{p.parseIdent("an expression")}
	for p.isPunct(".") {
		switch n := p.peekAt(1); {
		case n.Kind == Punct && n.Value == "*":
			p.next()
			p.next()
			return &Star{Start: parts[0].Start, Qualifier: parts}
		case isIdentToken(n):
			p.next()
			parts = append(parts, p.parseIdent(""))
		case n.Kind == Word:
			p.next()
			p.failReserved(n)
		default:
			p.next()
			p.unexpected("a name after \".\"")
		}
	}
	if p.isPunct("(") {
		return p.finishCall(&FuncCall{Name: &QualifiedName{Parts: parts}})
	}
	return &ColumnRef{Parts: parts}
}

// finishCall reads the argument list and the FILTER / OVER clauses of a
// function call whose name has been read.
func (p *parser) finishCall(f *FuncCall) Expr {
	p.enter()
	defer p.leave()
	p.expectPunct("(", "\"(\"")
	name := ""
	if len(f.Name.Parts) == 1 {
		name = strings.ToUpper(f.Name.Parts[0].Name)
	}
	if !p.isPunct(")") {
		if p.acceptWord("DISTINCT") {
			f.Distinct = true
		} else {
			p.acceptWord("ALL")
		}
		for {
			f.Args = append(f.Args, p.parseFuncArg(name, len(f.Args)))
			if !p.listSep(")", `"," or ")" in the argument list of `+f.Name.String()) {
				break
			}
		}
	}
	p.expectPunct(")", "")
	if p.isWord("WITHIN") {
		p.failf(p.peek().Pos, "WITHIN GROUP is not supported")
	}
	if p.acceptWord("FILTER") {
		p.expectPunct("(", "\"(\" after FILTER")
		p.expectWord("WHERE")
		f.Filter = p.parseExpr()
		p.expectPunct(")", "")
	}
	if p.acceptWord("OVER") {
		if p.isPunct("(") {
			f.Over = p.parseWindowSpec()
		} else {
			f.OverName = p.parseIdent("a window name or \"(\" after OVER")
		}
	}
	if len(f.Name.Parts) == 1 && strings.HasPrefix(f.Name.Parts[0].Name, dslBuiltinPrefix) &&
		len(f.Args) == 1 && !f.Distinct && f.Filter == nil && f.Over == nil && f.OverName == nil {
		if args, ok := builtinOperands(f.Args[0]); ok {
			id := *f.Name.Parts[0]
			id.Name = strings.TrimPrefix(id.Name, dslBuiltinPrefix)
			return &FuncCall{Name: &QualifiedName{Parts: []*Ident{&id}}, Args: args, Builtin: f.Args[0]}
		}
		return f.Args[0]
	}
	return f
}

// dslBuiltinPrefix marks a Table API DSL call of a built-in function by
// name: `$builtin$plus`(a + b) (see ParseExpression).
const dslBuiltinPrefix = "$builtin$"

// builtinOperands are the arguments a built-in call's function receives,
// in Flink's order: plus(a, b) for a + b, isNull(a) for a IS NULL.
func builtinOperands(e Expr) ([]Expr, bool) {
	switch e := e.(type) {
	case *BinaryExpr:
		return []Expr{e.Left, e.Right}, true
	case *UnaryExpr:
		return []Expr{e.Expr}, true
	case *IsExpr:
		return []Expr{e.Expr}, true
	case *BetweenExpr:
		return []Expr{e.Expr, e.Low, e.High}, true
	case *LikeExpr:
		if e.Escape == nil {
			return []Expr{e.Expr, e.Pattern}, true
		}
	case *InExpr:
		if e.Query == nil {
			return append([]Expr{e.Expr}, e.List...), true
		}
	case *CaseExpr:
		if e.Operand == nil && len(e.Whens) == 1 && e.Else != nil {
			return []Expr{e.Whens[0].Cond, e.Whens[0].Result, e.Else}, true
		}
	case *FuncCall:
		if e.Builtin == nil && !e.Distinct && e.Filter == nil && e.Over == nil && e.OverName == nil && !e.Niladic {
			return e.Args, true
		}
	}
	return nil, false
}

func (p *parser) parseFuncArg(fn string, index int) Expr {
	t := p.peek()
	switch {
	case p.isPunct("*"):
		p.next()
		return &Star{Start: t.Pos}
	case p.isWord("TABLE") && isIdentToken(p.peekAt(1)):
		p.next()
		a := &TableArg{Start: t.Pos, Name: p.parseQualifiedName("a table name")}
		if p.acceptWords("PARTITION", "BY") {
			if p.acceptPunct("(") {
				a.PartitionBy = p.parseExprList(")")
				p.expectPunct(")", "")
			} else {
				a.PartitionBy = []Expr{p.parsePostfix(p.parsePrimary())}
			}
		}
		return a
	case isIdentToken(t) && p.isPunctAt(1, "=>"):
		name := p.parseIdent("")
		p.next()
		return &NamedArg{Name: name, Value: p.parseFuncArg("", 1)}
	case index == 0 && (fn == "TIMESTAMPADD" || fn == "TIMESTAMPDIFF") && t.Kind == Word && timeUnits[t.upper()]:
		p.next()
		return &TimeUnitExpr{Start: t.Pos, Unit: t.upper()}
	}
	return p.parseExpr()
}

func (p *parser) parseWindowSpec() *WindowSpec {
	s := &WindowSpec{Start: p.expectPunct("(", "").Pos}
	if p.acceptWord("PARTITION") {
		p.expectWord("BY")
		for {
			s.PartitionBy = append(s.PartitionBy, p.parseExpr())
			if !p.acceptPunct(",") {
				break
			}
		}
	}
	if p.acceptWord("ORDER") {
		p.expectWord("BY")
		s.OrderBy = p.parseOrderItems()
	}
	if t := p.peek(); p.isWord("ROWS") || p.isWord("RANGE") {
		p.next()
		f := &WindowFrame{Start: t.Pos, Unit: t.upper()}
		if p.acceptWord("BETWEEN") {
			f.From = p.parseFrameBound()
			p.expectWord("AND")
			f.To = p.parseFrameBound()
		} else {
			f.From = p.parseFrameBound()
		}
		s.Frame = f
	}
	p.expectPunct(")", "\")\" to close the window")
	return s
}

func (p *parser) parseFrameBound() *FrameBound {
	t := p.peek()
	b := &FrameBound{Start: t.Pos}
	switch {
	case p.acceptWord("UNBOUNDED"):
		switch {
		case p.acceptWord("PRECEDING"):
			b.Kind = UnboundedPreceding
		case p.acceptWord("FOLLOWING"):
			b.Kind = UnboundedFollowing
		default:
			p.unexpected("PRECEDING or FOLLOWING")
		}
	case p.acceptWords("CURRENT", "ROW"):
		b.Kind = CurrentRow
	default:
		b.Offset = p.parseAdditive()
		switch {
		case p.acceptWord("PRECEDING"):
			b.Kind = Preceding
		case p.acceptWord("FOLLOWING"):
			b.Kind = Following
		default:
			p.unexpected("PRECEDING or FOLLOWING")
		}
	}
	return b
}

// parseParenExpr reads what follows "(" in an expression: a scalar
// subquery, a row constructor (a, b) or a parenthesised expression.
func (p *parser) parseParenExpr() Expr {
	p.enter()
	defer p.leave()
	start := p.expectPunct("(", "").Pos
	if p.isWord("SELECT") || p.isWord("VALUES") || p.isWord("WITH") {
		q := p.parseQuery()
		p.expectPunct(")", "\")\" to close the subquery")
		return &SubqueryExpr{Start: start, Query: q}
	}
	e := p.parseExpr()
	if p.acceptPunct(",") {
		items := append([]Expr{e}, p.parseExprList(")")...)
		p.expectPunct(")", "")
		return &RowExpr{Start: start, Items: items}
	}
	if sq, ok := e.(*SubqueryExpr); ok {
		// ((SELECT ...) UNION (SELECT ...)): the inner parenthesis was the
		// first operand of a query, not a scalar subquery.
		if _, prec := setOpPrec(p.peek()); prec > 0 || p.isWord("ORDER") || p.isWord("LIMIT") || p.isWord("OFFSET") || p.isWord("FETCH") {
			q := p.parseOrderLimit(p.parseSetExpr(sq.Query, 0))
			p.expectPunct(")", "")
			return &SubqueryExpr{Start: start, Query: q}
		}
	}
	p.expectPunct(")", "\")\"")
	if c, ok := e.(*ColumnRef); ok && p.isPunct(".") {
		// (a).b is a field of a, not the column b of table a; keep it apart
		// from the compound identifier a.b.
		p.next()
		return &FieldAccess{Expr: c, Field: p.parseIdent("a field name")}
	}
	return e
}

func (p *parser) parseCase() Expr {
	start := p.expectWord("CASE").Pos
	c := &CaseExpr{Start: start}
	if !p.isWord("WHEN") {
		c.Operand = p.parseExpr()
	}
	for p.acceptWord("WHEN") {
		w := &When{Cond: p.parseExpr()}
		p.expectWord("THEN")
		w.Result = p.parseExpr()
		c.Whens = append(c.Whens, w)
	}
	if len(c.Whens) == 0 {
		p.unexpected("WHEN")
	}
	if p.acceptWord("ELSE") {
		c.Else = p.parseExpr()
	}
	if !p.isWord("END") {
		p.unexpected("WHEN, ELSE or END")
	}
	p.next()
	return c
}

func (p *parser) parseTrim() Expr {
	start := p.expectWord("TRIM").Pos
	p.expectPunct("(", "\"(\" after TRIM")
	t := &TrimExpr{Start: start}
	switch m := p.peek().upper(); m {
	case "BOTH", "LEADING", "TRAILING":
		p.next()
		t.Mode = m
		if !p.acceptWord("FROM") {
			t.Chars = p.parseExpr()
			p.expectWord("FROM")
		}
		t.Expr = p.parseExpr()
	default:
		e := p.parseExpr()
		if p.acceptWord("FROM") {
			t.Chars = e
			t.Expr = p.parseExpr()
		} else {
			t.Expr = e
		}
	}
	p.expectPunct(")", "\")\" to close TRIM")
	return t
}

func (p *parser) parseSubstring() Expr {
	start := p.expectWord("SUBSTRING").Pos
	p.expectPunct("(", "\"(\" after SUBSTRING")
	s := &SubstringExpr{Start: start, Expr: p.parseExpr()}
	switch {
	case p.acceptWord("FROM"):
		s.From = p.parseExpr()
		if p.acceptWord("FOR") {
			s.Length = p.parseExpr()
		}
	case p.acceptPunct(","):
		s.From = p.parseExpr()
		if p.acceptPunct(",") {
			s.Length = p.parseExpr()
		}
	default:
		p.unexpected("FROM or \",\" in SUBSTRING")
	}
	p.expectPunct(")", "\")\" to close SUBSTRING")
	return s
}

func (p *parser) parseFloorCeil() Expr {
	t := p.next()
	u := t.upper()
	if u == "CEILING" {
		u = "CEIL"
	}
	p.expectPunct("(", "")
	e := p.parseExpr()
	if p.acceptWord("TO") {
		unit := p.parseTimeUnit("a time unit after TO")
		p.expectPunct(")", "")
		return &FloorCeilExpr{Start: t.Pos, Ceil: u == "CEIL", Expr: e, Unit: unit}
	}
	f := &FuncCall{Name: &QualifiedName{Parts: []*Ident{{Start: t.Pos, Name: u}}}, Args: []Expr{e}}
	for p.acceptPunct(",") {
		f.Args = append(f.Args, p.parseExpr())
	}
	p.expectPunct(")", "")
	return f
}

// intervalUnits maps the units of interval literals and types, plural
// forms included (Flink's documentation writes INTERVAL '10' MINUTES), to
// their singular form.
var intervalUnits = map[string]string{
	"YEAR": "YEAR", "YEARS": "YEAR", "QUARTER": "QUARTER", "QUARTERS": "QUARTER",
	"MONTH": "MONTH", "MONTHS": "MONTH", "WEEK": "WEEK", "WEEKS": "WEEK",
	"DAY": "DAY", "DAYS": "DAY", "HOUR": "HOUR", "HOURS": "HOUR",
	"MINUTE": "MINUTE", "MINUTES": "MINUTE", "SECOND": "SECOND", "SECONDS": "SECOND",
}

// intervalRanges lists the valid unit TO unit combinations (SQL standard).
var intervalRanges = map[string]map[string]bool{
	"YEAR":   {"MONTH": true},
	"DAY":    {"HOUR": true, "MINUTE": true, "SECOND": true},
	"HOUR":   {"MINUTE": true, "SECOND": true},
	"MINUTE": {"SECOND": true},
}

func (p *parser) parseInterval() Expr {
	start := p.expectWord("INTERVAL").Pos
	lit := &IntervalLit{Start: start}
	if p.acceptPunct("-") {
		lit.Negative = true
	} else {
		p.acceptPunct("+")
	}
	if t := p.peek(); t.Kind == Number {
		p.failf(t.Pos, "interval values are string literals: INTERVAL '%s' MINUTE", t.Value)
	}
	lit.Value = p.parseString("the interval value as a string, e.g. INTERVAL '5' MINUTE").Value
	lit.Qualifier = p.parseIntervalQualifier()
	return lit
}

func (p *parser) parseIntervalQualifier() *IntervalQualifier {
	t := p.peek()
	q := &IntervalQualifier{Start: t.Pos, FromPrecision: -1, ToPrecision: -1}
	q.From = p.parseIntervalUnit()
	q.FromPrecision = p.parseOptPrecision()
	if p.acceptWord("TO") {
		to := p.peek()
		q.To = p.parseIntervalUnit()
		if !intervalRanges[q.From][q.To] {
			p.failf(to.Pos, "invalid interval qualifier %s TO %s", q.From, q.To)
		}
		q.ToPrecision = p.parseOptPrecision()
	}
	return q
}

func (p *parser) parseIntervalUnit() string {
	u, ok := intervalUnits[p.peek().upper()]
	if !ok {
		p.unexpected("a time unit (YEAR, MONTH, DAY, HOUR, MINUTE or SECOND)")
	}
	p.next()
	return u
}

// parseOptPrecision reads an optional (n), returning -1 when absent.
func (p *parser) parseOptPrecision() int {
	if !p.isPunct("(") || p.peekAt(1).Kind != Number {
		return -1
	}
	p.next()
	n := p.parseInt("a precision")
	p.expectPunct(")", "")
	return n
}
