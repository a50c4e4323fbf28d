// Package connector defines what a table connector is to the planner: a
// factory keyed by the `connector` option that validates its options and
// creates parallel source and sink instances for the engine. Connectors
// live in their own packages under connectors/ and register themselves.
package connector

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/types"
)

// ChangelogMode is the set of row kinds a table produces or a sink
// accepts, as Flink's ChangelogMode.
type ChangelogMode uint8

const (
	KindInsert ChangelogMode = 1 << iota
	KindUpdateBefore
	KindUpdateAfter
	KindDelete
)

// The three modes Flink names.
const (
	InsertOnly = KindInsert
	Upsert     = KindInsert | KindUpdateAfter | KindDelete
	All        = KindInsert | KindUpdateBefore | KindUpdateAfter | KindDelete
)

// Contains reports whether every kind of o is in m.
func (m ChangelogMode) Contains(o ChangelogMode) bool { return m&o == o }

// IsInsertOnly reports an append-only mode.
func (m ChangelogMode) IsInsertOnly() bool { return m == KindInsert }

// String renders the mode as Flink's EXPLAIN does: [I,UB,UA,D].
func (m ChangelogMode) String() string {
	var parts []string
	for _, k := range []struct {
		bit  ChangelogMode
		name string
	}{{KindInsert, "I"}, {KindUpdateBefore, "UB"}, {KindUpdateAfter, "UA"}, {KindDelete, "D"}} {
		if m&k.bit != 0 {
			parts = append(parts, k.name)
		}
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// Column is a physical column of a connector's table.
type Column struct {
	Name string
	Type types.DataType
}

// Context is what a factory gets to build a source or a sink.
type Context struct {
	// Table is the table's name, for messages.
	Table string
	// Columns are the physical columns in declaration order.
	Columns []Column
	// PrimaryKey holds indexes into Columns; nil when none is declared.
	PrimaryKey []int
	// UpsertKey holds indexes into Columns of the key the planner will
	// upsert a sink by: the primary key or, for a sink declared with Flink
	// 1.10's legacy keys and no primary key, the query's unique key (its
	// GROUP BY columns). Nil when there is none, and for sources. A sink
	// that applies changes by key (JDBC) needs it, because a legacy sink
	// learns its key from the query, not from its DDL.
	UpsertKey []int
	// Options are the WITH options, keys as written.
	Options map[string]string
	// Config is the job configuration.
	Config engine.Config
	// Watermark is the table's WATERMARK clause compiled over Columns,
	// for a streaming read when the expression reads physical columns
	// only; nil otherwise. A source that generates watermarks with it per
	// split (Flink's SupportsWatermarkPushDown: one generator per Kafka
	// partition, the source emitting their minimum and marking itself
	// idle after IdleTimeout) sets Source.Watermarks; otherwise the
	// planner chains an engine.NewWatermarkAssigner after the source.
	Watermark *engine.WatermarkSpec
}

// Option describes one option a factory accepts.
type Option struct {
	Key         string
	Required    bool
	Default     string
	Description string
	// Prefix marks a family of keys (`fields.#.kind`, `properties.*`):
	// Key is then the part before the variable suffix.
	Prefix bool
	// Format marks an option whose value names a format (`format`,
	// `value.format`). The format's own options are then valid under
	// Key's prefix plus the format's identifier: `csv.field-delimiter`,
	// `value.json.ignore-parse-errors`, as in Flink.
	Format bool
}

// FormatFactory is what the planner knows of a format (csv, json, raw):
// its identifier and options, for validation. What a format does lives
// in connectors/format.
type FormatFactory interface {
	Identifier() string
	Options() []Option
}

// FormatPrefix is the prefix of the options of format id chosen by the
// format option key: "format" → "csv.", "value.format" → "value.csv.".
func FormatPrefix(key, id string) string {
	return strings.TrimSuffix(key, "format") + id + "."
}

// Factory is a connector, known by the value of its `connector` option.
type Factory interface {
	Identifier() string
	Options() []Option
}

// SourceFactory creates scan sources.
type SourceFactory interface {
	Factory
	NewSource(ctx *Context) (*Source, error)
}

// SinkFactory creates sinks.
type SinkFactory interface {
	Factory
	NewSink(ctx *Context) (*Sink, error)
}

// Source is a scan source the planner can place in a job.
type Source struct {
	// Bounded sources end; the job then runs in batch fashion.
	Bounded bool
	// Mode is the changelog the source produces.
	Mode ChangelogMode
	// Parallelism is the source's own parallelism; 0 means the job's.
	Parallelism int
	// Instance creates subtask i of n.
	Instance func(subtask, parallelism int) engine.Source
	// Describe is a one-line summary for EXPLAIN (e.g. "rows=100").
	Describe string
	// Watermarks: the source generates watermarks from Context.Watermark
	// itself, so the planner adds no assigner.
	Watermarks bool
}

// Sink is a sink the planner can place in a job.
type Sink struct {
	// Accepts is the changelog the sink can consume.
	Accepts ChangelogMode
	// Parallelism is the sink's own parallelism; 0 means the job's.
	Parallelism int
	// Instance creates subtask i of n.
	Instance func(subtask, parallelism int) engine.Sink
	Describe string
	// Discards says the sink applies nothing by key (blackhole): it takes
	// updates without UPDATE_BEFORE and without a primary key.
	Discards bool
}

var (
	mu        sync.RWMutex
	factories = map[string]Factory{}
	formats   = map[string]FormatFactory{}
)

// RegisterFormat adds a format; format packages call it from init.
func RegisterFormat(f FormatFactory) {
	mu.Lock()
	defer mu.Unlock()
	id := f.Identifier()
	if _, dup := formats[id]; dup {
		panic(fmt.Sprintf("connector: format %q registered twice", id))
	}
	formats[id] = f
}

// FormatIdentifiers lists the registered formats, sorted.
func FormatIdentifiers() []string {
	mu.RLock()
	defer mu.RUnlock()
	ids := make([]string, 0, len(formats))
	for id := range formats {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// LookupFormat finds a registered format.
func LookupFormat(identifier string) (FormatFactory, error) {
	mu.RLock()
	f, ok := formats[identifier]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("no format %q; available: %s", identifier, strings.Join(FormatIdentifiers(), ", "))
	}
	return f, nil
}

// Register adds a factory; connectors call it from init. A second factory
// with the same identifier is a programming error.
func Register(f Factory) {
	mu.Lock()
	defer mu.Unlock()
	id := f.Identifier()
	if _, dup := factories[id]; dup {
		panic(fmt.Sprintf("connector: %q registered twice", id))
	}
	factories[id] = f
}

// Identifiers lists the registered connectors, sorted.
func Identifiers() []string {
	mu.RLock()
	defer mu.RUnlock()
	ids := make([]string, 0, len(factories))
	for id := range factories {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Lookup finds the factory for the `connector` option's value.
func Lookup(identifier string) (Factory, error) {
	mu.RLock()
	f, ok := factories[identifier]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("no connector %q; available: %s", identifier, strings.Join(Identifiers(), ", "))
	}
	return f, nil
}

// ValidateOptions checks opts against the factory's declared options:
// every required key present, no unknown key. `connector` itself is
// always allowed. Messages list the valid keys.
func ValidateOptions(f Factory, opts map[string]string) error {
	decl := slices.Clone(f.Options())
	for _, o := range f.Options() {
		id, ok := opts[o.Key]
		if !o.Format || !ok {
			continue
		}
		ff, err := LookupFormat(id)
		if err != nil {
			return fmt.Errorf("connector %q: %s = '%s': %w", f.Identifier(), o.Key, id, err)
		}
		prefix := FormatPrefix(o.Key, id)
		for _, fo := range ff.Options() {
			fo.Key = prefix + fo.Key
			decl = append(decl, fo)
		}
	}
	var missing, unknown []string
	for _, o := range decl {
		if !o.Required || o.Prefix {
			continue
		}
		if _, ok := opts[o.Key]; !ok {
			missing = append(missing, o.Key)
		}
	}
	for k := range opts {
		if k == "connector" || known(decl, k) {
			continue
		}
		unknown = append(unknown, k)
	}
	sort.Strings(unknown)
	valid := validKeys(decl)
	switch {
	case len(unknown) > 0 && valid == "":
		return fmt.Errorf("connector %q does not support option %s; it takes no option besides 'connector'",
			f.Identifier(), quoteAll(unknown))
	case len(unknown) > 0:
		return fmt.Errorf("connector %q does not support option %s; supported options: %s",
			f.Identifier(), quoteAll(unknown), valid)
	case len(missing) > 0:
		return fmt.Errorf("connector %q requires option %s; supported options: %s",
			f.Identifier(), quoteAll(missing), valid)
	}
	return nil
}

func known(decl []Option, key string) bool {
	return slices.ContainsFunc(decl, func(o Option) bool {
		if o.Prefix {
			return strings.HasPrefix(key, o.Key)
		}
		return o.Key == key
	})
}

func quoteAll(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = "'" + k + "'"
	}
	return strings.Join(q, ", ")
}
