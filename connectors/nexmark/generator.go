package nexmark

import (
	"math"
	"math/bits"
	"strconv"
	"strings"
	"sync"
)

// Event types, the values of the event_type column (Nexmark's
// Event.Type: PERSON 0, AUCTION 1, BID 2).
const (
	TypePerson  = 0
	TypeAuction = 1
	TypeBid     = 2
)

// Id bases: ids start at these values so that queries over small streams
// still find matches (Nexmark's GeneratorConfig).
const (
	firstAuctionID  = 1000
	firstPersonID   = 1000
	firstCategoryID = 10
)

// Fixed parameters of Nexmark's model generators.
const (
	numCategories  = 5   // AuctionGenerator.NUM_CATEGORIES
	idLead         = 10  // PERSON_ID_LEAD, AUCTION_ID_LEAD: ids a little ahead of the last one
	hotBatch       = 100 // HOT_SELLER_RATIO, HOT_AUCTION_RATIO, HOT_BIDDER_RATIO: a hot id is the first of each batch of 100
	hotChannelsOdd = 2   // HOT_CHANNELS_RATIO
	numChannels    = 10000
	minStringLen   = 3
	// Nexmark fills the `extra` fields with substrings of one random
	// string of this length.
	extraPoolLen = 1 << 20
)

var (
	usStates    = []string{"AZ", "CA", "ID", "OR", "WA", "WY"}
	usCities    = []string{"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"}
	firstNames  = []string{"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"}
	lastNames   = []string{"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"}
	hotChannels = []string{"Google", "Facebook", "Baidu", "Apple"}
)

// config is what one generator draws its events from: the table's
// parameters and one split of the event sequence (Nexmark's
// GeneratorConfig after split(n)).
type config struct {
	personProportion, auctionProportion, bidProportion, totalProportion int64

	avgPersonSize, avgAuctionSize, avgBidSize         int
	hotAuctionRatio, hotSellersRatio, hotBiddersRatio int
	numInFlightAuctions, numActivePeople              int64
	outOfOrderGroupSize                               int64

	// interEventDelayUs is the event time between two events of this
	// generator: the source's rate is split over its generators, which
	// run parallel timelines (each starts at baseTime).
	interEventDelayUs float64
	baseTime          int64 // ms since the epoch of event number 0
	firstEventID      int64
	firstEventNumber  int64
	maxEvents         int64 // events of this split
	seed              uint64
}

// timestampForEvent is the event time of event number n, in ms.
func (c *config) timestampForEvent(n int64) int64 {
	// As Nexmark: the product is truncated to whole microseconds first.
	return c.baseTime + int64(float64(n)*c.interEventDelayUs)/1000
}

// adjustedEventNumber is the event number of the count-th event of the
// generator, permuted within groups of outOfOrderGroupSize events: that
// is how Nexmark makes event times out of order (by at most a group).
func (c *config) adjustedEventNumber(count int64) int64 {
	n := c.outOfOrderGroupSize
	e := c.firstEventNumber + count
	return (e/n)*n + (e*953)%n
}

// watermarkEventNumber is the event number whose time no later event of
// the generator precedes: the start of the current group.
func (c *config) watermarkEventNumber(count int64) int64 {
	n := c.outOfOrderGroupSize
	e := c.firstEventNumber + count
	return (e / n) * n
}

// lastBase0PersonID is the id (from 0) of the last person generated at
// or before event id: the current one when eventID is a person.
func (c *config) lastBase0PersonID(eventID int64) int64 {
	epoch, offset := eventID/c.totalProportion, eventID%c.totalProportion
	if offset >= c.personProportion {
		offset = c.personProportion - 1
	}
	return epoch*c.personProportion + offset
}

