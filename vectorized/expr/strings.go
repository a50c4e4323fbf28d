package expr

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"golang.org/x/text/cases"
	"golang.org/x/text/language"

	"github.com/sluice-stream/sluice/vectorized"
)

// fnBinder binds a function with a fixed argument signature (see argKinds)
// and result type.
func fnBinder(kinds string, typ arrow.DataType, fails bool, fn kernelFn) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		a, ok := argKinds(args, kinds)
		if !ok {
			return nil, noMatch()
		}
		c := &callExpr{name: name, args: a, typ: typ, fn: fn, fails: fails, scalarOK: true}
		return foldLiteral(c), nil
	}
}

func init() {
	register("CONCAT", []string{"CONCAT(STRING...)", "CONCAT(BYTES...)"}, bindConcat)
	register("CONCAT_WS", []string{"CONCAT_WS(STRING, STRING...)"}, bindConcatWs)
	register("SUBSTRING", []string{"SUBSTRING(STRING, INT)", "SUBSTRING(STRING, INT, INT)"},
		fnBinder("SI?I", tString, false, strKernel(substringSetup)), "SUBSTR")
	register("UPPER", []string{"UPPER(STRING)"}, fnBinder("S", tString, false, strKernel(caseSetup(true))))
	register("LOWER", []string{"LOWER(STRING)"}, fnBinder("S", tString, false, strKernel(caseSetup(false))))
	register("TRIM", []string{"TRIM(STRING)", "TRIM(mode STRING, chars STRING, STRING)"}, bindTrim)
	register("LTRIM", []string{"LTRIM(STRING)", "LTRIM(STRING, chars STRING)"}, fnBinder("S?S", tString, false, strKernel(trimSetup(true, false, -1))))
	register("RTRIM", []string{"RTRIM(STRING)", "RTRIM(STRING, chars STRING)"}, fnBinder("S?S", tString, false, strKernel(trimSetup(false, true, -1))))
	register("CHAR_LENGTH", []string{"CHAR_LENGTH(STRING)"}, fnBinder("S", tInt32, false, fixedKernel(charLengthSetup)), "CHARACTER_LENGTH")
	register("REPLACE", []string{"REPLACE(STRING, STRING, STRING)"}, fnBinder("SSS", tString, false, strKernel(replaceSetup)))
	register("SPLIT_INDEX", []string{"SPLIT_INDEX(STRING, STRING, INT)"}, fnBinder("SSI", tString, false, strKernel(splitIndexSetup)))
	register("LPAD", []string{"LPAD(STRING, INT, STRING)"}, fnBinder("SIS", tString, false, strKernel(padSetup(true))))
	register("RPAD", []string{"RPAD(STRING, INT, STRING)"}, fnBinder("SIS", tString, false, strKernel(padSetup(false))))
	register("POSITION", []string{"POSITION(needle STRING, haystack STRING)"}, fnBinder("SS", tInt32, false, fixedKernel(locateSetup)))
	register("LOCATE", []string{"LOCATE(needle STRING, haystack STRING)", "LOCATE(needle STRING, haystack STRING, INT)"},
		fnBinder("SS?I", tInt32, false, fixedKernel(locateSetup)))
	register("INITCAP", []string{"INITCAP(STRING)"}, fnBinder("S", tString, false, strKernel(initcapSetup)))
	register("REVERSE", []string{"REVERSE(STRING)"}, fnBinder("S", tString, false, strKernel(reverseSetup)))
	register("REPEAT", []string{"REPEAT(STRING, INT)"}, fnBinder("SI", tString, false, strKernel(repeatSetup)))
	register("ASCII", []string{"ASCII(STRING)"}, fnBinder("S", tInt32, false, fixedKernel(asciiSetup)))
	register("CHR", []string{"CHR(INT)"}, fnBinder("I", tString, false, strKernel(chrSetup)))
	for name, h := range map[string]func() hash.Hash{
		"MD5": md5.New, "SHA1": sha1.New, "SHA224": sha256.New224, "SHA256": sha256.New,
		"SHA384": sha512.New384, "SHA512": sha512.New,
	} {
		register(name, []string{name + "(STRING)", name + "(BYTES)"}, fnBinder("X", tString, false, strKernel(hashSetup(h))))
	}
	register("SHA2", []string{"SHA2(STRING, INT)"}, bindSha2)
	register("TO_BASE64", []string{"TO_BASE64(STRING)", "TO_BASE64(BYTES)"}, fnBinder("X", tString, false, strKernel(toBase64Setup)))
	register("FROM_BASE64", []string{"FROM_BASE64(STRING)"}, fnBinder("X", tString, true, strKernel(fromBase64Setup)))
}

