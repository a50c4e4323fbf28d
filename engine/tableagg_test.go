package engine

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"
)

func TestRetractAsDelete(t *testing.T) {
	schema := schemaOf(field("k", arrow.BinaryTypes.String), field("v", arrow.PrimitiveTypes.Int64))
	for _, tc := range []struct {
		name  string
		kinds string // "" for an append-only batch
		want  []string
	}{
		{"append-only", "", []string{"+I[a, 1]", "+I[a, 2]", "+I[b, 3]"}},
		{"updates", "-U +U +U", []string{"-D[a, 1]", "+I[a, 2]", "+I[b, 3]"}},
		{"insert and delete pass", "+I -D -U", []string{"+I[a, 1]", "-D[a, 2]", "-D[b, 3]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := checkedMem(t)
			h := newHarness(t, mem, NewRetractAsDelete(), Config{})
			var ks = kinds(tc.kinds)
			got := h.process(makeBatch(t, mem, schema, ks, []any{"a", int64(1)}, []any{"a", int64(2)}, []any{"b", int64(3)}))
			require.Equal(t, tc.want, strs(got))
		})
	}
}
