package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/python"
	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/sql"
)

// runSQL is `sluice sql`: with -f the statements of a script run in order
// and the first failing one stops it with its position, as Flink's SQL
// client with -f; without, an interactive client reads statements that
// end with ';' over one or more lines, prints results as tables, keeps a
// history (~/.sluice_sql_history) and cancels a running statement on
// Ctrl-C.
func runSQL(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sql", flag.ContinueOnError)
	file := fs.String("f", "", "SQL script to run")
	initFile := fs.String("i", "", "SQL script to run first (DDL, SET, functions)")
	pyfs := fs.String("pyfs", "", "Python files or directories, comma-separated, for CREATE FUNCTION … LANGUAGE PYTHON")
	streaming := fs.Bool("streaming", true, "start in streaming mode (SET 'execution.runtime-mode' changes it)")
	var opts jobOptions
	var rest []string
	for i := 0; i < len(args); {
		n := 0
		if strings.HasPrefix(args[i], "-") {
			var err error
			if n, err = opts.parseJobOption(args[i:]); err != nil {
				return fmt.Errorf("sql: %w", err)
			}
		}
		if n == 0 {
			rest = append(rest, args[i])
			n = 1
		}
		i += n
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if err := opts.apply(); err != nil {
		return fmt.Errorf("sql: %w", err)
	}
	if *pyfs != "" {
		if err := addPythonPaths(strings.Split(*pyfs, ",")); err != nil {
			return err
		}
	} else if *file == "" || mentionsPython(*file) || mentionsPython(*initFile) {
		// Python functions import pyflink as they would under PyFlink.
		if err := python.Install(true); err != nil {
			return err
		}
	}
	env := table.NewEnvironment(table.Settings{Streaming: *streaming})
	for _, f := range []string{*initFile, *file} {
		if f == "" {
			continue
		}
		if err := runScriptFile(ctx, env, f, stdout); err != nil {
			return err
		}
	}
	if *file != "" {
		return nil
	}
	return repl(env, os.Stdin, stdout)
}

func runScriptFile(ctx context.Context, env *table.Environment, file string, stdout io.Writer) error {
	src, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	stmts, err := sql.ParseScript(string(src))
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	for _, st := range stmts {
		var res *table.Result
		if ins, ok := st.(*sql.Insert); ok {
			res, err = runInsert(ctx, env, ins, string(src))
		} else {
			res, err = env.ExecuteStatement(ctx, st, string(src))
		}
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		printResult(stdout, st, res)
	}
	return nil
}

// addPythonPaths makes the files' directories (or the directories, or
// zip files, themselves) importable, as Flink's -pyfs.
func addPythonPaths(paths []string) error {
	if err := python.Install(true); err != nil {
		return err
	}
	return cpython.Do(func(py *cpython.GIL) error {
		sys, err := py.Import("sys")
		if err != nil {
			return err
		}
		defer py.DecRef(sys)
		path, err := py.GetAttr(sys, "path")
		if err != nil {
			return err
		}
		defer py.DecRef(path)
		insert, err := py.GetAttr(path, "insert")
		if err != nil {
			return err
		}
		defer py.DecRef(insert)
		for _, p := range paths {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			abs, err := filepath.Abs(p)
			if err != nil {
				return err
			}
			fi, err := os.Stat(abs)
			if err != nil {
				return fmt.Errorf("-pyfs: %w", err)
			}
			entry := abs
			if !fi.IsDir() && !strings.HasSuffix(abs, ".zip") {
				entry = filepath.Dir(abs)
			}
			zero, s := py.Int(0), py.Str(entry)
			r, err := py.Call(insert, zero, s)
			py.DecRef(zero)
			py.DecRef(s)
			if err != nil {
				return err
			}
			py.DecRef(r)
		}
		return nil
	})
}

func mentionsPython(file string) bool {
	if file == "" {
		return false
	}
	b, err := os.ReadFile(file)
	return err == nil && strings.Contains(strings.ToUpper(string(b)), "PYTHON")
}

func printResult(w io.Writer, st sql.Statement, res *table.Result) {
	if set, ok := st.(*sql.Set); ok && set.Key == nil {
		// SET; lists the session's options.
		res.Print(w)
		return
	}
	switch st.(type) {
	case *sql.CreateTable, *sql.CreateView, *sql.CreateFunction, *sql.Drop, *sql.Set, *sql.Reset:
		fmt.Fprintln(w, "[INFO] Execute statement succeed.")
	case *sql.Insert:
		fmt.Fprintf(w, "[INFO] Job %s finished.\n", res.Text()[0][0])
		if res.Job != nil {
			if line := checkpointSummary(res.Job.Checkpoints); line != "" {
				fmt.Fprintf(w, "[INFO] %s\n", line)
			}
		}
	case *sql.Explain:
		fmt.Fprintln(w, strings.TrimRight(res.Text()[0][0], "\n"))
	default:
		res.Print(w)
	}
}

const (
	prompt     = "Sluice SQL> "
	contPrompt = "> "
)

// lineReader reads input lines: with editing and history on a terminal,
// plainly otherwise (a pipe or a file, where prompts are not shown).
type lineReader interface {
	ReadLine(prompt string) (string, error)
	Close()
}

type plainReader struct{ sc *bufio.Scanner }

func (r *plainReader) ReadLine(string) (string, error) {
	if r.sc.Scan() {
		return r.sc.Text(), nil
	}
	if err := r.sc.Err(); err != nil {
		return "", err
	}
	return "", io.EOF
}

func (r *plainReader) Close() {}

type ttyReader struct {
	fd   int
	t    *term.Terminal
	hist *fileHistory
}

func (r *ttyReader) ReadLine(p string) (string, error) {
	old, err := term.MakeRaw(r.fd)
	if err != nil {
		return "", err
	}
	// Raw mode only while a line is typed: a running statement gets
	// Ctrl-C as a signal.
	defer term.Restore(r.fd, old)
	r.t.SetPrompt(p)
	return r.t.ReadLine()
}

func (r *ttyReader) Close() { r.hist.save() }

// fileHistory is term.History kept in a file between sessions.
type fileHistory struct {
	path    string
	entries []string // oldest first
	added   []string
}

func loadHistory(path string) *fileHistory {
	h := &fileHistory{path: path}
	if b, err := os.ReadFile(path); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if l != "" {
				h.entries = append(h.entries, l)
			}
		}
	}
	return h
}

