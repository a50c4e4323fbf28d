package datagen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/sluice-stream/sluice/connectors/internal/option"
	"github.com/sluice-stream/sluice/connectors/internal/sqltext"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

// Identifier is the value of the `connector` option.
const Identifier = "datagen"

// Table options.
const (
	OptionRowsPerSecond = "rows-per-second"
	OptionNumberOfRows  = "number-of-rows"
	// OptionSeed is a Sluice extension: the seed of the random generators,
	// so that a test sees the same rows on every run.
	OptionSeed = "seed"
	// FieldsPrefix starts the per-field options: fields.<field>.<option>.
	FieldsPrefix = "fields."
)

// Per-field options, the last component of fields.<field>.<option>.
const (
	FieldKind     = "kind"
	FieldMin      = "min"
	FieldMax      = "max"
	FieldMaxPast  = "max-past"
	FieldLength   = "length"
	FieldVarLen   = "var-len"
	FieldStart    = "start"
	FieldEnd      = "end"
	FieldNullRate = "null-rate"
)

// Generator kinds.
const (
	KindRandom   = "random"
	KindSequence = "sequence"
)

// Defaults, as in Flink's DataGenConnectorOptionsUtil and
// RandomGeneratorVisitor.
const (
	DefaultRowsPerSecond    = 10000
	defaultStringLength     = 100 // RANDOM_STRING_LENGTH_DEFAULT, RANDOM_BYTES_LENGTH_DEFAULT
	defaultCollectionLength = 3   // RANDOM_COLLECTION_LENGTH_DEFAULT
)

var fieldOptions = []string{FieldKind, FieldMin, FieldMax, FieldMaxPast, FieldLength, FieldVarLen, FieldStart, FieldEnd, FieldNullRate}

// Factory is the datagen connector.
type Factory struct{}

func init() { connector.Register(Factory{}) }

// Identifier implements connector.Factory.
func (Factory) Identifier() string { return Identifier }

// Options implements connector.Factory.
func (Factory) Options() []connector.Option {
	return []connector.Option{
		{Key: OptionRowsPerSecond, Default: strconv.Itoa(DefaultRowsPerSecond),
			Description: "Rows per second the source emits, split evenly across its subtasks."},
		{Key: OptionNumberOfRows,
			Description: "Total number of rows to emit; the source is bounded when set, unbounded otherwise."},
		{Key: OptionSeed,
			Description: "Seed of the random generators (Sluice extension); random when not set."},
		{Key: FieldsPrefix, Prefix: true,
			Description: "Per-field generator options fields.<field>.<option>: kind, min, max, max-past, length, var-len, start, end, null-rate."},
	}
}

// NewSource implements connector.SourceFactory.
func (Factory) NewSource(ctx *connector.Context) (*connector.Source, error) {
	t, err := newTable(ctx)
	if err != nil {
		return nil, err
	}
	return &connector.Source{
		Bounded:  t.bounded(),
		Mode:     connector.InsertOnly,
		Instance: func(subtask, parallelism int) engine.Source { return newSource(t, subtask, parallelism) },
		Describe: t.describe(),
	}, nil
}

// table is a validated datagen table: what every subtask generates from.
type table struct {
	name          string
	columns       []*field
	schema        *arrow.Schema
	rowsPerSecond int64
	numberOfRows  int64 // -1: unbounded
	seed          uint64
	batchSize     int
}

func (t *table) bounded() bool {
	return t.numberOfRows >= 0 || slices.ContainsFunc(t.columns, func(f *field) bool { return f.kind == KindSequence })
}

func (t *table) describe() string {
	parts := []string{fmt.Sprintf("%s=%d", OptionRowsPerSecond, t.rowsPerSecond)}
	if t.numberOfRows >= 0 {
		parts = append(parts, fmt.Sprintf("%s=%d", OptionNumberOfRows, t.numberOfRows))
	}
	for _, f := range t.columns {
		if f.kind == KindSequence {
			parts = append(parts, fmt.Sprintf("%s=sequence[%d..%d]", f.path, f.start, f.end))
		}
	}
	return strings.Join(parts, ", ")
}

// field is the generator specification of one column, or of a nested
// element, key, value or ROW field. path is its name in the option keys:
// Flink names an ARRAY's element `<name>.element`, a MAP's key and value
// `<name>.key` and `<name>.value`, a ROW's field `<name>.<field>`.
type field struct {
	path     string
	typ      types.DataType
	kind     string
	accepts  []string // the option names this field consumes
	mapKey   bool
	nullRate float64

	minI, maxI int64   // integers, intervals
	minF, maxF float64 // FLOAT, DOUBLE
	minD, maxD decimal128.Num
	length     int
	varLen     bool
	maxPast    time.Duration
	start, end int64

	elem, key, value *field
	fields           []*field
}

