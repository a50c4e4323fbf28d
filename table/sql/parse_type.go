package sql

import "fmt"

// typeNames lists the type keywords for "did you mean" suggestions.
var typeNames = []string{"BOOLEAN", "TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT", "FLOAT",
	"REAL", "DOUBLE", "DECIMAL", "DEC", "NUMERIC", "CHAR", "CHARACTER", "VARCHAR", "STRING",
	"BINARY", "VARBINARY", "BYTES", "DATE", "TIME", "TIMESTAMP", "TIMESTAMP_LTZ", "INTERVAL",
	"ARRAY", "MULTISET", "MAP", "ROW"}

// parseDataType reads a type with Flink's extensions: a [NULL | NOT NULL]
// suffix on the type and on collection elements (INT NOT NULL ARRAY), and the
// postfix collection forms T ARRAY / T MULTISET.
func (p *parser) parseDataType() *DataType {
	p.enter()
	defer p.leave()
	t := p.parseTypeName()
	for {
		k := 0
		notNull := false
		switch {
		case p.isWord("NOT") && p.isWordAt(1, "NULL"):
			k, notNull = 2, true
		case p.isWord("NULL"):
			k = 1
		}
		coll := p.peekAt(k).upper()
		if coll != "ARRAY" && coll != "MULTISET" {
			break
		}
		p.i += k
		t.NotNull = notNull
		tok := p.next()
		t = &DataType{Start: t.Start, Name: tok.upper(), Elem: t}
	}
	if p.acceptWords("NOT", "NULL") {
		t.NotNull = true
	} else {
		p.acceptWord("NULL")
	}
	return t
}

func (p *parser) parseTypeName() *DataType {
	tok := p.peek()
	t := &DataType{Start: tok.Pos}
	u := tok.upper()
	if tok.Kind != Word {
		p.unexpected("a data type")
	}
	p.next()
	switch u {
	case "BOOLEAN", "TINYINT", "SMALLINT", "BIGINT", "DATE", "STRING", "BYTES":
		t.Name = u
	case "INT", "INTEGER":
		t.Name = TypeInt
	case "FLOAT", "REAL":
		// Flink's FLOAT is 4 bytes; REAL is Calcite's name for it.
		t.Name = TypeFloat
	case "DOUBLE":
		p.acceptWord("PRECISION")
		t.Name = TypeDouble
	case "DECIMAL", "DEC", "NUMERIC":
		t.Name = TypeDecimal
		t.Params = p.parseTypeParams(2)
	case "CHAR", "CHARACTER":
		t.Name = TypeChar
		if p.acceptWord("VARYING") {
			t.Name = TypeVarchar
		}
		t.Params = p.parseTypeParams(1)
	case "VARCHAR":
		t.Name = TypeVarchar
		t.Params = p.parseTypeParams(1)
	case "BINARY":
		t.Name = TypeBinary
		if p.acceptWord("VARYING") {
			t.Name = TypeVarbinary
		}
		t.Params = p.parseTypeParams(1)
	case "VARBINARY":
		t.Name = TypeVarbinary
		t.Params = p.parseTypeParams(1)
	case "TIME":
		t.Name = TypeTime
		t.Params = p.parseTypeParams(1)
		if p.acceptWords("WITHOUT", "TIME", "ZONE") {
			break
		}
		if p.isWord("WITH") && (p.isWordAt(1, "LOCAL") || p.isWordAt(1, "TIME")) {
			p.failf(p.peek().Pos, "TIME with a time zone is not supported by Flink")
		}
	case "TIMESTAMP":
		t.Name = TypeTimestamp
		t.Params = p.parseTypeParams(1)
		switch {
		case p.acceptWords("WITHOUT", "TIME", "ZONE"):
		case p.acceptWords("WITH", "LOCAL", "TIME", "ZONE"):
			t.Name = TypeTimestampLTZ
		case p.isWord("WITH") && p.isWordAt(1, "TIME"):
			p.failf(p.peek().Pos, "TIMESTAMP WITH TIME ZONE is not supported by Flink; use TIMESTAMP_LTZ (TIMESTAMP WITH LOCAL TIME ZONE)")
		}
	case "TIMESTAMP_LTZ":
		t.Name = TypeTimestampLTZ
		t.Params = p.parseTypeParams(1)
	case "INTERVAL":
		t.Name = TypeInterval
		t.Interval = p.parseIntervalQualifier()
	case "ARRAY", "MULTISET":
		t.Name = u
		p.expectPunct("<", "\"<\" after "+u+" (e.g. "+u+"<INT>)")
		t.Elem = p.parseDataType()
		p.expectPunct(">", "\">\" to close "+u+"<...>")
	case "MAP":
		t.Name = TypeMap
		p.expectPunct("<", "\"<\" after MAP (e.g. MAP<STRING, INT>)")
		t.Key = p.parseDataType()
		p.expectPunct(",", "\",\" between the key and value types of MAP")
		t.Value = p.parseDataType()
		p.expectPunct(">", "\">\" to close MAP<...>")
	case "ROW":
		t.Name = TypeRow
		p.parseRowFields(t)
	case "RAW":
		p.failf(tok.Pos, "RAW types are not supported")
	default:
		msg := fmt.Sprintf("unknown data type %q", tok.Value)
		if s := suggest(u, typeNames); s != "" {
			msg += " (did you mean " + s + "?)"
		}
		p.failf(tok.Pos, "%s", msg)
	}
	return t
}

// parseTypeParams reads an optional (n) or, when max is 2, (p, s).
func (p *parser) parseTypeParams(max int) []int {
	if !p.acceptPunct("(") {
		return nil
	}
	ps := []int{p.parseInt("an integer length or precision")}
	if max == 2 && p.acceptPunct(",") {
		ps = append(ps, p.parseInt("an integer scale"))
	}
	p.expectPunct(")", "\")\"")
	return ps
}

// parseRowFields reads ROW<name TYPE ['description'], ...>, ROW(...) or
// ROW<>. A field description is a bare string after the type, as in Flink's
// ExtendedSqlRowTypeName.
func (p *parser) parseRowFields(t *DataType) {
	close := ">"
	switch {
	case p.acceptPunct("<>"):
		return
	case p.acceptPunct("<"):
	case p.acceptPunct("("):
		close = ")"
	default:
		p.unexpected("\"<\" or \"(\" after ROW")
	}
	if p.acceptPunct(close) {
		return
	}
	for {
		f := &RowField{Name: p.parseIdent("a field name")}
		f.Type = p.parseDataType()
		if p.peek().Kind == String {
			f.Description = p.parseString("")
		}
		t.Fields = append(t.Fields, f)
		if !p.listSep(close, `"," or "`+close+`" in ROW`) {
			break
		}
	}
	p.expectPunct(close, "")
}
