package planner

import (
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
)

// extNode is a plan node that carries its own changelog mode, physical
// EXPLAIN form and translation. Nodes defined in their own files (the
// joins, Expand, ...) implement it instead of adding a case to each of
// the central type switches (ModeOf, explainer.node, translator.node);
// their logical EXPLAIN line is describe(), the fallback of astNode.
type extNode interface {
	Node
	// changelogMode is the node's output in streaming mode (ModeOf is
	// insert-only in batch mode without asking).
	changelogMode() connector.ChangelogMode
	// explain is the node's physical EXPLAIN tree: its own line, with the
	// exchanges the translation puts before it (e.exchange) over e.node of
	// each input.
	explain(e *explainer) *xnode
	// translate builds the node's vertices, translating its inputs with
	// t.node.
	translate(t *translator) (*engine.Vertex, error)
}

// uniqueKeyer is a node that knows a unique key of its output (UniqueKey).
type uniqueKeyer interface {
	uniqueKey() []int
}
