package nexmark

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-stream/sluice/connectors/internal/option"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

// Identifier is the value of the `connector` option.
const Identifier = "nexmark"

// Table options, named as Flink's nexmark connector (NexmarkSourceOptions)
// names them, plus seed and base-time.
const (
	OptionRateShape          = "rate.shape"
	OptionRatePeriod         = "rate.period"
	OptionRateLimited        = "rate.limited"
	OptionFirstEventRate     = "first-event.rate"
	OptionNextEventRate      = "next-event.rate"
	OptionPersonAvgSize      = "person.avg-size"
	OptionAuctionAvgSize     = "auction.avg-size"
	OptionBidAvgSize         = "bid.avg-size"
	OptionPersonProportion   = "person.proportion"
	OptionAuctionProportion  = "auction.proportion"
	OptionBidProportion      = "bid.proportion"
	OptionBidHotAuctions     = "bid.hot-ratio.auctions"
	OptionBidHotBidders      = "bid.hot-ratio.bidders"
	OptionAuctionHotSellers  = "auction.hot-ratio.sellers"
	OptionEventsNum          = "events.num"
	OptionKeepAlive          = "keep-alive"
	OptionStopAt             = "stop-at"
	OptionMaxEmitSpeed       = "max-emit-speed"
	OptionInFlightAuctions   = "auction.in-flight"       // Sluice: NexmarkConfiguration.numInFlightAuctions
	OptionActivePeople       = "person.active"           // Sluice: NexmarkConfiguration.numActivePeople
	OptionOutOfOrderGroup    = "out-of-order.group-size" // Sluice: NexmarkConfiguration.outOfOrderGroupSize
	OptionSeed               = "seed"                    // Sluice: seed of the field contents
	OptionBaseTime           = "base-time"               // Sluice: event time of event 0
	defaultFirstEventRate    = 10000
	defaultPersonAvgSize     = 200
	defaultAuctionAvgSize    = 500
	defaultBidAvgSize        = 100
	defaultInFlightAuctions  = 100
	defaultActivePeople      = 1000
	defaultPersonProportion  = 1
	defaultAuctionProportion = 3
	defaultBidProportion     = 46
)

// Factory is the nexmark connector.
type Factory struct{}

func init() { connector.Register(Factory{}) }

// Identifier implements connector.Factory.
func (Factory) Identifier() string { return Identifier }