// bindConcat: Flink's CONCAT is NULL when any argument is NULL
// (BinaryStringDataUtil.concat).
func bindConcat(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) == 0 {
		return nil, noMatch()
	}
	typ := tString
	for _, a := range args {
		if familyOf(a.DataType()) == famBinary {
			typ = tBinary
		}
	}
	out := make([]vectorized.Expr, len(args))
	for i, a := range args {
		f := familyOf(a.DataType())
		switch {
		case f == famNull:
			out[i] = implicit(a, typ)
		case typ == tString && f == famString, typ == tBinary && f == famBinary:
			out[i] = a
		default:
			return nil, noMatch()
		}
	}
	fn := concatKernel
	return foldLiteral(&callExpr{name: name, args: out, typ: typ, fn: fn, scalarOK: true}), nil
}

// concatKernel writes CONCAT's offsets and bytes straight into buffers
// sized once per batch (the arguments' byte counts, a literal counted once
// per row): no builder growth and no per-row copy through a scratch slice.
// A row is NULL when any argument is (andValidity); its bytes are skipped.
func concatKernel(kc *kctx, in []arrow.Array) (arrow.Array, error) {
	n := kc.n
	valid, nulls := andValidity(kc.mem, n, in...)
	vb := bitsView{}
	if valid != nil {
		vb.buf = valid.Bytes()
	}
	// per argument: a broadcast literal's bytes, or a column's offsets and
	// data, read in place
	type part struct {
		lit    []byte
		offs   []int32
		data   []byte
		scalar bool
	}
	parts := make([]part, len(in))
	total := 0
	for k, a := range in {
		acc := sAccOf(a, n)
		p := &parts[k]
		p.scalar = acc.scalar
		switch {
		case nulls == n:
		case acc.scalar:
			p.lit = acc.bytesAt(0)
			total += len(p.lit) * n
		case n > 0:
			p.offs, p.data = acc.in.offs, acc.in.data
			total += int(p.offs[n] - p.offs[0])
		}
	}
	if total > math.MaxInt32 {
		if valid != nil {
			valid.Release()
		}
		return nil, kc.fail("CONCAT", "result exceeds 2 GiB in one batch")
	}
	offBuf, offs := allocFixed[int32](kc.mem, n+1)
	dataBuf := allocBytes(kc.mem, total)
	data := dataBuf.Bytes()
	pos := 0
	offs[0] = 0
	if nulls < n {
		for i := 0; i < n; i++ {
			if vb.buf == nil || vb.get(i) {
				for k := range parts {
					p := &parts[k]
					if p.scalar {
						pos += copy(data[pos:], p.lit)
					} else {
						pos += copy(data[pos:], p.data[p.offs[i]:p.offs[i+1]])
					}
				}
			}
			offs[i+1] = int32(pos)
		}
	} else {
		clear(offs)
	}
	dataBuf.Resize(pos)
	return makeArray(kc.call.typ, n, valid, nulls, offBuf, dataBuf), nil
}

