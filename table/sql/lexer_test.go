package sql

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

type tok struct {
	kind   TokenKind
	value  string
	line   int
	col    int
	offset int
}

func lexAll(t *testing.T, src string, mode lexMode) []tok {
	t.Helper()
	toks, err := lex(src, mode)
	require.Nil(t, err)
	var out []tok
	for _, tk := range toks {
		out = append(out, tok{tk.Kind, tk.Value + tk.Suffix, tk.Pos.Line, tk.Pos.Col, tk.Pos.Offset})
		// Every token's position agrees with its offset, and End delimits
		// exactly the token's text.
		require.Equal(t, posAt(src, tk.Pos.Offset), tk.Pos)
		require.LessOrEqual(t, tk.Pos.Offset, tk.End)
	}
	return out
}

func TestLexPositionsAcrossLines(t *testing.T) {
	src := "SELECT a,\n  b -- trailing comment\n/* block\ncomment */ FROM t;"
	require.Equal(t, []tok{
		{Word, "SELECT", 1, 1, 0},
		{Word, "a", 1, 8, 7},
		{Punct, ",", 1, 9, 8},
		{Word, "b", 2, 3, 12},
		{Word, "FROM", 4, 12, 54},
		{Word, "t", 4, 17, 59},
		{Punct, ";", 4, 18, 60},
		{EOF, "", 4, 19, 61},
	}, lexAll(t, src, modeSQL))
}

func TestLexColumnsCountRunes(t *testing.T) {
	// "省份" is two characters but six bytes: the column counts characters,
	// the offset bytes.
	require.Equal(t, []tok{
		{String, "省份", 1, 1, 0},
		{Punct, ",", 1, 5, 8},
		{Word, "城市", 1, 7, 10},
		{EOF, "", 1, 9, 16},
	}, lexAll(t, "'省份', 城市", modeSQL))
}

func TestLexQuoting(t *testing.T) {
	require.Equal(t, []tok{
		{String, "it's", 1, 1, 0},
		{QuotedIdent, "a`b", 1, 9, 8},
		{QuotedIdent, "select", 1, 16, 15},
		{String, "", 1, 25, 24},
		{String, "two\nlines", 2, 1, 27},
		{BinaryString, "0AFF", 4, 1, 39},
		{EOF, "", 4, 8, 46},
	}, lexAll(t, "'it''s' `a``b` `select` ''\n'two\nlines'\nx'0aFF'", modeSQL))
}

func TestLexNumbers(t *testing.T) {
	var got []string
	for _, tk := range lexAll(t, "0 12 1.5 .5 1e10 1E+3 2.5e-3 7. 1.e5 3abc", modeSQL) {
		got = append(got, tk.kind.String()+":"+tk.value)
	}
	require.Equal(t, []string{
		"Number:0", "Number:12", "Number:1.5", "Number:.5", "Number:1e10", "Number:1E+3",
		"Number:2.5e-3", "Number:7", "Punct:.", "Number:1", "Punct:.", "Word:e5",
		"Number:3", "Word:abc", "EOF:",
	}, got)
}

func TestLexOperators(t *testing.T) {
	var got []string
	for _, tk := range lexAll(t, "<><=>=!=||=>::=<>+-*/%.,;()[]?", modeSQL) {
		got = append(got, tk.value)
	}
	require.Equal(t, []string{"<>", "<=", ">=", "!=", "||", "=>", "::", "=", "<>", "+", "-", "*",
		"/", "%", ".", ",", ";", "(", ")", "[", "]", "?", ""}, got)
}

func TestLexCommentsAreNotTokens(t *testing.T) {
	require.Equal(t, []tok{
		{Word, "a", 1, 1, 0},
		{Punct, "-", 1, 3, 2},
		{Word, "b", 2, 1, 13},
		{Punct, "/", 2, 3, 15},
		{Word, "c", 2, 5, 17},
		{EOF, "", 2, 18, 30},
	}, lexAll(t, "a - -- minus\nb / c /*+ hint */", modeSQL))
}

func TestLexLegacyMode(t *testing.T) {
	var got []string
	for _, tk := range lexAll(t, `a === "x""y" !== 'z' && !b || 10.minutes 12L 1.5p 2.5f 3d a--b`, modeLegacy) {
		got = append(got, tk.kind.String()+":"+tk.value)
	}
	require.Equal(t, []string{
		"Word:a", "Punct:===", `String:x"y`, "Punct:!==", "String:z", "Punct:&&", "Punct:!",
		"Word:b", "Punct:||", "Number:10", "Punct:.", "Word:minutes", "Number:12L",
		"Number:1.5P", "Number:2.5F", "Number:3D", "Word:a", "Punct:-", "Punct:-", "Word:b", "EOF:",
	}, got)
}

func TestLexErrors(t *testing.T) {
	for _, c := range []struct {
		src  string
		line int
		col  int
		msg  string
	}{
		{"SELECT 'abc", 1, 8, "unclosed string literal: no closing ' (a quote inside a string is written twice: 'it''s')"},
		{"SELECT\n  `abc", 2, 3, "unclosed quoted identifier: no closing `"},
		{"a /* b", 1, 3, "unclosed comment: /* has no matching */"},
		{"a \"b\"", 1, 3, "double quotes are not used in Flink SQL: write strings as 'text' and quote names with backticks (`name`)"},
		{"a\n @", 2, 2, "unexpected character '@'"},
		{"a \x01", 1, 3, "unexpected character U+0001"},
		{"a \xff", 1, 3, "invalid UTF-8 in input"},
		{"X'12 3'", 1, 5, "binary string literals hold hexadecimal digits only; found ' '"},
	} {
		_, err := Lex(c.src)
		var se *Error
		require.True(t, errors.As(err, &se), c.src)
		require.Equal(t, c.msg, se.Msg, c.src)
		require.Equal(t, c.line, se.Pos.Line, c.src)
		require.Equal(t, c.col, se.Pos.Col, c.src)
		require.Equal(t, c.src, se.Source)
	}
}

func TestLexDoubleQuotesInLegacyOnly(t *testing.T) {
	_, err := lex(`"x"`, modeSQL)
	require.NotNil(t, err)
	toks, err := lex(`"x"`, modeLegacy)
	require.Nil(t, err)
	require.Equal(t, String, toks[0].Kind)
}
