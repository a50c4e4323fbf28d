package table_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/table"
)

// Sort is one ORDER BY with FETCH and OFFSET, one sort in the plan.
func TestSort(t *testing.T) {
	env := table.NewEnvironment(table.Settings{})
	logs := logsTable(t, env)
	assert.Equal(t, []string{"+I[b]", "+I[c]"}, rowsText(t, logs.Sort([]any{"uuid"}, -1, 1).Select("uuid")))
	assert.Equal(t, []string{"+I[b]"}, rowsText(t, logs.Sort([]any{"uuid"}, 1, 1).Select("uuid")))
	assert.Equal(t, []string{"+I[c]", "+I[b]"}, rowsText(t, logs.Sort([]any{"uuid.desc"}, 2, 0).Select("uuid")))
	assert.Len(t, rowsText(t, logs.Sort(nil, 2, 0)), 2)
	plan, err := logs.Sort([]any{"uuid"}, 1, 1).Explain()
	require.NoError(t, err)
	assert.Contains(t, plan, "offset=[1], fetch=[1]")
	phys, _, _ := strings.Cut(plan[strings.Index(plan, "== Optimized Physical Plan =="):], "== Optimized Execution Plan ==")
	assert.Equal(t, 1, strings.Count(phys, "Sort("), plan)
}
