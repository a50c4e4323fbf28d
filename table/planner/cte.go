package planner

import (
	"github.com/sluice-stream/sluice/table/sql"
)

// bindWith binds WITH a AS (q1), b AS (q2) body. Each WITH query is
// visible to the ones after it and to the body, and shadows a catalog
// table of the same name; a later query of the same name shadows an
// earlier one (Calcite's scoping). A reference is bound anew each time
// (bindCTE), so a WITH query used twice is planned twice, as Flink
// inlines it.
func (p *Planner) bindWith(q *sql.With) (Node, error) {
	saved := p.ctes
	defer func() { p.ctes = saved }()
	for _, c := range q.CTEs {
		// Flink validates every WITH query, referenced or not.
		if _, err := p.bindCTEQuery(c); err != nil {
			return nil, err
		}
		// The full slice expression keeps an enclosing WITH's list (shared
		// by the plans bound from it) from being overwritten.
		p.ctes = append(p.ctes[:len(p.ctes):len(p.ctes)], c)
	}
	return p.BindQuery(q.Body)
}

// bindCTE binds a reference to the innermost WITH query named name, in
// the scope the query was defined in: it sees only the WITH queries before
// it. ok is false when no WITH query has that name.
func (p *Planner) bindCTE(name *sql.QualifiedName) (n Node, ok bool, err error) {
	if len(name.Parts) != 1 {
		return nil, false, nil
	}
	for i := len(p.ctes) - 1; i >= 0; i-- {
		// Names are case-sensitive, as Flink's catalog names.
		if p.ctes[i].Name.Name != name.Unqualified() {
			continue
		}
		saved := p.ctes
		p.ctes = p.ctes[:i]
		n, err = p.bindCTEQuery(saved[i])
		p.ctes = saved
		return n, true, err
	}
	return nil, false, nil
}

// bindCTEQuery binds a WITH query and names its columns by its column list.
func (p *Planner) bindCTEQuery(c *sql.CTE) (Node, error) {
	if v, ok := c.Query.(*sql.Values); ok && len(c.Columns) > 0 {
		// VALUES are typed under their final names, as in FROM (VALUES ...) t(c).
		if len(v.Rows) > 0 && len(v.Rows[0].Items) != len(c.Columns) {
			return nil, p.ErrAt(c.Pos(), "the number of column names (%d) of WITH query %s must match its number of columns (%d)", len(c.Columns), c.Name.Name, len(v.Rows[0].Items))
		}
		return p.bindValues(v, c.Columns)
	}
	n, err := p.BindQuery(c.Query)
	if err != nil {
		return nil, err
	}
	if len(c.Columns) > 0 && len(c.Columns) != len(n.Schema()) {
		return nil, p.ErrAt(c.Pos(), "the number of column names (%d) of WITH query %s must match its number of columns (%d)", len(c.Columns), c.Name.Name, len(n.Schema()))
	}
	return p.renameColumns(n, c.Columns, c.Pos())
}
