package nexmark

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// The same seed gives the same events whatever the batch size; another
// seed changes the contents but not the ids, types and times, which are
// Nexmark's arithmetic.
func TestGeneratorIsDeterministic(t *testing.T) {
	opts := map[string]string{OptionEventsNum: "3000"}
	a := runSubtask(t, mustSource(t, opts), 0, 1, nil, 0)
	b := runSubtask(t, mustSource(t, opts), 0, 1, engine.Config{engine.ConfigBatchSize: "7"}, 0)
	require.Len(t, a, 3000)
	assert.Equal(t, a, b)

	opts[OptionSeed] = "8"
	c := runSubtask(t, mustSource(t, opts), 0, 1, nil, 0)
	require.Len(t, c, 3000)
	same := 0
	for i := range a {
		require.Equal(t, a[i].typ, c[i].typ)
		require.Equal(t, a[i].dateTime, c[i].dateTime)
		if a[i].typ != TypeBid {
			require.Equal(t, a[i].id, c[i].id, "person and auction ids are sequential")
		}
		if a[i] == c[i] {
			same++
		}
	}
	assert.Less(t, same, 30, "another seed draws other contents")
}

// Event id i is a person, auction or bid by i modulo the sum of the
// proportions: the counts are exact per period.
func TestProportions(t *testing.T) {
	tests := []struct {
		name                  string
		opts                  map[string]string
		events                int
		persons, auctions, bs int
	}{
		{"Nexmark's 1:3:46", nil, 5000, 100, 300, 4600},
		{"2:3:5", map[string]string{OptionPersonProportion: "2", OptionAuctionProportion: "3", OptionBidProportion: "5"}, 1000, 200, 300, 500},
		{"no bids", map[string]string{OptionBidProportion: "0"}, 400, 100, 300, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := map[string]string{OptionEventsNum: fmt.Sprint(tc.events)}
			for k, v := range tc.opts {
				opts[k] = v
			}
			var counts [3]int
			for _, r := range runSubtask(t, mustSource(t, opts), 0, 1, nil, 0) {
				counts[r.typ]++
			}
			assert.Equal(t, [3]int{tc.persons, tc.auctions, tc.bs}, counts)
		})
	}
}

