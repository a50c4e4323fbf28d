package sql

// isQueryStart reports whether the tokens at the cursor begin a query:
// SELECT, VALUES or WITH, possibly behind opening parentheses.
func (p *parser) isQueryStart() bool {
	for k := 0; ; k++ {
		t := p.peekAt(k)
		if t.Kind == Punct && t.Value == "(" {
			continue
		}
		switch t.upper() {
		case "SELECT", "VALUES", "WITH":
			return true
		}
		return false
	}
}

// parseQuery reads [WITH ...] set-expression [ORDER BY] [LIMIT] [OFFSET]
// [FETCH].
func (p *parser) parseQuery() Query {
	p.enter()
	defer p.leave()
	if t := p.peek(); p.acceptWord("WITH") {
		if p.isWord("RECURSIVE") {
			p.failf(p.peek().Pos, "WITH RECURSIVE is not supported")
		}
		w := &With{StmtBase: StmtBase{Start: t.Pos}}
		for {
			cte := &CTE{Name: p.parseIdent("a name for the WITH query")}
			if p.isPunct("(") {
				cte.Columns = p.parseIdentList("a column name")
			}
			p.expectWord("AS")
			p.expectPunct("(", "\"(\" before the WITH query")
			cte.Query = p.parseQuery()
			p.expectPunct(")", "")
			w.CTEs = append(w.CTEs, cte)
			if !p.acceptPunct(",") {
				break
			}
		}
		w.Body = p.parseQuery()
		return w
	}
	return p.parseOrderLimit(p.parseSetExpr(p.parseQueryPrimary(), 0))
}

func setOpPrec(t Token) (SetOpKind, int) {
	switch t.upper() {
	case "UNION":
		return Union, 1
	case "EXCEPT":
		return Except, 1
	case "INTERSECT":
		return Intersect, 2
	}
	return "", 0
}

// parseSetExpr continues left with set operations of precedence >= min
// (precedence climbing: INTERSECT binds tighter than UNION and EXCEPT).
func (p *parser) parseSetExpr(left Query, min int) Query {
	for {
		t := p.peek()
		if t.upper() == "MINUS" {
			p.failf(t.Pos, "MINUS is not supported; use EXCEPT")
		}
		op, prec := setOpPrec(t)
		if prec == 0 || prec < min {
			return left
		}
		p.next()
		all := p.acceptWord("ALL")
		if !all {
			p.acceptWord("DISTINCT")
		}
		right := p.parseSetExpr(p.parseQueryPrimary(), prec+1)
		left = &SetOp{StmtBase: StmtBase{Start: left.Pos()}, Op: op, All: all, Left: left, Right: right}
	}
}

func (p *parser) parseQueryPrimary() Query {
	switch {
	case p.isWord("SELECT"):
		return p.parseSelect()
	case p.isWord("VALUES"):
		return p.parseValues()
	case p.isPunct("("):
		p.next()
		q := p.parseQuery()
		p.expectPunct(")", "\")\" to close the query")
		return q
	}
	p.unexpected("a query (SELECT, VALUES, WITH or a parenthesised query)")
	return nil
}

func (p *parser) parseOrderLimit(body Query) Query {
	if !p.isWord("ORDER") && !p.isWord("LIMIT") && !p.isWord("OFFSET") && !p.isWord("FETCH") {
		return body
	}
	oq := &OrderedQuery{StmtBase: StmtBase{Start: body.Pos()}, Body: body}
	if p.acceptWord("ORDER") {
		p.expectWord("BY")
		oq.OrderBy = p.parseOrderItems()
	}
	if p.acceptWord("LIMIT") {
		oq.Limit = p.parseCount("a row count after LIMIT")
	}
	if p.acceptWord("OFFSET") {
		oq.Offset = p.parseCount("a row count after OFFSET")
		if !p.acceptWord("ROWS") {
			p.acceptWord("ROW")
		}
	}
	if t := p.peek(); p.acceptWord("FETCH") {
		if oq.Limit != nil {
			p.failf(t.Pos, "use LIMIT or FETCH, not both")
		}
		if !p.acceptWord("FIRST") && !p.acceptWord("NEXT") {
			p.unexpected("FIRST or NEXT after FETCH")
		}
		if p.peek().Kind == Number {
			oq.Limit = p.parseCount("")
		} else {
			// FETCH FIRST ROW ONLY fetches one row.
			oq.Limit = &NumberLit{Start: p.peek().Pos, Value: "1"}
		}
		if !p.acceptWord("ROWS") && !p.acceptWord("ROW") {
			p.unexpected("ROWS")
		}
		p.expectWord("ONLY")
	}
	return oq
}

