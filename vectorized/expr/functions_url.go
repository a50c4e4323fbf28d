package expr

import (
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
)

// Regular-expression counting and positions, UNHEX, PARSE_URL and
// CONVERT_TZ: Flink's system functions of those names, NULL for a NULL
// argument or an invalid pattern / zone / value, as Flink's.
func init() {
	register("REGEXP_COUNT", []string{"REGEXP_COUNT(STRING, STRING)"}, bindRegex("SS", tInt32, regexpCountKernel))
	register("REGEXP_INSTR", []string{"REGEXP_INSTR(STRING, STRING)"}, bindRegex("SS", tInt32, regexpInstrKernel))
	register("REGEXP_SUBSTR", []string{"REGEXP_SUBSTR(STRING, STRING)"}, bindRegex("SS", tString, regexpSubstrKernel))
	register("UNHEX", []string{"UNHEX(STRING)"}, fnBinder("S", tBinary, false, strKernel(unhexSetup)))
	register("PARSE_URL", []string{"PARSE_URL(STRING, part STRING)", "PARSE_URL(STRING, 'QUERY', key STRING)"},
		fnBinder("SS?S", tString, false, strKernel(parseURLSetup)))
	register("CONVERT_TZ", []string{"CONVERT_TZ(STRING, from STRING, to STRING)"}, fnBinder("SSS", tString, false, strKernel(convertTZSetup)))
}

// regexpCountKernel: the number of matches, counted as Java's
// Matcher.find does (an empty match right after a non-empty one counts:
// 'aaa' with a* is 2).
func regexpCountKernel(fixed *regexp.Regexp) kernelFn {
	return fixedKernel(func(kc *kctx, in []arrow.Array) fixedRowFn[int32] {
		s, p := sAccOf(in[0], kc.n), sAccOf(in[1], kc.n)
		cache := newRegexCache(fixed)
		probes := map[*regexp.Regexp]bool{}
		return func(i int) (int32, bool, error) {
			re := cache.get(p, i)
			if re == nil {
				return 0, true, nil
			}
			str := s.bytesAt(i)
			ms := re.FindAllIndex(str, -1)
			n := int32(len(ms))
			for k, m := range ms {
				if e := m[1]; e > m[0] && (k+1 == len(ms) || ms[k+1][0] != e) && emptyMatchAt(re, probes, str, e) {
					n++
				}
			}
			return n, false, nil
		}
	})
}

// regexpInstrKernel: the 1-based character position of the first match,
// 0 when there is none.
func regexpInstrKernel(fixed *regexp.Regexp) kernelFn {
	return fixedKernel(func(kc *kctx, in []arrow.Array) fixedRowFn[int32] {
		s, p := sAccOf(in[0], kc.n), sAccOf(in[1], kc.n)
		cache := newRegexCache(fixed)
		return func(i int) (int32, bool, error) {
			re := cache.get(p, i)
			if re == nil {
				return 0, true, nil
			}
			str := s.bytesAt(i)
			m := re.FindIndex(str)
			if m == nil {
				return 0, false, nil
			}
			return int32(utf8.RuneCount(str[:m[0]])) + 1, false, nil
		}
	})
}

// regexpSubstrKernel: the first match, NULL when there is none.
func regexpSubstrKernel(fixed *regexp.Regexp) kernelFn {
	return strKernel(func(kc *kctx, in []arrow.Array) rowFn {
		s, p := sAccOf(in[0], kc.n), sAccOf(in[1], kc.n)
		cache := newRegexCache(fixed)
		return func(i int, dst []byte) ([]byte, bool, error) {
			re := cache.get(p, i)
			if re == nil {
				return dst, true, nil
			}
			str := s.bytesAt(i)
			m := re.FindIndex(str)
			if m == nil {
				return dst, true, nil
			}
			return append(dst, str[m[0]:m[1]]...), false, nil
		}
	})
}