// Field contents follow Nexmark's model: sequential person and auction
// ids from 1000, bids on recent auctions (half on the hot one), bidders
// 1000 above person ids, categories 10…14, log-uniform prices, auctions
// that expire after they open, extra padding to the average sizes.
func TestFieldRanges(t *testing.T) {
	const n = 50000
	rows := runSubtask(t, mustSource(t, map[string]string{OptionEventsNum: fmt.Sprint(n)}), 0, 1, nil, 0)
	require.Len(t, rows, n)
	email := regexp.MustCompile(`^[a-z ]*[a-z]@[a-z ]*[a-z]?\.com$|^[a-z]+( [a-z]+)*@[a-z]+( [a-z]+)*\.com$`)
	card := regexp.MustCompile(`^\d{4} \d{4} \d{4} \d{4}$`)
	// Event ids start at 2 (Nexmark's first event id 1 plus event number
	// 1), so ids 1000 are never generated: the first auction is 1001, and
	// so is the first person (event 50).
	var nextPerson, nextAuction int64 = firstPersonID + 1, firstAuctionID + 1
	var hotAuctionBids, hotChannelBids, bids, withChannelID, coldChannel int
	categories := map[int64]bool{}
	for _, r := range rows {
		switch r.typ {
		case TypePerson:
			p := r.person
			require.Equal(t, nextPerson, p.id, "person ids are sequential")
			nextPerson++
			assert.Contains(t, usStates, p.state)
			assert.Contains(t, usCities, p.city)
			first, last, ok := strings.Cut(p.name, " ")
			require.True(t, ok, p.name)
			assert.Contains(t, firstNames, first)
			assert.Contains(t, lastNames, last)
			assert.Regexp(t, email, p.email)
			assert.Regexp(t, card, p.creditCard)
			size := 8 + len(p.name) + len(p.email) + len(p.creditCard) + len(p.city) + len(p.state)
			avg := defaultPersonAvgSize - size
			assert.InDelta(t, avg, len(p.extra), float64(avg)*0.2+1, "person extra pads to the average size")
		case TypeAuction:
			a := r.auction
			require.Equal(t, nextAuction, a.id, "auction ids are sequential")
			nextAuction++
			categories[a.category] = true
			assert.GreaterOrEqual(t, a.category, int64(10))
			assert.LessOrEqual(t, a.category, int64(14))
			assert.Greater(t, a.expires, a.dateTime)
			assert.Greater(t, a.reserve, a.initialBid)
			assert.GreaterOrEqual(t, a.initialBid, int64(100))
			assert.LessOrEqual(t, a.initialBid, int64(100_000_000))
			assert.GreaterOrEqual(t, a.seller, int64(firstPersonID))
			assert.Less(t, a.seller, nextPerson+idLead, "sellers are existing persons or a few ahead")
			// Nexmark's strings: 3 to 19 letters or spaces, trimmed (so
			// rarely empty).
			assert.Regexp(t, `^([a-z]([a-z ]*[a-z])?)?$`, a.itemName)
			assert.LessOrEqual(t, len(a.itemName), 19)
			assert.LessOrEqual(t, len(a.desc), 99)
		case TypeBid:
			b := r.bid
			bids++
			last := nextAuction - 1
			assert.LessOrEqual(t, b.auction, last+idLead, "bids are on existing auctions or a few ahead")
			assert.GreaterOrEqual(t, b.auction, max(last-defaultInFlightAuctions, firstAuctionID), "bids are on auctions in flight")
			if b.auction == ((last-firstAuctionID)/hotBatch)*hotBatch+firstAuctionID {
				hotAuctionBids++
			}
			assert.GreaterOrEqual(t, b.bidder, int64(2*firstPersonID), "bidders are 1000 above person ids (Nexmark adds the base twice)")
			assert.Less(t, b.bidder, nextPerson+firstPersonID+idLead)
			assert.GreaterOrEqual(t, b.price, int64(100))
			assert.LessOrEqual(t, b.price, int64(100_000_000))
			assert.True(t, strings.HasPrefix(b.url, "https://www.nexmark.com/"), b.url)
			if slices.Contains(hotChannels, b.channel) {
				hotChannelBids++
				assert.NotContains(t, b.url, "channel_id")
			} else {
				coldChannel++
				assert.Regexp(t, `^channel-\d+$`, b.channel)
				if strings.Contains(b.url, "&channel_id=") {
					withChannelID++
				}
			}
			assert.GreaterOrEqual(t, len(b.extra), 54, "bid extra: 68 ± 20%")
			assert.Less(t, len(b.extra), 82)
		}
	}
	assert.Len(t, categories, 5)
	// Half the bids are on the hot auction (a few more: cold draws hit it
	// too); half are on a hot channel; 9 cold channels in 10 carry an id.
	assert.InDelta(t, 0.5, float64(hotAuctionBids)/float64(bids), 0.03)
	assert.InDelta(t, 0.5, float64(hotChannelBids)/float64(bids), 0.02)
	assert.InDelta(t, 0.9, float64(withChannelID)/float64(coldChannel), 0.03)
}

// Event n of a generator has dateTime base + n·parallelism/rate: the
// rate is split over the parallel timelines. With the default group size
// of 1 dateTime never decreases within a subtask; with a group of g
// events it goes back less than g events' time, so a WATERMARK delay
// longer than that leaves no event late.
func TestDateTimeOrdering(t *testing.T) {
	t.Run("in order", func(t *testing.T) {
		src := mustSource(t, map[string]string{OptionEventsNum: "2000", OptionFirstEventRate: "1000"})
		for sub := range 2 {
			rows := runSubtask(t, src, sub, 2, nil, 0)
			require.Len(t, rows, 1000)
			for i, r := range rows {
				// Event number i+1 (Nexmark numbers from 1) every 2 ms.
				require.Equal(t, int64(baseTime+2*(i+1)), r.dateTime)
			}
		}
	})
	t.Run("out of order within groups", func(t *testing.T) {
		const rate, group, delay = 10000, 500, 40 * time.Millisecond // a group spans 50 ms at 10000/s
		src := mustSource(t, map[string]string{OptionEventsNum: "20000", OptionFirstEventRate: fmt.Sprint(rate), OptionOutOfOrderGroup: fmt.Sprint(group)})
		rows := runSubtask(t, src, 0, 1, nil, 0)
		span := int64(group * 1000 / rate)
		maxSeen, backwards, lateFor40ms := int64(0), 0, 0
		for _, r := range rows {
			if r.dateTime < maxSeen {
				backwards++
				require.Less(t, maxSeen-r.dateTime, span, "no event goes back a whole group")
				if r.dateTime < maxSeen-delay.Milliseconds() {
					lateFor40ms++
				}
			}
			maxSeen = max(maxSeen, r.dateTime)
		}
		assert.Greater(t, backwards, 1000, "the group shuffles event times")
		assert.Greater(t, lateFor40ms, 0, "a delay shorter than a group's span leaves late events")
	})
}

