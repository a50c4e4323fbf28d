package expr

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-stream/sluice/vectorized"
)

// Regular expressions follow Java's syntax as far as Go's RE2 engine
// allows: lookaround, backreferences and possessive quantifiers are not
// available. A literal pattern RE2 cannot compile is rejected when the call
// is resolved (instead of silently yielding NULL on every row); a pattern
// computed per row that does not compile behaves like an invalid Java
// pattern in Flink (NULL, or FALSE for REGEXP).

func init() {
	register("REGEXP", []string{"REGEXP(STRING, STRING)"}, bindRegex("SS", tBool, regexpMatchKernel))
	register("REGEXP_EXTRACT", []string{"REGEXP_EXTRACT(STRING, STRING)", "REGEXP_EXTRACT(STRING, STRING, INT)"},
		bindRegex("SS?I", tString, regexpExtractKernel))
	register("REGEXP_REPLACE", []string{"REGEXP_REPLACE(STRING, STRING, STRING)"}, bindRegex("SSS", tString, regexpReplaceKernel))
}

// regexCache compiles patterns, reusing the last one (per-row patterns are
// usually repeated); with a literal pattern it holds the one compiled at
// bind time.
type regexCache struct {
	fixed   *regexp.Regexp
	lastSrc string
	last    *regexp.Regexp
	lastErr bool
	// lit is a substring every match of the fixed pattern contains: a
	// value without it cannot match, and strings.Contains is far cheaper
	// than running the matcher over the whole value.
	lit string
	// With window set, lit is a literal of the pattern's top-level
	// sequence with at most before bytes ahead of it in any match: no
	// match starts more than that ahead of lit's first occurrence, and
	// window searches from there (see find).
	window *regexp.Regexp
	before int
}

func newRegexCache(fixed *regexp.Regexp) *regexCache {
	c := &regexCache{fixed: fixed}
	if fixed != nil {
		c.lit = requiredLiteral(fixed.String())
		if lit, before, ok := leadingLiteral(fixed.String()); ok {
			// One rune of the value ahead of the window gives ^, \b and
			// (?m)^ their context; the pattern then matches at its
			// leftmost start after that rune, as an unanchored search
			// does. The pattern is group 1, its groups follow.
			if w, err := regexp.Compile(`\A(?s:.)(?s:.)*?(` + fixed.String() + `)`); err == nil {
				c.lit, c.before, c.window = lit, before, w
			}
		}
	}
	return c
}

// find is the fixed pattern's FindStringSubmatchIndex on s, searching from
// a little ahead of the literal every match contains when the pattern has
// one at a bounded distance from the match start.
func (c *regexCache) find(s string) []int {
	if c.window == nil {
		return c.fixed.FindStringSubmatchIndex(s)
	}
	p := strings.Index(s, c.lit)
	if p < 0 {
		return nil
	}
	start := p - c.before - 1
	if start < 0 {
		return c.fixed.FindStringSubmatchIndex(s)
	}
	for start > 0 && !utf8.RuneStart(s[start]) {
		start--
	}
	m := c.window.FindStringSubmatchIndex(s[start:])
	if m == nil {
		return nil
	}
	m = m[2:]
	for i, x := range m {
		if x >= 0 {
			m[i] = x + start
		}
	}
	return m
}

// cannotMatch reports that value s of row i has no match of the fixed
// pattern.
func (c *regexCache) cannotMatch(s string) bool {
	return c.lit != "" && !strings.Contains(s, c.lit)
}

// leadingLiteral finds a literal in the top-level sequence of pattern
// whose preceding elements match at most before bytes: every match
// contains it, no more than before bytes after the match start.
func leadingLiteral(pattern string) (lit string, before int, ok bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", 0, false
	}
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	seq := re.Sub
	if re.Op != syntax.OpConcat {
		seq = []*syntax.Regexp{re}
	}
	for _, sub := range seq {
		if sub.Op == syntax.OpLiteral && sub.Flags&syntax.FoldCase == 0 && !strings.ContainsRune(string(sub.Rune), utf8.RuneError) {
			return string(sub.Rune), before, true
		}
		w, bounded := maxWidth(sub)
		if !bounded {
			return "", 0, false
		}
		before += w
	}
	return "", 0, false
}