// lastBase0AuctionID is the id (from 0) of the last auction generated at
// or before event id.
func (c *config) lastBase0AuctionID(eventID int64) int64 {
	epoch, offset := eventID/c.totalProportion, eventID%c.totalProportion
	switch {
	case offset < c.personProportion:
		epoch--
		offset = c.auctionProportion - 1
	case offset >= c.personProportion+c.auctionProportion:
		offset = c.auctionProportion - 1
	default:
		offset -= c.personProportion
	}
	return epoch*c.auctionProportion + offset
}

// nextBase0PersonID is a random person among the active ones, a few ahead
// of the last so that some bids and auctions precede their person.
func (c *config) nextBase0PersonID(eventID int64, r *rng) int64 {
	numPeople := c.lastBase0PersonID(eventID) + 1
	active := min(numPeople, c.numActivePeople)
	return numPeople - active + r.int64n(active+idLead)
}

// nextBase0AuctionID is a random auction among those likely in flight,
// plus a few ahead.
func (c *config) nextBase0AuctionID(eventID int64, r *rng) int64 {
	last := c.lastBase0AuctionID(eventID)
	lo := max(last-c.numInFlightAuctions, 0)
	return lo + r.int64n(last-lo+1+idLead)
}

// rng is splitmix64: each event draws from a stream seeded by the table's
// seed and its event id, so an event's fields depend on nothing else —
// not on the batch size, on which subtask generates it or on a restore
// in between.
type rng struct{ s uint64 }

