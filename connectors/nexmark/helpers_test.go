package nexmark

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// baseTime is 2026-01-01 00:00:00 UTC, the tests' base-time.
const baseTime = 1767225600000

// columns is Nexmark's physical schema, as the queries declare it.
func columns() []connector.Column {
	f := func(name string, t types.DataType) types.Field { return types.Field{Name: name, Type: t} }
	ts := types.TIMESTAMP(3)
	return []connector.Column{
		{Name: "event_type", Type: types.INT()},
		{Name: "person", Type: types.ROW(f("id", types.BIGINT()), f("name", types.STRING()), f("emailAddress", types.STRING()),
			f("creditCard", types.STRING()), f("city", types.STRING()), f("state", types.STRING()), f("dateTime", ts), f("extra", types.STRING()))},
		{Name: "auction", Type: types.ROW(f("id", types.BIGINT()), f("itemName", types.STRING()), f("description", types.STRING()),
			f("initialBid", types.BIGINT()), f("reserve", types.BIGINT()), f("dateTime", ts), f("expires", ts),
			f("seller", types.BIGINT()), f("category", types.BIGINT()), f("extra", types.STRING()))},
		{Name: "bid", Type: types.ROW(f("auction", types.BIGINT()), f("bidder", types.BIGINT()), f("price", types.BIGINT()),
			f("channel", types.STRING()), f("url", types.STRING()), f("dateTime", ts), f("extra", types.STRING()))},
	}
}

func newSourceFor(opts map[string]string, cfg engine.Config) (*connector.Source, error) {
	o := map[string]string{"connector": Identifier, OptionSeed: "7", OptionBaseTime: "1767225600000"}
	for k, v := range opts {
		o[k] = v
	}
	return Factory{}.NewSource(&connector.Context{Table: "nexmark", Columns: columns(), Options: o, Config: cfg})
}

func mustSource(t testing.TB, opts map[string]string) *connector.Source {
	t.Helper()
	src, err := newSourceFor(opts, nil)
	require.NoError(t, err)
	return src
}

// row is one emitted event as the tests compare it.
type row struct {
	typ      int32
	id       int64 // person or auction id; for bids the auction
	dateTime int64 // ms
	person   person
	auction  auction
	bid      bid
}

func timestampMs(a arrow.Array, i int) int64 {
	return int64(a.(*array.Timestamp).Value(i))
}

// rowsOf decodes a batch of the nexmark schema.
func rowsOf(rec arrow.RecordBatch) []row {
	typ := rec.Column(0).(*array.Int32)
	ps, as, bs := rec.Column(1).(*array.Struct), rec.Column(2).(*array.Struct), rec.Column(3).(*array.Struct)
	str := func(s *array.Struct, f, i int) string { return s.Field(f).(*array.String).Value(i) }
	i64 := func(s *array.Struct, f, i int) int64 { return s.Field(f).(*array.Int64).Value(i) }
	out := make([]row, rec.NumRows())
	for i := range out {
		r := &out[i]
		r.typ = typ.Value(i)
		switch r.typ {
		case TypePerson:
			r.person = person{id: i64(ps, 0, i), name: str(ps, 1, i), email: str(ps, 2, i), creditCard: str(ps, 3, i),
				city: str(ps, 4, i), state: str(ps, 5, i), dateTime: timestampMs(ps.Field(6), i), extra: str(ps, 7, i)}
			r.id, r.dateTime = r.person.id, r.person.dateTime
		case TypeAuction:
			r.auction = auction{id: i64(as, 0, i), itemName: str(as, 1, i), desc: str(as, 2, i), initialBid: i64(as, 3, i),
				reserve: i64(as, 4, i), dateTime: timestampMs(as.Field(5), i), expires: timestampMs(as.Field(6), i),
				seller: i64(as, 7, i), category: i64(as, 8, i), extra: str(as, 9, i)}
			r.id, r.dateTime = r.auction.id, r.auction.dateTime
		case TypeBid:
			r.bid = bid{auction: i64(bs, 0, i), bidder: i64(bs, 1, i), price: i64(bs, 2, i), channel: str(bs, 3, i),
				url: str(bs, 4, i), dateTime: timestampMs(bs.Field(5), i), extra: str(bs, 6, i)}
			r.id, r.dateTime = r.bid.auction, r.bid.dateTime
		}
		// Exactly the event's ROW is set.
		for s, col := range []*array.Struct{ps, as, bs} {
			if col.IsNull(i) == (int32(s) == r.typ) {
				panic("the ROW of the event's type must be the only non-NULL one")
			}
		}
	}
	return out
}

// runSubtask runs subtask i of n to its end (or until stopAfter rows,
// then cancels) and returns its rows.
func runSubtask(t testing.TB, src *connector.Source, i, n int, cfg engine.Config, stopAfter int) []row {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := src.Instance(i, n)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	require.NoError(t, s.Open(ctx, &engine.RuntimeContext{Subtask: i, Parallelism: n, Mem: mem, Config: cfg}))
	var rows []row
	err := s.Run(ctx, engine.CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
		rows = append(rows, rowsOf(b.Record)...)
		if stopAfter > 0 && len(rows) >= stopAfter {
			cancel()
		}
		return nil
	}))
	require.NoError(t, s.Close())
	if stopAfter > 0 {
		require.True(t, errors.Is(err, context.Canceled), "got %v", err)
	} else {
		require.NoError(t, err)
	}
	return rows
}

// generate runs the generator of split i of n directly, for count events.
func generate(t testing.TB, src *connector.Source, i, n int, count int) []event {
	t.Helper()
	s := src.Instance(i, n).(*source)
	g := &generator{cfg: s.t.split(i, n, s.t.params.baseTime, s.t.params.seed)}
	var out []event
	for len(out) < count && g.hasNext() {
		var e event
		g.next(&e)
		out = append(out, e)
	}
	return out
}
