package planner

import (
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/sql"
)

// TestRules pins each optimizer rule on its own: `rule name=X` binds the
// query, prints the plan, applies X once and prints the result;
// `optimize` prints the plan after all rules.
func TestRules(t *testing.T) {
	datadriven.RunTest(t, "testdata/rules", func(t *testing.T, d *datadriven.TestData) string {
		q, err := sql.ParseQuery(d.Input)
		if err != nil {
			return "error: " + err.Error() + "\n"
		}
		streaming := d.HasArg("streaming")
		p := &Planner{Catalog: catalog.New(), Streaming: streaming, Config: engine.Config{}, Source: d.Input}
		n, err := p.BindQuery(q)
		if err != nil {
			return "error: " + err.Error() + "\n"
		}
		switch d.Cmd {
		case "rule":
			var name, pre string
			d.ScanArgs(t, "name", &name)
			// pre applies another rule first, to build the shape X rewrites.
			if d.MaybeScanArgs(t, "pre", &pre); pre != "" {
				n = ApplyRule(n, pre)
			}
			found := false
			for _, r := range Rules {
				found = found || r.Name == name
			}
			if !found {
				t.Fatalf("no rule %q", name)
			}
			after := ApplyRule(n, name)
			return "before:\n" + Explain(n, streaming) + "after:\n" + Explain(after, streaming)
		case "optimize":
			return Explain(Optimize(n), streaming)
		}
		t.Fatalf("unknown command %s", d.Cmd)
		return ""
	})
}