// maxWidth is the most bytes re can match, when bounded.
func maxWidth(re *syntax.Regexp) (int, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpNoMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return 0, true
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return utf8.UTFMax * len(re.Rune), true // case variants may be longer
		}
		return len(string(re.Rune)), true
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return utf8.UTFMax, true
	case syntax.OpCapture, syntax.OpQuest:
		return maxWidth(re.Sub[0])
	case syntax.OpRepeat:
		if re.Max < 0 {
			return 0, false
		}
		w, ok := maxWidth(re.Sub[0])
		return w * re.Max, ok
	case syntax.OpConcat, syntax.OpAlternate:
		total := 0
		for _, sub := range re.Sub {
			w, ok := maxWidth(sub)
			if !ok {
				return 0, false
			}
			if re.Op == syntax.OpConcat {
				total += w
			} else {
				total = max(total, w)
			}
		}
		return total, true
	}
	return 0, false // star, plus: unbounded
}

// requiredLiteral is the longest literal that every match of pattern
// contains, or "": a case-sensitive literal of the pattern that is not
// inside an alternation, an optional part or a repetition that may be
// empty.
func requiredLiteral(pattern string) string {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return ""
	}
	best := ""
	var walk func(re *syntax.Regexp)
	walk = func(re *syntax.Regexp) {
		switch re.Op {
		case syntax.OpLiteral:
			lit := string(re.Rune)
			// Go's matcher reads invalid UTF-8 as U+FFFD: such a literal
			// may match bytes that are not its text
			if re.Flags&syntax.FoldCase == 0 && !strings.ContainsRune(lit, utf8.RuneError) && len(lit) > len(best) {
				best = lit
			}
		case syntax.OpCapture, syntax.OpPlus:
			walk(re.Sub[0])
		case syntax.OpRepeat:
			if re.Min >= 1 {
				walk(re.Sub[0])
			}
		case syntax.OpConcat:
			for _, sub := range re.Sub {
				walk(sub)
			}
		}
	}
	walk(re)
	return best
}

func (c *regexCache) get(p sAcc, i int) *regexp.Regexp {
	if c.fixed != nil {
		return c.fixed
	}
	src := p.at(i)
	if c.last != nil || c.lastErr {
		if src == c.lastSrc {
			return c.last
		}
	}
	re, err := regexp.Compile(src)
	c.lastSrc, c.last, c.lastErr = strings.Clone(src), re, err != nil
	if err != nil {
		c.last = nil
	}
	return c.last
}

type regexKernelFn func(fixed *regexp.Regexp) kernelFn

func bindRegex(kinds string, typ arrow.DataType, kernel regexKernelFn) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		a, ok := argKinds(args, kinds)
		if !ok {
			return nil, noMatch()
		}
		var fixed *regexp.Regexp
		if p, ok := literalString(a[1]); ok && p != "" {
			re, err := regexp.Compile(p)
			if err != nil {
				return nil, fmt.Errorf("%s: pattern %s is not supported (Go RE2 syntax, a subset of Java's): %w", name, quoteSQL(p), err)
			}
			fixed = re
		}
		return foldLiteral(&callExpr{name: name, args: a, typ: typ, fn: kernel(fixed), scalarOK: true}), nil
	}
}

// regexpMatchKernel: Flink's SqlFunctionUtils.regExp — TRUE when some
// substring matches (Matcher.find); an empty or invalid pattern is FALSE.
func regexpMatchKernel(fixed *regexp.Regexp) kernelFn {
	return boolKernel(func(kc *kctx, in []arrow.Array) fixedRowFn[bool] {
		s, p := sAccOf(in[0], kc.n), sAccOf(in[1], kc.n)
		cache := newRegexCache(fixed)
		return func(i int) (bool, bool, error) {
			if p.at(i) == "" {
				return false, false, nil
			}
			re := cache.get(p, i)
			if re == nil {
				return false, false, nil
			}
			str := s.at(i)
			if cache.cannotMatch(str) {
				return false, false, nil
			}
			if cache.fixed != nil {
				return cache.find(str) != nil, false, nil
			}
			return re.MatchString(str), false, nil
		}
	})
}