func eventRNG(seed uint64, eventID int64) rng {
	r := rng{s: seed ^ (uint64(eventID) * 0x9e3779b97f4a7c15)}
	r.next()
	return r
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn is uniform in [0, n) (Lemire's multiply-shift; the bias is below
// 2^-32 for the ranges used here).
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int(hi)
}

func (r *rng) int64n(n int64) int64 {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int64(hi)
}

func (r *rng) float64() float64 { return float64(r.next()>>11) / (1 << 53) }

// price is Nexmark's log-uniform price in cents: 10^(6u) dollars
// (computed as e^(6u·ln 10), a third of the cost of math.Pow).
func (r *rng) price() int64 {
	return int64(math.Round(math.Exp(r.float64()*6*math.Ln10) * 100))
}

// appendString appends Nexmark's nextString: 3 to maxLen-1 characters,
// lower-case letters with one in 13 being special, trimmed of spaces.
func (r *rng) appendString(b []byte, maxLen int, special byte) []byte {
	n := minStringLen + r.intn(maxLen-minStringLen)
	start := len(b)
	for range n {
		if r.intn(13) == 0 {
			b = append(b, special)
		} else {
			b = append(b, byte('a'+r.intn(26)))
		}
	}
	if special == ' ' {
		// Java's trim, in place.
		lo, hi := start, len(b)
		for lo < hi && b[lo] == ' ' {
			lo++
		}
		for hi > lo && b[hi-1] == ' ' {
			hi--
		}
		b = b[:start+copy(b[start:], b[lo:hi])]
	}
	return b
}

// extra is Nexmark's nextExtra: padding so that a record's size averages
// avg bytes, ±20%, cut from the shared pool of random letters.
func (r *rng) extra(currentSize, avg int) string {
	if currentSize > avg {
		return ""
	}
	avg -= currentSize
	delta := int(math.Round(float64(avg) * 0.2))
	size := avg - delta
	if delta != 0 {
		size += r.intn(2 * delta)
	}
	pool := tables().extraPool
	if size >= len(pool)/2 {
		// Nexmark builds long strings letter by letter; a long window of
		// the pool is as random for a benchmark.
		size = min(size, len(pool))
	}
	off := r.intn(len(pool) - size + 1)
	return pool[off : off+size]
}

// staticTables are the values Nexmark computes once per process: the
// extra pool, the URLs of the hot channels and the cache of the other
// channels' names and URLs. Nexmark draws them from an unseeded random;
// here they come from a fixed seed, so they are the same in every process
// (a restored job continues the same channels).
type staticTables struct {
	extraPool   string
	hotURLs     []string
	channels    []string
	channelURLs []string
	creditCard  []string // "0000" … "9999"
}

var (
	tablesOnce sync.Once
	static     *staticTables
)

func tables() *staticTables {
	tablesOnce.Do(func() {
		r := rng{s: 0x6e65786d61726b} // "nexmark"
		t := &staticTables{}
		pool := make([]byte, extraPoolLen)
		for i := range pool {
			pool[i] = byte('a' + r.intn(26))
		}
		t.extraPool = string(pool)
		baseURL := func() string {
			b := []byte("https://www.nexmark.com/")
			for range 3 {
				b = r.appendString(b, 5, '_')
				b = append(b, '/')
			}
			return string(append(b, "item.htm?query=1"...))
		}
		for range hotChannels {
			t.hotURLs = append(t.hotURLs, baseURL())
		}
		t.channels = make([]string, numChannels)
		t.channelURLs = make([]string, numChannels)
		for i := range numChannels {
			u := baseURL()
			if r.intn(10) > 0 {
				// Nexmark appends abs(Integer.reverse(i)): the bits of i
				// reversed as a 32-bit two's-complement int.
				rev := int32(bits.Reverse32(uint32(i)))
				if rev < 0 {
					rev = -rev
				}
				u += "&channel_id=" + strconv.Itoa(int(rev))
			}
			t.channels[i] = "channel-" + strconv.Itoa(i)
			t.channelURLs[i] = u
		}
		t.creditCard = make([]string, 10000)
		for i := range t.creditCard {
			s := strconv.Itoa(i)
			t.creditCard[i] = strings.Repeat("0", 4-len(s)) + s
		}
		static = t
	})
	return static
}

// person, auction and bid are one generated event's fields.
type person struct {
	id                                   int64
	name, email, creditCard, city, state string
	dateTime                             int64
	extra                                string
}

type auction struct {
	id                  int64
	itemName, desc      string
	initialBid, reserve int64
	dateTime, expires   int64
	seller, category    int64
	extra               string
}

type bid struct {
	auction, bidder, price int64
	channel, url           string
	dateTime               int64
	extra                  string
}

// event is one generated event; only the field of its type is set.
type event struct {
	typ      int
	dateTime int64
	id       int64 // Nexmark's event id, unique across the generators
	person   person
	auction  auction
	bid      bid
}

// generator is one split's generator (Nexmark's NexmarkGenerator): it
// generates events count, count+1, … of its split.
type generator struct {
	cfg   *config
	count int64
	buf   []byte
}

func (g *generator) hasNext() bool { return g.count < g.cfg.maxEvents }

// nextTimestamp is the dateTime of the next event.
func (g *generator) nextTimestamp() int64 {
	return g.cfg.timestampForEvent(g.cfg.adjustedEventNumber(g.count))
}

// next fills e with the next event.
func (g *generator) next(e *event) {
	c := g.cfg
	n := c.adjustedEventNumber(g.count)
	ts := c.timestampForEvent(n)
	id := c.firstEventID + n
	r := eventRNG(c.seed, id)
	e.id, e.dateTime = id, ts
	switch rem := id % c.totalProportion; {
	case rem < c.personProportion:
		e.typ = TypePerson
		g.nextPerson(&e.person, id, ts, &r)
	case rem < c.personProportion+c.auctionProportion:
		e.typ = TypeAuction
		g.nextAuction(&e.auction, id, ts, &r)
	default:
		e.typ = TypeBid
		g.nextBid(&e.bid, id, ts, &r)
	}
	g.count++
}

func (g *generator) nextPerson(p *person, id, ts int64, r *rng) {
	c, t := g.cfg, tables()
	p.id = c.lastBase0PersonID(id) + firstPersonID
	p.name = firstNames[r.intn(len(firstNames))] + " " + lastNames[r.intn(len(lastNames))]
	b := r.appendString(g.buf[:0], 7, ' ')
	b = append(b, '@')
	b = r.appendString(b, 5, ' ')
	b = append(b, ".com"...)
	p.email = string(b)
	g.buf = b
	p.creditCard = t.creditCard[r.intn(10000)] + " " + t.creditCard[r.intn(10000)] + " " +
		t.creditCard[r.intn(10000)] + " " + t.creditCard[r.intn(10000)]
	p.city = usCities[r.intn(len(usCities))]
	p.state = usStates[r.intn(len(usStates))]
	p.dateTime = ts
	size := 8 + len(p.name) + len(p.email) + len(p.creditCard) + len(p.city) + len(p.state)
	p.extra = r.extra(size, c.avgPersonSize)
}

func (g *generator) nextAuction(a *auction, id, ts int64, r *rng) {
	c := g.cfg
	a.id = c.lastBase0AuctionID(id) + firstAuctionID
	// A hot seller (probability 1 - 1/hotSellersRatio) is the first person
	// of the last batch of 100.
	if r.intn(c.hotSellersRatio) > 0 {
		a.seller = (c.lastBase0PersonID(id) / hotBatch) * hotBatch
	} else {
		a.seller = c.nextBase0PersonID(id, r)
	}
	a.seller += firstPersonID
	a.category = firstCategoryID + int64(r.intn(numCategories))
	a.initialBid = r.price()
	a.dateTime = ts
	a.expires = ts + g.auctionLength(ts, r)
	b := r.appendString(g.buf[:0], 20, ' ')
	a.itemName = string(b)
	b = r.appendString(b[:0], 100, ' ')
	a.desc = string(b)
	g.buf = b
	a.reserve = a.initialBid + r.price()
	a.extra = r.extra(8+len(a.itemName)+len(a.desc)+40, c.avgAuctionSize)
}

// auctionLength is a random auction length averaging the event time until
// numInFlightAuctions more auctions exist, so that about that many are
// open at any time.
func (g *generator) auctionLength(ts int64, r *rng) int64 {
	c := g.cfg
	current := c.adjustedEventNumber(g.count)
	eventsForAuctions := c.numInFlightAuctions * c.totalProportion / c.auctionProportion
	horizon := c.timestampForEvent(current+eventsForAuctions) - ts
	return 1 + r.int64n(max(horizon*2, 1))
}

func (g *generator) nextBid(b *bid, id, ts int64, r *rng) {
	c, t := g.cfg, tables()
	// A hot auction (probability 1 - 1/hotAuctionRatio) is the first of the
	// last batch of 100 auctions.
	if r.intn(c.hotAuctionRatio) > 0 {
		b.auction = (c.lastBase0AuctionID(id) / hotBatch) * hotBatch
	} else {
		b.auction = c.nextBase0AuctionID(id, r)
	}
	b.auction += firstAuctionID
	// A hot bidder is the second person of the last batch of 100, so that
	// hot bidders and hot sellers differ.
	if r.intn(c.hotBiddersRatio) > 0 {
		b.bidder = (c.lastBase0PersonID(id)/hotBatch)*hotBatch + 1
	} else {
		b.bidder = c.nextBase0PersonID(id, r)
	}
	// Nexmark's BidGenerator adds FIRST_PERSON_ID twice, so bidders are
	// 1000 above the person ids; kept, so that results (q3-style joins of
	// bidders to persons find no match, as in Flink) stay comparable.
	b.bidder += 2 * firstPersonID
	b.price = r.price()
	if r.intn(hotChannelsOdd) > 0 {
		i := r.intn(len(hotChannels))
		b.channel, b.url = hotChannels[i], t.hotURLs[i]
	} else {
		i := r.intn(numChannels)
		b.channel, b.url = t.channels[i], t.channelURLs[i]
	}
	b.dateTime = ts
	b.extra = r.extra(32, c.avgBidSize)
}