// parseCount reads the unsigned integer literal of LIMIT, OFFSET and FETCH.
func (p *parser) parseCount(what string) Expr {
	t := p.peek()
	p.parseInt(what)
	return &NumberLit{Start: t.Pos, Value: t.Value, Kind: IntegerNumber}
}

func (p *parser) parseOrderItems() []*OrderItem {
	var items []*OrderItem
	for {
		items = append(items, p.parseOrderItem())
		if !p.acceptPunct(",") {
			return items
		}
	}
}

func (p *parser) parseOrderItem() *OrderItem {
	o := &OrderItem{Expr: p.parseExpr()}
	if p.acceptWord("DESC") {
		o.Desc = true
	} else {
		p.acceptWord("ASC")
	}
	if p.acceptWord("NULLS") {
		switch {
		case p.acceptWord("FIRST"):
			o.Nulls = NullsFirst
		case p.acceptWord("LAST"):
			o.Nulls = NullsLast
		default:
			p.unexpected("FIRST or LAST after NULLS")
		}
	}
	return o
}

func (p *parser) parseSelect() *Select {
	start := p.expectWord("SELECT").Pos
	s := &Select{StmtBase: StmtBase{Start: start}}
	if p.acceptWord("DISTINCT") {
		s.Distinct = true
	} else {
		p.acceptWord("ALL")
	}
	if p.isWord("STREAM") {
		p.failf(p.peek().Pos, "SELECT STREAM is not supported; every Flink query is continuous")
	}
	for {
		s.Items = append(s.Items, p.parseSelectItem())
		if p.acceptPunct(",") {
			continue
		}
		if startsItem(p.peek()) {
			p.failf(p.peek().Pos, "unexpected %s; expected \",\" or FROM (missing comma?)", p.peek().describe())
		}
		break
	}
	if p.acceptWord("FROM") {
		s.From = p.parseFrom()
	}
	if p.acceptWord("WHERE") {
		s.Where = p.parseExpr()
	}
	if p.acceptWord("GROUP") {
		p.expectWord("BY")
		for {
			s.GroupBy = append(s.GroupBy, p.parseGroupItem())
			if !p.acceptPunct(",") {
				break
			}
		}
	}
	if p.acceptWord("HAVING") {
		s.Having = p.parseExpr()
	}
	if p.acceptWord("WINDOW") {
		for {
			w := &NamedWindow{Name: p.parseIdent("a window name after WINDOW")}
			for _, prev := range s.Windows {
				if prev.Name.Name == w.Name.Name {
					p.failf(w.Name.Start, "duplicate window name %s: window names in one WINDOW clause must differ", w.Name.Name)
				}
			}
			p.expectWord("AS")
			w.Spec = p.parseWindowSpec()
			s.Windows = append(s.Windows, w)
			if !p.acceptPunct(",") {
				break
			}
		}
	}
	return s
}

func (p *parser) parseSelectItem() Expr {
	if t := p.peek(); p.acceptPunct("*") {
		return &Star{Start: t.Pos}
	}
	e := p.parseExpr()
	if p.acceptWord("AS") {
		return &AliasExpr{Expr: e, Names: []*Ident{p.parseIdent("an alias after AS")}}
	}
	if isIdentToken(p.peek()) {
		return &AliasExpr{Expr: e, Names: []*Ident{p.parseIdent("")}}
	}
	return e
}

