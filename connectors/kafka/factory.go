package kafka

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/sluice-stream/sluice/connectors/format"
	"github.com/sluice-stream/sluice/connectors/internal/option"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
)

// Identifier is the value of the `connector` option.
const Identifier = "kafka"

// Factory is the kafka connector.
type Factory struct{}

func init() { connector.Register(Factory{}) }

// Identifier implements connector.Factory.
func (Factory) Identifier() string { return Identifier }

// Options implements connector.Factory.
func (Factory) Options() []connector.Option {
	return []connector.Option{
		{Key: "topic", Description: "topic name, or several separated by ';'"},
		{Key: "topic-pattern", Description: "regular expression of the topics to read"},
		{Key: "properties.", Prefix: true, Description: "client properties (librdkafka names, which match the Java client's for the common ones)"},
		{Key: "format", Format: true, Description: "format of the value (csv, json, raw)"},
		{Key: "value.format", Format: true, Description: "format of the value; same as format"},
		{Key: "key.format", Format: true, Description: "format of the key"},
		{Key: "key.fields", Description: "columns encoded in the key, separated by ';'"},
		{Key: "key.fields-prefix", Description: "prefix of the key columns' names that the key format does not see"},
		{Key: "value.fields-include", Default: "ALL", Description: "ALL or EXCEPT_KEY"},
		{Key: "scan.startup.mode", Default: "group-offsets", Description: "earliest-offset, latest-offset, group-offsets, timestamp or specific-offsets"},
		{Key: "scan.startup.specific-offsets", Description: "partition:0,offset:42;partition:1,offset:300"},
		{Key: "scan.startup.timestamp-millis"},
		{Key: "scan.bounded.mode", Default: "unbounded", Description: "unbounded, latest-offset, group-offsets, timestamp or specific-offsets"},
		{Key: "scan.bounded.specific-offsets"},
		{Key: "scan.bounded.timestamp-millis"},
		{Key: "scan.topic-partition-discovery.interval", Description: "accepted; partitions are discovered when the job starts"},
		{Key: "scan.parallelism"},
		{Key: "sink.partitioner", Default: "default", Description: "default, fixed or round-robin"},
		{Key: "sink.delivery-guarantee", Default: "at-least-once", Description: "at-least-once (flush on checkpoint and at the end), exactly-once (Kafka transactions committed when a checkpoint completes) or none"},
		{Key: "sink.semantic", Description: "Flink 1.12-1.14's name of sink.delivery-guarantee, read when that is not set"},
		{Key: "sink.transactional-id-prefix", Description: "prefix of the transactional ids of an exactly-once sink (<prefix>-<subtask>); required for exactly-once, unique per job"},
		{Key: "sink.parallelism"},
	}
}

// LegacyKeys implements connector.LegacyFactory: Flink 1.10's keys.
func (Factory) LegacyKeys() map[string]string {
	return map[string]string{
		"topic":                        "topic",
		"properties.":                  "properties.",
		"properties.zookeeper.connect": "", // only the 0.8 client used it
		"startup-mode":                 "scan.startup.mode",
		"specific-offsets":             "scan.startup.specific-offsets",
		"startup-timestamp-millis":     "scan.startup.timestamp-millis",
		"sink-partitioner":             "sink.partitioner",
	}
}

// LegacyVersions implements connector.LegacyFactory. Every version is
// served by the same client.
func (Factory) LegacyVersions() []string { return []string{"universal", "0.11", "0.10"} }

// Startup and bounded modes.
const (
	modeEarliest  = "earliest-offset"
	modeLatest    = "latest-offset"
	modeGroup     = "group-offsets"
	modeTimestamp = "timestamp"
	modeSpecific  = "specific-offsets"
	modeUnbounded = "unbounded"
)

// position says where a partition starts or stops.
type position struct {
	mode      string
	timestamp int64           // modeTimestamp
	offsets   map[int32]int64 // modeSpecific
}

