package expr

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

// TestConcatColumns runs CONCAT's kernel over columns (not folded): NULL
// when any argument is NULL, literals broadcast, sliced inputs read from
// their offset, BYTES when an argument is BYTES, and an empty batch.
func TestConcatColumns(t *testing.T) {
	bin := arrow.BinaryTypes.Binary
	cases := []struct {
		name string
		cols func() []arrow.Array
		lits []any // appended as literals after the columns
		want []string
	}{
		{"two columns with nulls", func() []arrow.Array {
			return []arrow.Array{col(t, tString, "a", nil, "", "ü"), col(t, tString, "x", "y", nil, "€")}
		}, nil, []string{"ax", "NULL", "NULL", "ü€"}},
		{"literal and column", func() []arrow.Array {
			return []arrow.Array{col(t, tString, "1", "22", "")}
		}, []any{"-p"}, []string{"1-p", "22-p", "-p"}},
		{"sliced input", func() []arrow.Array {
			return []arrow.Array{sliceArr(col(t, tString, "skip", "bb", nil, "dd", "skip"), 1, 4), col(t, tString, "1", "2", "3")}
		}, nil, []string{"bb1", "NULL", "dd3"}},
		{"empty strings", func() []arrow.Array {
			return []arrow.Array{col(t, tString, "", ""), col(t, tString, "", "")}
		}, nil, []string{"", ""}},
		{"bytes", func() []arrow.Array {
			return []arrow.Array{col(t, bin, []byte{1}, []byte{}), col(t, bin, []byte{2, 3}, nil)}
		}, nil, []string{"\x01\x02\x03", "NULL"}},
		{"empty batch", func() []arrow.Array {
			return []arrow.Array{col(t, tString), col(t, tString)}
		}, nil, []string{}},
		{"null literal", func() []arrow.Array {
			return []arrow.Array{col(t, tString, "a", "b")}
		}, []any{nil}, []string{"NULL", "NULL"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rec := batch(t, c.cols()...)
			defer rec.Release()
			args := refs(rec)
			for _, l := range c.lits {
				args = append(args, lit(t, l, tString))
			}
			e := call(t, "CONCAT", args...)
			ec := testCtx()
			ec.Mem = mem
			got := evalStrings(t, ec, e, rec)
			require.Equal(t, c.want, got)
		})
	}
}

// TestConcatNoPerRowAllocations: the kernel allocates per batch, not per
// row.
func TestConcatNoPerRowAllocations(t *testing.T) {
	vals := make([]any, 4096)
	for i := range vals {
		vals[i] = "10.0.0.1"
	}
	rec := batch(t, col(t, tString, vals...), col(t, tString, vals...))
	defer rec.Release()
	e := call(t, "CONCAT", append(refs(rec), lit(t, "-", tString))...)
	ec := testCtx()
	var arr arrow.Array
	allocs := testing.AllocsPerRun(5, func() {
		var err error
		arr, err = e.Eval(ec, rec)
		require.NoError(t, err)
		arr.Release()
	})
	require.Less(t, allocs, 100.0, "allocations per batch of 4096 rows")
}