func (p *parser) parseValues() *Values {
	start := p.expectWord("VALUES").Pos
	v := &Values{StmtBase: StmtBase{Start: start}}
	for {
		t := p.peek()
		var row *RowExpr
		if p.acceptPunct("(") {
			row = &RowExpr{Start: t.Pos, Items: p.parseExprList(")")}
			p.expectPunct(")", "")
		} else {
			e := p.parseExpr()
			if r, ok := e.(*RowExpr); ok {
				row = r
			} else {
				row = &RowExpr{Start: t.Pos, Items: []Expr{e}}
			}
		}
		v.Rows = append(v.Rows, row)
		if !p.acceptPunct(",") {
			return v
		}
	}
}

// parseExprList reads one or more comma-separated expressions up to close.
func (p *parser) parseExprList(close string) []Expr {
	var es []Expr
	for {
		es = append(es, p.parseExpr())
		if !p.listSep(close, `"," or "`+close+`"`) {
			return es
		}
	}
}

func (p *parser) parseGroupItem() Expr {
	t := p.peek()
	switch {
	case p.acceptWords("GROUPING", "SETS"):
		p.expectPunct("(", "\"(\" after GROUPING SETS")
		g := &GroupingSets{Start: t.Pos}
		for {
			g.Sets = append(g.Sets, p.parseGroupItem())
			if !p.listSep(")", `"," or ")"`) {
				break
			}
		}
		p.expectPunct(")", "")
		return g
	case p.isWord("ROLLUP") || p.isWord("CUBE"):
		p.next()
		p.expectPunct("(", "\"(\"")
		var items []Expr
		for {
			items = append(items, p.parseGroupItem())
			if !p.listSep(")", `"," or ")"`) {
				break
			}
		}
		p.expectPunct(")", "")
		if t.upper() == "ROLLUP" {
			return &Rollup{Start: t.Pos, Items: items}
		}
		return &Cube{Start: t.Pos, Items: items}
	case p.isPunct("(") && p.isPunctAt(1, ")"):
		p.next()
		p.next()
		return &GroupList{Start: t.Pos}
	}
	e := p.parseExpr()
	if r, ok := e.(*RowExpr); ok && t.Kind == Punct {
		// (a, b) in GROUP BY is a grouping set, not a row value.
		return &GroupList{Start: r.Start, Items: r.Items}
	}
	return e
}

// parseFrom reads table references joined by JOIN or commas. As in Calcite,
// commas and JOINs are one left-associative chain: a, b JOIN c ON ... is
// (a, b) JOIN c.
func (p *parser) parseFrom() TableRef {
	left := p.parseTablePrimary()
	for {
		t := p.peek()
		if p.acceptPunct(",") {
			left = &Join{Kind: CommaJoin, Left: left, Right: p.parseTablePrimary()}
			continue
		}
		j := &Join{Left: left}
		j.Natural = p.acceptWord("NATURAL")
		switch {
		case p.acceptWord("JOIN"):
			j.Kind = InnerJoin
		case p.acceptWord("INNER"):
			j.Kind = InnerJoin
			p.expectWord("JOIN")
		case p.isWord("LEFT") || p.isWord("RIGHT") || p.isWord("FULL"):
			j.Kind = JoinKind(p.next().upper())
			p.acceptWord("OUTER")
			p.expectWord("JOIN")
		case p.acceptWord("CROSS"):
			if p.isWord("APPLY") {
				p.failf(p.peek().Pos, "CROSS APPLY is not supported; use CROSS JOIN LATERAL TABLE(...)")
			}
			j.Kind = CrossJoin
			p.expectWord("JOIN")
		default:
			if j.Natural {
				p.unexpected("JOIN after NATURAL")
			}
			return left
		}
		if j.Natural && j.Kind == CrossJoin {
			p.failf(t.Pos, "NATURAL cannot be combined with CROSS JOIN")
		}
		j.Right = p.parseTablePrimary()
		switch {
		case p.acceptWord("ON"):
			if j.Natural || j.Kind == CrossJoin {
				p.failf(p.toks[p.i-1].Pos, "a %s join takes no ON condition", joinWord(j))
			}
			j.On = p.parseExpr()
		case p.acceptWord("USING"):
			if j.Natural || j.Kind == CrossJoin {
				p.failf(p.toks[p.i-1].Pos, "a %s join takes no USING clause", joinWord(j))
			}
			j.Using = p.parseIdentList("a column name")
		default:
			if !j.Natural && j.Kind != CrossJoin {
				p.unexpected("ON or USING after the joined table")
			}
		}
		left = j
	}
}

