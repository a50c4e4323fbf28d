package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/table"
)

// The join queries' results are checked against the same answers
// computed here, in Go, from the generator's persons, auctions and bids
// (read with plain scans of the views; the generator's seed is fixed so
// that every statement sees the same events). The generator runs at 1000
// events/s of event time so that 40000 events span 40 s: several of
// q8's 10 s windows, auctions that expire within the run.

const joinTestEvents = 40000

// nexmarkJoinEnv is a streaming environment holding ddl.sql's source and
// views over joinTestEvents events.
func nexmarkJoinEnv(t *testing.T, parallelism int) *table.Environment {
	t.Helper()
	s, err := NexmarkScript("q0", joinTestEvents, t.TempDir())
	require.NoError(t, err)
	s = strings.Replace(s, "'first-event.rate' = '10000000'", "'first-event.rate' = '1000', 'base-time' = '2026-01-01 00:00:00', 'seed' = '7'", 1)
	s = strings.Replace(s, "'next-event.rate' = '10000000'", "'next-event.rate' = '1000'", 1)
	ddl := s[:strings.Index(s, "CREATE TABLE nexmark_q0")]
	env := table.NewEnvironment(table.Settings{Streaming: true, Config: map[string]string{"parallelism.default": fmt.Sprint(parallelism)}})
	_, err = env.ExecuteScript(context.Background(), ddl)
	require.NoError(t, err)
	return env
}

// nexmarkSelect is query q's SELECT, from its INSERT.
func nexmarkSelect(t *testing.T, q string) string {
	t.Helper()
	s, err := NexmarkScript(q, joinTestEvents, t.TempDir())
	require.NoError(t, err)
	insert := "INSERT INTO nexmark_" + q + "\n"
	i := strings.Index(s, insert)
	require.GreaterOrEqual(t, i, 0)
	return strings.TrimSuffix(strings.TrimSpace(s[i+len(insert):]), ";")
}

