package expr

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"

	"github.com/sluice-stream/sluice/vectorized"
)

func init() {
	sig := func(n string) []string { return []string{n + "(STRING, STRING)", n + "(STRING, STRING, STRING)"} }
	register("LIKE", sig("LIKE"), bindLike(false, false))
	register("NOT LIKE", sig("NOT LIKE"), bindLike(true, false))
	register("SIMILAR TO", sig("SIMILAR TO"), bindLike(false, true))
	register("NOT SIMILAR TO", sig("NOT SIMILAR TO"), bindLike(true, true))
}

// likePattern is a compiled LIKE pattern: literal runs separated by %
// (any sequence) and _ (any one character).
type likePattern struct {
	tokens []likeToken
	// fast paths for the shapes Flink's LikeCallGen special-cases
	kind  int // likeGeneral, likeEquals, likePrefix, likeSuffix, likeContains
	fixed string
}

type likeToken struct {
	any  bool   // %
	one  bool   // _
	text string // a literal run
}

const (
	likeGeneral = iota
	likeEquals
	likePrefix
	likeSuffix
	likeContains
)

// compileLike parses a LIKE pattern. Flink: without ESCAPE there is no
// escape character (SqlLikeUtils.sqlToRegexLike(pattern, null)); with one,
// the escape must be a single character and may only precede %, _ or
// itself.
func compileLike(pattern string, escape string, hasEscape bool) (*likePattern, error) {
	var esc rune = -1
	if hasEscape {
		if utf8.RuneCountInString(escape) != 1 {
			return nil, fmt.Errorf("invalid escape character '%s'", escape)
		}
		esc, _ = utf8.DecodeRuneInString(escape)
	}
	p := &likePattern{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p.tokens = append(p.tokens, likeToken{text: lit.String()})
			lit.Reset()
		}
	}
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == esc:
			if i == len(rs)-1 {
				return nil, fmt.Errorf("invalid escape sequence '%s', %d", pattern, i)
			}
			next := rs[i+1]
			if next != '%' && next != '_' && next != esc {
				return nil, fmt.Errorf("invalid escape sequence '%s', %d", pattern, i)
			}
			lit.WriteRune(next)
			i++
		case c == '%':
			flush()
			if len(p.tokens) == 0 || !p.tokens[len(p.tokens)-1].any {
				p.tokens = append(p.tokens, likeToken{any: true})
			}
		case c == '_':
			flush()
			p.tokens = append(p.tokens, likeToken{one: true})
		default:
			lit.WriteRune(c)
		}
	}
	flush()
	t := p.tokens
	switch {
	case len(t) == 0:
		p.kind, p.fixed = likeEquals, ""
	case len(t) == 1 && t[0].text != "":
		p.kind, p.fixed = likeEquals, t[0].text
	case len(t) == 2 && t[0].text != "" && t[1].any:
		p.kind, p.fixed = likePrefix, t[0].text
	case len(t) == 2 && t[0].any && t[1].text != "":
		p.kind, p.fixed = likeSuffix, t[1].text
	case len(t) == 3 && t[0].any && t[1].text != "" && t[2].any:
		p.kind, p.fixed = likeContains, t[1].text
	}
	return p, nil
}

func (p *likePattern) match(s string) bool {
	switch p.kind {
	case likeEquals:
		return s == p.fixed
	case likePrefix:
		return strings.HasPrefix(s, p.fixed)
	case likeSuffix:
		return strings.HasSuffix(s, p.fixed)
	case likeContains:
		return strings.Contains(s, p.fixed)
	}
	return matchTokens(p.tokens, s)
}