// config is the parsed options of one table.
type config struct {
	table    string
	topics   []string
	props    ckafka.ConfigMap
	groupID  string // "" when the user gave none: offsets are then neither read nor committed
	reset    string // auto.offset.reset for group offsets that do not exist
	startup  position
	bounded  position
	par      int
	sinkPar  int
	part     string
	delivery string
	// txnPrefix is sink.transactional-id-prefix.
	txnPrefix string
	// commitOnCheckpoint is the source's commit.offsets.on.checkpoint
	// property (Flink's KafkaSource option, default true).
	commitOnCheckpoint bool

	cols       []connector.Column
	keyCols    []int // indexes into cols
	valueCols  []int
	key        *formatSpec
	value      *formatSpec
	batch      int
	batchBytes int // engine.ConfigBatchBytes
	ignoreErr  bool
	// up is set for an upsert-kafka table.
	up *upsertOptions
}

type formatSpec struct {
	f      format.Factory
	ctx    *format.Context
	ignore bool
}

// Java client properties that mean nothing to librdkafka or that the
// connector owns; Flink drops or overrides them as well.
// propCommitOnCheckpoint is Flink's KafkaSource property: commit offsets
// to the consumer group when a checkpoint completes.
const propCommitOnCheckpoint = "commit.offsets.on.checkpoint"

var droppedProps = []string{
	"key.deserializer", "value.deserializer", "key.serializer", "value.serializer",
	"zookeeper.connect", "flink.partition-discovery.interval-millis",
}