// Options implements connector.Factory.
func (Factory) Options() []connector.Option {
	return []connector.Option{
		{Key: OptionRateShape, Default: "SQUARE", Description: "Accepted for Flink compatibility; Nexmark's generator uses first-event.rate only."},
		{Key: OptionRatePeriod, Default: "600 s", Description: "Accepted for Flink compatibility; unused, as in Nexmark's generator."},
		{Key: OptionRateLimited, Default: "false", Description: "Accepted for Flink compatibility; unused, as in Nexmark's generator (see max-emit-speed)."},
		{Key: OptionFirstEventRate, Default: strconv.Itoa(defaultFirstEventRate), Description: "Events per second of event time, over all subtasks: spaces the events' dateTime."},
		{Key: OptionNextEventRate, Default: strconv.Itoa(defaultFirstEventRate), Description: "Accepted for Flink compatibility; unused, as in Nexmark's generator."},
		{Key: OptionPersonAvgSize, Default: "200b", Description: "Average size of a person event; its extra field pads to it."},
		{Key: OptionAuctionAvgSize, Default: "500b", Description: "Average size of an auction event; its extra field pads to it."},
		{Key: OptionBidAvgSize, Default: "100b", Description: "Average size of a bid event; its extra field pads to it."},
		{Key: OptionPersonProportion, Default: strconv.Itoa(defaultPersonProportion), Description: "Persons per person.proportion+auction.proportion+bid.proportion events."},
		{Key: OptionAuctionProportion, Default: strconv.Itoa(defaultAuctionProportion), Description: "Auctions per person.proportion+auction.proportion+bid.proportion events."},
		{Key: OptionBidProportion, Default: strconv.Itoa(defaultBidProportion), Description: "Bids per person.proportion+auction.proportion+bid.proportion events."},
		{Key: OptionBidHotAuctions, Default: "2", Description: "A bid is for a hot auction with probability 1 - 1/ratio."},
		{Key: OptionBidHotBidders, Default: "4", Description: "A bid is by a hot bidder with probability 1 - 1/ratio."},
		{Key: OptionAuctionHotSellers, Default: "4", Description: "An auction is by a hot seller with probability 1 - 1/ratio."},
		{Key: OptionEventsNum, Default: "0", Description: "Events to generate over all subtasks; 0 is unbounded."},
		{Key: OptionKeepAlive, Default: "false", Description: "Keep the source running (idle) after its events are generated."},
		{Key: OptionStopAt, Default: "-1", Description: "Stop after this many events over all subtasks; -1 does not stop."},
		{Key: OptionMaxEmitSpeed, Default: "true", Description: "Emit as fast as possible; false emits each event when the wall clock reaches its dateTime (relative to the start)."},
		{Key: OptionInFlightAuctions, Default: strconv.Itoa(defaultInFlightAuctions), Description: "Sluice: auctions open at any time (Nexmark's numInFlightAuctions)."},
		{Key: OptionActivePeople, Default: strconv.Itoa(defaultActivePeople), Description: "Sluice: persons bids and auctions are drawn from (Nexmark's numActivePeople)."},
		{Key: OptionOutOfOrderGroup, Default: "1", Description: "Sluice: events are shuffled in event time within groups of this many (Nexmark's outOfOrderGroupSize)."},
		{Key: OptionSeed, Description: "Sluice: seed of the generated field contents; random when not set."},
		{Key: OptionBaseTime, Description: "Sluice: dateTime of event 0, epoch milliseconds or 'yyyy-MM-dd HH:mm:ss[.SSS]' (UTC); the current time when not set."},
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

// table is a validated nexmark table.
type table struct {
	name      string
	schema    *arrow.Schema
	params    config // the parameters; the split's fields are set by split
	firstRate int64
	numEvents int64
	stopAt    int64
	keepAlive bool
	maxSpeed  bool
	batchSize int
}

func (t *table) bounded() bool {
	return !t.keepAlive && (t.numEvents > 0 || t.stopAt >= 0)
}

func (t *table) describe() string {
	parts := []string{fmt.Sprintf("%s=%d", OptionFirstEventRate, t.firstRate)}
	if t.numEvents > 0 {
		parts = append(parts, fmt.Sprintf("%s=%d", OptionEventsNum, t.numEvents))
	}
	p := &t.params
	parts = append(parts, fmt.Sprintf("proportions=%d:%d:%d", p.personProportion, p.auctionProportion, p.bidProportion))
	return strings.Join(parts, ", ")
}

// split is the configuration of generator i of n: Nexmark's
// GeneratorConfig.split, each generator with its share of the event ids
// and a timeline of its own (the rate divided by n).
func (t *table) split(i, n int, baseTime int64, seed uint64) *config {
	c := t.params
	c.baseTime, c.seed = baseTime, seed
	c.interEventDelayUs = 1e6 / float64(t.firstRate) * float64(n)
	maxEvents := t.numEvents
	if maxEvents == 0 {
		// Nexmark's "unbounded": scaled down so that size estimates do not
		// overflow.
		maxEvents = math.MaxInt64 / (c.totalProportion * int64(max(c.avgPersonSize, c.avgAuctionSize, c.avgBidSize)))
	}
	sub := maxEvents / int64(n)
	c.firstEventID = 1 + int64(i)*sub
	c.firstEventNumber = 1
	c.maxEvents = sub
	if i == n-1 {
		c.maxEvents = maxEvents - sub*int64(n-1)
	}
	if t.stopAt >= 0 {
		stop := t.stopAt / int64(n)
		if i == n-1 {
			stop = t.stopAt - stop*int64(n-1)
		}
		c.maxEvents = min(c.maxEvents, stop)
	}
	return &c
}

func newTable(ctx *connector.Context) (*table, error) {
	if err := connector.ValidateOptions(Factory{}, ctx.Options); err != nil {
		return nil, err
	}
	r := option.Reader{Connector: Identifier, Options: ctx.Options}
	t := &table{name: ctx.Table}
	p := &t.params
	positive := func(key string, def int64) (int64, error) {
		v, err := r.Int64(key, def)
		if err == nil && v < 1 {
			err = r.Errorf(key, "must be at least 1")
		}
		return v, err
	}
	nonNegative := func(key string, def int64) (int64, error) {
		v, err := r.Int64(key, def)
		if err == nil && v < 0 {
			err = r.Errorf(key, "must not be negative")
		}
		return v, err
	}
	var err error
	var hotAuctions, hotBidders, hotSellers int64
	for _, o := range []struct {
		dst   *int64
		key   string
		def   int64
		check func(string, int64) (int64, error)
	}{
		{&t.firstRate, OptionFirstEventRate, defaultFirstEventRate, positive},
		{&p.personProportion, OptionPersonProportion, defaultPersonProportion, nonNegative},
		{&p.auctionProportion, OptionAuctionProportion, defaultAuctionProportion, positive},
		{&p.bidProportion, OptionBidProportion, defaultBidProportion, nonNegative},
		{&hotAuctions, OptionBidHotAuctions, 2, positive},
		{&hotBidders, OptionBidHotBidders, 4, positive},
		{&hotSellers, OptionAuctionHotSellers, 4, positive},
		{&t.numEvents, OptionEventsNum, 0, nonNegative},
		{&p.numInFlightAuctions, OptionInFlightAuctions, defaultInFlightAuctions, positive},
		{&p.numActivePeople, OptionActivePeople, defaultActivePeople, positive},
		{&p.outOfOrderGroupSize, OptionOutOfOrderGroup, 1, positive},
	} {
		if *o.dst, err = o.check(o.key, o.def); err != nil {
			return nil, err
		}
	}
	// The person proportion may be 0 in Nexmark's config but the model
	// then has no sellers or bidders: ids go negative. Require one.
	if p.personProportion < 1 {
		return nil, r.Errorf(OptionPersonProportion, "must be at least 1: auctions and bids refer to persons")
	}
	p.totalProportion = p.personProportion + p.auctionProportion + p.bidProportion
	p.hotAuctionRatio, p.hotBiddersRatio, p.hotSellersRatio = int(hotAuctions), int(hotBidders), int(hotSellers)
	if t.stopAt, err = r.Int64(OptionStopAt, -1); err != nil {
		return nil, err
	}
	for _, o := range []struct {
		dst *int
		key string
		def int
	}{
		{&p.avgPersonSize, OptionPersonAvgSize, defaultPersonAvgSize},
		{&p.avgAuctionSize, OptionAuctionAvgSize, defaultAuctionAvgSize},
		{&p.avgBidSize, OptionBidAvgSize, defaultBidAvgSize},
	} {
		if *o.dst, err = memorySize(r, o.key, o.def); err != nil {
			return nil, err
		}
	}
	if t.keepAlive, err = r.Bool(OptionKeepAlive, false); err != nil {
		return nil, err
	}
	if t.maxSpeed, err = r.Bool(OptionMaxEmitSpeed, true); err != nil {
		return nil, err
	}
	if _, err = r.Bool(OptionRateLimited, false); err != nil {
		return nil, err
	}
	if _, err = r.Int64(OptionNextEventRate, defaultFirstEventRate); err != nil {
		return nil, err
	}
	if shape := strings.ToUpper(strings.TrimSpace(r.String(OptionRateShape, "SQUARE"))); shape != "SQUARE" && shape != "SINE" {
		return nil, r.Errorf(OptionRateShape, "must be SQUARE or SINE")
	}
	if r.Has(OptionSeed) {
		s, err := strconv.ParseInt(strings.TrimSpace(r.Options[OptionSeed]), 10, 64)
		if err != nil {
			return nil, r.Errorf(OptionSeed, "is not an integer")
		}
		p.seed = uint64(s)
	} else {
		p.seed = rand.Uint64()
	}
	p.baseTime = time.Now().UnixMilli()
	if r.Has(OptionBaseTime) {
		if p.baseTime, err = parseBaseTime(r.Options[OptionBaseTime]); err != nil {
			return nil, r.Errorf(OptionBaseTime, "%v", err)
		}
	}
	if t.batchSize, err = option.BatchSize(ctx.Config); err != nil {
		return nil, fmt.Errorf("%s: %w", Identifier, err)
	}
	if t.schema, err = checkColumns(ctx.Table, ctx.Columns); err != nil {
		return nil, err
	}
	return t, nil
}

// memorySize reads Flink's MemorySize spellings: a number of bytes with
// an optional unit (b, k/kb, m/mb).
func memorySize(r option.Reader, key string, def int) (int, error) {
	if !r.Has(key) {
		return def, nil
	}
	s := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(r.Options[key]), " ", ""))
	mult := 1
	for _, u := range []struct {
		suffix string
		mult   int
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"k", 1 << 10}, {"m", 1 << 20}, {"bytes", 1}, {"b", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, r.Errorf(key, "is not a memory size (e.g. 100b, 1kb)")
	}
	return n * mult, nil
}