// bindConcatWs: NULL only when the separator is NULL; NULL arguments are
// skipped, empty strings are not (BinaryStringDataUtil.concatWs).
func bindConcatWs(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) < 2 {
		return nil, noMatch()
	}
	kinds := strings.Repeat("S", len(args))
	a, ok := argKinds(args, kinds)
	if !ok {
		return nil, noMatch()
	}
	fn := func(kc *kctx, in []arrow.Array) (arrow.Array, error) {
		n := kc.n
		sep := sAccOf(in[0], n)
		sepValid := validity(in[0])
		accs := make([]sAcc, len(in)-1)
		valids := make([]bitsView, len(in)-1)
		for i, x := range in[1:] {
			accs[i] = sAccOf(x, n)
			valids[i] = validity(x)
		}
		out := newStrOut(kc.mem, tString, n, 0)
		var scratch []byte
		for i := 0; i < n; i++ {
			si := i
			if sep.scalar {
				si = 0
			}
			if !sepValid.get(si) {
				out.AppendNull()
				continue
			}
			scratch = scratch[:0]
			first := true
			for k, acc := range accs {
				ri := i
				if acc.scalar {
					ri = 0
				}
				if !valids[k].get(ri) {
					continue
				}
				if !first {
					scratch = append(scratch, sep.bytesAt(i)...)
				}
				first = false
				scratch = append(scratch, acc.bytesAt(i)...)
			}
			out.Append(scratch)
		}
		return out.finish(), nil
	}
	return foldLiteral(&callExpr{name: name, args: a, typ: tString, fn: fn, scalarOK: true}), nil
}

// runeSlice returns the byte range of code points [start, end) of s.
func runeSlice(s string, start, end int) string {
	if start >= end {
		return ""
	}
	bs, i := -1, 0
	for pos := range s {
		if i == start {
			bs = pos
		}
		if i == end {
			return s[bs:pos]
		}
		i++
	}
	if bs < 0 {
		return ""
	}
	return s[bs:]
}

// substringSetup: 1-based positions in characters. Flink's
// BinaryStringDataUtil.substringSQL: a negative start counts from the end,
// 0 behaves like 1, a start beyond the end gives ”, a negative length gives
// NULL.
func substringSetup(kc *kctx, in []arrow.Array) rowFn {
	s, pos := sAccOf(in[0], kc.n), iAccOf(in[1], kc.n)
	var length iAcc
	hasLen := len(in) == 3
	if hasLen {
		length = iAccOf(in[2], kc.n)
	}
	return func(i int, dst []byte) ([]byte, bool, error) {
		str := s.at(i)
		p := pos.at(i)
		l := int64(1<<31 - 1)
		if hasLen {
			l = length.at(i)
		}
		if l < 0 {
			return dst, true, nil
		}
		if str == "" {
			return dst, false, nil
		}
		nc := int64(utf8.RuneCountInString(str))
		var start int64
		switch {
		case p > 0:
			start = p - 1
			if start >= nc {
				return dst, false, nil
			}
		case p < 0:
			start = nc + p
			if start < 0 {
				return dst, false, nil
			}
		}
		end := nc
		if nc-start >= l {
			end = start + l
		}
		return append(dst, runeSlice(str, int(start), int(end))...), false, nil
	}
}

// caseSetup maps every character; ASCII takes a fast path. (Java's
// toUpperCase also expands a few characters such as ß to SS; Go's simple
// case mapping keeps them.)
// caseSetup maps a string to upper or lower case with the full Unicode
// mappings Java's String.toUpperCase/toLowerCase use (Flink calls those):
// ß becomes SS, İ becomes i plus a combining dot, a final Σ becomes ς.
// ASCII-only strings take a byte loop.
func caseSetup(upper bool) func(kc *kctx, in []arrow.Array) rowFn {
	return func(kc *kctx, in []arrow.Array) rowFn {
		s := sAccOf(in[0], kc.n)
		// a Caser keeps state between calls: one per kernel run
		var caser cases.Caser
		if upper {
			caser = cases.Upper(language.Und)
		} else {
			caser = cases.Lower(language.Und)
		}
		return func(i int, dst []byte) ([]byte, bool, error) {
			b := s.bytesAt(i)
			start := len(dst)
			for k := 0; k < len(b); k++ {
				c := b[k]
				if c >= utf8.RuneSelf {
					caser.Reset()
					return append(dst[:start], caser.Bytes(b)...), false, nil
				}
				if upper && 'a' <= c && c <= 'z' {
					c -= 'a' - 'A'
				} else if !upper && 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				dst = append(dst, c)
			}
			return dst, false, nil
		}
	}
}