func (h *fileHistory) Add(e string) {
	if strings.TrimSpace(e) == "" {
		return
	}
	h.entries = append(h.entries, e)
	h.added = append(h.added, e)
	if len(h.entries) > 1000 {
		h.entries = h.entries[len(h.entries)-1000:]
	}
}

func (h *fileHistory) Len() int          { return len(h.entries) }
func (h *fileHistory) At(idx int) string { return h.entries[len(h.entries)-1-idx] }

func (h *fileHistory) save() {
	if h.path == "" || len(h.added) == 0 {
		return
	}
	f, err := os.OpenFile(h.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	for _, e := range h.added {
		fmt.Fprintln(f, e)
	}
}

func newLineReader(in *os.File, out io.Writer) lineReader {
	fd := int(in.Fd())
	if !term.IsTerminal(fd) {
		return &plainReader{sc: bufio.NewScanner(in)}
	}
	home, _ := os.UserHomeDir()
	h := loadHistory(filepath.Join(home, ".sluice_sql_history"))
	t := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{in, out}, prompt)
	t.History = h
	return &ttyReader{fd: fd, t: t, hist: h}
}

func repl(env *table.Environment, in *os.File, out io.Writer) error {
	r := newLineReader(in, out)
	defer r.Close()
	_, interactive := r.(*ttyReader)
	if interactive {
		fmt.Fprintln(out, "Sluice SQL client. Statements end with ';'; 'quit;' or Ctrl-D leaves; Ctrl-C cancels a running statement.")
	}
	var buf strings.Builder
	for {
		p := prompt
		if buf.Len() > 0 {
			p = contPrompt
		}
		line, err := r.ReadLine(p)
		if errors.Is(err, io.EOF) {
			if strings.TrimSpace(buf.String()) != "" {
				runStatements(env, buf.String(), out)
			}
			if interactive {
				fmt.Fprintln(out)
			}
			return nil
		}
		if err != nil {
			return err
		}
		buf.WriteString(line)
		buf.WriteByte('\n')
		text := buf.String()
		if !statementComplete(text) {
			continue
		}
		buf.Reset()
		switch strings.ToLower(strings.TrimRight(strings.TrimSpace(text), "; \n")) {
		case "quit", "exit":
			return nil
		case "help":
			fmt.Fprintln(out, "Flink SQL statements (CREATE TABLE/VIEW/FUNCTION, SELECT, INSERT, EXPLAIN, SHOW, DESCRIBE, SET, RESET) end with ';'. quit; leaves.")
			continue
		}
		runStatements(env, text, out)
	}
}