func parseBaseTime(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return ms, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999", "2006-01-02T15:04:05.999"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UnixMilli(), nil
		}
	}
	return 0, fmt.Errorf("is neither epoch milliseconds nor 'yyyy-MM-dd HH:mm:ss[.SSS]'")
}

// fieldKind is what a ROW field of the schema holds.
type fieldKind int

const (
	kBigint fieldKind = iota
	kString
	kTimestamp
)

// The fields of the three streams in Nexmark's order (the columns are
// matched by position, as Flink's RowDataEventDeserializer fills them;
// the names are free).
var (
	personFields  = []fieldKind{kBigint, kString, kString, kString, kString, kString, kTimestamp, kString}
	auctionFields = []fieldKind{kBigint, kString, kString, kBigint, kBigint, kTimestamp, kTimestamp, kBigint, kBigint, kString}
	bidFields     = []fieldKind{kBigint, kBigint, kBigint, kString, kString, kTimestamp, kString}
	schemaHint    = "event_type INT, person ROW<id BIGINT, name STRING, emailAddress STRING, creditCard STRING, city STRING, state STRING, `dateTime` TIMESTAMP(3), extra STRING>, " +
		"auction ROW<id BIGINT, itemName STRING, description STRING, initialBid BIGINT, reserve BIGINT, `dateTime` TIMESTAMP(3), expires TIMESTAMP(3), seller BIGINT, category BIGINT, extra STRING>, " +
		"bid ROW<auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, `dateTime` TIMESTAMP(3), extra STRING>"
)

