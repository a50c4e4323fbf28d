package sql

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// lexMode selects between Flink SQL and PyFlink's legacy expression strings,
// which share identifiers, numbers and single-quoted strings but differ in
// the rest (see lexer.next).
type lexMode int

const (
	modeSQL lexMode = iota
	modeLegacy
)

// lexer turns text into tokens, tracking line and column as it goes so that
// every token, and every lexical error, carries an exact position.
type lexer struct {
	src  string
	mode lexMode
	off  int
	line int
	col  int
}

// Lex splits a Flink SQL text into tokens, ending with an EOF token. Comments
// and whitespace are dropped.
func Lex(src string) ([]Token, error) {
	toks, err := lex(src, modeSQL)
	if err != nil {
		return nil, err
	}
	return toks, nil
}

func lex(src string, mode lexMode) ([]Token, *Error) {
	l := &lexer{src: src, mode: mode, line: 1, col: 1}
	var toks []Token
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		if t.Kind == EOF {
			return toks, nil
		}
	}
}

func (l *lexer) pos() Pos { return Pos{Offset: l.off, Line: l.line, Col: l.col} }

func (l *lexer) peekRune(ahead int) rune {
	off := l.off
	for i := 0; ; i++ {
		if off >= len(l.src) {
			return -1
		}
		r, n := utf8.DecodeRuneInString(l.src[off:])
		if i == ahead {
			return r
		}
		off += n
	}
}

func (l *lexer) advance() rune {
	r, n := utf8.DecodeRuneInString(l.src[l.off:])
	l.off += n
	if r == '\n' {
		l.line++
		l.col = 1
	} else {
		l.col++
	}
	return r
}

func (l *lexer) errorf(p Pos, msg string) *Error {
	return &Error{Pos: p, Msg: msg, Source: l.src}
}

func isIdentStart(r rune) bool {
	return r == '_' || r == '$' || unicode.IsLetter(r)
}

func isIdentPart(r rune) bool {
	return isIdentStart(r) || unicode.IsDigit(r)
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// skipSpace skips whitespace and, in SQL, comments. Flink's legacy
// expression parser knows no comments, so "a--b" there is a minus minus b.
func (l *lexer) skipSpace() *Error {
	for l.off < len(l.src) {
		r := l.peekRune(0)
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f':
			l.advance()
		case l.mode == modeSQL && r == '-' && l.peekRune(1) == '-':
			for l.off < len(l.src) && l.peekRune(0) != '\n' {
				l.advance()
			}
		case l.mode == modeSQL && r == '/' && l.peekRune(1) == '*':
			// Calcite does not nest block comments; neither do we. Hints
			// (/*+ ... */) are read as comments too.
			start := l.pos()
			l.advance()
			l.advance()
			for {
				if l.off >= len(l.src) {
					return l.errorf(start, "unclosed comment: /* has no matching */")
				}
				if l.peekRune(0) == '*' && l.peekRune(1) == '/' {
					l.advance()
					l.advance()
					break
				}
				l.advance()
			}
		default:
			return nil
		}
	}
	return nil
}

// legacyPuncts and sqlPuncts list multi-character symbols longest first.
// SQL also lexes "==", "&&" and "!" so that the parser can explain them
// instead of failing on an unexpected character.
var sqlPuncts = []string{"<>", "<=", ">=", "!=", "||", "=>", "::", "==", "&&"}
var legacyPuncts = []string{"===", "!==", "==", "!=", "<>", "<=", ">=", "&&", "||"}

const singlePuncts = "=<>+-*/%.,;()[]?!"