// regexpExtractKernel: Flink's SqlFunctionUtils.regexpExtract — the group
// (default 0, the whole match) of the first match; NULL when nothing
// matches, the group does not exist or the pattern is invalid.
func regexpExtractKernel(fixed *regexp.Regexp) kernelFn {
	return strKernel(func(kc *kctx, in []arrow.Array) rowFn {
		s, p := sAccOf(in[0], kc.n), sAccOf(in[1], kc.n)
		var idx iAcc
		hasIdx := len(in) == 3
		if hasIdx {
			idx = iAccOf(in[2], kc.n)
		}
		cache := newRegexCache(fixed)
		return func(i int, dst []byte) ([]byte, bool, error) {
			re := cache.get(p, i)
			if re == nil {
				return dst, true, nil
			}
			g := int64(0)
			if hasIdx {
				g = idx.at(i)
			}
			if g < 0 || g > int64(re.NumSubexp()) {
				return dst, true, nil
			}
			str := s.at(i)
			if cache.cannotMatch(str) {
				return dst, true, nil
			}
			var m []int
			if cache.fixed != nil {
				m = cache.find(str)
			} else {
				m = re.FindStringSubmatchIndex(str)
			}
			if m == nil || m[2*g] < 0 {
				return dst, true, nil
			}
			return append(dst, str[m[2*g]:m[2*g+1]]...), false, nil
		}
	})
}

// regexpReplaceKernel: Flink's SqlFunctionUtils.regexpReplace replaces every
// match with the replacement taken literally (Matcher.quoteReplacement); an
// invalid pattern gives NULL.
func regexpReplaceKernel(fixed *regexp.Regexp) kernelFn {
	return strKernel(func(kc *kctx, in []arrow.Array) rowFn {
		s, p, r := sAccOf(in[0], kc.n), sAccOf(in[1], kc.n), sAccOf(in[2], kc.n)
		cache := newRegexCache(fixed)
		probes := map[*regexp.Regexp]bool{}
		return func(i int, dst []byte) ([]byte, bool, error) {
			re := cache.get(p, i)
			if re == nil {
				return dst, true, nil
			}
			str, repl := s.bytesAt(i), r.bytesAt(i)
			if cache.cannotMatch(s.at(i)) {
				return append(dst, str...), false, nil
			}
			last := 0
			ms := re.FindAllIndex(str, -1)
			for k, m := range ms {
				dst = append(dst, str[last:m[0]]...)
				dst = append(dst, repl...)
				last = m[1]
				// Java (Flink) also takes an empty match right where a
				// non-empty one ended, which Go skips: 'aaa' with a* is XX.
				if e := m[1]; e > m[0] && (k+1 == len(ms) || ms[k+1][0] != e) && emptyMatchAt(re, probes, str, e) {
					dst = append(dst, repl...)
				}
			}
			return append(dst, str[last:]...), false, nil
		}
	})
}

// emptyMatchAt reports whether re's leftmost match from e is the empty one
// at e. It runs re on str[e:], which loses the text before e: patterns with
// ^, \A or word boundaries, which look at it, never count (probes caches
// which patterns those are).
func emptyMatchAt(re *regexp.Regexp, probes map[*regexp.Regexp]bool, str []byte, e int) bool {
	ok, seen := probes[re]
	if !seen {
		ok = !looksBehind(re.String())
		probes[re] = ok
	}
	if !ok {
		return false
	}
	loc := re.FindIndex(str[e:])
	return loc != nil && loc[0] == 0 && loc[1] == 0
}

// looksBehind: whether a pattern has an assertion on the text before the
// position (^ \A \b \B).
func looksBehind(pattern string) bool {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return true
	}
	var walk func(*syntax.Regexp) bool
	walk = func(r *syntax.Regexp) bool {
		switch r.Op {
		case syntax.OpBeginLine, syntax.OpBeginText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
			return true
		}
		for _, s := range r.Sub {
			if walk(s) {
				return true
			}
		}
		return false
	}
	return walk(re)
}
