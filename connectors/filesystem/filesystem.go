package filesystem

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-stream/sluice/connectors/format"
	"github.com/sluice-stream/sluice/connectors/format/csv"
	"github.com/sluice-stream/sluice/connectors/internal/option"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
)

// Identifier is the value of the `connector` option.
const Identifier = "filesystem"

// Options, as Flink's FileSystemConnectorOptions and FactoryUtil.
const (
	OptionPath              = "path"
	OptionFormat            = "format"
	OptionRegexPattern      = "source.path.regex-pattern"
	OptionSinkParallelism   = "sink.parallelism"
	OptionRollingFileSize   = "sink.rolling-policy.file-size"
	OptionRolloverInterval  = "sink.rolling-policy.rollover-interval"
	OptionRollCheckInterval = "sink.rolling-policy.check-interval"
)

// Defaults of the rolling policy, Flink's.
const (
	DefaultRollingFileSize  = 128 << 20
	DefaultRolloverInterval = 30 * time.Minute
)

// Factory is the filesystem connector, source and sink.
type Factory struct{}

func init() {
	connector.Register(Factory{})
	connector.RegisterFormat(parquetFormat{})
}

// Identifier implements connector.Factory.
func (Factory) Identifier() string { return Identifier }

// Options implements connector.Factory.
func (Factory) Options() []connector.Option {
	return []connector.Option{
		{Key: OptionPath, Required: true, Description: "A file or a directory to read (recursively); the directory the sink writes part files into."},
		{Key: OptionFormat, Required: true, Format: true, Description: "The file format: csv, json, raw or parquet."},
		{Key: OptionRegexPattern, Description: "Read only the files whose absolute path matches this regular expression (whole path)."},
		{Key: OptionSinkParallelism, Description: "Parallelism of the sink; by default the job's."},
		{Key: OptionRollingFileSize, Default: "128mb", Description: "A part file is closed and a new one started once it is larger than this."},
		{Key: OptionRolloverInterval, Default: "30 min", Description: "A part file is closed and a new one started once it has been open this long (checked at every batch)."},
		{Key: OptionRollCheckInterval, Default: "1 min", Description: "Accepted for Flink DDL; a bounded sink checks its rolling policy at every batch instead."},
		{Key: OptionLookupCacheTTL, Default: "60 min", Description: "A lookup join reads the whole table again on its first lookup after this long."},
	}
}

// LegacyKeys implements connector.LegacyFactory: Flink 1.10's
// `'connector.type' = 'filesystem', 'connector.path' = …` with its
// `format.*` keys, which Normalize moves under the format's prefix.
func (Factory) LegacyKeys() map[string]string {
	return map[string]string{"path": OptionPath}
}

// LegacyVersions implements connector.LegacyFactory: the legacy
// filesystem descriptor had no version.
func (Factory) LegacyVersions() []string { return nil }

// fileTable is what source and sink share: the table's options, read and
// checked once at planning.
type fileTable struct {
	name   string
	path   string
	cols   []connector.Column
	schema *arrow.Schema
	cfg    engine.Config

	// Exactly one of row and parquet is set.
	row     *rowFormat
	parquet *parquetOptions
}

// rowFormat is a row format of the registry (csv, json, raw).
type rowFormat struct {
	id     string
	f      format.Factory
	ctx    *format.Context
	ignore bool // <format>.ignore-parse-errors
	// delimiter ends every record the sink writes.
	delimiter string
}

func (t *fileTable) formatID() string {
	if t.parquet != nil {
		return parquetID
	}
	return t.row.id
}

// extension is the part files' suffix, from the format as Flink's
// users expect to see it; raw records have no natural extension.
func (t *fileTable) extension() string {
	if id := t.formatID(); id != "raw" {
		return "." + id
	}
	return ""
}

func (t *fileTable) describe() string {
	return fmt.Sprintf("path=%s, format=%s", t.path, t.formatID())
}

func errorf(format string, args ...any) error {
	return fmt.Errorf(Identifier+": "+format, args...)
}

// newTable validates ctx's options and resolves the format.
func newTable(ctx *connector.Context) (*fileTable, error) {
	if err := connector.ValidateOptions(Factory{}, ctx.Options); err != nil {
		return nil, err
	}
	r := option.Reader{Connector: Identifier, Options: ctx.Options}
	t := &fileTable{name: ctx.Table, path: r.String(OptionPath, ""), cols: ctx.Columns, cfg: ctx.Config}
	if strings.TrimSpace(t.path) == "" {
		return nil, r.Errorf(OptionPath, "is empty; give a file or a directory")
	}
	var err error
	if t.path, err = localPath(t.path); err != nil {
		return nil, r.Errorf(OptionPath, "%v", err)
	}
	fs := make([]arrow.Field, len(ctx.Columns))
	for i, c := range ctx.Columns {
		fs[i] = arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: !c.Type.NotNull}
	}
	t.schema = arrow.NewSchema(fs, nil)

	if ctx.Options[OptionFormat] == parquetID {
		p, err := readParquetOptions(ctx.Options, t.schema)
		if err != nil {
			return nil, err
		}
		t.parquet = p
		return t, nil
	}
	loc, err := option.SessionZone(ctx.Config)
	if err != nil {
		return nil, errorf("%w", err)
	}
	f, fctx, _, err := format.FromOptions(ctx.Options, OptionFormat, ctx.Columns, loc)
	if err != nil {
		return nil, errorf("%w", err)
	}
	ignore, err := format.IgnoreParseErrors(fctx)
	if err != nil {
		return nil, errorf("%w", err)
	}
	t.row = &rowFormat{id: f.Identifier(), f: f, ctx: fctx, ignore: ignore, delimiter: "\n"}
	if t.row.id == csv.Identifier {
		// Flink 1.10's csv line-delimiter, which the csv format declares
		// and leaves to connectors.
		if t.row.delimiter, err = csv.LineDelimiter(fctx); err != nil {
			return nil, errorf("%w", err)
		}
	}
	return t, nil
}