// checkColumns accepts Nexmark's physical schema: event_type INT and the
// person, auction and bid ROWs, and returns its Arrow schema.
func checkColumns(tableName string, cols []connector.Column) (*arrow.Schema, error) {
	bad := func(why string) error {
		return fmt.Errorf("%s: table %s: %s; the connector produces the columns (%s)", Identifier, tableName, why, schemaHint)
	}
	if len(cols) != 4 {
		return nil, bad(fmt.Sprintf("has %d physical columns, not 4", len(cols)))
	}
	if k := cols[0].Type.Kind; k != types.Int {
		return nil, bad(fmt.Sprintf("column %s is %s, not INT", cols[0].Name, cols[0].Type.Nullable()))
	}
	for i, want := range [][]fieldKind{personFields, auctionFields, bidFields} {
		c := cols[i+1]
		if c.Type.Kind != types.Row || len(c.Type.Fields) != len(want) {
			return nil, bad(fmt.Sprintf("column %s is %s, not a ROW of %d fields", c.Name, c.Type.Nullable(), len(want)))
		}
		for j, f := range c.Type.Fields {
			ok := false
			switch want[j] {
			case kBigint:
				ok = f.Type.Kind == types.BigInt
			case kString:
				ok = f.Type.Kind == types.VarChar || f.Type.Kind == types.Char
			case kTimestamp:
				ok = f.Type.Kind == types.Timestamp || f.Type.Kind == types.TimestampLTZ
			}
			if !ok {
				return nil, bad(fmt.Sprintf("field %s.%s is %s", c.Name, f.Name, f.Type.Nullable()))
			}
		}
	}
	fs := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fs[i] = arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: !c.Type.NotNull}
	}
	return arrow.NewSchema(fs, nil), nil
}