// bindTrim: TRIM(s) removes spaces at both ends; the SQL form
// TRIM(BOTH|LEADING|TRAILING chars FROM s) arrives as TRIM(mode, chars, s).
// Flink removes any of the characters in chars (BinaryStringData.trim).
func bindTrim(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	switch len(args) {
	case 1:
		return fnBinder("S", tString, false, strKernel(trimSetup(true, true, -1)))(name, args)
	case 3:
		mode, ok := literalString(args[0])
		if !ok {
			return nil, noMatchf("the trim mode must be a literal BOTH, LEADING or TRAILING")
		}
		var left, right bool
		switch strings.ToUpper(mode) {
		case "BOTH":
			left, right = true, true
		case "LEADING":
			left = true
		case "TRAILING":
			right = true
		default:
			return nil, noMatchf("unknown trim mode %q", mode)
		}
		a, ok := argKinds(args[1:], "SS")
		if !ok {
			return nil, noMatch()
		}
		// kernel arguments: s, chars
		c := &callExpr{name: name, args: []vectorized.Expr{a[1], a[0]}, typ: tString, scalarOK: true,
			fn: strKernel(trimSetup(left, right, 1))}
		return &trimExpr{callExpr: *c, mode: strings.ToUpper(mode)}, nil
	}
	return nil, noMatch()
}

// trimExpr renders the SQL form of a three-argument TRIM.
type trimExpr struct {
	callExpr
	mode string
}

func (t *trimExpr) String() string {
	return "TRIM(" + t.mode + " " + t.args[1].String() + " FROM " + t.args[0].String() + ")"
}

// trimSetup trims the characters of the chars argument (index charsArg, or
// the second argument when -1 and present) or spaces.
func trimSetup(left, right bool, charsArg int) func(kc *kctx, in []arrow.Array) rowFn {
	return func(kc *kctx, in []arrow.Array) rowFn {
		s := sAccOf(in[0], kc.n)
		var chars sAcc
		has := false
		ci := charsArg
		if ci < 0 && len(in) == 2 {
			ci = 1
		}
		if ci > 0 && ci < len(in) {
			chars, has = sAccOf(in[ci], kc.n), true
		}
		return func(i int, dst []byte) ([]byte, bool, error) {
			str := s.at(i)
			set := " "
			if has {
				set = chars.at(i)
			}
			if left {
				str = strings.TrimLeft(str, set)
			}
			if right {
				str = strings.TrimRight(str, set)
			}
			return append(dst, str...), false, nil
		}
	}
}

// charLengthSetup counts characters (code points), not bytes.
func charLengthSetup(kc *kctx, in []arrow.Array) fixedRowFn[int32] {
	s := sAccOf(in[0], kc.n)
	return func(i int) (int32, bool, error) {
		return int32(utf8.RuneCount(s.bytesAt(i))), false, nil
	}
}

// replaceSetup replaces every non-overlapping occurrence; an empty search
// string leaves the input unchanged (BinaryStringData.replace).
func replaceSetup(kc *kctx, in []arrow.Array) rowFn {
	s, search, repl := sAccOf(in[0], kc.n), sAccOf(in[1], kc.n), sAccOf(in[2], kc.n)
	return func(i int, dst []byte) ([]byte, bool, error) {
		str, old, nw := s.bytesAt(i), search.bytesAt(i), repl.bytesAt(i)
		if len(old) == 0 {
			// Flink (Java's String.replace) matches the empty string before
			// every character and at the end: REPLACE('ab', '', '#') is #a#b#
			for _, r := range string(str) {
				dst = append(dst, nw...)
				dst = utf8.AppendRune(dst, r)
			}
			return append(dst, nw...), false, nil
		}
		for {
			k := bytes.Index(str, old)
			if k < 0 {
				break
			}
			dst = append(dst, str[:k]...)
			dst = append(dst, nw...)
			str = str[k+len(old):]
		}
		return append(dst, str...), false, nil
	}
}