// matchTokens matches with backtracking to the most recent %, which is
// linear for patterns without nested ambiguity.
func matchTokens(tokens []likeToken, s string) bool {
	ti, si := 0, 0
	starT, starS := -1, 0
	for {
		if ti < len(tokens) {
			t := tokens[ti]
			switch {
			case t.any:
				starT, starS = ti, si
				ti++
				continue
			case t.one:
				if si < len(s) {
					r, w := utf8.DecodeRuneInString(s[si:])
					if !isLineTerminator(r) {
						si += w
						ti++
						continue
					}
				}
			default:
				if strings.HasPrefix(s[si:], t.text) {
					si += len(t.text)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if starT < 0 || starS >= len(s) {
			return false
		}
		// let the last % swallow one more character and retry
		_, w := utf8.DecodeRuneInString(s[starS:])
		starS += w
		ti, si = starT+1, starS
	}
}

// isLineTerminator: Flink runs LIKE as a Java regex in which _ is "." without
// DOTALL, so it matches any character except Java's line terminators (% is
// compiled with DOTALL and matches them all).
func isLineTerminator(r rune) bool {
	return r == '\n' || r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029'
}

// similarToRegexp translates a SQL SIMILAR TO pattern into an anchored RE2
// expression (Calcite's SqlLikeUtils.sqlToRegexSimilar): % and _ are
// wildcards; | * + ? {m,n} ( ) and [ ] keep their regex meaning; everything
// else is literal.
func similarToRegexp(pattern string, escape string, hasEscape bool) (*regexp.Regexp, error) {
	var esc rune = -1
	if hasEscape {
		if utf8.RuneCountInString(escape) != 1 {
			return nil, fmt.Errorf("invalid escape character '%s'", escape)
		}
		esc, _ = utf8.DecodeRuneInString(escape)
	}
	var b strings.Builder
	b.WriteString(`(?s)\A(?:`)
	rs := []rune(pattern)
	inClass := false
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == esc:
			if i == len(rs)-1 {
				return nil, fmt.Errorf("invalid escape sequence '%s', %d", pattern, i)
			}
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		case inClass:
			if c == ']' {
				inClass = false
			}
			if c == '\\' {
				b.WriteString(`\\`)
			} else {
				b.WriteRune(c)
			}
		case c == '[':
			inClass = true
			b.WriteRune(c)
		case c == '%':
			b.WriteString(".*")
		case c == '_':
			// as LIKE's _, any character but a line terminator
			b.WriteString(`[^\n\r\x{85}\x{2028}\x{2029}]`)
		case strings.ContainsRune("|*+?{}()", c):
			b.WriteRune(c)
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`)\z`)
	return regexp.Compile(b.String())
}

// matcher is a compiled LIKE or SIMILAR TO pattern.
type matcher interface{ match(s string) bool }

type reMatcher struct{ re *regexp.Regexp }

func (m reMatcher) match(s string) bool { return m.re.MatchString(s) }

func compileMatcher(similar bool, pattern, escape string, hasEscape bool) (matcher, error) {
	if similar {
		re, err := similarToRegexp(pattern, escape, hasEscape)
		if err != nil {
			return nil, err
		}
		return reMatcher{re}, nil
	}
	return compileLike(pattern, escape, hasEscape)
}

func bindLike(not, similar bool) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		if len(args) != 2 && len(args) != 3 {
			return nil, noMatch()
		}
		for i, a := range args {
			if isNullLiteral(a) {
				args[i] = implicit(a, tString)
			} else if familyOf(a.DataType()) != famString {
				return nil, noMatch()
			}
		}
		c := &callExpr{name: name, args: args, typ: tBool, fails: true}
		// A literal pattern is compiled once, here.
		pat, okP := literalString(args[1])
		esc, okE := "", len(args) == 2
		if len(args) == 3 {
			esc, okE = literalString(args[2])
		}
		if okP && okE {
			m, err := compileMatcher(similar, pat, esc, len(args) == 3)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			c.fails = false
			c.scalarOK = true
			c.fn = likeKernel(not, true, func(int) (matcher, error) { return m, nil })
			return c, nil
		}
		c.fn = func(kc *kctx, in []arrow.Array) (arrow.Array, error) {
			pats := newStrIn(in[1])
			var escs strIn
			if len(in) == 3 {
				escs = newStrIn(in[2])
			}
			var lastKey string
			var last matcher
			get := func(i int) (matcher, error) {
				p := pats.str(i)
				e := ""
				if len(in) == 3 {
					e = escs.str(i)
				}
				key := p + "\x00" + e
				if last != nil && key == lastKey {
					return last, nil
				}
				m, err := compileMatcher(similar, p, e, len(in) == 3)
				if err != nil {
					return nil, kc.fail(name+"("+quoteSQL(p)+")", err.Error())
				}
				last, lastKey = m, strings.Clone(key)
				return m, nil
			}
			return likeKernel(not, false, get)(kc, in)
		}
		return c, nil
	}
}

func likeKernel(not, constant bool, pattern func(i int) (matcher, error)) kernelFn {
	return func(kc *kctx, in []arrow.Array) (arrow.Array, error) {
		n := kc.n
		valid, nulls := andValidity(kc.mem, n, in...)
		vb := bitsView{}
		if valid != nil {
			vb.buf = valid.Bytes()
		}
		s := newStrIn(in[0])
		buf, out := allocBits(kc.mem, n)
		var m matcher
		var err error
		if constant {
			if m, err = pattern(0); err != nil {
				return nil, err
			}
			if lp, ok := m.(*likePattern); ok && lp.kind != likeGeneral {
				likeFixedLoop(lp, not, s, vb, out, n)
				return makeArray(tBool, n, valid, nulls, buf), nil
			}
		}
		for i := 0; i < n; i++ {
			if !vb.get(i) {
				continue
			}
			if !constant {
				if m, err = pattern(i); err != nil {
					buf.Release()
					if valid != nil {
						valid.Release()
					}
					return nil, err
				}
			}
			if m.match(s.str(i)) != not {
				bitutil.SetBit(out, i)
			}
		}
		return makeArray(tBool, n, valid, nulls, buf), nil
	}
}

// likeFixedLoop runs the shapes Flink's LikeCallGen turns into
// equals/startsWith/endsWith/contains straight over the string bytes.
func likeFixedLoop(p *likePattern, not bool, s strIn, valid bitsView, out []byte, n int) {
	fixed := []byte(p.fixed)
	for i := 0; i < n; i++ {
		v := s.data[s.offs[i]:s.offs[i+1]]
		var m bool
		switch p.kind {
		case likeEquals:
			m = bytes.Equal(v, fixed)
		case likePrefix:
			m = bytes.HasPrefix(v, fixed)
		case likeSuffix:
			m = bytes.HasSuffix(v, fixed)
		default:
			m = bytes.Contains(v, fixed)
		}
		if m != not && valid.get(i) {
			out[i>>3] |= 1 << (i & 7)
		}
	}
}