// Subtask i of n generates split i of Nexmark's event sequence: together
// every event id once, whatever n; each event's contents depend on its id
// only, so the subtasks emit the events of a parallelism-1 run, on
// timelines of their own.
func TestParallelSplitCoversEveryEventOnce(t *testing.T) {
	const events = 1003
	src := mustSource(t, map[string]string{OptionEventsNum: fmt.Sprint(events)})
	for _, n := range []int{1, 2, 3, 7} {
		ids := map[int64]int{}
		for i := range n {
			for _, e := range generate(t, src, i, n, events+1) {
				ids[e.id]++
			}
		}
		require.Len(t, ids, events, "parallelism %d", n)
		for id := int64(2); id < events+2; id++ {
			require.Equal(t, 1, ids[id], "event id %d at parallelism %d", id, n)
		}
	}
	// Contents without the times (which follow each subtask's timeline).
	key := func(r row) string {
		r.dateTime, r.person.dateTime, r.auction.dateTime, r.auction.expires, r.bid.dateTime = 0, 0, 0, 0, 0
		return fmt.Sprint(r)
	}
	var one, three []string
	for _, r := range runSubtask(t, src, 0, 1, nil, 0) {
		one = append(one, key(r))
	}
	for i := range 3 {
		for _, r := range runSubtask(t, src, i, 3, nil, 0) {
			three = append(three, key(r))
		}
	}
	slices.Sort(one)
	slices.Sort(three)
	assert.Equal(t, one, three)
}

// events.num makes the source bounded; without it the source runs until
// cancelled.
func TestBoundedness(t *testing.T) {
	assert.True(t, mustSource(t, map[string]string{OptionEventsNum: "10"}).Bounded)
	assert.True(t, mustSource(t, map[string]string{OptionStopAt: "10"}).Bounded)
	assert.False(t, mustSource(t, map[string]string{OptionEventsNum: "10", OptionKeepAlive: "true"}).Bounded)
	unbounded := mustSource(t, nil)
	require.False(t, unbounded.Bounded)
	assert.GreaterOrEqual(t, len(runSubtask(t, unbounded, 0, 1, nil, 5000)), 5000)
	// stop-at cuts each split's share.
	assert.Len(t, runSubtask(t, mustSource(t, map[string]string{OptionEventsNum: "100", OptionStopAt: "40"}), 1, 2, nil, 0), 20)
}

type yieldCounter struct {
	rows, yields int
}

func (c *yieldCounter) Collect(_ context.Context, b *vectorized.Batch) error {
	c.rows += int(b.NumRows())
	return nil
}

func (c *yieldCounter) Yield(context.Context) error {
	c.yields++
	return nil
}

// With max-emit-speed off an event waits for its dateTime on the wall
// clock, and the source yields while it waits.
func TestRateLimitedSourceWaitsAndYields(t *testing.T) {
	src := mustSource(t, map[string]string{OptionEventsNum: "40", OptionFirstEventRate: "100", OptionMaxEmitSpeed: "false"})
	s := src.Instance(0, 1)
	require.NoError(t, s.Open(context.Background(), &engine.RuntimeContext{Parallelism: 1, Mem: memory.DefaultAllocator}))
	c := &yieldCounter{}
	start := time.Now()
	require.NoError(t, s.Run(context.Background(), c))
	require.NoError(t, s.Close())
	assert.Equal(t, 40, c.rows)
	// Events 1…40 at 10 ms each: the last is due 390 ms after the first.
	assert.GreaterOrEqual(t, time.Since(start), 350*time.Millisecond)
	assert.GreaterOrEqual(t, c.yields, 7, "a yield at least every 50 ms of waiting")
}