func parse(ctx *connector.Context, sink bool) (*config, error) {
	r := option.Reader{Connector: Identifier, Options: ctx.Options}
	c := &config{table: ctx.Table, cols: ctx.Columns, props: ckafka.ConfigMap{}}
	if r.Has("topic-pattern") {
		return nil, fmt.Errorf("%s: topic-pattern is not supported yet; list the topics in 'topic', separated by ';'", Identifier)
	}
	for _, t := range strings.Split(r.String("topic", ""), ";") {
		if t = strings.TrimSpace(t); t != "" {
			c.topics = append(c.topics, t)
		}
	}
	if len(c.topics) == 0 {
		return nil, fmt.Errorf("%s: option 'topic' is required", Identifier)
	}
	if sink && len(c.topics) > 1 {
		return nil, r.Errorf("topic", "names %d topics; a sink writes to one", len(c.topics))
	}
	for k, v := range ctx.Options {
		p, ok := strings.CutPrefix(k, "properties.")
		if !ok || slices.Contains(droppedProps, p) {
			continue
		}
		c.props[p] = v
	}
	if _, ok := c.props["bootstrap.servers"]; !ok {
		return nil, fmt.Errorf("%s: option 'properties.bootstrap.servers' is required", Identifier)
	}
	c.commitOnCheckpoint = true
	if v, ok := c.props[propCommitOnCheckpoint]; ok {
		// Flink's own property, unknown to librdkafka.
		delete(c.props, propCommitOnCheckpoint)
		b, err := strconv.ParseBool(strings.TrimSpace(fmt.Sprint(v)))
		if err != nil {
			return nil, r.Errorf("properties."+propCommitOnCheckpoint, "is not true or false")
		}
		c.commitOnCheckpoint = b
	}
	if g, ok := c.props["group.id"]; ok {
		c.groupID = fmt.Sprint(g)
	}
	c.reset = "latest"
	if v, ok := c.props["auto.offset.reset"]; ok {
		c.reset = strings.ToLower(fmt.Sprint(v))
		switch c.reset {
		case "earliest", "smallest", "beginning":
			c.reset = "earliest"
		case "latest", "largest", "end":
			c.reset = "latest"
		case "none", "error":
			c.reset = "none"
		default:
			return nil, r.Errorf("properties.auto.offset.reset", "is not one of earliest, latest, none")
		}
	}

	var err error
	if c.startup, err = readPosition(r, "scan.startup", modeGroup, []string{modeEarliest, modeLatest, modeGroup, modeTimestamp, modeSpecific}); err != nil {
		return nil, err
	}
	if c.bounded, err = readPosition(r, "scan.bounded", modeUnbounded, []string{modeUnbounded, modeLatest, modeGroup, modeTimestamp, modeSpecific}); err != nil {
		return nil, err
	}
	if (c.startup.mode == modeGroup && c.groupID == "" && r.Has("scan.startup.mode")) || (c.bounded.mode == modeGroup && c.groupID == "") {
		return nil, fmt.Errorf("%s: group-offsets needs a consumer group: set 'properties.group.id'", Identifier)
	}
	if v := r.String("scan.topic-partition-discovery.interval", ""); v != "" {
		if _, err := r.Duration("scan.topic-partition-discovery.interval", 0); err != nil {
			return nil, err
		}
	}
	if c.par, err = r.Int("scan.parallelism", 0); err != nil {
		return nil, err
	}
	if c.sinkPar, err = r.Int("sink.parallelism", 0); err != nil {
		return nil, err
	}
	if c.par < 0 || c.sinkPar < 0 {
		return nil, fmt.Errorf("%s: parallelism must not be negative", Identifier)
	}
	c.part = strings.ToLower(r.String("sink.partitioner", "default"))
	switch c.part {
	case "default", "fixed", "round-robin":
	default:
		return nil, r.Errorf("sink.partitioner", "is not one of default, fixed, round-robin (custom partitioner classes are Java)")
	}
	guaranteeKey := "sink.delivery-guarantee"
	if !r.Has(guaranteeKey) && r.Has("sink.semantic") {
		guaranteeKey = "sink.semantic"
	}
	c.delivery = strings.ToLower(strings.TrimSpace(r.String(guaranteeKey, "at-least-once")))
	switch c.delivery {
	case "at-least-once", "none", "exactly-once":
	default:
		return nil, r.Errorf(guaranteeKey, "is not one of at-least-once, exactly-once, none")
	}
	c.txnPrefix = strings.TrimSpace(r.String("sink.transactional-id-prefix", ""))
	if sink && c.delivery == "exactly-once" {
		if c.txnPrefix == "" {
			// As Flink's KafkaConnectorOptionsUtil.
			return nil, fmt.Errorf("%s: 'sink.transactional-id-prefix' must be specified when using sink.delivery-guarantee = 'exactly-once'", Identifier)
		}
		if _, ok := c.props["transactional.id"]; ok {
			return nil, fmt.Errorf("%s: 'properties.transactional.id' is set by the connector from 'sink.transactional-id-prefix'; remove it", Identifier)
		}
	}

	if err := c.splitColumns(r); err != nil {
		return nil, err
	}
	loc, err := option.SessionZone(ctx.Config)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Identifier, err)
	}
	if c.batch, err = option.BatchSize(ctx.Config); err != nil {
		return nil, err
	}
	if c.batchBytes, err = engine.BatchBytes(ctx.Config); err != nil {
		return nil, err
	}
	vkey := "value.format"
	if !r.Has(vkey) {
		vkey = "format"
	} else if r.Has("format") {
		return nil, fmt.Errorf("%s: give 'format' or 'value.format', not both", Identifier)
	}
	if c.value, err = spec(ctx.Options, vkey, pick(c.cols, c.valueCols), loc); err != nil {
		return nil, err
	}
	if c.value == nil {
		return nil, fmt.Errorf("%s: option 'format' (or 'value.format') is required; formats: %s", Identifier, strings.Join(connector.FormatIdentifiers(), ", "))
	}
	if len(c.keyCols) > 0 {
		prefix := r.String("key.fields-prefix", "")
		kcols := pick(c.cols, c.keyCols)
		for i := range kcols {
			kcols[i].Name = strings.TrimPrefix(kcols[i].Name, prefix)
		}
		if c.key, err = spec(ctx.Options, "key.format", kcols, loc); err != nil {
			return nil, err
		}
		if c.key == nil {
			return nil, fmt.Errorf("%s: 'key.fields' needs 'key.format'", Identifier)
		}
	} else if r.Has("key.format") {
		return nil, fmt.Errorf("%s: 'key.format' needs 'key.fields', the columns the key holds", Identifier)
	}
	c.ignoreErr = c.value.ignore || (c.key != nil && c.key.ignore)
	return c, nil
}

func spec(opts map[string]string, key string, cols []connector.Column, loc *time.Location) (*formatSpec, error) {
	if id := opts[key]; id != "" {
		if _, err := format.Lookup(id); err != nil {
			if _, known := connector.LookupFormat(id); known == nil {
				// parquet: a file format, known to the filesystem connector only.
				return nil, fmt.Errorf("%s: %s = '%s' is a file format; a Kafka record takes a row format: %s", Identifier, key, id, strings.Join(rowFormats(), ", "))
			}
		}
	}
	f, fctx, ok, err := format.FromOptions(opts, key, cols, loc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Identifier, err)
	}
	if !ok {
		return nil, nil
	}
	ignore, err := fctx.Options.Bool("ignore-parse-errors", false)
	if err != nil {
		return nil, err
	}
	return &formatSpec{f: f, ctx: fctx, ignore: ignore}, nil
}

