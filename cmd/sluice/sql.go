package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/sql"
)

// runSQL is `sluice sql -f script.sql`: the statements run in order, as in
// Flink's SQL client with -f; the first failing statement stops the script
// with its position.
func runSQL(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sql", flag.ContinueOnError)
	file := fs.String("f", "", "SQL script to run")
	streaming := fs.Bool("streaming", true, "start in streaming mode (SET 'execution.runtime-mode' changes it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *file == "" {
		return fmt.Errorf("sql: the interactive client is not available yet; run a script with -f FILE")
	}
	src, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	stmts, err := sql.ParseScript(string(src))
	if err != nil {
		return fmt.Errorf("%s: %w", *file, err)
	}
	env := table.NewEnvironment(table.Settings{Streaming: *streaming})
	for _, st := range stmts {
		res, err := env.ExecuteStatement(ctx, st, string(src))
		if err != nil {
			return fmt.Errorf("%s: %w", *file, err)
		}
		printResult(stdout, st, res)
	}
	return nil
}

func printResult(w io.Writer, st sql.Statement, res *table.Result) {
	switch st.(type) {
	case *sql.CreateTable, *sql.CreateView, *sql.CreateFunction, *sql.Drop, *sql.Set, *sql.Reset:
		fmt.Fprintln(w, "[INFO] Execute statement succeed.")
	case *sql.Insert:
		fmt.Fprintf(w, "[INFO] Job %s finished.\n", res.Text()[0][0])
	case *sql.Explain:
		fmt.Fprintln(w, strings.TrimRight(res.Text()[0][0], "\n"))
	default:
		res.Print(w)
	}
}