// NewSource implements connector.SourceFactory.
func (Factory) NewSource(ctx *connector.Context) (*connector.Source, error) {
	t, err := newTable(ctx)
	if err != nil {
		return nil, err
	}
	r := option.Reader{Connector: Identifier, Options: ctx.Options}
	var pattern *regexp.Regexp
	if r.Has(OptionRegexPattern) {
		// Flink matches the whole absolute path (Pattern.matches).
		pattern, err = regexp.Compile(`^(?:` + r.String(OptionRegexPattern, "") + `)$`)
		if err != nil {
			return nil, r.Errorf(OptionRegexPattern, "is not a regular expression: %v", err)
		}
	}
	if t.row != nil {
		// Build one decoder now so that a bad format option fails the
		// statement, not the job.
		if _, err := t.row.f.NewDecoder(t.row.ctx); err != nil {
			return nil, errorf("%w", err)
		}
	}
	if _, err := os.Stat(t.path); err != nil {
		return nil, errorf("cannot read path '%s': %w", t.path, unwrapPathError(err))
	}
	if _, err := option.BatchSize(ctx.Config); err != nil {
		return nil, errorf("%w", err)
	}
	return &connector.Source{
		Bounded: true,
		Mode:    connector.InsertOnly,
		Instance: func(subtask, parallelism int) engine.Source {
			return &source{t: t, pattern: pattern, subtask: subtask, parallelism: parallelism}
		},
		Describe: t.describe(),
	}, nil
}

// NewSink implements connector.SinkFactory.
func (Factory) NewSink(ctx *connector.Context) (*connector.Sink, error) {
	t, err := newTable(ctx)
	if err != nil {
		return nil, err
	}
	r := option.Reader{Connector: Identifier, Options: ctx.Options}
	par, err := r.Int(OptionSinkParallelism, 0)
	if err != nil {
		return nil, err
	}
	if r.Has(OptionSinkParallelism) && par < 1 {
		return nil, r.Errorf(OptionSinkParallelism, "must be at least 1")
	}
	roll := rollingPolicy{fileSize: DefaultRollingFileSize, interval: DefaultRolloverInterval}
	if r.Has(OptionRollingFileSize) {
		if roll.fileSize, err = ParseMemorySize(r.String(OptionRollingFileSize, "")); err != nil {
			return nil, r.Errorf(OptionRollingFileSize, "is not a memory size (%v); write e.g. '128mb'", err)
		}
		if roll.fileSize < 1 {
			return nil, r.Errorf(OptionRollingFileSize, "must be at least 1 byte")
		}
	}
	if roll.interval, err = r.Duration(OptionRolloverInterval, DefaultRolloverInterval); err != nil {
		return nil, err
	}
	if roll.interval <= 0 {
		return nil, r.Errorf(OptionRolloverInterval, "must be positive")
	}
	if _, err := r.Duration(OptionRollCheckInterval, time.Minute); err != nil {
		return nil, err
	}
	if t.row != nil {
		if _, err := t.row.f.NewEncoder(t.row.ctx); err != nil {
			return nil, errorf("%w", err)
		}
	}
	if st, err := os.Stat(t.path); err == nil && !st.IsDir() {
		return nil, errorf("path '%s' is a file; the sink writes part files into a directory", t.path)
	}
	// One UUID per sink, shared by its subtasks as Flink's
	// FileSystemTableSink shares its part prefix: with checkpoints it
	// names the files of every attempt of this sink (a restore takes the
	// checkpoint's), so cleaning up after a failed attempt never touches
	// another sink's files in the same directory.
	sinkUUID := newUUID()
	return &connector.Sink{
		Accepts:     connector.InsertOnly,
		Parallelism: par,
		Instance: func(subtask, _ int) engine.Sink {
			return &sink{t: t, roll: roll, subtask: subtask, sinkUUID: sinkUUID}
		},
		Describe: t.describe(),
	}, nil
}

// localPath accepts Flink's path forms for local files: a plain path, or
// a file: URI (file:///tmp/t, as Flink's documentation writes them, or
// file:/tmp/t). Other schemes name file systems Sluice cannot reach.
func localPath(p string) (string, error) {
	i := strings.Index(p, ":")
	if i < 2 || strings.ContainsAny(p[:i], `/\`) {
		// No scheme (a drive letter "C:" is not one either).
		return p, nil
	}
	u, err := url.Parse(p)
	if err != nil {
		return "", fmt.Errorf("is not a path or a URI: %v", err)
	}
	if !strings.EqualFold(u.Scheme, "file") {
		return "", fmt.Errorf("uses the file system '%s'; Sluice reads and writes local files only (a path, or file:///path)", u.Scheme)
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", fmt.Errorf("names host '%s'; only local files (file:///path) are supported", u.Host)
	}
	if u.Path == "" {
		return "", fmt.Errorf("has no path")
	}
	return u.Path, nil
}

// unwrapPathError drops os.PathError's repetition of the path, which the
// message already names.
func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// ParseMemorySize reads a size as Flink's MemorySize does (1kb is 1024
// bytes); it is the engine's, for the options of this package.
func ParseMemorySize(s string) (int64, error) { return engine.ParseMemorySize(s) }
