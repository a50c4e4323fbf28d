package jdbc

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/connectors/internal/option"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/vectorized"
)

// source is one subtask of a JDBC scan. Without partitioning subtask 0
// reads the whole table; with it, subtask s reads ranges s, s+n, s+2n, …
// of the n subtasks, so every range is read exactly once.
type source struct {
	cfg         *scanConfig
	subtask     int
	parallelism int

	db    *sql.DB
	rb    *array.RecordBuilder
	cells []cell
	dest  []any
	batch int
}

func (s *source) String() string { return "JdbcSource(" + s.cfg.name.String() + ")" }

// cell is the scan target of one column: database/sql hands it the
// driver's value, which goes straight into the column's Arrow builder.
type cell struct {
	app     appender
	b       array.Builder
	notNull bool
	// err and value describe the value that did not fit.
	err   error
	value string
}

// Scan implements sql.Scanner.
func (c *cell) Scan(src any) error {
	if src == nil {
		if c.notNull {
			c.err, c.value = fmt.Errorf("NULL in a NOT NULL column"), "NULL"
			return c.err
		}
		c.b.AppendNull()
		return nil
	}
	if err := c.app(src); err != nil {
		c.err, c.value = err, describeValue(src)
		return err
	}
	return nil
}

func (s *source) Open(ctx context.Context, rt *engine.RuntimeContext) error {
	s.batch = s.cfg.batch
	if rt.Config != nil {
		var err error
		if s.batch, err = option.BatchSize(rt.Config); err != nil {
			return fail("%v", err)
		}
	}
	if s.parallelism < 1 {
		s.parallelism = 1
	}
	db, err := openDB(ctx, s.cfg.tableConfig, false)
	if err != nil {
		return err
	}
	s.db = db
	if _, err := inspect(ctx, db, s.cfg.tableConfig); err != nil {
		return err
	}
	s.rb = array.NewRecordBuilder(rt.Mem, s.cfg.schema)
	s.cells = make([]cell, len(s.cfg.cols))
	s.dest = make([]any, len(s.cfg.cols))
	for i, c := range s.cfg.cols {
		s.cells[i] = cell{app: newAppender(c.Type, s.rb.Field(i)), b: s.rb.Field(i), notNull: c.Type.NotNull}
		s.dest[i] = &s.cells[i]
	}
	return nil
}

// Run reads this subtask's ranges and emits their rows in batches of
// sluice.exec.batch-size.
func (s *source) Run(ctx context.Context, out engine.Collector) error {
	if s.cfg.splits == nil {
		if s.subtask != 0 {
			return nil
		}
		if err := s.scan(ctx, out, "", nil); err != nil {
			return err
		}
		return s.emit(ctx, out, true)
	}
	for i := s.subtask; i < len(s.cfg.splits); i += s.parallelism {
		sp := s.cfg.splits[i]
		where := s.cfg.partCol + " BETWEEN ? AND ?"
		if err := s.scan(ctx, out, where, []any{sp.lo, sp.hi}); err != nil {
			return err
		}
	}
	return s.emit(ctx, out, true)
}

// scan runs one SELECT. Statements are prepared so that MySQL answers in
// its binary protocol: numbers arrive as numbers (a DOUBLE keeps every
// bit), not as text.
func (s *source) scan(ctx context.Context, out engine.Collector, where string, args []any) error {
	query := s.cfg.stmts.selectAll(where)
	var q interface {
		PrepareContext(context.Context, string) (*sql.Stmt, error)
	} = s.db
	if !s.cfg.autoCommit {
		// Without auto-commit the range is read in one transaction: one
		// consistent snapshot under REPEATABLE READ.
		tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: s.cfg.ep.dialect == mysqlDialect})
		if err != nil {
			return s.readErr(where, args, err)
		}
		defer tx.Rollback()
		q = tx
	}
	st, err := q.PrepareContext(ctx, query)
	if err != nil {
		return s.readErr(where, args, err)
	}
	defer st.Close()
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return s.readErr(where, args, err)
	}
	defer rows.Close()
	for row := 1; rows.Next(); row++ {
		if err := rows.Scan(s.dest...); err != nil {
			for i := range s.cells {
				if c := &s.cells[i]; c.err != nil {
					err := fail("table %s in %s: column %s, row %d%s: value %s does not fit %s: %v",
						s.cfg.name, s.cfg.whereTable(), s.cfg.cols[i].Name, row, rangeText(where, args), c.value, s.cfg.cols[i].Type, c.err)
					c.err = nil
					return err
				}
			}
			return s.readErr(where, args, err)
		}
		if s.rb.Field(0).Len() >= s.batch {
			if err := s.emit(ctx, out, false); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return s.readErr(where, args, err)
	}
	return nil
}

func rangeText(where string, args []any) string {
	if where == "" {
		return ""
	}
	return fmt.Sprintf(" of the range [%d, %d]", args[0], args[1])
}

func (s *source) readErr(where string, args []any, err error) error {
	return fail("reading table %s%s from %s: %v", s.cfg.name, rangeText(where, args), s.cfg.whereTable(), err)
}

// emit sends the rows built so far; with all false only a full batch.
func (s *source) emit(ctx context.Context, out engine.Collector, all bool) error {
	n := s.rb.Field(0).Len()
	if n == 0 || (!all && n < s.batch) {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b := vectorized.NewBatch(s.rb.NewRecordBatch())
	defer b.Release()
	return out.Collect(ctx, b)
}

func (s *source) Close() error {
	if s.rb != nil {
		s.rb.Release()
		s.rb = nil
	}
	if s.db != nil {
		err := s.db.Close()
		s.db = nil
		if err != nil {
			return fail("closing the connection to %s: %v", s.cfg.ep.where(), err)
		}
	}
	return nil
}
