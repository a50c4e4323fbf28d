package expr

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRequiredLiteral(t *testing.T) {
	for _, tc := range []struct{ pattern, want string }{
		{"(&|^)channel_id=([^&]*)", "channel_id="},
		{"abc", "abc"},
		{"a+bcd?e", "bc"},
		{"(?i)abc", ""},
		{"abc|def", ""},
		{"x(abc)*y", "x"},
		{"(abcd){2,3}", "abcd"},
		{"(ab){0,3}c", "c"},
		{"(?:foo)+bar", "foo"},
		{"a.b", "a"},
		{"\\d+", ""},
		{"", ""},
		{"caf\u00e9s", "caf\u00e9s"},
		{"\ufffd", ""}, // matches invalid UTF-8 too
	} {
		require.Equal(t, tc.want, requiredLiteral(tc.pattern), tc.pattern)
	}
}

// TestRegexFunctionsPrefilter: with the required-literal prefilter the
// three functions give what Go's matcher gives on every value, those
// without the literal included.
func TestRegexFunctionsPrefilter(t *testing.T) {
	values := []any{"https://x.com/a/b/item.htm?query=1&channel_id=123", "https://x.com/a/b/item.htm?query=1",
		"channel_id=7&x=1", "xchannel_id=9", "&channel_id=", "", nil, "Channel_ID=1", "channel_id=\xff\xfe", "a&channel_id=1&channel_id=2"}
	patterns := []string{"(&|^)channel_id=([^&]*)", "channel_id=(\\d+)", "id=", "(?i)channel_id=(\\d*)", "\\d+"}
	rec := batch(t, col(t, tString, values...))
	defer rec.Release()
	c := refs(rec)
	for _, p := range patterns {
		re := regexp.MustCompile(p)
		extract := evalStrings(t, testCtx(), call(t, "REGEXP_EXTRACT", c[0], lit(t, p, tString), lit(t, int32(1), tInt32)), rec)
		match := evalStrings(t, testCtx(), call(t, "REGEXP", c[0], lit(t, p, tString)), rec)
		replace := evalStrings(t, testCtx(), call(t, "REGEXP_REPLACE", c[0], lit(t, p, tString), lit(t, "#", tString)), rec)
		for i, v := range values {
			msg := fmt.Sprintf("%q on %q", p, v)
			if v == nil {
				require.Equal(t, "NULL", extract[i], msg)
				continue
			}
			s := v.(string)
			want := "NULL"
			if m := re.FindStringSubmatchIndex(s); re.NumSubexp() >= 1 && m != nil && m[2] >= 0 {
				want = s[m[2]:m[3]]
			}
			require.Equal(t, want, extract[i], msg)
			require.Equal(t, strings.ToUpper(fmt.Sprint(re.MatchString(s))), match[i], msg)
			require.Equal(t, re.ReplaceAllLiteralString(s, "#"), replace[i], msg)
		}
	}
}

func TestLeadingLiteral(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		lit     string
		before  int
		ok      bool
	}{
		{"(&|^)channel_id=([^&]*)", "channel_id=", 1, true},
		{"abc", "abc", 0, true},
		{"(abc)", "abc", 0, true},
		{"\\bkey=(\\d+)", "key=", 0, true},
		{"a?b{2}c", "c", 1 + 2, true},
		{".x", "x", 4, true},
		{"a*bc", "", 0, false},
		{"(?i)abc", "", 0, false},
		{"x|y", "", 0, false},
	} {
		lit, before, ok := leadingLiteral(tc.pattern)
		require.Equal(t, tc.ok, ok, tc.pattern)
		if ok {
			require.Equal(t, tc.lit, lit, tc.pattern)
			require.Equal(t, tc.before, before, tc.pattern)
		}
	}
}

// TestRegexWindowMatchesFullSearch: searching from a little ahead of the
// leading literal finds the match (and groups) a search of the whole value
// finds, with ^, \b and (?m)^ context, repeated literals, multibyte text
// and literals near the start.
func TestRegexWindowMatchesFullSearch(t *testing.T) {
	patterns := []string{"(&|^)channel_id=([^&]*)", "\\bid=(\\d+)", "(?m)^k=(\\w*)", "(a|bc)?x=(.)", "é{1,2}=([^;]*)",
		"(\\w{0,3})=(\\d)", "(?s).{2}=(.)", "^id=(\\d+)", "(^|[?&])q=([^&]*)$"}
	r := rand.New(rand.NewPCG(17, 18))
	alphabet := []string{"&", "?", "=", "id", "channel_id", "x", "k", "q", "a", "bc", "é", "\n", "1", "22", ";", " ", "\xff", "_"}
	for _, p := range patterns {
		c := newRegexCache(regexp.MustCompile(p))
		require.NotNil(t, c.window, p)
		for range 3000 {
			var b strings.Builder
			for range r.IntN(12) {
				b.WriteString(alphabet[r.IntN(len(alphabet))])
			}
			s := b.String()
			require.Equal(t, c.fixed.FindStringSubmatchIndex(s), c.find(s), "%q on %q", p, s)
		}
	}
}