// splitIndexSetup: Flink's SqlFunctionUtils.splitIndex splits with
// StringUtils.splitByWholeSeparatorPreserveAllTokens (an empty separator
// splits on spaces, an empty string has no tokens) and is NULL for an index
// out of range.
func splitIndexSetup(kc *kctx, in []arrow.Array) rowFn {
	s, sep, idx := sAccOf(in[0], kc.n), sAccOf(in[1], kc.n), iAccOf(in[2], kc.n)
	return func(i int, dst []byte) ([]byte, bool, error) {
		str, d, k := s.at(i), sep.at(i), idx.at(i)
		if k < 0 || str == "" {
			return dst, true, nil
		}
		if d == "" {
			d = " "
		}
		for ; k > 0; k-- {
			j := strings.Index(str, d)
			if j < 0 {
				return dst, true, nil
			}
			str = str[j+len(d):]
		}
		if j := strings.Index(str, d); j >= 0 {
			str = str[:j]
		}
		return append(dst, str...), false, nil
	}
}

// padSetup: Flink's SqlFunctionUtils.lpad/rpad — NULL for a negative length
// or an empty pad, the input cut to the length when it is longer.
func padSetup(leftPad bool) func(kc *kctx, in []arrow.Array) rowFn {
	return func(kc *kctx, in []arrow.Array) rowFn {
		s, ln, padA := sAccOf(in[0], kc.n), iAccOf(in[1], kc.n), sAccOf(in[2], kc.n)
		return func(i int, dst []byte) ([]byte, bool, error) {
			str, l, pad := s.at(i), ln.at(i), padA.at(i)
			if l < 0 || pad == "" {
				return dst, true, nil
			}
			nc := int64(utf8.RuneCountInString(str))
			if nc >= l {
				return append(dst, runeSlice(str, 0, int(l))...), false, nil
			}
			need := int(l - nc)
			appendPad := func(dst []byte) []byte {
				k := 0
				for k < need {
					for _, r := range pad {
						if k == need {
							break
						}
						dst = utf8.AppendRune(dst, r)
						k++
					}
				}
				return dst
			}
			if leftPad {
				dst = appendPad(dst)
				return append(dst, str...), false, nil
			}
			dst = append(dst, str...)
			return appendPad(dst), false, nil
		}
	}
}

// locateSetup is POSITION(needle IN haystack) and LOCATE(needle, haystack[,
// start]): the 1-based character position of the first occurrence at or
// after start, 0 when absent (Calcite's SqlFunctions.position; a start
// below 1 or past the end gives 0).
func locateSetup(kc *kctx, in []arrow.Array) fixedRowFn[int32] {
	needle, hay := sAccOf(in[0], kc.n), sAccOf(in[1], kc.n)
	var from iAcc
	hasFrom := len(in) == 3
	if hasFrom {
		from = iAccOf(in[2], kc.n)
	}
	return func(i int) (int32, bool, error) {
		nd, h := needle.at(i), hay.at(i)
		start := int64(1)
		if hasFrom {
			start = from.at(i)
		}
		// Flink's position: the empty string is found at 1 wherever the
		// search starts, and a start before 1 searches from 1.
		if nd == "" {
			return 1, false, nil
		}
		start = max(start, 1)
		nc := int64(utf8.RuneCountInString(h))
		if start-1 > nc {
			return 0, false, nil
		}
		skip := runeSlice(h, 0, int(start-1))
		k := strings.Index(h[len(skip):], nd)
		if k < 0 {
			return 0, false, nil
		}
		return int32(start + int64(utf8.RuneCountInString(h[len(skip):len(skip)+k]))), false, nil
	}
}

// initcapSetup: Calcite's SqlFunctions.initcap — words are runs of ASCII
// letters and digits; their first letter is upper-cased, the rest lower.
func initcapSetup(kc *kctx, in []arrow.Array) rowFn {
	s := sAccOf(in[0], kc.n)
	return func(i int, dst []byte) ([]byte, bool, error) {
		start := true
		for _, r := range s.at(i) {
			isDigit := r >= '0' && r <= '9'
			isUpper := r >= 'A' && r <= 'Z'
			isLower := r >= 'a' && r <= 'z'
			switch {
			case start && isLower:
				r -= 'a' - 'A'
				start = false
			case start && (isDigit || isUpper):
				start = false
			case !start && isUpper:
				r += 'a' - 'A'
			case !start && !isDigit && !isLower:
				start = true
			}
			dst = utf8.AppendRune(dst, r)
		}
		return dst, false, nil
	}
}