// rowFormats are the registered formats that encode one row per record.
func rowFormats() []string {
	var out []string
	for _, id := range connector.FormatIdentifiers() {
		if _, err := format.Lookup(id); err == nil {
			out = append(out, id)
		}
	}
	return out
}

func (c *config) splitColumns(r option.Reader) error {
	index := map[string]int{}
	for i, col := range c.cols {
		index[col.Name] = i
	}
	if kf := r.String("key.fields", ""); kf != "" {
		for _, name := range strings.Split(kf, ";") {
			name = strings.TrimSpace(name)
			i, ok := index[name]
			if !ok {
				return r.Errorf("key.fields", "names column %s, which the table does not have", name)
			}
			c.keyCols = append(c.keyCols, i)
		}
	}
	prefix := r.String("key.fields-prefix", "")
	if prefix != "" {
		for _, k := range c.keyCols {
			if !strings.HasPrefix(c.cols[k].Name, prefix) {
				return r.Errorf("key.fields-prefix", "is not a prefix of key column %s", c.cols[k].Name)
			}
		}
	}
	include := strings.ToUpper(r.String("value.fields-include", "ALL"))
	switch include {
	case "ALL":
		if prefix != "" {
			return fmt.Errorf("%s: 'key.fields-prefix' needs 'value.fields-include' = 'EXCEPT_KEY'", Identifier)
		}
	case "EXCEPT_KEY":
	default:
		return r.Errorf("value.fields-include", "is not one of ALL, EXCEPT_KEY")
	}
	for i := range c.cols {
		if include == "EXCEPT_KEY" && slices.Contains(c.keyCols, i) {
			continue
		}
		c.valueCols = append(c.valueCols, i)
	}
	if len(c.valueCols) == 0 {
		return fmt.Errorf("%s: with 'value.fields-include' = 'EXCEPT_KEY' every column is in the key; the value would be empty", Identifier)
	}
	return nil
}

func pick(cols []connector.Column, idx []int) []connector.Column {
	out := make([]connector.Column, len(idx))
	for i, j := range idx {
		out[i] = cols[j]
	}
	return out
}

func readPosition(r option.Reader, prefix, def string, modes []string) (position, error) {
	key := prefix + ".mode"
	p := position{mode: strings.ToLower(r.String(key, def))}
	if !slices.Contains(modes, p.mode) {
		return p, r.Errorf(key, "is not one of %s", strings.Join(modes, ", "))
	}
	tsKey, offKey := prefix+".timestamp-millis", prefix+".specific-offsets"
	switch p.mode {
	case modeTimestamp:
		if !r.Has(tsKey) {
			return p, fmt.Errorf("%s: %s = '%s' needs '%s'", Identifier, key, p.mode, tsKey)
		}
		ts, err := r.Int64(tsKey, 0)
		if err != nil {
			return p, err
		}
		if ts < 0 {
			return p, r.Errorf(tsKey, "must not be negative")
		}
		p.timestamp = ts
	case modeSpecific:
		if !r.Has(offKey) {
			return p, fmt.Errorf("%s: %s = '%s' needs '%s'", Identifier, key, p.mode, offKey)
		}
		offs, err := parseSpecificOffsets(r.String(offKey, ""))
		if err != nil {
			return p, r.Errorf(offKey, "%v", err)
		}
		p.offsets = offs
	}
	if r.Has(tsKey) && p.mode != modeTimestamp {
		return p, fmt.Errorf("%s: '%s' is only used with %s = '%s'", Identifier, tsKey, key, modeTimestamp)
	}
	if r.Has(offKey) && p.mode != modeSpecific {
		return p, fmt.Errorf("%s: '%s' is only used with %s = '%s'", Identifier, offKey, key, modeSpecific)
	}
	return p, nil
}