func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		opts map[string]string
		cols []connector.Column
		want string
	}{
		{"unknown option", map[string]string{"events.number": "1"}, nil, "events.number"},
		{"no persons", map[string]string{OptionPersonProportion: "0"}, nil, "auctions and bids refer to persons"},
		{"rate", map[string]string{OptionFirstEventRate: "0"}, nil, "first-event.rate"},
		{"size", map[string]string{OptionBidAvgSize: "big"}, nil, "is not a memory size"},
		{"base time", map[string]string{OptionBaseTime: "yesterday"}, nil, "base-time"},
		{"columns", nil, columns()[:3], "has 3 physical columns, not 4"},
		{"field type", nil, func() []connector.Column {
			c := columns()
			c[3].Type.Fields[2].Type = types.DOUBLE()
			return c
		}(), "field bid.price is DOUBLE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := map[string]string{"connector": Identifier}
			for k, v := range tc.opts {
				o[k] = v
			}
			cols := tc.cols
			if cols == nil {
				cols = columns()
			}
			_, err := Factory{}.NewSource(&connector.Context{Table: "nexmark", Columns: cols, Options: o})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	// Flink's memory sizes and timestamps are read.
	src := mustSource(t, map[string]string{OptionBidAvgSize: "1kb", OptionBaseTime: "2026-01-01 00:00:00", OptionEventsNum: "50"})
	rows := runSubtask(t, src, 0, 1, nil, 0)
	// Event number 1 at 10000/s: 100 µs after the base, truncated to ms.
	assert.Equal(t, int64(baseTime), rows[0].dateTime)
	require.Equal(t, int32(TypeBid), rows[len(rows)-3].typ, "ids 50 and 51 are a person and an auction")
	assert.Greater(t, len(rows[len(rows)-3].bid.extra), 700)
}

func BenchmarkGenerate(b *testing.B) {
	src := mustSource(b, map[string]string{OptionEventsNum: "0"})
	s := src.Instance(0, 1).(*source)
	require.NoError(b, s.Open(context.Background(), &engine.RuntimeContext{Parallelism: 1, Mem: memory.DefaultAllocator}))
	defer s.Close()
	g := s.splits[0].gen
	b.ResetTimer()
	for range b.N {
		s.w.reserve(10000)
		for range 10000 {
			g.next(&s.ev)
			s.w.append(&s.ev)
		}
		s.w.finish().Release()
	}
	b.ReportMetric(float64(b.N)*10000/b.Elapsed().Seconds(), "events/s")
}

// Batches are cut by bytes as well as rows (sluice.exec.batch-bytes):
// with 10 KB bids a batch holds a handful of rows, not 10000.
func TestBatchesCappedByBytes(t *testing.T) {
	src := mustSource(t, map[string]string{OptionEventsNum: "500", OptionBidAvgSize: "10kb"})
	s := src.Instance(0, 1)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	require.NoError(t, s.Open(context.Background(), &engine.RuntimeContext{Parallelism: 1, Mem: mem,
		Config: engine.Config{engine.ConfigBatchBytes: "64kb"}}))
	var sizes []int
	rows := 0
	require.NoError(t, s.Run(context.Background(), engine.CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
		rows += int(b.NumRows())
		sizes = append(sizes, vectorized.RecordBytes(b.Record))
		return nil
	})))
	require.NoError(t, s.Close())
	assert.Equal(t, 500, rows)
	assert.Greater(t, len(sizes), 50, "about 6 rows of 10 KB per 64 KB batch")
	for _, n := range sizes {
		assert.LessOrEqual(t, n, 64<<10+16<<10, "a batch exceeds the cap by less than a row")
	}
}