func reverseSetup(kc *kctx, in []arrow.Array) rowFn {
	s := sAccOf(in[0], kc.n)
	return func(i int, dst []byte) ([]byte, bool, error) {
		b := s.bytesAt(i)
		for len(b) > 0 {
			r, w := utf8.DecodeLastRune(b)
			dst = utf8.AppendRune(dst, r)
			b = b[:len(b)-w]
		}
		return dst, false, nil
	}
}

// repeatSetup: REPEAT(s, n) is ” for n <= 0.
func repeatSetup(kc *kctx, in []arrow.Array) rowFn {
	s, times := sAccOf(in[0], kc.n), iAccOf(in[1], kc.n)
	return func(i int, dst []byte) ([]byte, bool, error) {
		b := s.bytesAt(i)
		for k := int64(0); k < times.at(i); k++ {
			dst = append(dst, b...)
		}
		return dst, false, nil
	}
}

// asciiSetup: the code of the first character, 0 for ”.
func asciiSetup(kc *kctx, in []arrow.Array) fixedRowFn[int32] {
	s := sAccOf(in[0], kc.n)
	return func(i int) (int32, bool, error) {
		str := s.at(i)
		if str == "" {
			return 0, false, nil
		}
		r, _ := utf8.DecodeRuneInString(str)
		return int32(r), false, nil
	}
}

// chrSetup: the character with the code n modulo 256 (Flink's CHR works on
// Latin-1 codes); NULL for negative n.
func chrSetup(kc *kctx, in []arrow.Array) rowFn {
	v := iAccOf(in[0], kc.n)
	return func(i int, dst []byte) ([]byte, bool, error) {
		c := v.at(i)
		if c < 0 {
			return dst, true, nil
		}
		return utf8.AppendRune(dst, rune(c%256)), false, nil
	}
}

// hashSetup renders a digest as lower-case hex (Flink:
// BinaryStringDataUtil.hash with EncodingUtils.hex).
func hashSetup(h func() hash.Hash) func(kc *kctx, in []arrow.Array) rowFn {
	return func(kc *kctx, in []arrow.Array) rowFn {
		s := sAccOf(in[0], kc.n)
		d := h()
		var sum []byte
		return func(i int, dst []byte) ([]byte, bool, error) {
			d.Reset()
			d.Write(s.bytesAt(i))
			sum = d.Sum(sum[:0])
			return hex.AppendEncode(dst, sum), false, nil
		}
	}
}

// bindSha2: SHA2(s, bits) with bits 224, 256, 384 or 512; Flink returns
// NULL for other lengths.
func bindSha2(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	a, ok := argKinds(args, "XI")
	if !ok {
		return nil, noMatch()
	}
	fn := strKernel(func(kc *kctx, in []arrow.Array) rowFn {
		s, bits := sAccOf(in[0], kc.n), iAccOf(in[1], kc.n)
		return func(i int, dst []byte) ([]byte, bool, error) {
			var d hash.Hash
			switch bits.at(i) {
			case 224:
				d = sha256.New224()
			case 256:
				d = sha256.New()
			case 384:
				d = sha512.New384()
			case 512:
				d = sha512.New()
			default:
				return dst, true, nil
			}
			d.Write(s.bytesAt(i))
			return hex.AppendEncode(dst, d.Sum(nil)), false, nil
		}
	})
	return foldLiteral(&callExpr{name: name, args: a, typ: tString, fn: fn, scalarOK: true}), nil
}

func toBase64Setup(kc *kctx, in []arrow.Array) rowFn {
	s := sAccOf(in[0], kc.n)
	return func(i int, dst []byte) ([]byte, bool, error) {
		return base64.StdEncoding.AppendEncode(dst, s.bytesAt(i)), false, nil
	}
}

// fromBase64Setup: malformed input fails, as Java's Base64 decoder throws.
func fromBase64Setup(kc *kctx, in []arrow.Array) rowFn {
	s := sAccOf(in[0], kc.n)
	return func(i int, dst []byte) ([]byte, bool, error) {
		out, err := base64.StdEncoding.AppendDecode(dst, s.bytesAt(i))
		if err != nil {
			return dst, false, kc.fail("FROM_BASE64("+quoteSQL(s.at(i))+")", "not valid base64: "+err.Error())
		}
		return out, false, nil
	}
}
