package planner

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sluice-stream/sluice/engine"
)

// TestListAggText: plans show LISTAGG's separator only when the call gives
// one, as a SQL literal (quotes doubled), and the engine gets Flink's ','
// when it does not.
func TestListAggText(t *testing.T) {
	bar, quote, empty := "|", "it's", ""
	cases := []struct {
		sep        *string
		text, used string
	}{
		{nil, "LISTAGG(v)", ","},
		{&bar, "LISTAGG(v, '|')", "|"},
		{&quote, "LISTAGG(v, 'it''s')", "it's"},
		{&empty, "LISTAGG(v, '')", ""},
	}
	for _, c := range cases {
		assert.Equal(t, c.text, listAggText("LISTAGG", "v", c.sep))
		call := AggCall{Kind: engine.ListAgg, Arg: 0, Sep: c.sep}
		assert.Equal(t, c.used, call.engineCall().Sep)
	}
}