// parseSpecificOffsets reads Flink's "partition:0,offset:42;partition:1,offset:300".
func parseSpecificOffsets(s string) (map[int32]int64, error) {
	out := map[int32]int64{}
	for _, entry := range strings.Split(s, ";") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		var part, off string
		var hasPart, hasOff bool
		for _, kv := range strings.Split(entry, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(kv), ":")
			if !ok {
				return nil, fmt.Errorf("entry '%s' is not 'partition:<n>,offset:<n>'", entry)
			}
			switch strings.TrimSpace(k) {
			case "partition":
				part, hasPart = strings.TrimSpace(v), true
			case "offset":
				off, hasOff = strings.TrimSpace(v), true
			default:
				return nil, fmt.Errorf("entry '%s' is not 'partition:<n>,offset:<n>'", entry)
			}
		}
		if !hasPart || !hasOff {
			return nil, fmt.Errorf("entry '%s' is not 'partition:<n>,offset:<n>'", entry)
		}
		p, err := strconv.ParseInt(part, 10, 32)
		if err != nil || p < 0 {
			return nil, fmt.Errorf("partition '%s' is not a partition number", part)
		}
		o, err := strconv.ParseInt(off, 10, 64)
		if err != nil || o < 0 {
			return nil, fmt.Errorf("offset '%s' is not an offset", off)
		}
		if _, dup := out[int32(p)]; dup {
			return nil, fmt.Errorf("partition %d is given twice", p)
		}
		out[int32(p)] = o
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no offsets given")
	}
	return out, nil
}

// NewSource implements connector.SourceFactory.
func (Factory) NewSource(ctx *connector.Context) (*connector.Source, error) {
	c, err := parse(ctx, false)
	if err != nil {
		return nil, err
	}
	// Build one decoder now so that format errors surface at planning.
	if _, err := c.newDecoders(); err != nil {
		return nil, err
	}
	desc := fmt.Sprintf("topic=%s, startup=%s", strings.Join(c.topics, ";"), c.startup.mode)
	if c.bounded.mode != modeUnbounded {
		desc += ", bounded=" + c.bounded.mode
	}
	// A table's WATERMARK is generated per partition inside the source
	// (Flink's watermark push-down), so one partition's backlog read
	// ahead of another's makes nobody's rows late.
	wm := ctx.Watermark
	if wm != nil {
		desc += ", watermarks per partition"
	}
	return &connector.Source{
		Bounded:     c.bounded.mode != modeUnbounded,
		Mode:        connector.InsertOnly,
		Parallelism: c.par,
		Describe:    desc,
		Watermarks:  wm != nil,
		Instance: func(subtask, parallelism int) engine.Source {
			return &source{c: c, subtask: subtask, parallelism: parallelism, wms: newPartWatermarks(wm)}
		},
	}, nil
}

// NewSink implements connector.SinkFactory.
func (Factory) NewSink(ctx *connector.Context) (*connector.Sink, error) {
	c, err := parse(ctx, true)
	if err != nil {
		return nil, err
	}
	if _, err := c.newEncoders(); err != nil {
		return nil, err
	}
	return &connector.Sink{
		Accepts:     connector.InsertOnly,
		Parallelism: c.sinkPar,
		Describe:    fmt.Sprintf("topic=%s", c.topics[0]),
		Instance: func(subtask, parallelism int) engine.Sink {
			return &sink{c: c, subtask: subtask, parallelism: parallelism}
		},
	}, nil
}

type decoders struct {
	key, value format.Decoder
}

func (c *config) newDecoders() (*decoders, error) {
	d := &decoders{}
	var err error
	if d.value, err = c.value.f.NewDecoder(c.value.ctx); err != nil {
		return nil, fmt.Errorf("%s: %w", Identifier, err)
	}
	if c.key != nil {
		if d.key, err = c.key.f.NewDecoder(c.key.ctx); err != nil {
			return nil, fmt.Errorf("%s: %w", Identifier, err)
		}
	}
	return d, nil
}

type encoders struct {
	key, value format.Encoder
}

func (c *config) newEncoders() (*encoders, error) {
	e := &encoders{}
	var err error
	if e.value, err = c.value.f.NewEncoder(c.value.ctx); err != nil {
		return nil, fmt.Errorf("%s: %w", Identifier, err)
	}
	if c.key != nil {
		if e.key, err = c.key.f.NewEncoder(c.key.ctx); err != nil {
			return nil, fmt.Errorf("%s: %w", Identifier, err)
		}
	}
	return e, nil
}

// clientConfig copies the user's properties and sets what the connector
// owns.
func (c *config) clientConfig(extra ckafka.ConfigMap) ckafka.ConfigMap {
	m := ckafka.ConfigMap{}
	for k, v := range c.props {
		m[k] = v
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}
