package expr

import (
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
)

func init() {
	register("OVERLAY", []string{"OVERLAY(STRING PLACING STRING FROM INT)", "OVERLAY(STRING PLACING STRING FROM INT FOR INT)"},
		fnBinder("SSI?I", tString, false, strKernel(overlaySetup)))
}

// overlaySetup: OVERLAY(s PLACING r FROM start [FOR length]) is the first
// start-1 characters of s, r, then s from character start+length (length
// defaults to r's), as Calcite's SqlFunctions.overlay; positions past the
// ends are clamped.
func overlaySetup(kc *kctx, in []arrow.Array) rowFn {
	s, r, from := sAccOf(in[0], kc.n), sAccOf(in[1], kc.n), iAccOf(in[2], kc.n)
	var length iAcc
	hasLen := len(in) == 4
	if hasLen {
		length = iAccOf(in[3], kc.n)
	}
	return func(i int, dst []byte) ([]byte, bool, error) {
		str, repl := s.at(i), r.at(i)
		n := int64(utf8.RuneCountInString(str))
		l := int64(utf8.RuneCountInString(repl))
		if hasLen {
			l = length.at(i)
		}
		clamp := func(x int64) int {
			return int(min(max(x, 0), n))
		}
		head := clamp(from.at(i) - 1)
		tail := clamp(from.at(i) - 1 + l)
		dst = append(dst, runeSlice(str, 0, head)...)
		dst = append(dst, repl...)
		return append(dst, runeSlice(str, tail, int(n))...), false, nil
	}
}