// runStatements runs every statement of text; errors are printed and the
// client goes on, as Flink's. Ctrl-C cancels what is running.
func runStatements(env *table.Environment, text string, out io.Writer) {
	stmts, err := sql.ParseScript(text)
	if err != nil {
		fmt.Fprintf(out, "[ERROR] %v\n", err)
		return
	}
	for _, st := range stmts {
		ctx, cancel := context.WithCancel(context.Background())
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		go func() {
			select {
			case <-sig:
				cancel()
			case <-ctx.Done():
			}
		}()
		var res *table.Result
		var err error
		if q, ok := st.(sql.Query); ok && env.Streaming() {
			// A streaming query shows its rows as they come, until it ends
			// or Ctrl-C.
			err = streamQuery(ctx, env, q, text, out)
		} else if ins, ok := st.(*sql.Insert); ok {
			res, err = runInsert(ctx, env, ins, text)
		} else {
			res, err = env.ExecuteStatement(ctx, st, text)
		}
		signal.Stop(sig)
		cancelled := ctx.Err() != nil
		cancel()
		switch {
		case cancelled:
			fmt.Fprintln(out, "[INFO] Cancelled.")
			return
		case err != nil && errors.Is(err, context.Canceled):
			return
		case err != nil:
			fmt.Fprintf(out, "[ERROR] %v\n", err)
			return
		}
		if res != nil {
			printResult(out, st, res)
		}
	}
}

// runInsert runs an INSERT with a progress line on a terminal.
func runInsert(ctx context.Context, env *table.Environment, ins *sql.Insert, src string) (*table.Result, error) {
	job, err := env.SubmitStatement(ctx, ins, src)
	if err != nil {
		return nil, err
	}
	if table.ShowProgress() {
		defer job.Progress(os.Stderr)()
	}
	return job.Result()
}

func streamQuery(ctx context.Context, env *table.Environment, q sql.Query, src string, out io.Writer) error {
	t, err := env.QueryTable(q, src)
	if err != nil {
		return err
	}
	s, err := t.Stream(ctx)
	if err != nil {
		return err
	}
	table.PrintStream(out, s)
	if _, err := s.Job.Wait(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// statementComplete reports whether text ends with a ';' outside quotes
// and comments.
func statementComplete(text string) bool {
	var quote byte
	last := byte(0)
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
			continue
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '-' && i+1 < len(text) && text[i+1] == '-':
			for i < len(text) && text[i] != '\n' {
				i++
			}
			continue
		case c == '/' && i+1 < len(text) && text[i+1] == '*':
			end := strings.Index(text[i+2:], "*/")
			if end < 0 {
				return false
			}
			i += end + 3
			continue
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			last = c
		}
	}
	return quote == 0 && last == ';'
}
