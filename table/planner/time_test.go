package planner

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	_ "github.com/sluice-stream/sluice/connectors/values"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
)

func TestFlinkDuration(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{10 * time.Minute, "10 min"},
		{90 * time.Second, "90 s"},
		{time.Hour, "1 h"},
		{48 * time.Hour, "2 d"},
		{1500 * time.Millisecond, "1500 ms"},
		{-time.Minute, "-1 min"},
	} {
		require.Equal(t, c.want, flinkDuration(c.d), c.d.String())
	}
}

// TestWatermarkIdleTimeout: the table option scan.watermark.idle-timeout
// wins over table.exec.source.idle-timeout, which applies otherwise; none
// means never idle.
func TestWatermarkIdleTimeout(t *testing.T) {
	for _, c := range []struct {
		name   string
		option string
		config string
		want   time.Duration
	}{
		{"none", "", "", 0},
		{"config", "", "30 s", 30 * time.Second},
		{"option", "5 s", "", 5 * time.Second},
		{"option wins", "5 s", "30 s", 5 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts := types.TIMESTAMP(3)
			tab := &catalog.Table{Name: "t", Columns: []catalog.Column{{Name: "ts", Type: ts}},
				Options:   map[string]string{"connector": "values"},
				Watermark: &catalog.Watermark{Column: "ts", Expr: &sql.ColumnRef{Parts: []*sql.Ident{{Name: "ts"}}}}}
			if c.option != "" {
				tab.Options[OptionIdleTimeout] = c.option
			}
			cfg := engine.Config{}
			if c.config != "" {
				cfg[ConfigIdleTimeout] = c.config
			}
			cat := catalog.New()
			require.NoError(t, cat.CreateTable(tab, false))
			p := &Planner{Catalog: cat, Streaming: true, Config: cfg}
			n, err := p.bindTable(&sql.QualifiedName{Parts: []*sql.Ident{{Name: "t"}}})
			require.NoError(t, err)
			wa, ok := n.(*WatermarkAssigner)
			require.True(t, ok, "%T", n)
			require.Equal(t, c.want, wa.IdleTimeout)
			require.Equal(t, types.Rowtime, wa.Schema()[0].Type.TimeAttr)
		})
	}
}
