// Package nexmark is the `nexmark` table source: the person, auction and
// bid streams of the Nexmark benchmark, generated in process as Flink's
// nexmark connector (the nexmark-flink project) generates them, for
// `sluice bench nexmark` and the queries in bench/nexmark.
//
// The table has Nexmark's physical schema — the columns are matched by
// position, their names are free:
//
//	CREATE TABLE datagen (
//	    event_type INT,  -- 0 person, 1 auction, 2 bid
//	    person  ROW<id BIGINT, name STRING, emailAddress STRING, creditCard STRING, city STRING, state STRING, `dateTime` TIMESTAMP(3), extra STRING>,
//	    auction ROW<id BIGINT, itemName STRING, description STRING, initialBid BIGINT, reserve BIGINT, `dateTime` TIMESTAMP(3), expires TIMESTAMP(3), seller BIGINT, category BIGINT, extra STRING>,
//	    bid     ROW<auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, `dateTime` TIMESTAMP(3), extra STRING>,
//	    `dateTime` AS CASE WHEN event_type = 0 THEN (person).`dateTime` WHEN event_type = 1 THEN (auction).`dateTime` ELSE (bid).`dateTime` END,
//	    WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '4' SECOND
//	) WITH ('connector' = 'nexmark', 'events.num' = '10000000');
//
// Each event fills the ROW of its type; the other two are NULL.
// Batches hold sluice.exec.batch-size events, fewer when
// sluice.exec.batch-bytes would be exceeded (estimated from the average
// sizes: only large *.avg-size values cut batches).
//
// Options (Flink's NexmarkSourceOptions; Sluice extensions marked):
//
//	option                     default  meaning
//	first-event.rate           10000    events per second of event time over all subtasks: event n of a generator has dateTime base-time + n·parallelism/rate
//	next-event.rate            10000    accepted; unused, as in Nexmark's generator
//	rate.shape, rate.period,   SQUARE,  accepted; unused, as in Nexmark's generator
//	rate.limited               600 s, false
//	events.num                 0        events over all subtasks; 0 is unbounded
//	stop-at                    -1       stop after this many events over all subtasks
//	keep-alive                 false    stay running, idle, once the events are generated
//	max-emit-speed             true     false: emit each event when the wall clock, from the split's first event, reaches its dateTime
//	person.proportion          1        of every person+auction+bid events, this many are persons,
//	auction.proportion         3        auctions
//	bid.proportion             46       and bids (Nexmark's 2% / 6% / 92%)
//	person.avg-size            200b     average sizes the extra fields pad each event to
//	auction.avg-size           500b
//	bid.avg-size               100b
//	bid.hot-ratio.auctions     2        a bid is for a hot auction with probability 1 - 1/ratio
//	bid.hot-ratio.bidders      4        a bid is by a hot bidder with probability 1 - 1/ratio
//	auction.hot-ratio.sellers  4        an auction is by a hot seller with probability 1 - 1/ratio
//	auction.in-flight          100      Sluice: auctions open at a time (numInFlightAuctions)
//	person.active              1000     Sluice: persons sellers and bidders are drawn from (numActivePeople)
//	out-of-order.group-size    1        Sluice: dateTime is shuffled within groups of this many events (outOfOrderGroupSize)
//	seed                       random   Sluice: seed of the field contents
//	base-time                  now      Sluice: dateTime of event number 0, epoch ms or 'yyyy-MM-dd HH:mm:ss[.SSS]' UTC
//
// # The model
//
// Events are numbered; event id i is a person when i mod (sum of the
// proportions) falls in the person share, then an auction, else a bid,
// so the proportions are exact over every 50 events. Ids follow Nexmark's
// GeneratorConfig: person and auction ids count from 1000 as they are
// generated; a bid's auction is, with probability 1 - 1/hot-ratio, the
// first of the latest batch of 100 auctions (hot), else a random one of
// the last auction.in-flight auctions plus 10 ahead; bidders and sellers
// alike among the last person.active persons (hot: the first, for
// bidders the second, of the latest batch of 100). Bidder ids are 1000
// above person ids, as Nexmark's BidGenerator adds the base twice.
// Categories are 10…14; prices are log-uniform cents, 100 to 10^8;
// auctions expire after a random length averaging the time until
// auction.in-flight more auctions exist; channels are Google, Facebook,
// Baidu or Apple half the time, else one of 10000 channel-N with a URL
// that mostly carries &channel_id=; names, cities and states come from
// Nexmark's lists; extra fields pad events to their average sizes.
//
// Field contents are drawn from a random stream seeded by the seed and
// the event id, so an event's contents depend on nothing else: not on
// the batch size, the subtask that generates it, or a restore. The fixed
// tables (channel URLs, the padding pool) come from a fixed seed. Nexmark
// draws its contents from unseeded randoms; the ids, types and times here
// are Nexmark's exactly.
//
// # Parallelism and event time
//
// Subtask i of n generates generator i's share of the events, as
// Nexmark's GeneratorConfig.split: event ids [1 + i·m + 1, …) for m =
// events.num/n (the last subtask takes the remainder), so every event id
// of the run is generated once. Each generator runs a timeline of its
// own from base-time, n times sparser, so that all subtasks cover the
// same event time. Within a generator dateTime never decreases with
// out-of-order.group-size 1 (the default, Nexmark's); with a group of g
// events, no event is earlier than the first of its group, so dateTime
// goes back at most g·n/rate seconds — the WATERMARK's delay (Nexmark's
// 4 s) must cover that for no event to be late. Watermarks come from the
// table's WATERMARK clause, evaluated after the source.
//
// # Checkpoints
//
// When the job takes checkpoints each subtask keeps, in split-distributed
// operator list state, its generator: index and count of the split, the
// events emitted, base time, seed and wall-clock start. A restored job
// continues each generator after its last emitted event, with the same
// base time and seed, so the events up to the checkpoint plus those after
// the restore are those of an uninterrupted run. At another parallelism
// each generator goes whole to one subtask, which interleaves its
// generators batch by batch, earliest next event first, so that its
// dateTime stays as ordered as one generator's and no event falls behind
// the watermark the others drove; subtasks a rescale adds generate
// nothing, as Flink's split enumerator gives them no split. While it waits for the wall clock
// (max-emit-speed false) the source yields every 50 ms so that
// checkpoint barriers pass.
package nexmark