// unhexSetup: the bytes of a hexadecimal string, NULL when a character
// is not a hex digit. An odd length reads the first digit alone (0x04 for
// '4', as Hive and Spark; Flink 2.3's EncodingUtils.unhex leaves that
// byte 0, a bug Sluice does not copy).
func unhexSetup(kc *kctx, in []arrow.Array) rowFn {
	s := sAccOf(in[0], kc.n)
	return func(i int, dst []byte) ([]byte, bool, error) {
		b := s.bytesAt(i)
		if len(b)%2 == 1 {
			d, ok := hexDigit(b[0])
			if !ok {
				return dst, true, nil
			}
			dst = append(dst, d)
			b = b[1:]
		}
		for k := 0; k+1 < len(b); k += 2 {
			h, ok1 := hexDigit(b[k])
			l, ok2 := hexDigit(b[k+1])
			if !ok1 || !ok2 {
				return dst, true, nil
			}
			dst = append(dst, h<<4|l)
		}
		return dst, false, nil
	}
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// parseURLSetup is Flink's SqlFunctionUtils.parseUrl over java.net.URL:
// HOST, PATH, QUERY (or one key of it), REF, PROTOCOL, FILE, AUTHORITY,
// USERINFO; NULL for an unparsable URL, an unknown part or a missing
// key.
func parseURLSetup(kc *kctx, in []arrow.Array) rowFn {
	s, part := sAccOf(in[0], kc.n), sAccOf(in[1], kc.n)
	var key sAcc
	hasKey := len(in) == 3
	if hasKey {
		key = sAccOf(in[2], kc.n)
	}
	return func(i int, dst []byte) ([]byte, bool, error) {
		u, err := url.Parse(s.at(i))
		if err != nil || u.Scheme == "" {
			return dst, true, nil
		}
		var v string
		ok := true
		switch part.at(i) {
		case "HOST":
			v = u.Hostname()
		case "PATH":
			v = u.EscapedPath()
		case "QUERY":
			v, ok = u.RawQuery, u.RawQuery != "" || u.ForceQuery
			if ok && hasKey {
				v, ok = queryValue(u.RawQuery, key.at(i))
			}
		case "REF":
			v, ok = u.EscapedFragment(), u.Fragment != ""
		case "PROTOCOL":
			v = u.Scheme
		case "FILE":
			v = u.EscapedPath()
			if u.RawQuery != "" {
				v += "?" + u.RawQuery
			}
		case "AUTHORITY":
			v = u.Host
			if u.User != nil {
				v = u.User.String() + "@" + v
			}
		case "USERINFO":
			ok = u.User != nil
			if ok {
				v = u.User.String()
			}
		default:
			ok = false
		}
		if !ok {
			return dst, true, nil
		}
		return append(dst, v...), false, nil
	}
}

// queryValue is the raw value of key in a query string, as Flink's
// regular expression (^|&)key=([^&]*) finds it.
func queryValue(q, key string) (string, bool) {
	for _, kv := range strings.Split(q, "&") {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// convertTZSetup is Flink's DateTimeUtils.convertTz: a 'yyyy-MM-dd
// HH:mm:ss' date-time read in zone from and written in zone to.
func convertTZSetup(kc *kctx, in []arrow.Array) rowFn {
	s, from, to := sAccOf(in[0], kc.n), sAccOf(in[1], kc.n), sAccOf(in[2], kc.n)
	return func(i int, dst []byte) ([]byte, bool, error) {
		fz, ok1 := zoneNamed(from.at(i))
		tz, ok2 := zoneNamed(to.at(i))
		if !ok1 || !ok2 {
			return dst, true, nil
		}
		t, err := time.ParseInLocation(time.DateTime, strings.TrimSpace(s.at(i)), fz)
		if err != nil {
			return dst, true, nil
		}
		return t.In(tz).AppendFormat(dst, time.DateTime), false, nil
	}
}

var zones sync.Map // name → *time.Location (nil: unknown)

func zoneNamed(name string) (*time.Location, bool) {
	if z, ok := zones.Load(name); ok {
		return z.(*time.Location), z.(*time.Location) != nil
	}
	z, err := time.LoadLocation(name)
	if err != nil {
		z = nil
	}
	zones.Store(name, z)
	return z, z != nil
}
