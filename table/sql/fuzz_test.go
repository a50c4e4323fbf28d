package sql

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzParse feeds arbitrary text to every entry point. Parsing must never
// panic; every error must be a *Error whose position lies inside the input
// and agrees with its offset; every successful parse must print SQL that
// parses back to the same tree. Seeded with the golden inputs.
func FuzzParse(f *testing.F) {
	for _, c := range readGoldenCases(f) {
		f.Add(c.input)
	}
	f.Fuzz(func(t *testing.T, src string) {
		checkErr := func(entry string, err error) bool {
			if err == nil {
				return true
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("%s: error %v is a %T, not a *Error", entry, err, err)
			}
			if se.Pos.Offset < 0 || se.Pos.Offset > len(src) {
				t.Fatalf("%s: error offset %d outside input of %d bytes: %v", entry, se.Pos.Offset, len(src), err)
			}
			if want := posAt(src, se.Pos.Offset); want != se.Pos {
				t.Fatalf("%s: error position %+v, but offset %d is at %+v", entry, se.Pos, se.Pos.Offset, want)
			}
			if se.Source != src {
				t.Fatalf("%s: error source is not the input", entry)
			}
			_ = err.Error()
			return false
		}

		if stmts, err := ParseScript(src); checkErr("ParseScript", err) {
			for _, s := range stmts {
				printed := s.String()
				again, err := Parse(printed)
				if err != nil {
					t.Fatalf("canonical SQL of %q does not parse: %v\n%s", src, err, printed)
				}
				if again.String() != printed {
					t.Fatalf("printing is not stable:\n%s\n%s", printed, again.String())
				}
				if !reflect.DeepEqual(stripped(s), stripped(again)) {
					t.Fatalf("tree of %q changed through printing:\n%s", src, printed)
				}
			}
		}
		_, err := Parse(src)
		checkErr("Parse", err)
		if e, err := ParseExpression(src); checkErr("ParseExpression", err) {
			again, err := ParseExpression(e.String())
			if err != nil || !reflect.DeepEqual(stripped(e), stripped(again)) {
				t.Fatalf("expression %q does not round-trip through %q: %v", src, e.String(), err)
			}
		}
		if typ, err := ParseDataType(src); checkErr("ParseDataType", err) {
			again, err := ParseDataType(typ.String())
			if err != nil || !reflect.DeepEqual(stripped(typ), stripped(again)) {
				t.Fatalf("type %q does not round-trip through %q: %v", src, typ.String(), err)
			}
		}
		if es, err := ParseExpressionList(src); checkErr("ParseExpressionList", err) {
			for _, e := range es {
				if _, err := ParseQuery("SELECT " + e.String() + " FROM t ORDER BY 1"); err != nil {
					if _, isOrder := e.(*OrderItem); !isOrder {
						if a, isAlias := e.(*AliasExpr); !isAlias || len(a.Names) < 2 {
							t.Fatalf("PyFlink expression %q prints as SQL %q that does not parse: %v", src, e.String(), err)
						}
					}
				}
			}
		}
		_, err = ParseLegacyExpression(src)
		checkErr("ParseLegacyExpression", err)
	})
}