func joinWord(j *Join) string {
	if j.Natural {
		return "NATURAL"
	}
	return string(j.Kind)
}

func (p *parser) parseTablePrimary() TableRef {
	p.enter()
	defer p.leave()
	t := p.peek()
	var ref TableRef
	switch {
	case p.isWord("LATERAL"):
		p.next()
		switch {
		case p.isWord("TABLE"):
			ref = p.parseTableFunction(t.Pos, true)
		case p.isPunct("("):
			p.next()
			q := p.parseQuery()
			p.expectPunct(")", "")
			ref = &SubqueryRef{Start: t.Pos, Lateral: true, Query: q}
		default:
			p.unexpected("TABLE(...) or a subquery after LATERAL")
		}
	case p.isWord("TABLE"):
		ref = p.parseTableFunction(t.Pos, false)
	case p.isWord("UNNEST"):
		p.next()
		p.expectPunct("(", "\"(\" after UNNEST")
		u := &UnnestRef{Start: t.Pos, Args: p.parseExprList(")")}
		p.expectPunct(")", "")
		u.WithOrdinality = p.acceptWords("WITH", "ORDINALITY")
		ref = u
	case p.isWord("VALUES"):
		ref = &SubqueryRef{Start: t.Pos, Query: p.parseValues()}
	case p.isPunct("("):
		if p.isQueryStart() {
			p.next()
			q := p.parseQuery()
			p.expectPunct(")", "\")\" to close the subquery")
			ref = &SubqueryRef{Start: t.Pos, Query: q}
		} else {
			p.next()
			inner := p.parseFrom()
			p.expectPunct(")", "")
			if _, ok := inner.(*Join); ok {
				// A parenthesised join takes no alias.
				return inner
			}
			ref = inner
		}
	default:
		name := p.parseQualifiedName("a table name, a subquery or TABLE(...)")
		tn := &TableName{Name: name}
		if p.acceptWords("FOR", "SYSTEM_TIME") {
			p.expectWord("AS")
			p.expectWord("OF")
			tn.SystemTime = p.parseAdditive()
		}
		ref = tn
	}
	p.parseTableAlias(ref)
	return ref
}

func (p *parser) parseTableFunction(start Pos, lateral bool) *TableFunctionRef {
	p.expectWord("TABLE")
	p.expectPunct("(", "\"(\" after TABLE")
	t := p.peek()
	e := p.parseExpr()
	call, ok := e.(*FuncCall)
	if !ok || call.Niladic {
		p.failf(t.Pos, "TABLE(...) takes a table function call, e.g. TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '5' MINUTE))")
	}
	p.expectPunct(")", "\")\" to close TABLE(...)")
	return &TableFunctionRef{Start: start, Lateral: lateral, Call: call}
}

// parseTableAlias reads [AS] alias [(col, ...)] after a table reference.
func (p *parser) parseTableAlias(ref TableRef) {
	var alias *Ident
	if p.acceptWord("AS") {
		alias = p.parseIdent("an alias after AS")
	} else if isIdentToken(p.peek()) {
		alias = p.parseIdent("")
	} else {
		return
	}
	var cols []*Ident
	if p.isPunct("(") {
		cols = p.parseIdentList("a column alias")
	}
	switch r := ref.(type) {
	case *TableName:
		r.Alias, r.Columns = alias, cols
	case *SubqueryRef:
		r.Alias, r.Columns = alias, cols
	case *TableFunctionRef:
		r.Alias, r.Columns = alias, cols
	case *UnnestRef:
		r.Alias, r.Columns = alias, cols
	}
}
