package sql

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Pos is a position in the parsed text. Line and Col are 1-based; Col counts
// characters (runes), not bytes, so it matches what an editor shows for
// queries containing non-ASCII text. Offset is the 0-based byte offset.
type Pos struct {
	Offset int
	Line   int
	Col    int
}

// IsValid reports whether p was set by the parser.
func (p Pos) IsValid() bool { return p.Line > 0 }

func (p Pos) String() string {
	return fmt.Sprintf("line %d, column %d", p.Line, p.Col)
}

// Error is a syntax error. Pos points into Source, the whole text that was
// parsed (a script, a statement or an expression string).
type Error struct {
	Pos    Pos
	Msg    string
	Source string
}

// Error renders the message in the style of Prometheus' parser: position,
// message, then the offending line with a caret under the column.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.Pos, e.Msg)
	// An empty source has no line to quote (a caret under nothing).
	if line, ok := sourceLine(e.Source, e.Pos); ok && strings.TrimSpace(e.Source) != "" {
		b.WriteString("\n")
		b.WriteString(line)
	}
	return b.String()
}

// maxShownLine bounds how much of a long (often machine-generated,
// single-line) statement the error quotes; beyond it a window around the
// column is shown.
const maxShownLine = 100

// sourceLine returns the line holding pos followed by a caret line. Tabs in
// the prefix are copied into the caret line so the caret stays aligned.
func sourceLine(src string, pos Pos) (string, bool) {
	if pos.Offset < 0 || pos.Offset > len(src) {
		return "", false
	}
	start := strings.LastIndexByte(src[:pos.Offset], '\n') + 1
	end := strings.IndexByte(src[pos.Offset:], '\n')
	if end < 0 {
		end = len(src)
	} else {
		end += pos.Offset
	}
	line := []rune(strings.TrimRight(src[start:end], "\r"))
	col := utf8.RuneCountInString(src[start:pos.Offset]) // 0-based
	prefix, suffix := "", ""
	if len(line) > maxShownLine {
		from := max(col-maxShownLine/2, 0)
		to := min(from+maxShownLine, len(line))
		if from > 0 {
			prefix = "..."
		}
		if to < len(line) {
			suffix = "..."
		}
		line = line[from:to]
		col -= from
	}
	var caret strings.Builder
	caret.WriteString("  ")
	for range prefix {
		caret.WriteByte(' ')
	}
	for i := 0; i < col && i < len(line); i++ {
		if line[i] == '\t' {
			caret.WriteByte('\t')
		} else {
			caret.WriteByte(' ')
		}
	}
	for i := len(line); i < col; i++ {
		caret.WriteByte(' ')
	}
	caret.WriteByte('^')
	return "  " + prefix + string(line) + suffix + "\n" + caret.String(), true
}

// posAt computes the position of byte offset off in src. The lexer tracks
// positions incrementally; this is used for errors raised outside the lexer
// and by tests to check the lexer.
func posAt(src string, off int) Pos {
	off = min(max(off, 0), len(src))
	line := 1 + strings.Count(src[:off], "\n")
	start := strings.LastIndexByte(src[:off], '\n') + 1
	return Pos{Offset: off, Line: line, Col: 1 + utf8.RuneCountInString(src[start:off])}
}