// spec builds fields and validates the options against them.
type spec struct {
	r     option.Reader
	table string
	cols  []connector.Column
	paths map[string]*field
	order []*field
}

func newTable(ctx *connector.Context) (*table, error) {
	if err := connector.ValidateOptions(Factory{}, ctx.Options); err != nil {
		return nil, err
	}
	r := option.Reader{Connector: Identifier, Options: ctx.Options}
	t := &table{name: ctx.Table}
	var err error
	if t.rowsPerSecond, err = r.Int64(OptionRowsPerSecond, DefaultRowsPerSecond); err != nil {
		return nil, err
	}
	if t.rowsPerSecond < 1 {
		return nil, r.Errorf(OptionRowsPerSecond, "must be at least 1")
	}
	if t.numberOfRows, err = r.Int64(OptionNumberOfRows, -1); err != nil {
		return nil, err
	}
	if r.Has(OptionNumberOfRows) && t.numberOfRows < 0 {
		return nil, r.Errorf(OptionNumberOfRows, "must not be negative")
	}
	if r.Has(OptionSeed) {
		s, err := strconv.ParseInt(strings.TrimSpace(r.Options[OptionSeed]), 10, 64)
		if err != nil {
			return nil, r.Errorf(OptionSeed, "is not an integer")
		}
		t.seed = uint64(s)
	} else {
		// One seed per table, shared by its subtasks: each subtask still
		// draws its own stream (see genContext.rng).
		t.seed = rand.Uint64()
	}
	if t.batchSize, err = option.BatchSize(ctx.Config); err != nil {
		return nil, fmt.Errorf("%s: %w", Identifier, err)
	}

	s := &spec{r: r, table: ctx.Table, cols: ctx.Columns, paths: map[string]*field{}}
	fs := make([]arrow.Field, len(ctx.Columns))
	for i, c := range ctx.Columns {
		kindKey := FieldsPrefix + c.Name + "." + FieldKind
		kind := strings.ToLower(strings.TrimSpace(r.String(kindKey, KindRandom)))
		if kind != KindRandom && kind != KindSequence {
			return nil, r.Errorf(kindKey, "is not a generator kind; use 'random' or 'sequence'")
		}
		f, err := s.shape(c.Name, c.Type, kind, true)
		if err != nil {
			return nil, err
		}
		t.columns = append(t.columns, f)
		fs[i] = arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: !c.Type.NotNull}
	}
	t.schema = arrow.NewSchema(fs, nil)
	if err := s.checkKeys(); err != nil {
		return nil, err
	}
	for _, f := range s.order {
		if err := s.values(f); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// typeName is how messages name a type: without NOT NULL.
func typeName(t types.DataType) string { return t.Nullable().String() }

// shape builds the field tree for a column and records which options each
// field consumes (Flink: the options a generator container reports, every
// other fields.* key is an error in validateUnconsumedKeys).
func (s *spec) shape(path string, t types.DataType, kind string, top bool) (*field, error) {
	f := &field{path: path, typ: t, kind: kind}
	if top {
		f.accepts = append(f.accepts, FieldKind)
	}
	if kind == KindSequence {
		switch t.Kind {
		case types.TinyInt, types.SmallInt, types.Int, types.BigInt, types.Float, types.Double, types.Decimal,
			types.Char, types.VarChar, types.Binary, types.VarBinary:
			f.accepts = append(f.accepts, FieldStart, FieldEnd)
		default:
			// Flink silently falls back to random (BOOLEAN) or to the clock
			// (DATE, TIME, TIMESTAMP) here; an error is clearer.
			return nil, fmt.Errorf("%s: column %s: kind 'sequence' does not support %s; it supports TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL, CHAR, VARCHAR, BINARY and VARBINARY",
				Identifier, path, typeName(t))
		}
		s.add(f)
		return f, nil
	}
	switch t.Kind {
	case types.Boolean, types.Char, types.Binary, types.Date, types.Time:
		f.accepts = append(f.accepts, FieldNullRate)
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt, types.Float, types.Double, types.Decimal,
		types.IntervalYearMonth, types.IntervalDayTime:
		f.accepts = append(f.accepts, FieldMin, FieldMax, FieldNullRate)
	case types.VarChar, types.VarBinary:
		f.accepts = append(f.accepts, FieldLength, FieldVarLen, FieldNullRate)
	case types.Timestamp, types.TimestampLTZ:
		f.accepts = append(f.accepts, FieldMaxPast, FieldNullRate)
	case types.Array, types.Multiset:
		f.accepts = append(f.accepts, FieldLength, FieldNullRate)
		s.add(f)
		e, err := s.shape(path+".element", *t.Elem, KindRandom, false)
		if err != nil {
			return nil, err
		}
		f.elem = e
		return f, nil
	case types.Map:
		f.accepts = append(f.accepts, FieldLength, FieldNullRate)
		s.add(f)
		switch t.Key.Kind {
		case types.Array, types.Multiset, types.Map, types.Row:
			// Keys are drawn one at a time and compared to drop duplicates,
			// as Flink's HashMap does; that needs scalar keys.
			return nil, fmt.Errorf("%s: column %s: cannot generate MAP keys of type %s; use a scalar key type",
				Identifier, path, typeName(*t.Key))
		}
		k, err := s.shape(path+".key", *t.Key, KindRandom, false)
		if err != nil {
			return nil, err
		}
		k.mapKey = true
		v, err := s.shape(path+".value", *t.Value, KindRandom, false)
		if err != nil {
			return nil, err
		}
		f.key, f.value = k, v
		return f, nil
	case types.Row:
		f.accepts = append(f.accepts, FieldNullRate)
		s.add(f)
		for _, rf := range t.Fields {
			c, err := s.shape(path+"."+rf.Name, rf.Type, KindRandom, false)
			if err != nil {
				return nil, err
			}
			f.fields = append(f.fields, c)
		}
		return f, nil
	default:
		return nil, fmt.Errorf("%s: column %s has type %s, which datagen cannot generate", Identifier, path, typeName(t))
	}
	s.add(f)
	return f, nil
}

func (s *spec) add(f *field) {
	if _, dup := s.paths[f.path]; !dup {
		s.paths[f.path] = f
	}
	s.order = append(s.order, f)
}

// checkKeys rejects every fields.* key no field consumes, saying whether
// the field or the option is wrong.
func (s *spec) checkKeys() error {
	var keys []string
	for k := range s.r.Options {
		if strings.HasPrefix(k, FieldsPrefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		rest := k[len(FieldsPrefix):]
		dot := strings.LastIndexByte(rest, '.')
		if dot < 0 {
			return fmt.Errorf("%s: option '%s' names no field option; write %s<column>.<option>, e.g. '%s%s.%s'",
				Identifier, k, FieldsPrefix, FieldsPrefix, s.firstColumn(), FieldKind)
		}
		path, opt := rest[:dot], rest[dot+1:]
		f, ok := s.paths[path]
		if !ok {
			return fmt.Errorf("%s: option '%s' names no column of table %s; its columns are: %s",
				Identifier, k, s.table, s.columnList())
		}
		if slices.Contains(f.accepts, opt) {
			continue
		}
		if !slices.Contains(fieldOptions, opt) {
			return fmt.Errorf("%s: option '%s': unknown field option '%s'; field options are: %s",
				Identifier, k, opt, strings.Join(fieldOptions, ", "))
		}
		what := "column"
		if strings.Contains(path, ".") && !slices.ContainsFunc(s.cols, func(c connector.Column) bool { return c.Name == path }) {
			what = "field"
		}
		return fmt.Errorf("%s: option '%s' does not apply to %s %s (%s, kind %s); options for it: %s",
			Identifier, k, what, path, typeName(f.typ), f.kind, strings.Join(f.accepts, ", "))
	}
	return nil
}

func (s *spec) firstColumn() string {
	if len(s.cols) == 0 {
		return "name"
	}
	return s.cols[0].Name
}

func (s *spec) columnList() string {
	names := make([]string, len(s.cols))
	for i, c := range s.cols {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

func (s *spec) key(f *field, opt string) string { return FieldsPrefix + f.path + "." + opt }

// values parses and checks the option values of one field.
func (s *spec) values(f *field) error {
	r := s.r
	if f.kind == KindSequence {
		return s.sequence(f)
	}
	// null-rate: Flink's RandomGenerator.withNullRate — a row is NULL when
	// a uniform draw falls below it.
	nrKey := s.key(f, FieldNullRate)
	if r.Has(nrKey) {
		nr, err := r.Float(nrKey, 0)
		if err != nil {
			return err
		}
		if nr < 0 || nr > 1 || math.IsNaN(nr) {
			return r.Errorf(nrKey, "must be between 0 and 1")
		}
		if nr > 0 && f.typ.NotNull {
			return r.Errorf(nrKey, "would generate NULLs but %s is %s", f.path, f.typ)
		}
		if nr > 0 && f.mapKey {
			return r.Errorf(nrKey, "would generate NULL MAP keys, which Arrow maps cannot hold")
		}
		f.nullRate = nr
	}
	t := f.typ
	switch t.Kind {
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt, types.IntervalYearMonth, types.IntervalDayTime:
		lo, hi := intRange(t.Kind)
		if t.Kind == types.IntervalYearMonth {
			// Flink: YearMonthIntervalType defaults to [0, 120000] months.
			lo, hi = 0, 120000
		}
		var err error
		if f.minI, err = s.int(f, FieldMin, lo); err != nil {
			return err
		}
		if f.maxI, err = s.int(f, FieldMax, hi); err != nil {
			return err
		}
		if f.minI > f.maxI {
			return s.minMax(f)
		}
	case types.Float, types.Double:
		// Flink's defaults are Float.MIN_VALUE and Float.MAX_VALUE (Double
		// for DOUBLE): the smallest positive value up to the largest.
		bits := 64
		lo, hi := math.SmallestNonzeroFloat64, math.MaxFloat64
		if t.Kind == types.Float {
			bits, lo, hi = 32, math.SmallestNonzeroFloat32, math.MaxFloat32
		}
		var err error
		if f.minF, err = s.float(f, FieldMin, lo, bits); err != nil {
			return err
		}
		if f.maxF, err = s.float(f, FieldMax, hi, bits); err != nil {
			return err
		}
		if f.minF > f.maxF {
			return s.minMax(f)
		}
	case types.Decimal:
		// Flink's DecimalDataRandomGenerator draws between Double.MIN_VALUE
		// and Double.MAX_VALUE clamped to the largest value of the type:
		// zero up to 10^(p-s) - 10^-s by default.
		f.minD = decimal128.Num{}
		f.maxD = decimal128.GetMaxValue(int32(t.Precision))
		for _, o := range []struct {
			opt string
			dst *decimal128.Num
		}{{FieldMin, &f.minD}, {FieldMax, &f.maxD}} {
			k := s.key(f, o.opt)
			if !r.Has(k) {
				continue
			}
			n, err := sqltext.ParseDecimal(r.Options[k], t.Precision, t.Scale)
			if err != nil {
				return r.Errorf(k, "is not a %s", typeName(t))
			}
			*o.dst = n
		}
		if f.minD.Greater(f.maxD) {
			return s.minMax(f)
		}
	case types.Char, types.Binary:
		f.length = t.Length // Flink: CHAR(n) and BINARY(n) values have length n
	case types.VarChar, types.VarBinary:
		def := t.Length
		if def == types.MaxLength {
			def = defaultStringLength
		}
		n, err := r.Int(s.key(f, FieldLength), def)
		if err != nil {
			return err
		}
		if n < 0 {
			return r.Errorf(s.key(f, FieldLength), "must not be negative")
		}
		if n > t.Length {
			return r.Errorf(s.key(f, FieldLength), "is longer than %s allows", typeName(t))
		}
		f.length = n
		if f.varLen, err = r.Bool(s.key(f, FieldVarLen), false); err != nil {
			return err
		}
		if f.varLen && f.length < 1 {
			return r.Errorf(s.key(f, FieldVarLen), "needs %s of at least 1", s.key(f, FieldLength))
		}
	case types.Timestamp, types.TimestampLTZ:
		d, err := r.Duration(s.key(f, FieldMaxPast), 0)
		if err != nil {
			return err
		}
		if d < 0 {
			return r.Errorf(s.key(f, FieldMaxPast), "must not be negative")
		}
		f.maxPast = d
	case types.Array, types.Multiset, types.Map:
		n, err := r.Int(s.key(f, FieldLength), defaultCollectionLength)
		if err != nil {
			return err
		}
		if n < 0 {
			return r.Errorf(s.key(f, FieldLength), "must not be negative")
		}
		f.length = n
	}
	return nil
}

func (s *spec) minMax(f *field) error {
	return fmt.Errorf("%s: %s = '%s' is greater than %s = '%s'", Identifier,
		s.key(f, FieldMin), s.r.String(s.key(f, FieldMin), "(default)"),
		s.key(f, FieldMax), s.r.String(s.key(f, FieldMax), "(default)"))
}

func intRange(k types.Kind) (int64, int64) {
	switch k {
	case types.TinyInt:
		return math.MinInt8, math.MaxInt8
	case types.SmallInt:
		return math.MinInt16, math.MaxInt16
	case types.Int:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

func (s *spec) int(f *field, opt string, def int64) (int64, error) {
	k := s.key(f, opt)
	v, ok := s.r.Options[k]
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	lo, hi := intRange(f.typ.Kind)
	if f.typ.Kind == types.IntervalYearMonth {
		lo, hi = math.MinInt32, math.MaxInt32
	}
	if err != nil || n < lo || n > hi {
		return 0, s.r.Errorf(k, "is not a%s %s", article(typeName(f.typ)), typeName(f.typ))
	}
	return n, nil
}

func (s *spec) float(f *field, opt string, def float64, bits int) (float64, error) {
	k := s.key(f, opt)
	v, ok := s.r.Options[k]
	if !ok {
		return def, nil
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(v), bits)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, s.r.Errorf(k, "is not a finite %s", typeName(f.typ))
	}
	return x, nil
}

// article is "n" before a vowel sound: "an INT", "a BIGINT".
func article(name string) string {
	if name != "" && strings.ContainsRune("AEIOU", rune(name[0])) {
		return "n"
	}
	return ""
}

// sequence parses start and end. Flink's SequenceGeneratorVisitor requires
// both; values must fit the type (Flink narrows with byteValue() and the
// like, silently wrapping around).
func (s *spec) sequence(f *field) error {
	r := s.r
	startKey, endKey := s.key(f, FieldStart), s.key(f, FieldEnd)
	for _, k := range []string{startKey, endKey} {
		if !r.Has(k) {
			return fmt.Errorf("%s: column %s has kind 'sequence' and needs option '%s'", Identifier, f.path, k)
		}
	}
	t := f.typ
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	switch t.Kind {
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		lo, hi = intRange(t.Kind)
	case types.Float:
		lo, hi = -1<<24, 1<<24 // every integer here is an exact FLOAT
	case types.Double:
		lo, hi = -1<<53, 1<<53
	case types.Decimal:
		m := int64(math.MaxInt64)
		if d := t.Precision - t.Scale; d < 19 {
			m = int64(math.Pow10(d)) - 1
		}
		lo, hi = -m, m
	}
	parse := func(k string) (int64, error) {
		n, err := strconv.ParseInt(strings.TrimSpace(r.Options[k]), 10, 64)
		if err != nil || n < lo || n > hi {
			switch t.Kind {
			case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
				return 0, r.Errorf(k, "is not a%s %s", article(typeName(t)), typeName(t))
			}
			if err != nil {
				return 0, r.Errorf(k, "is not an integer")
			}
			return 0, r.Errorf(k, "is out of range for a sequence of %s (%d..%d)", typeName(t), lo, hi)
		}
		return n, nil
	}
	var err error
	if f.start, err = parse(startKey); err != nil {
		return err
	}
	if f.end, err = parse(endKey); err != nil {
		return err
	}
	if f.start > f.end {
		return fmt.Errorf("%s: %s = '%s' is greater than %s = '%s'", Identifier, startKey, r.Options[startKey], endKey, r.Options[endKey])
	}
	if uint64(f.end)-uint64(f.start) == math.MaxUint64 {
		// Flink: the size of the range cannot exceed Long.MAX_VALUE - 1.
		return fmt.Errorf("%s: the sequence %s..%s of column %s has more values than fit in a 64-bit count", Identifier, r.Options[startKey], r.Options[endKey], f.path)
	}
	switch t.Kind {
	case types.Char, types.VarChar:
		w := max(len(strconv.FormatInt(f.start, 10)), len(strconv.FormatInt(f.end, 10)))
		if w > t.Length {
			return fmt.Errorf("%s: the sequence %d..%d of column %s has values of %d characters, longer than %s", Identifier, f.start, f.end, f.path, w, typeName(t))
		}
	case types.Binary, types.VarBinary:
		// Flink emits each value as its 8 big-endian bytes (Longs.toByteArray).
		if t.Length < 8 {
			return fmt.Errorf("%s: column %s: a sequence emits 8-byte values, which %s cannot hold", Identifier, f.path, typeName(t))
		}
	}
	return nil
}
