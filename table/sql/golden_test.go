package sql

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// The golden files under testdata/ hold one case per directive:
//
//	parse    a script; prints each statement's kind and canonical SQL
//	script   a script; prints each statement's kind, position and source text
//	error    a script that must fail; prints the positioned error
//	expr     a SQL expression; prints its kind and canonical SQL
//	type     a SQL data type; prints its canonical form
//	pyexpr   a PyFlink expression list; prints each item's kind and SQL
//	pyerror  a PyFlink expression list that must fail; prints the error
//
// Run with -rewrite to regenerate the expected output.
func TestGolden(t *testing.T) {
	for _, path := range goldenFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
				return runDirective(t, d.Cmd, d.Input)
			})
		})
	}
}

// goldenFiles lists the files directly under testdata; the fuzzer's corpus
// lives in a subdirectory and is not a golden file.
func goldenFiles(t testing.TB) []string {
	t.Helper()
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			files = append(files, filepath.Join("testdata", e.Name()))
		}
	}
	if len(files) == 0 {
		t.Fatal("no golden files in testdata")
	}
	return files
}

func runDirective(t *testing.T, cmd, input string) string {
	switch cmd {
	case "parse":
		stmts, err := ParseScript(input)
		if err != nil {
			return "error: " + err.Error() + "\n"
		}
		var b strings.Builder
		for _, s := range stmts {
			fmt.Fprintf(&b, "%s\n%s\n", Kind(s), s)
		}
		return b.String()
	case "script":
		stmts, err := ParseScript(input)
		if err != nil {
			return "error: " + err.Error() + "\n"
		}
		var b strings.Builder
		for _, s := range stmts {
			fmt.Fprintf(&b, "%s at %s: %q\n", Kind(s), s.Pos(), s.SourceText())
		}
		return b.String()
	case "error":
		_, err := ParseScript(input)
		return expectError(t, err)
	case "expr":
		e, err := ParseExpression(input)
		if err != nil {
			return "error: " + err.Error() + "\n"
		}
		return fmt.Sprintf("%s\n%s\n", Kind(e), e)
	case "type":
		typ, err := ParseDataType(input)
		if err != nil {
			return "error: " + err.Error() + "\n"
		}
		return typ.String() + "\n"
	case "pyexpr":
		es, err := ParseExpressionList(input)
		if err != nil {
			return "error: " + err.Error() + "\n"
		}
		var b strings.Builder
		for _, e := range es {
			fmt.Fprintf(&b, "%s: %s\n", Kind(e), e)
		}
		return b.String()
	case "pyerror":
		_, err := ParseExpressionList(input)
		return expectError(t, err)
	}
	t.Fatalf("unknown directive %q", cmd)
	return ""
}

func expectError(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		t.Fatalf("expected a syntax error")
	}
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v is a %T, not a *sql.Error", err, err)
	}
	return err.Error() + "\n"
}

// goldenCase is one directive of a golden file.
type goldenCase struct {
	file, cmd, input string
}

// readGoldenCases extracts the directives and inputs of every golden file
// (reused by the round-trip test and to seed the fuzzer).
func readGoldenCases(t testing.TB) []goldenCase {
	t.Helper()
	var cases []goldenCase
	for _, f := range goldenFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(data), "\n")
		for i := 0; i < len(lines); i++ {
			cmd := strings.TrimSpace(lines[i])
			switch cmd {
			case "parse", "script", "error", "expr", "type", "pyexpr", "pyerror":
			default:
				continue
			}
			var in []string
			for i++; i < len(lines) && lines[i] != "----"; i++ {
				in = append(in, lines[i])
			}
			cases = append(cases, goldenCase{file: f, cmd: cmd, input: strings.Join(in, "\n")})
			// Skip the expected output: up to a blank line, or to the second
			// "----\n----" when the output itself has blank lines.
			if i+1 < len(lines) && lines[i+1] == "----" {
				for i += 2; i < len(lines) && lines[i] != "----"; i++ {
				}
				i++
			}
			for ; i < len(lines) && lines[i] != ""; i++ {
			}
		}
	}
	if len(cases) == 0 {
		t.Fatal("no golden cases found")
	}
	return cases
}
