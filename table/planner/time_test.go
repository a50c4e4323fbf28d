package planner

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	_ "github.com/sluice-stream/sluice/connectors/values"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/connector"
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

// splitWatermarks is a connector that generates watermarks itself when the
// planner hands it the table's strategy.
type splitWatermarks struct{ got **connector.Context }

func (splitWatermarks) Identifier() string          { return "test-split-watermarks" }
func (splitWatermarks) Options() []connector.Option { return nil }
func (f splitWatermarks) NewSource(ctx *connector.Context) (*connector.Source, error) {
	*f.got = ctx
	return &connector.Source{Bounded: true, Mode: connector.InsertOnly, Watermarks: ctx.Watermark != nil,
		Instance: func(int, int) engine.Source { return nil }}, nil
}

// TestWatermarkPushDown: a WATERMARK over physical columns reaches the
// connector (with the emit strategy and idle timeout); a source that
// takes it gets no assigner, its rowtime is still marked. One reading a
// computed column is not pushed.
func TestWatermarkPushDown(t *testing.T) {
	var got *connector.Context
	connector.Register(splitWatermarks{got: &got})
	col := func(n string) *sql.ColumnRef { return &sql.ColumnRef{Parts: []*sql.Ident{{Name: n}}} }
	for _, c := range []struct {
		name   string
		column string
		pushed bool
	}{
		{"physical", "ts", true},
		{"computed", "t2", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			tab := &catalog.Table{Name: "t", Columns: []catalog.Column{
				{Name: "ts", Type: types.TIMESTAMP(3)},
				{Name: "t2", Kind: catalog.Computed, Expr: col("ts")},
			},
				Options:   map[string]string{"connector": "test-split-watermarks", OptionEmitStrategy: "on-event", OptionIdleTimeout: "2 s"},
				Watermark: &catalog.Watermark{Column: c.column, Expr: col(c.column)}}
			cat := catalog.New()
			require.NoError(t, cat.CreateTable(tab, false))
			p := &Planner{Catalog: cat, Streaming: true, Config: engine.Config{}}
			n, err := p.bindTable(&sql.QualifiedName{Parts: []*sql.Ident{{Name: "t"}}})
			require.NoError(t, err)
			_, options := got.Options[OptionEmitStrategy]
			require.False(t, options, "planner options reach the connector")
			_, assigner := n.(*WatermarkAssigner)
			require.Equal(t, !c.pushed, assigner)
			rowtime := 0
			if c.column == "t2" {
				rowtime = 1
			}
			require.Equal(t, types.Rowtime, n.Schema()[rowtime].Type.TimeAttr)
			if !c.pushed {
				require.Nil(t, got.Watermark)
				return
			}
			require.NotNil(t, got.Watermark)
			require.Contains(t, p.ExplainPlan(n, nil), "TableSourceScan(table=[[default_catalog, default_database, t, watermark=[ts]]], fields=[ts])")
			require.Equal(t, time.Duration(0), got.Watermark.Interval)
			require.Equal(t, 2*time.Second, got.Watermark.IdleTimeout)
		})
	}
}