func (l *lexer) next() (Token, *Error) {
	if err := l.skipSpace(); err != nil {
		return Token{}, err
	}
	start := l.pos()
	if l.off >= len(l.src) {
		return Token{Kind: EOF, Pos: start, End: l.off}, nil
	}
	r := l.peekRune(0)
	switch {
	case isIdentStart(r):
		if l.mode == modeSQL && (r == 'x' || r == 'X') && l.peekRune(1) == '\'' {
			return l.binaryString(start)
		}
		if l.mode == modeSQL && (r == 'e' || r == 'E') && l.peekRune(1) == '\'' {
			return Token{}, l.errorf(start, "E'...' escape strings are not part of Flink SQL; write the characters directly inside '...' (a quote is written twice: 'it''s')")
		}
		for l.off < len(l.src) && isIdentPart(l.peekRune(0)) {
			l.advance()
		}
		return Token{Kind: Word, Value: l.src[start.Offset:l.off], Pos: start, End: l.off}, nil
	case isDigit(r) || (r == '.' && isDigit(l.peekRune(1))):
		return l.number(start)
	case r == '\'':
		return l.quoted(start, '\'', String, "string literal")
	case r == '"':
		if l.mode == modeLegacy {
			return l.quoted(start, '"', String, "string literal")
		}
		return Token{}, l.errorf(start, "double quotes are not used in Flink SQL: write strings as 'text' and quote names with backticks (`name`)")
	case r == '`':
		t, err := l.quoted(start, '`', QuotedIdent, "quoted identifier")
		if err == nil && t.Value == "" {
			return Token{}, l.errorf(start, "empty quoted identifier ``")
		}
		return t, err
	}
	puncts := sqlPuncts
	if l.mode == modeLegacy {
		puncts = legacyPuncts
	}
	rest := l.src[l.off:]
	for _, p := range puncts {
		if strings.HasPrefix(rest, p) {
			for range p {
				l.advance()
			}
			return Token{Kind: Punct, Value: p, Pos: start, End: l.off}, nil
		}
	}
	if strings.ContainsRune(singlePuncts, r) {
		l.advance()
		return Token{Kind: Punct, Value: string(r), Pos: start, End: l.off}, nil
	}
	if r == utf8.RuneError {
		return Token{}, l.errorf(start, "invalid UTF-8 in input")
	}
	return Token{}, l.errorf(start, "unexpected character "+quoteRune(r))
}

func quoteRune(r rune) string {
	if unicode.IsPrint(r) {
		return "'" + string(r) + "'"
	}
	return fmt.Sprintf("U+%04X", r)
}

// number lexes 12, 1.5, .5, 1e10, 1.5E-3. A dot is part of the number only
// when a digit follows, so PyFlink's "10.minutes" is 10 . minutes. PyFlink
// literals may carry a type suffix: 12L (BIGINT), 1.5p (DECIMAL), 1.5f
// (FLOAT), 1.5d (DOUBLE), as in Flink's ExpressionParser.
func (l *lexer) number(start Pos) (Token, *Error) {
	for isDigit(l.peekRune(0)) {
		l.advance()
	}
	if l.peekRune(0) == '.' && isDigit(l.peekRune(1)) {
		l.advance()
		for isDigit(l.peekRune(0)) {
			l.advance()
		}
	}
	if e := l.peekRune(0); e == 'e' || e == 'E' {
		sign := l.peekRune(1)
		if isDigit(sign) || ((sign == '+' || sign == '-') && isDigit(l.peekRune(2))) {
			l.advance()
			if !isDigit(l.peekRune(0)) {
				l.advance()
			}
			for isDigit(l.peekRune(0)) {
				l.advance()
			}
		}
	}
	tok := Token{Kind: Number, Value: l.src[start.Offset:l.off], Pos: start}
	if l.mode == modeLegacy {
		if s := l.peekRune(0); strings.ContainsRune("lLpPfFdD", s) && !isIdentPart(l.peekRune(1)) {
			l.advance()
			tok.Suffix = strings.ToUpper(string(s))
		}
	}
	tok.End = l.off
	return tok, nil
}

// quoted lexes text between two q characters where a doubled q stands for
// one q: 'it”s', `my“name`, "say ""hi""".
func (l *lexer) quoted(start Pos, q rune, kind TokenKind, what string) (Token, *Error) {
	l.advance()
	var b strings.Builder
	for {
		if l.off >= len(l.src) {
			msg := "unclosed " + what + ": no closing " + string(q)
			if q == '\'' {
				msg += " (a quote inside a string is written twice: 'it''s')"
			}
			return Token{}, l.errorf(start, msg)
		}
		r := l.advance()
		if r == q {
			if l.peekRune(0) == q {
				l.advance()
				b.WriteRune(q)
				continue
			}
			return Token{Kind: kind, Value: b.String(), Pos: start, End: l.off}, nil
		}
		b.WriteRune(r)
	}
}

// binaryString lexes X'0AFF', Calcite's binary string literal.
func (l *lexer) binaryString(start Pos) (Token, *Error) {
	l.advance() // X
	t, err := l.quoted(l.pos(), '\'', BinaryString, "binary string literal")
	if err != nil {
		return Token{}, err
	}
	t.Pos = start
	for i, r := range t.Value {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return Token{}, l.errorf(posAt(l.src, start.Offset+2+i), "binary string literals hold hexadecimal digits only; found "+quoteRune(r))
		}
	}
	if len(t.Value)%2 != 0 {
		return Token{}, l.errorf(start, "binary string literal needs an even number of hexadecimal digits")
	}
	t.Value = strings.ToUpper(t.Value)
	return t, nil
}