// finalTable runs a streaming query and applies its changelog: the rows
// of the final table as text, sorted. A retraction of a row the table
// does not hold fails the test.
func finalTable(t *testing.T, env *table.Environment, query string) []string {
	t.Helper()
	res, err := env.ExecuteSQL(context.Background(), query)
	require.NoError(t, err)
	count := map[string]int{}
	for _, r := range res.Rows {
		k := line(r.Values...)
		switch r.Kind {
		case "+I", "+U":
			count[k]++
		case "-U", "-D":
			require.Positive(t, count[k], "%s of a row the table does not hold: %s", r.Kind, k)
			count[k]--
		default:
			t.Fatalf("row kind %q", r.Kind)
		}
	}
	var out []string
	for k, n := range count {
		for range n {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func scan(t *testing.T, env *table.Environment, query string) [][]any {
	t.Helper()
	res, err := env.ExecuteSQL(context.Background(), query)
	require.NoError(t, err)
	out := make([][]any, len(res.Rows))
	for i, r := range res.Rows {
		require.Equal(t, "+I", r.Kind)
		out[i] = r.Values
	}
	return out
}

func sorted(rows []string) []string {
	sort.Strings(rows)
	return rows
}

// line is a row as text, as finalTable writes it.
func line(vs ...any) string {
	var sb strings.Builder
	for i, v := range vs {
		if i > 0 {
			sb.WriteString(" | ")
		}
		fmt.Fprint(&sb, v)
	}
	return sb.String()
}

type nxPerson struct {
	id                int64
	name, city, state string
	at                time.Time
}

type nxAuction struct {
	id, seller, category int64
	at, expires          time.Time
	row                  []any
}

type nxBid struct {
	auction, bidder, price int64
	at                     time.Time
	row                    []any
}

// tsLayout is how a TIMESTAMP(3) value reads in a result.
const tsLayout = "2006-01-02 15:04:05.000"

func ts(t *testing.T, v any) time.Time {
	t.Helper()
	s, ok := v.(string)
	require.True(t, ok, "a timestamp reads as text: %v", v)
	at, err := time.Parse(tsLayout, s)
	require.NoError(t, err)
	return at
}

// nexmarkEvents reads the generator's persons, auctions and bids.
func nexmarkEvents(t *testing.T, env *table.Environment) ([]nxPerson, []nxAuction, []nxBid) {
	var ps []nxPerson
	for _, r := range scan(t, env, "SELECT id, name, city, state, `dateTime` FROM person") {
		ps = append(ps, nxPerson{id: r[0].(int64), name: r[1].(string), city: r[2].(string), state: r[3].(string), at: ts(t, r[4])})
	}
	var as []nxAuction
	for _, r := range scan(t, env, "SELECT * FROM auction") {
		as = append(as, nxAuction{id: r[0].(int64), at: ts(t, r[5]), expires: ts(t, r[6]), seller: r[7].(int64), category: r[8].(int64), row: r})
	}
	var bs []nxBid
	for _, r := range scan(t, env, "SELECT * FROM bid") {
		bs = append(bs, nxBid{auction: r[0].(int64), bidder: r[1].(int64), price: r[2].(int64), at: ts(t, r[5]), row: r})
	}
	require.Len(t, ps, joinTestEvents/50)
	require.Len(t, as, joinTestEvents/50*3)
	require.Len(t, bs, joinTestEvents/50*46)
	return ps, as, bs
}

// bidsInLifetime are each auction's bids within its lifetime (B.dateTime
// BETWEEN A.dateTime AND A.expires), by auction id.
func bidsInLifetime(as []nxAuction, bs []nxBid) map[int64][]nxBid {
	byID := map[int64]nxAuction{}
	for _, a := range as {
		byID[a.id] = a
	}
	out := map[int64][]nxBid{}
	for _, b := range bs {
		a, ok := byID[b.auction]
		if ok && !b.at.Before(a.at) && !b.at.After(a.expires) {
			out[a.id] = append(out[a.id], b)
		}
	}
	return out
}

func TestNexmarkJoinQueriesResults(t *testing.T) {
	for _, par := range []int{1, 2} {
		t.Run(fmt.Sprintf("parallelism %d", par), func(t *testing.T) {
			env := nexmarkJoinEnv(t, par)
			ps, as, bs := nexmarkEvents(t, env)
			personByID := map[int64]nxPerson{}
			for _, p := range ps {
				personByID[p.id] = p
			}
			lifetime := bidsInLifetime(as, bs)

			t.Run("q3", func(t *testing.T) {
				var want []string
				for _, a := range as {
					p, ok := personByID[a.seller]
					if ok && a.category == 10 && (p.state == "OR" || p.state == "ID" || p.state == "CA") {
						want = append(want, line(p.name, p.city, p.state, a.id))
					}
				}
				require.NotEmpty(t, want, "the run has sellers in OR, ID or CA")
				assert.Equal(t, sorted(want), finalTable(t, env, nexmarkSelect(t, "q3")))
			})

			t.Run("q20", func(t *testing.T) {
				auctions := map[int64]nxAuction{}
				for _, a := range as {
					auctions[a.id] = a
				}
				var want []string
				for _, b := range bs {
					a, ok := auctions[b.auction]
					if ok && a.category == 10 {
						r := append(append([]any{}, b.row...), a.row[1:]...)
						want = append(want, line(r...))
					}
				}
				require.NotEmpty(t, want)
				assert.Equal(t, sorted(want), finalTable(t, env, nexmarkSelect(t, "q20")))
			})

			t.Run("q4", func(t *testing.T) {
				// The winning bid of each auction with bids in its
				// lifetime, averaged per category as BIGINT (AVG of
				// BIGINT truncates, as Flink's).
				sum, n := map[int64]int64{}, map[int64]int64{}
				for _, a := range as {
					bids := lifetime[a.id]
					if len(bids) == 0 {
						continue
					}
					best := bids[0].price
					for _, b := range bids {
						best = max(best, b.price)
					}
					sum[a.category] += best
					n[a.category]++
				}
				var want []string
				for c := range sum {
					want = append(want, line(c, sum[c]/n[c]))
				}
				require.Greater(t, len(want), 1)
				assert.Equal(t, sorted(want), finalTable(t, env, nexmarkSelect(t, "q4")))
			})

			t.Run("q9", func(t *testing.T) {
				// The highest bid of each auction within its lifetime, the
				// earliest of equal prices. Two bids equal in both would
				// make the row depend on arrival order: the check covers
				// auction, price and time, and the whole row when the
				// winner is unique.
				got := finalTable(t, env, "SELECT id, price, bid_dateTime, bidder FROM ("+nexmarkSelect(t, "q9")+")")
				var want []string
				tiedIDs := map[string]bool{}
				for _, a := range as {
					bids := lifetime[a.id]
					if len(bids) == 0 {
						continue
					}
					w := bids[0]
					tied := false
					for _, b := range bids[1:] {
						switch {
						case b.price > w.price || b.price == w.price && b.at.Before(w.at):
							w, tied = b, false
						case b.price == w.price && b.at.Equal(w.at):
							tied = true
						}
					}
					if tied {
						tiedIDs[fmt.Sprint(a.id)] = true
						want = append(want, line(a.id, w.price, w.row[5], "?"))
						continue
					}
					want = append(want, line(a.id, w.price, w.row[5], w.bidder))
				}
				require.Greater(t, len(want), 100)
				for i, g := range got {
					if f := strings.Split(g, " | "); tiedIDs[f[0]] {
						f[3] = "?"
						got[i] = strings.Join(f, " | ")
					}
				}
				sort.Strings(got)
				assert.Equal(t, sorted(want), got)
				// The whole rows: the auction's columns and the bid's.
				full := finalTable(t, env, nexmarkSelect(t, "q9"))
				assert.Len(t, full, len(want))
			})

			t.Run("q13", func(t *testing.T) {
				// Every bid with its side-input row, key auction % 10000.
				dir := t.TempDir()
				require.NoError(t, writeSideInput(filepath.Join(dir, "side_input.txt")))
				script, err := NexmarkScript("q13", joinTestEvents, dir)
				require.NoError(t, err)
				i := strings.Index(script, "CREATE TABLE side_input")
				j := strings.Index(script[i:], ";")
				_, err = env.ExecuteScript(context.Background(), script[i:i+j+1])
				require.NoError(t, err)
				var want []string
				for _, b := range bs {
					want = append(want, line(b.auction, b.bidder, b.price, b.row[5], b.auction%10000))
				}
				assert.Equal(t, sorted(want), finalTable(t, env, nexmarkSelect(t, "q13")))
			})

			t.Run("q5", func(t *testing.T) {
				// Per 10 s window sliding by 2 s, the auctions with the
				// most bids (all of them when they tie).
				counts := map[time.Time]map[int64]int64{}
				for _, b := range bs {
					last := b.at.Truncate(2 * time.Second)
					for start := last; start.After(last.Add(-10 * time.Second)); start = start.Add(-2 * time.Second) {
						if counts[start] == nil {
							counts[start] = map[int64]int64{}
						}
						counts[start][b.auction]++
					}
				}
				var want []string
				for _, byAuction := range counts {
					top := int64(0)
					for _, n := range byAuction {
						top = max(top, n)
					}
					for a, n := range byAuction {
						if n == top {
							want = append(want, line(a, n))
						}
					}
				}
				require.Greater(t, len(counts), 10)
				assert.Equal(t, sorted(want), finalTable(t, env, nexmarkSelect(t, "q5")))
			})

			t.Run("q7", func(t *testing.T) {
				// The bids at the highest price of a 10 s tumbling window,
				// from the window's end back 10 s, both ends included (a
				// bid on a window's end meets the next window's maximum
				// too).
				top := map[time.Time]int64{}
				for _, b := range bs {
					end := b.at.Truncate(10 * time.Second).Add(10 * time.Second)
					top[end] = max(top[end], b.price)
				}
				var want []string
				for end, p := range top {
					for _, b := range bs {
						if b.price == p && !b.at.Before(end.Add(-10*time.Second)) && !b.at.After(end) {
							want = append(want, line(b.auction, b.price, b.bidder, b.row[5], b.row[6]))
						}
					}
				}
				require.Greater(t, len(top), 2)
				assert.Equal(t, sorted(want), finalTable(t, env, nexmarkSelect(t, "q7")))
			})

			t.Run("q8", func(t *testing.T) {
				// Persons who opened an auction in the 10 s tumbling
				// window they joined in.
				win := func(at time.Time) time.Time { return at.Truncate(10 * time.Second) }
				type pw struct {
					id   int64
					name string
					w    time.Time
				}
				persons := map[pw]bool{}
				for _, p := range ps {
					persons[pw{p.id, p.name, win(p.at)}] = true
				}
				sellers := map[[2]any]bool{}
				for _, a := range as {
					sellers[[2]any{a.seller, win(a.at)}] = true
				}
				var want []string
				windows := map[time.Time]bool{}
				for p := range persons {
					if sellers[[2]any{p.id, p.w}] {
						want = append(want, line(p.id, p.name, p.w.Format(tsLayout)))
						windows[p.w] = true
					}
				}
				require.Greater(t, len(windows), 2, "several windows")
				assert.Equal(t, sorted(want), finalTable(t, env, nexmarkSelect(t, "q8")))
			})
		})
	}
}

// BenchmarkNexmarkJoins runs the join queries as `sluice bench nexmark`
// does (for -cpuprofile): go test -run XXX -bench NexmarkJoins ./bench/
func BenchmarkNexmarkJoins(b *testing.B) {
	for _, q := range []string{"q3", "q4", "q8", "q9", "q13", "q20"} {
		b.Run(q, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				rep, err := RunNexmark(context.Background(), NexmarkConfig{Events: 1_000_000, Queries: []string{q}, Parallelism: 1}, nil)
				if err != nil {
					b.Fatal(err)
				}
				m := rep.Measurements[0]
				if m.Error != "" {
					b.Fatal(m.Error)
				}
				b.ReportMetric(m.EventsPerCore, "events/cpu-s")
			}
		})
	}
}
